"""Delivery through a real in-process sandbox: a 429 pauses the destination until the vendor's
hint, then its queue drains, so nothing is lost, nothing doubled and no retry storm follows; a lost answer retried under the same Klaviyo `unique_id`, the backoff
schedule, and 4xx answers that end `failed` with the vendor's words."""
from __future__ import annotations

from collections import Counter

import httpx
import pytest

from simulator.scenarios.model import ADD_TO_CART, PURCHASE, VIEW_CONTENT, PixelEvent
from simulator.scenarios.pipeline.mappings import cart_id
from simulator.sandbox import Sandbox
from tests.test_pipeline import (ANN, BOB, KLAVIYO_KEY, OMNISEND_KEY, OTHER_BRAND_KEY, START, Run, klaviyo, login,
                                 make_shopper, omnisend_api, omnisend_v3)


def _shoppers_adding_to_cart(count: int) -> list[PixelEvent]:
    """`count` logged-in add-to-carts, each its own session, within the first half minute."""
    return [login(ADD_TO_CART, n, ANN if n % 2 else BOB, session=f"s-{n}") for n in range(count)]


@pytest.mark.parametrize("api", ["omnisend-api", "omnisend-v3"])
def test_a_flooded_brand_answers_429_and_every_event_lands_once(api):
    make = omnisend_api if api == "omnisend-api" else omnisend_v3
    run = Run([make("flooded"), make("calm", OTHER_BRAND_KEY)])
    surface = run.sb.client(api, key=OMNISEND_KEY)

    def flood():  # someone else spends the brand's minute just before the forwarder's sends fall due
        while surface.get("/contacts").status_code != 429:
            pass

    run.timeline.schedule(60, flood)
    events = _shoppers_adding_to_cart(30)
    run.capture(*events)
    run.run()
    assert run.outcomes("flooded") == run.outcomes("calm") == ["delivered"] * 30
    # The first refused send paused the flooded destination: the other 29 queued behind it unsent,
    # and the calm brand was never held up.
    assert run.forwarder.retries == 1
    journal = run.sb.client("sim").get("/journal", params={"path": "/omnisend/"}).json()["requests"]
    flooded = OMNISEND_KEY.split("-")[0]
    assert sum(r["status"] == 429 for r in journal) == 1 + 1  # + the flood's own last request
    landed = [r["time"] for r in journal if r["account"] == flooded and r["method"] != "GET" and r["status"] < 300]
    assert min(landed) == "2026-11-01T00:02:00Z"  # the retries waited for the minute the vendor named
    for key in (OMNISEND_KEY, OTHER_BRAND_KEY):
        held = Counter(a.properties["cartID"] for a in run.omnisend_activity(key) if a.name == "added product to cart")
        assert held == Counter(cart_id(e) for e in events)  # each event exactly once at each brand


def test_klaviyo_list_adds_past_the_burst_wait_for_retry_after():
    sb = Sandbox(seed=0, start=START)
    kl = sb.client("klaviyo-api", key=KLAVIYO_KEY)
    list_id = kl.post("/lists", json={"data": {"type": "list", "attributes": {"name": "Upstack"}}}).json()["data"]["id"]
    people = [make_shopper(n, f"Person{n}", "Doe", "Reno", "NV") for n in range(10, 25)]
    run = Run([klaviyo(list_id=list_id)], shoppers=people, sandbox=sb)
    run.capture(*(login(VIEW_CONTENT, 0, who) for who in people))  # all sent in the same second
    run.run()
    adds = run.sb.client("sim").get("/journal", params={"path": f"/klaviyo/api/lists/{list_id}/relationships"})
    # add_profiles_to_list allows 10 a second; the 11th is refused and the rest queue behind it
    # until the second Retry-After names
    assert Counter((r["time"][11:19], r["status"]) for r in adds.json()["requests"]) == {
        ("00:01:00", 204): 10, ("00:01:00", 429): 1, ("00:01:01", 204): 5}
    assert run.forwarder.retries == 1 and run.outcomes("klaviyo") == ["delivered"] * 15
    assert len(kl.get(f"/lists/{list_id}/profiles").json()["data"]) == 15
    assert len(run.klaviyo_events()) == 15


class LosesFirstAnswer(httpx.BaseTransport):
    """Delivers every request, but the first answer to `path` is lost on the way back."""

    def __init__(self, inner: httpx.BaseTransport, path: str):
        self.inner, self.path, self.lost = inner, path, 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if request.url.path == self.path and not self.lost:
            self.lost += 1
            raise httpx.ReadTimeout("the answer never came", request=request)
        return response


def test_a_lost_answer_is_retried_under_the_same_klaviyo_unique_id():
    sb = Sandbox(seed=0, start=START)
    lossy = LosesFirstAnswer(httpx.WSGITransport(app=sb._in_process_wsgi), "/klaviyo/api/events")
    run = Run([klaviyo()], transport=lossy, sandbox=sb)
    cart = login(ADD_TO_CART, 0)
    run.capture(cart)
    run.run()
    assert run.journal("/klaviyo/api/events") == [("POST", 202), ("POST", 202)]  # the vendor got it twice
    assert run.outcome(cart, "klaviyo")[0] == "delivered" and run.forwarder.retries == 1
    assert [e["metric"] for e in run.klaviyo_events()] == ["Added to Cart"]  # and kept it once


class Refuses(httpx.BaseTransport):
    """No connection ever: each attempt is recorded at the run's time."""

    def __init__(self, run_now):
        self.run_now, self.tried = run_now, []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.tried.append(self.run_now())
        raise httpx.ConnectError("connection refused", request=request)


def test_transport_errors_follow_the_backoff_schedule_then_fail():
    refused = Refuses(lambda: run.timeline.now)
    run = Run([klaviyo()], transport=refused, max_attempts=6)
    cart = login(ADD_TO_CART, 0)
    run.capture(cart)
    run.run()
    assert refused.tried == [60, 61, 66, 96, 216, 816]  # 1 s, 5 s, 30 s, 2 min, 10 min apart
    outcome, reason = run.outcome(cart, "klaviyo")
    assert outcome == "failed" and "gave up after 6 attempts, last ConnectError: connection refused" in reason
    assert run.forwarder.retries == 5


def test_a_bad_key_fails_with_the_vendor_reason_and_is_not_retried():
    run = Run([klaviyo(key="pk_short"), omnisend_api(key="not-a-key")])
    view = login(VIEW_CONTENT, 0)
    run.capture(view)
    run.run()
    outcome, reason = run.outcome(view, "klaviyo")
    assert (outcome, reason) == ("failed", "klaviyo POST /events -> 401: Incorrect authentication credentials.")
    outcome, reason = run.outcome(view, "omnisend")
    assert outcome == "failed" and reason.startswith("omnisend-api POST /contacts -> 401: ")
    assert run.forwarder.retries == 0


def test_a_refused_body_fails_with_the_fields_the_vendor_names():
    run = Run([omnisend_api(), omnisend_v3("v3", OTHER_BRAND_KEY)])
    broken = login(PURCHASE, 0, properties={"order_id": "o-1", "items": []})  # no revenue: no order total
    run.capture(broken)
    run.run()
    outcome, reason = run.outcome(broken, "omnisend")
    assert (outcome, reason) == ("failed", "omnisend-api POST /events -> 400: One or more fields are invalid.; "
                                           "properties.totalPrice: properties.totalPrice is required")
    outcome, reason = run.outcome(broken, "v3")
    assert (outcome, reason) == ("failed", "omnisend-v3 POST /orders -> 400: 1 error(s) found. Check 'fields' array "
                                           "for details.; orderSum: field required but not found in Json")
    assert run.omnisend_activity() == run.omnisend_activity(OTHER_BRAND_KEY) == []
