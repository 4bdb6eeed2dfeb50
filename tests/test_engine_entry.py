"""The Omnisend engine end to end, who enters and who leaves: triggers, trigger and audience filters,
inactivity, frequency and overlap limiters, exit conditions, disable, delete and enrollExisting.
Automations through the Automations API, events through the dated Events API and v3, time only
through the virtual clock."""
from __future__ import annotations

from tests.engine_support import (cart_line, contact, create, delete, email, event, group, on, order, rule,
                                  set_enabled, steps, wait)


def sent_to(sb, workflow_id=None) -> list[tuple]:
    return [(m["recipient"], m["sent_at"][11:16]) for m in sb.outbox(workflow_id=workflow_id)]


def test_an_event_starts_the_automations_that_name_it_and_origin_narrows(sb, api, v3):
    contact(v3, "ann@example.com")
    for origin in ("api", "shopify"):  # the event becomes known under two origins
        event(api, "ann@example.com", "wishlist added", {"item": "p1"}, origin=origin)
    shopify_only = create(api, "Shopify", on("wishlist added", origin="shopify"), [email("e1")])
    any_origin = create(api, "Any origin", on("subscribed to marketing"), [email("e1")])  # takes no origin
    create(api, "Other event", on("placed order"), [email("e1")])
    create(api, "Disabled", on("wishlist added", origin="api"), [email("e1")], enable=False)
    event(api, "ann@example.com", "wishlist added", {"item": "p2"}, origin="api")
    assert sb.runs() == []
    event(api, "ann@example.com", "wishlist added", {"item": "p3"}, origin="shopify")
    [run] = sb.runs()
    assert run["workflow_id"] == shopify_only["id"] and run["status"] == "completed"
    assert run["trigger_event"]["name"] == "wishlist added" and run["trigger_event"]["origin"] == "shopify"
    assert run["trigger_event"]["properties"] == {"item": "p3"}
    for origin in ("api", "omnisend"):
        event(api, "ann@example.com", "subscribed to marketing", origin=origin)
    assert [r["workflow_id"] for r in sb.runs()][1:] == [any_origin["id"], any_origin["id"]]
    assert sent_to(sb) == [("ann@example.com", "10:00")] * 3


def test_trigger_filter_groups_are_anded_and_a_miss_is_traced(sb, api, v3):
    contact(v3, "ann@example.com")
    flow = create(api, "Big orders", on("placed order", groups=[
        group(rule("totalPrice", "gte", 100), rule("currency", "eq", "EUR"), op="or"),
        group(rule("lineItems.productTitle", "contains", "Shirt"))]), [email("e1")])
    event(api, "ann@example.com", "placed order", {"totalPrice": 150, "currency": "USD",
                                                       "lineItems": [{"productTitle": "Red Shirt"}]})
    event(api, "ann@example.com", "placed order", {"totalPrice": 150, "currency": "USD",
                                                       "lineItems": [{"productTitle": "Jeans"}]})
    event(api, "ann@example.com", "placed order", {"totalPrice": 10, "currency": "EUR",
                                                       "lineItems": [{"productTitle": "Shirt"}]})
    assert [r["status"] for r in sb.runs(workflow_id=flow["id"])] == ["completed", "not_entered", "completed"]
    assert sb.runs(status="not_entered")[0]["reason"] == "the trigger event does not match the trigger's filterGroups"


def test_audience_filters_gate_entry(sb, api, v3):
    contact(v3, "ann@example.com", firstName="Ann", country="Lithuania", countryCode="LT", tags=["VIP"])
    contact(v3, "bob@example.com", firstName="Bob", countryCode="US")
    audience = group(rule("tag", "eq", "vip"), rule("country", "eq", "lt"), rule("firstName", "contains", "an"),
                     rule("dateAdded", "eq", "2026-11-02"))
    create(api, "VIPs in LT", on("visited site", audience=audience), [email("e1")])
    for who in ("ann@example.com", "bob@example.com"):
        event(api, who, "visited site")
    ann, bob = sb.runs()
    assert ann["status"] == "completed" and bob["status"] == "not_entered"
    assert bob["reason"] == "audience: the contact does not match the audienceFilterGroup"
    assert sent_to(sb) == [("ann@example.com", "10:00")]


def test_audience_by_segment(sb, api, v3):
    from simulator.omnisend.segments import segments_of
    from tests.engine_support import brand_of
    contact(v3, "ann@example.com", tags=["vip"])
    contact(v3, "bob@example.com")
    with sb.lock:
        segment = segments_of(brand_of(sb)).create("VIP", [{"conditions": [{"entity": "contact", "junction": "and", "filters": [
            {"property": "tags", "operator": "anyOf", "value": ["vip"]}]}]}], sb.clock.now())
    create(api, "Segment", on("visited site", audience=group(rule("segmentID", "eq", segment.id))), [email("e1")])
    create(api, "Not segment", on("visited site", audience=group(rule("segmentID", "neq", segment.id))), [email("e1")])
    event(api, "ann@example.com", "visited site")
    event(api, "bob@example.com", "visited site")
    assert [(r["recipient"], r["workflow_name"], r["status"]) for r in sb.runs()] == [
        ("ann@example.com", "Segment", "completed"), ("ann@example.com", "Not segment", "not_entered"),
        ("bob@example.com", "Segment", "not_entered"), ("bob@example.com", "Not segment", "completed")]


def test_inactivity_waits_for_the_last_cart_event_and_an_order_exits_before_the_email(sb, api, v3):
    """The brief's example: carts at 10:00 and 10:20 with 30 min of inactivity start the run at
    10:50 (not 10:30); the order at 11:00 removes the contact before the email due at 11:50."""
    contact(v3, "ann@example.com")
    flow = create(api, "Abandoned cart", on("added product to cart", inactivity=(30, "m")),
                  [wait("w1", 1, "h"), email("e1", "You left something")],
                  exitConditions=[{"event": "placed order"}])
    cart_line(v3, "cart-1", "ann@example.com", "l1")
    sb.clock.advance(minutes=20)
    cart_line(v3, "cart-1", "ann@example.com", "l2")
    sb.clock.advance(minutes=15)  # 10:35: the first timer would have fired at 10:30
    first, second = sb.runs(workflow_id=flow["id"])
    assert first["status"] == "not_entered" and first["reason"].startswith("inactivity reset")
    assert second["status"] == "pending" and second["entered_at"] is None
    sb.clock.advance(minutes=15)  # 10:50
    second = sb.runs(workflow_id=flow["id"])[1]
    assert second["status"] == "active" and second["entered_at"] == "2026-11-02T10:50:00Z"
    sb.clock.advance(minutes=10)
    order(v3, "o-1", "ann@example.com")  # 11:00
    sb.clock.advance(hours=2)
    second = sb.runs(workflow_id=flow["id"])[1]
    assert second["status"] == "exited" and second["reason"].startswith("exit condition met: placed order (api)")
    assert steps(second) == [("inactivity", "waited", "10:20"), ("trigger", "entered", "10:50"),
                             ("delay", "waited", "10:50"), ("exit", "exited", "11:00")]
    assert sb.outbox() == []


def test_inactivity_run_without_exit_sends_on_time(sb, api, v3):
    contact(v3, "ann@example.com")
    create(api, "Abandoned cart", on("added product to cart", inactivity=(30, "m")),
           [wait("w1", 1, "h"), email("e1")])
    cart_line(v3, "cart-1", "ann@example.com", "l1")
    sb.clock.advance(hours=2)
    assert sent_to(sb) == [("ann@example.com", "11:30")]


def test_an_exit_event_while_waiting_for_inactivity_means_no_entry(sb, api, v3):
    contact(v3, "ann@example.com")
    create(api, "Abandoned cart", on("added product to cart", inactivity=(30, "m")), [email("e1")],
           exitConditions=[{"event": "placed order"}])
    cart_line(v3, "cart-1", "ann@example.com", "l1")
    sb.clock.advance(minutes=10)
    order(v3, "o-1", "ann@example.com")
    sb.clock.advance(hours=1)
    [run] = sb.runs()
    assert run["status"] == "not_entered" and run["reason"].startswith("exit condition met: placed order")
    assert sb.outbox() == []


def test_exit_conditions_are_ored_and_filtered(sb, api, v3):
    contact(v3, "ann@example.com")
    create(api, "Browse", on("viewed product"), [wait("w1", 1, "d"), email("e1")], exitConditions=[
        {"event": "placed order", "filterGroup": group(rule("totalPrice", "gt", 100))},
        {"event": "added product to cart"}])
    event(api, "ann@example.com", "viewed product", {"product": {"id": "p1"}})
    event(api, "ann@example.com", "placed order", {"totalPrice": 50})  # filtered out: stays
    assert sb.runs()[0]["status"] == "active"
    event(api, "ann@example.com", "placed order", {"totalPrice": 500})
    assert sb.runs()[0]["status"] == "exited"
    event(api, "ann@example.com", "viewed product", {"product": {"id": "p2"}})
    event(api, "ann@example.com", "added product to cart", {"cartID": "c"})
    assert sb.runs()[1]["status"] == "exited"
    sb.clock.advance(days=2)
    assert sb.outbox() == []


def test_frequency_limiter_once_and_interval(sb, api, v3):
    contact(v3, "ann@example.com")
    once = create(api, "Once", on("visited site"), [email("e1")],
                  settings={"frequencyLimiter": {"mode": "once"}})
    daily = create(api, "Daily", on("visited site"), [email("e1")],
                   settings={"frequencyLimiter": {"mode": "interval", "duration": {"amount": 24, "units": "h"}}})
    free = create(api, "No limiter", on("visited site"), [email("e1")])
    for hours in (0, 23, 1):
        sb.clock.advance(hours=hours)
        event(api, "ann@example.com", "visited site")
    assert [r["status"] for r in sb.runs(workflow_id=once["id"])] == ["completed", "not_entered", "not_entered"]
    assert [r["status"] for r in sb.runs(workflow_id=daily["id"])] == ["completed", "not_entered", "completed"]
    assert [r["status"] for r in sb.runs(workflow_id=free["id"])] == ["completed"] * 3
    refused = sb.runs(workflow_id=daily["id"])[1]["reason"]
    assert refused == ("frequency limiter: entered at 2026-11-02T10:00:00Z, "
                       "may enter again from 2026-11-03T10:00:00Z")
    assert sb.runs(workflow_id=once["id"])[2]["reason"] == "frequency limiter (once): already entered at 2026-11-02T10:00:00Z"


def test_overlap_limiter_currently_in_and_recently_in(sb, api, v3):
    contact(v3, "ann@example.com")
    cart = create(api, "Cart", on("added product to cart"), [wait("w1", 2, "h"), email("e1")])
    now_in = create(api, "Skip while in cart", on("visited site"), [email("e1")],
                    settings={"overlapLimiter": {"mode": "currentlyIn", "automationIDs": [cart["id"]]}})
    recent = create(api, "Skip 2 days after cart", on("visited site"), [email("e1")],
                    settings={"overlapLimiter": {"mode": "recentlyIn", "automationIDs": [cart["id"]], "withinDays": 2}})
    event(api, "ann@example.com", "added product to cart", {"cartID": "c"})
    event(api, "ann@example.com", "visited site")  # in the cart flow: both refused
    sb.clock.advance(hours=3)  # the cart flow finished at 12:00
    event(api, "ann@example.com", "visited site")  # currentlyIn lets in, recentlyIn does not
    sb.clock.advance(days=2)
    event(api, "ann@example.com", "visited site")
    assert [r["status"] for r in sb.runs(workflow_id=now_in["id"])] == ["not_entered", "completed", "completed"]
    assert [r["status"] for r in sb.runs(workflow_id=recent["id"])] == ["not_entered", "not_entered", "completed"]
    assert sb.runs(workflow_id=now_in["id"])[0]["reason"] == f"overlap limiter: currently in automation {cart['id']}"
    assert sb.runs(workflow_id=recent["id"])[1]["reason"] == (
        f"overlap limiter: finished automation {cart['id']} at 2026-11-02T12:00:00Z")


def test_disable_keep_lets_runs_finish_and_refuses_new_entries(sb, api, v3):
    contact(v3, "ann@example.com")
    contact(v3, "bob@example.com")
    flow = create(api, "Welcome", on("visited site"), [wait("w1", 1, "h"), email("e1")])
    cart = create(api, "Cart", on("added product to cart", inactivity=(30, "m")), [email("e1")])
    event(api, "ann@example.com", "visited site")
    event(api, "bob@example.com", "added product to cart", {"cartID": "c"})
    set_enabled(api, flow["id"], False, mode="keep")
    set_enabled(api, cart["id"], False, mode="keep")
    event(api, "bob@example.com", "visited site")  # disabled: no run at all
    sb.clock.advance(hours=2)
    assert sent_to(sb) == [("ann@example.com", "11:00")]
    assert [(r["workflow_name"], r["status"]) for r in sb.runs()] == [("Welcome", "completed"), ("Cart", "not_entered")]
    assert sb.runs(workflow_id=cart["id"])[0]["reason"] == "the automation was disabled before the inactivity period passed"


def test_disable_exit_removes_everyone_now_and_reenabling_starts_afresh(sb, api, v3):
    contact(v3, "ann@example.com")
    flow = create(api, "Welcome", on("visited site"), [wait("w1", 1, "h"), email("e1")])
    event(api, "ann@example.com", "visited site")
    set_enabled(api, flow["id"], False, mode="exit")
    [run] = sb.runs()
    assert run["status"] == "exited" and run["reason"] == "the automation was disabled with contactsInWorkflow=exit"
    set_enabled(api, flow["id"], True)
    sb.clock.advance(hours=2)
    assert sb.outbox() == []
    event(api, "ann@example.com", "visited site")
    sb.clock.advance(hours=2)
    assert sent_to(sb) == [("ann@example.com", "13:00")]


def test_deleting_an_automation_ends_its_runs(sb, api, v3):
    contact(v3, "ann@example.com")
    flow = create(api, "Welcome", on("visited site"), [wait("w1", 1, "h"), email("e1")])
    event(api, "ann@example.com", "visited site")
    delete(api, flow["id"])
    sb.clock.advance(hours=2)
    assert sb.runs()[0]["status"] == "exited" and sb.runs()[0]["reason"] == "the automation was deleted"
    assert sb.outbox() == []


def test_enroll_existing_times_the_first_delay_from_the_original_event(sb, api, v3):
    """30-day delay, event 20 days ago -> message in 10 days; an event 40 days ago is outside the
    window; a contact who has ordered since (exit condition) stays out."""
    for who in ("ann", "bob", "cid", "dan"):
        contact(v3, f"{who}@example.com")
    event(api, "bob@example.com", "started checkout", {"cartID": "b"})  # 40 days before enabling
    sb.clock.advance(days=20)
    event(api, "ann@example.com", "started checkout", {"cartID": "a"})  # 20 days before
    event(api, "cid@example.com", "started checkout", {"cartID": "c"})
    sb.clock.advance(days=1)
    event(api, "cid@example.com", "placed order", {"orderID": "o"})
    sb.clock.advance(days=19)
    flow = create(api, "Checkout", on("started checkout"), [wait("w1", 30, "d"), email("e1")],
                  exitConditions=[{"event": "placed order"}], enable=False)
    set_enabled(api, flow["id"], True, enroll_existing=True)
    ann, cid = sb.runs(workflow_id=flow["id"])
    assert (ann["recipient"], ann["status"]) == ("ann@example.com", "active")
    assert ann["steps"][-1]["reason"] == ("until 2026-12-22T10:00:00Z; enrolled on enable; "
                                          "the delay counts from the trigger event")
    assert (cid["recipient"], cid["status"]) == ("cid@example.com", "not_entered")
    sb.clock.advance(days=9)
    assert sb.outbox() == []
    sb.clock.advance(days=1)
    assert [(m["recipient"], m["sent_at"]) for m in sb.outbox()] == [("ann@example.com", "2026-12-22T10:00:00Z")]


def test_v3_custom_events_trigger_like_dated_ones(sb, api, v3):
    contact(v3, "ann@example.com")
    flow = create(api, "Size chosen", on("sizeChosen", groups=[group(rule("size", "eq", "M"))]),
                  [wait("w1", 10, "m"), email("e1", "Your size is in stock")])
    for size in ("M", "XL"):
        response = v3.post("/events", json={"name": "Size chosen", "systemName": "sizeChosen",
                                            "email": "ann@example.com", "fields": {"size": size}})
        assert response.status_code == 204
    sb.clock.advance(minutes=10)
    assert [(r["status"], r["trigger_event"]["properties"]) for r in sb.runs(workflow_id=flow["id"])] == [
        ("completed", {"size": "M"}), ("not_entered", {"size": "XL"})]
    assert sent_to(sb) == [("ann@example.com", "10:10")]


def test_enroll_existing_on_entered_segment_enrolls_every_current_member_once(sb, api, v3):
    from simulator.omnisend.segments import segments_of
    from tests.engine_support import brand_of
    contact(v3, "ann@example.com", tags=["vip"])
    contact(v3, "bob@example.com")
    contact(v3, "cid@example.com", tags=["vip"])
    with sb.lock:
        segment = segments_of(brand_of(sb)).create("VIP", [{"conditions": [{"entity": "contact", "junction": "and", "filters": [
            {"property": "tags", "operator": "anyOf", "value": ["vip"]}]}]}], sb.clock.now())
    trigger = on("entered segment", origin=None, groups=[group(rule("segment_id", "eq", segment.id))])
    welcome = create(api, "VIP welcome", trigger, [email("e1")], enable=False)
    set_enabled(api, welcome["id"], True, enroll_existing=True)
    assert sent_to(sb) == [("ann@example.com", "10:00"), ("cid@example.com", "10:00")]
    runs = sb.runs(workflow_id=welcome["id"])
    assert [r["trigger_event"]["name"] for r in runs] == ["entered segment", "entered segment"]
    set_enabled(api, welcome["id"], False)
    again = api.post(f"/automations/{welcome['id']}/enable", json={"enrollExisting": True})
    assert again.status_code == 409  # first enable only: copy the workflow instead
    assert len(sb.outbox()) == 2
