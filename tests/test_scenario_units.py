"""The runner's rules one at a time: what the store's native integration can identify, what counts
as a duplicate, last-touch attribution, and each kind of expectation."""
from __future__ import annotations

import datetime as _dt
import random

import pytest

from simulator.scenarios.expectations import check
from simulator.scenarios.forwarder import Destination, ForwarderContext, IdentityNetwork
from simulator.scenarios.model import ADD_TO_CART, INITIATE_CHECKOUT, PURCHASE, VIEW_CONTENT, Click, Device, PixelEvent, Shopper
from simulator.scenarios.native import NativeIntegration
from simulator.scenarios.outcomes import Attribution, duplicates
from simulator.scenarios.timeline import Timeline

DAY = 86400
START = _dt.datetime(2026, 11, 1, tzinfo=_dt.timezone.utc)
PARAMS = {"native_cookie_days": 730, "native_cookie_days_short": 7, "native_cookie_days_short_from_link": 1}
CHROME = Device("s1/d1", "desktop", "chrome", False, False)
SAFARI = Device("s1/d2", "mobile", "safari", True, False)
BLOCKED = Device("s1/d3", "desktop", "firefox", False, True)
ANN = Shopper("s1", "ann@example.com", "+15550000001", "Ann", "Lee", "Reno", "Nevada", True,
              (CHROME, SAFARI, BLOCKED))


class Sent:
    """A native integration over a fake HTTP client: what it sent, and what it recorded."""

    def __init__(self):
        self.records, self.requests = [], []
        timeline = Timeline(START)
        http = type("Http", (), {"request": lambda _, method, url, json=None, headers=None:
                                 self.requests.append((method, url, json)) or _Answer()})()
        destination = Destination("native klaviyo", "klaviyo", "http://sandbox/klaviyo/api", "pk_" + "a" * 34)
        self.native = NativeIntegration(PARAMS, {d.id: d for d in ANN.devices})
        self.native.start(ForwarderContext(
            http=http, destinations=[destination], network=IdentityNetwork({ANN.id: ANN}, {}),
            rng=random.Random(0), now=lambda: timeline.now, iso=timeline.iso, schedule=timeline.schedule,
            record=lambda *record: self.records.append(record)))

    def see(self, name: str, at: int, device: Device = CHROME, **fields) -> str:
        event = PixelEvent(f"ev-{len(self.records)}", at, name, ANN.id, device.id, "s", **fields)
        self.native.handle(event)
        return self.records[-1][2] + ": " + self.records[-1][3]


class _Answer:
    status_code = 202
    headers: dict = {}


def test_native_knows_logged_in_and_typed_emails_and_keeps_its_cookie():
    sent = Sent()
    assert sent.see(VIEW_CONTENT, 0).startswith("filtered: anonymous")
    assert sent.see(VIEW_CONTENT, 10, logged_in=True, email=ANN.email).startswith("delivered")
    assert sent.see(ADD_TO_CART, 700 * DAY).startswith("delivered")  # the 2-year cookie still lives
    assert sent.see(ADD_TO_CART, 731 * DAY).startswith("filtered: anonymous")
    body = sent.requests[0][2]["data"]["attributes"]
    assert body["metric"]["data"]["attributes"]["name"] == "Viewed Product"
    assert body["unique_id"] == "native-ev-1"  # never the forwarder's id for the same pixel event
    assert body["profile"]["data"]["attributes"]["first_name"] == "Ann"


def test_safari_forgets_after_7_days_and_a_link_cookie_after_one():
    sent = Sent()
    sent.see(INITIATE_CHECKOUT, 0, SAFARI, email_typed=True, email=ANN.email)
    assert sent.see(VIEW_CONTENT, 6 * DAY, SAFARI).startswith("delivered")
    assert sent.see(VIEW_CONTENT, 14 * DAY, SAFARI).startswith("filtered: anonymous")
    click = Click("klaviyo", "email", "m1", ANN.email)
    assert sent.see(VIEW_CONTENT, 20 * DAY, SAFARI, click=click).startswith("delivered")
    assert sent.see(VIEW_CONTENT, 20 * DAY + 23 * 3600, SAFARI).startswith("delivered")
    assert sent.see(VIEW_CONTENT, 21 * DAY + 1, SAFARI).startswith("filtered: anonymous")
    other_vendor = Click("omnisend", "email", "m2", ANN.email)
    assert sent.see(VIEW_CONTENT, 30 * DAY, SAFARI, click=other_vendor).startswith("filtered: anonymous")


def test_an_ad_blocker_stops_onsite_events_not_the_stores_own():
    sent = Sent()
    assert sent.see(VIEW_CONTENT, 0, BLOCKED, logged_in=True, email=ANN.email).startswith(
        "filtered: the vendor's onsite script is blocked")
    assert sent.see(PURCHASE, 60, BLOCKED, email_typed=True, email=ANN.email,
                    properties={"order_id": "o1", "revenue": 10.0, "items": []}).startswith("delivered")
    # A checkout the store's server saw no email for goes nowhere, cookie or not.
    assert sent.see(INITIATE_CHECKOUT, 120, BLOCKED).startswith("filtered: the store's server knows no email")


def run_json(run_id: str, workflow: str, created: int, sent: list[int], recipient: str = "ann@example.com") -> dict:
    def at(seconds: int) -> str:
        return (START + _dt.timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"id": run_id, "workflow_name": workflow, "recipient": recipient, "created_at": at(created),
            "steps": [{"outcome": "sent", "at": at(t)} for t in sent]}


def test_a_duplicate_is_two_runs_about_one_episode_within_the_window():
    sessions = {"s1": [0, 3 * DAY]}
    shopper = {"ann@example.com": "s1"}.get
    runs = [run_json("r1", "Abandoned Cart", 60, [3600, 3600 + DAY]),  # its follow-up is no duplicate
            run_json("r2", "Abandoned Cart - Clone", 70, [4500]),  # the same episode, 15 minutes later
            run_json("r3", "Browse Abandonment", 3 * DAY + 10, [3 * DAY + 3600]),  # the next episode
            run_json("r4", "Post-purchase", 100, [200]),  # another purpose
            run_json("r5", "Abandoned Cart", 80, [], recipient="ann@example.com")]  # sent nothing
    pairs = duplicates(runs, {"Post-purchase": "post-purchase"}, sessions, shopper, START, window_hours=168)
    assert pairs == {"Abandoned Cart + Abandoned Cart - Clone": 1}
    assert duplicates(runs, {}, sessions, shopper, START, window_hours=0.1) == {}
    entered_twice = [run_json("a", "Abandoned Cart", 60, [3600]), run_json("b", "Abandoned Cart", 61, [3601])]
    assert duplicates(entered_twice, {}, sessions, shopper, START, 168) == {"Abandoned Cart + Abandoned Cart": 1}


def test_attribution_credits_the_last_touch_within_the_window():
    credit = Attribution(window_days=5, touches=("open", "click"))
    credit.touch("s1", 100, "open", "Browse")
    credit.touch("s1", 200, "click", "Cart")
    assert credit.credit("s1", 150) == "Browse"
    assert credit.credit("s1", 5 * DAY + 200) == "Cart"
    assert credit.credit("s1", 5 * DAY + 201) is None
    assert credit.credit("s1", 50) is None and credit.credit("s2", 300) is None
    clicks_only = Attribution(5, ("click",))
    clicks_only.touch("s1", 100, "open", "Browse")
    assert clicks_only.credit("s1", 150) is None


REPORT = {"arms": {"a": {"workflow_entries": {"Cart": 10}, "messages_per_shopper": {"mean": 1.5, "max": 4},
                         "duplicates": 3, "duplicates_by_pair": {"Cart + Clone": 3}, "delivery": {"lost": 0}},
                   "b": {}},
          "uplift": {"b": {"recovered_revenue": 0.4, "orders": None}}}


@pytest.mark.parametrize("expectation, passed, actual", [
    ({"type": "entries", "workflow": "Cart", "min": 10, "max": 10}, True, 10),
    ({"type": "entries", "workflow": "Browse", "min": 1}, False, 0),
    ({"type": "messages_per_shopper", "max": 3}, False, 4),
    ({"type": "messages_per_shopper", "stat": "mean", "max": 2}, True, 1.5),
    ({"type": "duplicates", "max": 2}, False, 3),
    ({"type": "duplicates", "pair": "Cart + Clone", "min": 3}, True, 3),
    ({"type": "duplicates", "pair": "Other + Clone", "max": 0}, True, 0),
    ({"type": "uplift", "arm": "b", "metric": "recovered_revenue", "min": 0.3, "max": 0.5}, True, 0.4),
    ({"type": "uplift", "arm": "b", "metric": "orders", "min": 0}, False, None),
    ({"type": "metric", "path": "delivery.lost", "max": 0}, True, 0),
    ({"type": "metric", "path": "delivery.nothing", "max": 0}, False, None),
])
def test_each_kind_of_expectation(expectation, passed, actual):
    [result] = check([{"arm": "a", **expectation}], REPORT)
    assert (result["passed"], result["actual"]) == (passed, actual)
