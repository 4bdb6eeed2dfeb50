"""The Omnisend engine end to end, what happens inside: delays on the brand's calendar, splits
(event, contact and message filters), A/B tests, send actions and sending thresholds, webhooks,
tags, engagement through the control API, the run trace and its determinism."""
from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from tests.conftest import CheckedSandbox, START
from tests.engine_support import (ab, brand_of, cart_line, contact, create, email, event, on, order, push,
                                  rule, sms, split, steps, tag, wait, wait_until, webhook)


@pytest.fixture
def sim(sb):
    return sb.client("sim")


def outbox(sb) -> list[tuple]:
    return [(m["channel"], m["recipient"], m["subject"], m["sent_at"]) for m in sb.outbox()]


# -- delays ------------------------------------------------------------------------------------------

def test_delays_in_the_brand_timezone_with_weekdays(sb, api, v3):
    brand_of(sb).profile.timezone = "America/New_York"  # 10:00Z Monday Nov 2 = 05:00 EST
    contact(v3, "ann@example.com")
    create(api, "Calendar", on("visited site"), [
        wait_until("at9", "09:30"),  # 09:30 EST today = 14:30Z
        email("e1", "one"),
        wait_until("at8", "08:00"),  # 08:00 has passed: tomorrow 13:00Z
        email("e2", "two"),
        wait("d1", 1, "d", allowedWeekdays=["friday"]),  # Wed 08:00 -> Fri 08:00 local
        email("e3", "three"),
        wait("m1", 1, "M"),  # Dec 6 08:00 EST
        email("e4", "four")])
    event(api, "ann@example.com", "visited site")
    sb.clock.advance(days=40)
    assert [(m[2], m[3]) for m in outbox(sb)] == [("one", "2026-11-02T14:30:00Z"), ("two", "2026-11-03T13:00:00Z"),
                                                  ("three", "2026-11-06T13:00:00Z"), ("four", "2026-12-06T13:00:00Z")]


def test_immediate_delay_and_due_steps_run_in_time_order_across_runs(sb, api, v3):
    for who in ("ann", "bob"):
        contact(v3, f"{who}@example.com")
    create(api, "Slow", on("visited site"), [wait("w1", 3, "h"), email("e1", "slow")])
    create(api, "Fast", on("visited site"), [{"temporaryID": "now", "type": "delay", "delay": {"mode": "immediate"}},
                                                 email("e1", "now"), wait("w2", 1, "h"), email("e2", "fast")])
    event(api, "ann@example.com", "visited site")
    sb.clock.advance(minutes=30)
    event(api, "bob@example.com", "visited site")
    sb.clock.advance(hours=5)
    assert [(m[1], m[2], m[3][11:16]) for m in outbox(sb)] == [
        ("ann@example.com", "now", "10:00"), ("bob@example.com", "now", "10:30"), ("ann@example.com", "fast", "11:00"),
        ("bob@example.com", "fast", "11:30"), ("ann@example.com", "slow", "13:00"), ("bob@example.com", "slow", "13:30")]
    assert sb.scheduler.pending() == 0


# -- splits and A/B ------------------------------------------------------------------------------------

def test_event_and_contact_splits_then_the_shared_blocks_after(sb, api, v3):
    contact(v3, "ann@example.com", tags=["vip"])
    contact(v3, "bob@example.com")
    create(api, "Orders", on("placed order"), [
        split("big", [{"type": "event", **rule("totalPrice", "gte", 100)}],
              [email("e-big", "big order")], [email("e-small", "small order")]),
        split("vip", [{"type": "contact", **rule("tag", "eq", "VIP")}], [tag("t1", "addTag", "Big-Spender")]),
        email("e-all", "thanks")])
    event(api, "ann@example.com", "placed order", {"totalPrice": 250})
    event(api, "bob@example.com", "placed order", {"totalPrice": 20})
    assert [(m[1], m[2]) for m in outbox(sb)] == [("ann@example.com", "big order"), ("ann@example.com", "thanks"),
                                                  ("bob@example.com", "small order"), ("bob@example.com", "thanks")]
    ann, bob = sb.runs()
    assert [(s["type"], s["outcome"], s["reason"][:5]) for s in ann["steps"][1:]] == [
        ("split", "branched", "true:"), ("sendEmail", "sent", "email"), ("split", "branched", "true:"),
        ("addTag", "applied", "tag '"), ("sendEmail", "sent", "email")]
    assert [s["outcome"] for s in bob["steps"][1:]] == ["branched", "sent", "branched", "sent"]
    assert v3.get(f"/contacts/{ann['contact_id']}").json()["tags"] == ["vip", "big-spender"]


def test_message_splits_read_opens_and_clicks_recorded_through_the_control_api(sb, api, v3, sim):
    for who in ("ann", "bob", "cid"):
        contact(v3, f"{who}@example.com")
    flow = create(api, "Engaged", on("visited site"), [
        email("first", "first"), wait("w1", 1, "d"),
        split("clicked", [{"type": "message", "field": "blockID", "operator": "clickedEmail", "value": "first",
                           "urlMatch": {"operator": "contains", "value": "/sale"}}],
              [email("e-clicked", "clicked the sale")],
              [split("opened", [{"type": "message", "field": "blockID", "operator": "openedEmail", "value": "first"}],
                     [email("e-opened", "opened only")], [email("e-none", "nothing")])])])
    for who in ("ann", "bob", "cid"):
        event(api, f"{who}@example.com", "visited site")
    first = {m["recipient"]: m["id"] for m in sb.outbox()}
    assert all(m["step_id"] == flow["ids"]["first"] for m in sb.outbox())
    clicked = sim.post("/engagement", json={"message_id": first["ann@example.com"], "type": "click",
                                            "url": "https://shop.example/sale?utm=x"})
    assert clicked.status_code == 200 and clicked.json()["message"]["engagement"] == [
        {"type": "click", "at": "2026-11-02T10:00:00Z", "url": "https://shop.example/sale?utm=x"}]
    sb.engage(first["bob@example.com"], "open")
    sb.engage(first["cid@example.com"], "click", url="https://shop.example/about")  # a click, not on /sale
    sb.clock.advance(days=2)
    assert [(m[1], m[2]) for m in outbox(sb)[3:]] == [("ann@example.com", "clicked the sale"),
                                                      ("bob@example.com", "opened only"), ("cid@example.com", "nothing")]


def test_engagement_errors_in_the_control_api_shape(sim):
    missing = sim.post("/engagement", json={"message_id": "nope", "type": "open"})
    assert missing.status_code == 404 and missing.json() == {"error": "no such message", "status": 404}
    wrong = sim.post("/engagement", json={"message_id": "x", "type": "bounce"})
    assert wrong.status_code == 400 and wrong.json()["status"] == 400


def test_ab_testing_assigns_each_contact_from_the_seed(sb, api, v3):
    emails = [f"c{i}@example.com" for i in range(40)]
    for address in emails:
        contact(v3, address)
    create(api, "AB", on("visited site"), [ab("ab", 50, [email("a", "A")], [email("b", "B")])])
    create(api, "Winner", on("visited site"), [ab("ab", 100, [email("a", "winner")], [email("b", "loser")])])
    for address in emails:
        event(api, address, "visited site")
    subjects = [m[2] for m in outbox(sb)]
    assert subjects.count("winner") == 40 and subjects.count("loser") == 0
    split_ab = [s for s in subjects if s in ("A", "B")]
    assert 10 < split_ab.count("A") < 30
    again = CheckedSandbox(seed=7, start=START)
    api2, v32 = again.client("omnisend-api"), again.client("omnisend-v3")
    for address in emails:
        contact(v32, address)
    create(api2, "AB", on("visited site"), [ab("ab", 50, [email("a", "A")], [email("b", "B")])])
    for address in emails:
        event(api2, address, "visited site")
    assert [m[2] for m in outbox(again)] == split_ab


# -- sending ---------------------------------------------------------------------------------------

def test_channels_thresholds_and_skips(sb, api, v3, sim):
    contact(v3, "sub@example.com", phone="+37060000001")
    contact(v3, "non@example.com", email_status="nonSubscribed", phone="+37060000002", sms_status="nonSubscribed")
    contact(v3, "uns@example.com", email_status="unsubscribed", phone="+12025550100", sms_status="nonSubscribed")
    create(api, "Default thresholds", on("visited site"),
           [email("e", "Hi [[contact.email]]"), sms("s"), push("p")])
    create(api, "Loose thresholds", on("visited site"), [email("e", "loose"), sms("s")],
           settings={"sendingThresholds": {"email": "nonSubscribed", "sms": "all"}})
    create(api, "Transactional", on("visited site"), [email("e", "receipt")],
           settings={"sendingThresholds": {"email": "all", "sms": "subscribed"}})
    sub_id = v3.get("/contacts", params={"email": "sub@example.com"}).json()["contacts"][0]["contactID"]
    assert sim.post("/omnisend/push-subscriptions", json={"brand": brand_of(sb).id, "contactID": sub_id}).status_code == 200
    for who in ("sub", "non", "uns"):
        event(api, f"{who}@example.com", "visited site")
    assert [(m[0], m[1], m[2]) for m in outbox(sb)] == [
        ("email", "sub@example.com", "Hi sub@example.com"), ("sms", "+37060000001", None), ("push", sub_id, None),
        ("email", "sub@example.com", "loose"), ("sms", "+37060000001", None), ("email", "sub@example.com", "receipt"),
        ("email", "non@example.com", "loose"), ("sms", "+37060000002", None), ("email", "non@example.com", "receipt"),
        ("email", "uns@example.com", "receipt")]  # US SMS: subscribed only, whatever the threshold
    uns_loose = sb.runs(recipient="uns@example.com")[1]
    assert [(s["type"], s["outcome"], s["reason"]) for s in uns_loose["steps"][1:]] == [
        ("sendEmail", "skipped", "email status unsubscribed is below the sending threshold nonSubscribed"),
        ("sendSms", "skipped", "US SMS goes to subscribed contacts only (status nonSubscribed)")]
    assert uns_loose["status"] == "completed"
    non_default = sb.runs(recipient="non@example.com")[0]
    assert [s["outcome"] for s in non_default["steps"][1:]] == ["skipped", "skipped", "skipped"]
    assert non_default["steps"][3]["reason"] == "push goes to push-subscribed contacts only"


def test_is_skip_allowed_false_cancels_the_run(sb, api, v3):
    contact(v3, "non@example.com", email_status="nonSubscribed")
    create(api, "Strict", on("visited site"), [email("e1", "first", isSkipAllowed=False), email("e2", "second")])
    event(api, "non@example.com", "visited site")
    [run] = sb.runs()
    assert run["status"] == "cancelled" and steps(run)[-1] == ("sendEmail", "cancelled", "10:00")
    assert run["steps"][-1]["reason"].endswith("isSkipAllowed is false")
    assert sb.outbox() == []


def test_tags_are_lower_cased_and_removed(sb, api, v3):
    ann = contact(v3, "ann@example.com", tags=["Lead"])
    create(api, "Tags", on("visited site"), [tag("t1", "addTag", "Engaged"), tag("t2", "removeTag", "LEAD"),
                                                 tag("t3", "addTag", "engaged")])
    event(api, "ann@example.com", "visited site")
    assert v3.get(f"/contacts/{ann}").json()["tags"] == ["engaged"]
    assert [s["reason"] for s in sb.runs()[0]["steps"][1:]] == [
        "tag 'engaged' added", "tag 'lead' removed", "tag 'engaged' was already there"]


def test_webhooks_are_posted_and_failures_recorded(sb, api, v3):
    calls = []

    def target(request: httpx.Request) -> httpx.Response:
        calls.append((str(request.url), request.headers.get("X-Token"), json.loads(request.content)))
        if "down" in request.url.host:
            raise httpx.ConnectTimeout("timed out", request=request)
        return httpx.Response(202)

    sb.engine.webhooks.transport = httpx.MockTransport(target)
    sb.engine.webhooks.background = False
    contact(v3, "ann@example.com", firstName="Ann")
    create(api, "Hooks", on("placed order"), [
        webhook("ok", "https://hooks.example/in", '{"email": "[[contact.email]]", "order": "[[event.orderID]]"}',
                headers=[{"key": "X-Token", "value": "secret"}]),
        webhook("down", "https://down.example/in", '{"name": "[[contact.first_name]]"}'),
        email("e1", "still sent")])
    event(api, "ann@example.com", "placed order", {"orderID": "o-9"})
    assert calls == [("https://hooks.example/in", "secret", {"email": "ann@example.com", "order": "o-9"}),
                     ("https://down.example/in", None, {"name": "Ann"})]
    [run] = sb.runs()
    hooks = [s["webhook"] for s in run["steps"] if s["type"] == "sendWebhook"]
    assert hooks[0]["delivery"] == {"state": "delivered", "status": 202}
    assert hooks[1]["delivery"] == {"state": "failed", "error": "ConnectTimeout: timed out"}
    assert run["status"] == "completed" and outbox(sb)[0][2] == "still sent"


def test_webhooks_in_the_background_are_posted_outside_the_request(sb, api, v3):
    seen = []
    sb.engine.webhooks.transport = httpx.MockTransport(lambda request: seen.append(request.url.path) or httpx.Response(200))
    contact(v3, "ann@example.com")
    create(api, "Hook", on("visited site"), [webhook("h", "https://hooks.example/bg", "{}")])
    event(api, "ann@example.com", "visited site")
    assert sb.engine.webhooks.drain(timeout=10)
    assert seen == ["/bg"]
    assert sb.runs()[0]["steps"][-1]["webhook"]["delivery"] == {"state": "delivered", "status": 200}


# -- the trace --------------------------------------------------------------------------------------

def test_runs_control_route_filters(sb, api, v3, sim):
    contact(v3, "ann@example.com")
    contact(v3, "bob@example.com")
    flow = create(api, "Welcome", on("visited site"), [email("e1")])
    event(api, "ann@example.com", "visited site")
    event(api, "bob@example.com", "visited site")
    listed = sim.get("/runs", params={"vendor": "omnisend", "workflow_id": flow["id"], "recipient": "bob@example.com"})
    [run] = listed.json()["runs"]
    assert set(run) >= {"id", "vendor", "workflow_id", "workflow_name", "recipient", "status", "entered_at",
                        "trigger_event", "steps"}
    assert {"step_id", "type", "at", "outcome", "reason"} <= set(run["steps"][0])
    assert run["steps"][1]["step_id"] == flow["ids"]["e1"] and run["steps"][1]["message_id"] == sb.outbox()[1]["id"]
    assert sim.get("/runs", params={"vendor": "klaviyo"}).json() == {"runs": []}
    assert sim.get("/runs", params={"colour": "red"}).status_code == 400
    sim.post("/reset")
    assert sim.get("/runs").json() == {"runs": []}


FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "omnisend" / "automations"


def shopper_day(sb) -> tuple[str, str]:
    """One shopper qualifying for the standard product-, cart- and checkout-abandonment automations
    (the fixtures) on the same afternoon; (runs, outbox) as JSON."""
    api, v3 = sb.client("omnisend-api"), sb.client("omnisend-v3")
    contact(v3, "ann@example.com", firstName="Ann")
    for name in ("product-abandonment", "cart-abandonment", "checkout-abandonment"):
        body = json.loads((FIXTURES / f"{name}.json").read_text())
        create(api, body.pop("name"), body.pop("trigger"), body.pop("blocks"), **body)
    event(api, "ann@example.com", "viewed product", {"product": {"id": "p1", "price": 10.0}})
    sb.clock.advance(minutes=20)
    event(api, "ann@example.com", "viewed product", {"product": {"id": "p2", "price": 12.0}})
    sb.clock.advance(hours=2, minutes=10)  # 12:30: entered at 11:20, product email at 12:20
    cart_line(v3, "cart-1", "ann@example.com", "l1")  # exits the product flow
    sb.clock.advance(minutes=10)
    cart_line(v3, "cart-1", "ann@example.com", "l2", price=900)
    sb.clock.advance(hours=1, minutes=50)  # 14:30: entered at 13:10, cart email at 14:10
    event(api, "ann@example.com", "started checkout", {"cartID": "cart-1", "value": 19.0})
    sb.clock.advance(hours=2, minutes=30)  # 17:00: entered at 15:30, checkout email at 16:30
    order(v3, "o-1", "ann@example.com")
    sb.clock.advance(days=2)
    return json.dumps(sb.runs(), sort_keys=True), json.dumps(sb.outbox(), sort_keys=True)


def test_a_shopper_in_several_standard_automations_at_once(sb):
    shopper_day(sb)
    assert [(m[2], m[3][11:16]) for m in outbox(sb)] == [
        ("Still interested?", "12:20"), ("You left something in your cart", "14:10"), ("Complete your order", "16:30")]
    by_name = {}
    for run in sb.runs():
        by_name.setdefault(run["workflow_name"], []).append((run["status"], run["reason"]))
    assert by_name == {
        "Product abandonment": [
            ("not_entered", "inactivity reset: a newer trigger event came before the period passed"),
            ("exited", "exit condition met: added product to cart (api) at 2026-11-02T12:30:00Z")],
        "Cart abandonment": [
            ("not_entered", "inactivity reset: a newer trigger event came before the period passed"),
            ("exited", "exit condition met: started checkout (api) at 2026-11-02T14:30:00Z")],
        "Checkout abandonment": [("exited", "exit condition met: placed order (api) at 2026-11-02T17:00:00Z")]}


def test_same_seed_and_inputs_give_byte_identical_runs_and_outbox():
    first = shopper_day(CheckedSandbox(seed=7, start=START))
    second = shopper_day(CheckedSandbox(seed=7, start=START))
    assert first == second and len(first[0]) > 1000
