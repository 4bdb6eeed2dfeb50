"""The Omnisend triggers the sandbox notices itself, end to end through HTTP: opens and clicks as
`opened message` / `clicked message` events, `entered segment` for contacts who join later,
`birthday` on the virtual clock and `product back in stock` after a v3 product update."""
from __future__ import annotations

import pytest

from tests.engine_support import contact, create, email, event, group, on, rule, set_enabled, split, wait
from tests.test_api_segments import contacts, contact_filter, events, event_filter, segment


@pytest.fixture
def sim(sb):
    return sb.client("sim")


def outbox(sb) -> list[tuple]:
    return [(m["recipient"], m["subject"], m["sent_at"][:16]) for m in sb.outbox()]


def entries(sb, status: str | None = None) -> list[tuple]:
    return [(r["recipient"], r["workflow_name"], r["status"]) for r in sb.runs(**({"status": status} if status else {}))]


def test_opens_and_clicks_are_contact_events_that_triggers_and_segment_splits_see(sb, api, v3, sim):
    for who in ("ann", "bob"):
        contact(v3, f"{who}@example.com")
    openers = segment(api, "Openers", [{"conditions": [events(event_filter("opened message", origin="omnisend"))]}])
    create(api, "Welcome", on("visited site"), [
        email("first", "first"), wait("w1", 1, "d"),
        split("opened", [{"type": "contact", "field": "segmentID", "operator": "eq", "value": openers["segmentID"]}],
              [email("e-yes", "you opened")], [email("e-no", "you did not")])])
    create(api, "Clicked sale", on("clicked message", origin="omnisend",
                                   groups=[group(rule("url", "contains", "/sale"))]), [email("c1", "saw the sale")])
    for who in ("ann", "bob"):
        event(api, f"{who}@example.com", "visited site")
    first = {m["recipient"]: m["id"] for m in sb.outbox()}
    assert sim.post("/engagement", json={"message_id": first["ann@example.com"], "type": "open"}).status_code == 200
    sb.clock.advance(hours=1)
    clicked = sim.post("/engagement", json={"message_id": first["bob@example.com"], "type": "click",
                                            "url": "https://shop.example/sale"})
    assert clicked.status_code == 200
    sb.engage(first["ann@example.com"], "click", url="https://shop.example/about")  # not the sale: no trigger
    run, missed = [r for r in sb.runs() if r["workflow_name"] == "Clicked sale"]
    assert missed["recipient"] == "ann@example.com" and missed["status"] == "not_entered"
    assert run["recipient"] == "bob@example.com" and run["trigger_event"]["origin"] == "omnisend"
    assert run["trigger_event"]["name"] == "clicked message"
    assert run["trigger_event"]["properties"] == {
        "messageID": first["bob@example.com"], "channel": "email", "automationID": sb.outbox()[0]["workflow_id"],
        "blockID": sb.outbox()[0]["step_id"], "url": "https://shop.example/sale"}
    sb.clock.advance(days=1)
    assert outbox(sb)[2:] == [("bob@example.com", "saw the sale", "2026-11-02T11:00"),
                              ("ann@example.com", "you opened", "2026-11-03T10:00"),
                              ("bob@example.com", "you did not", "2026-11-03T10:00")]


def test_entered_segment_fires_when_a_contact_joins_later_with_the_limiters(sb, api, v3):
    contact(v3, "old@example.com", firstName="Vip")
    vips = segment(api, "VIPs", [{"conditions": [events(event_filter("placed order", value=2))]},
                                 {"conditions": [contacts(contact_filter("firstName", "anyOf", ["Vip"]))]}])
    segment_trigger = on("entered segment", origin="omnisend", groups=[group(rule("segment_id", "eq", vips["segmentID"]))])
    create(api, "Welcome VIP", segment_trigger, [email("e1", "welcome to VIP")],
           settings={"frequencyLimiter": {"mode": "once"}})
    assert sb.runs() == []  # a member before the enable did not enter (no enrollExisting)
    contact(v3, "ann@example.com")
    event(api, "ann@example.com", "placed order", {"totalPrice": 10.0})
    assert sb.runs() == []
    sb.clock.advance(hours=2)
    event(api, "ann@example.com", "placed order", {"totalPrice": 10.0})  # the second order: she qualifies
    bob = contact(v3, "bob@example.com", firstName="Vip")  # a profile change: he qualifies
    assert outbox(sb) == [("ann@example.com", "welcome to VIP", "2026-11-02T12:00"),
                          ("bob@example.com", "welcome to VIP", "2026-11-02T12:00")]
    [first, _] = sb.runs()
    assert first["trigger_event"]["name"] == "entered segment"
    assert first["trigger_event"]["properties"] == {"segment_id": vips["segmentID"]}
    event(api, "ann@example.com", "placed order", {"totalPrice": 10.0})  # still a member: no new entry
    assert len(sb.runs()) == 2
    assert v3.patch(f"/contacts/{bob}", json={"firstName": "Bob"}).status_code == 200  # bob leaves ...
    assert v3.patch(f"/contacts/{bob}", json={"firstName": "Vip"}).status_code == 200  # ... and joins again
    assert entries(sb)[2:] == [("bob@example.com", "Welcome VIP", "not_entered")]
    assert sb.runs()[2]["reason"].startswith("frequency limiter (once)")


def test_birthday_fires_on_the_day_at_the_set_hour_each_year_and_with_an_offset(sb, api, v3, sim):
    contact(v3, "ann@example.com", birthdate="1990-11-04")
    contact(v3, "bob@example.com", birthdate="1985-11-05")
    contact(v3, "cid@example.com")
    create(api, "Birthday", on("birthday"), [email("e1", "happy birthday")])
    create(api, "Day before", on("birthday", groups=[group(rule("birthdate", "eq", "-24h"))]), [email("e1", "tomorrow")])
    assert sim.post("/settings", json={"omnisend_birthday_hour_of_day": 8}).status_code == 200
    sb.clock.advance(days=4)  # to 2026-11-06T10:00
    assert outbox(sb) == [("ann@example.com", "tomorrow", "2026-11-03T00:00"),  # midnight: scans due keep it
                          ("ann@example.com", "happy birthday", "2026-11-04T08:00"),
                          ("bob@example.com", "tomorrow", "2026-11-04T08:00"),
                          ("bob@example.com", "happy birthday", "2026-11-05T08:00")]
    assert sb.runs()[0]["trigger_event"]["properties"] == {"birthdate": "1990-11-04"}
    sb.clock.advance(days=365)
    assert [m for m in outbox(sb)[4:] if m[1] == "happy birthday"] == [
        ("ann@example.com", "happy birthday", "2027-11-04T08:00"), ("bob@example.com", "happy birthday", "2027-11-05T08:00")]


def test_a_disabled_birthday_automation_scans_no_more_and_a_re_enabled_one_once(sb, api, v3):
    contact(v3, "ann@example.com", birthdate="1990-11-04")
    flow = create(api, "Birthday", on("birthday"), [email("e1", "happy birthday")])
    set_enabled(api, flow["id"], False)
    sb.clock.advance(days=3)
    assert sb.outbox() == []
    set_enabled(api, flow["id"], True)
    set_enabled(api, flow["id"], False)
    set_enabled(api, flow["id"], True)
    sb.clock.advance(days=365)
    assert outbox(sb) == [("ann@example.com", "happy birthday", "2027-11-04T00:00")]


def product(v3, status: str = "outOfStock", **variant) -> None:
    body = {"productID": "p1", "title": "Blue shirt", "status": "inStock", "currency": "USD",
            "productUrl": "https://shop.example/p1",
            "variants": [{"variantID": "v1", "title": "S", "status": status, "price": 2500, **variant},
                         {"variantID": "v2", "title": "M", "status": "inStock", "price": 2500}]}
    if v3.get("/products/p1").status_code == 404:
        assert v3.post("/products", json=body).status_code == 200
    else:
        del body["productID"]
        response = v3.put("/products/p1", json={**body, "updatedAt": "2026-11-02T10:00:00Z"})
        assert response.status_code == 200, response.text


def test_back_in_stock_fires_for_subscribers_when_a_variant_returns(sb, api, v3, sim):
    from tests.engine_support import brand_of
    brand = brand_of(sb).id
    product(v3)
    contact(v3, "ann@example.com")
    create(api, "Back in stock", on("product back in stock"), [email("e1", "[[event.productTitle]] is back")])
    subscribed = sim.post("/omnisend/back-in-stock-subscriptions",
                          json={"brand": brand, "email": "ann@example.com", "productID": "p1", "variantID": "v1"})
    assert subscribed.status_code == 201, subscribed.text
    assert subscribed.json()["variantID"] == "v1"
    new = sim.post("/omnisend/back-in-stock-subscriptions",
                   json={"brand": brand, "email": "new@example.com", "productID": "p1", "variantID": "v1"})
    assert new.status_code == 201  # the form makes the contact
    assert sim.post("/omnisend/back-in-stock-subscriptions", json={
        "brand": brand, "email": "ann@example.com", "productID": "p1", "variantID": "nope"}).status_code == 404
    assert sim.post("/omnisend/back-in-stock-subscriptions", json={
        "brand": brand, "email": "ann@example.com", "productID": "nope", "variantID": "v1"}).status_code == 404
    assert sim.post("/omnisend/back-in-stock-subscriptions", json={"brand": brand}).status_code == 400
    bad_email = sim.post("/omnisend/back-in-stock-subscriptions", json={
        "brand": brand, "email": "not an email", "productID": "p1", "variantID": "v1"})
    assert bad_email.status_code == 400 and bad_email.json()["error"] == "email: an email address"
    product(v3, status="outOfStock", price=2000)  # still out: nothing
    assert sb.runs() == []
    product(v3, status="inStock")
    assert [(r["recipient"], r["status"]) for r in sb.runs()] == [("ann@example.com", "completed"),
                                                                  ("new@example.com", "completed")]
    assert sb.runs()[0]["trigger_event"]["properties"]["variantID"] == "v1"
    assert outbox(sb)[0][1] == "Blue shirt is back"  # new@ is nonSubscribed: skipped at the send block
    product(v3, status="outOfStock")
    product(v3, status="inStock")  # the subscriptions were used up
    assert len(sb.runs()) == 2


def test_entered_segment_sweeps_catch_joins_that_time_alone_makes(sb, api, v3, sim):
    lapsed = segment(api, "Lapsed", [{"conditions": [events(event_filter("placed order")), events(event_filter(
        "placed order", operator="hasNot", period={"operator": "inTheLast", "unit": "days", "value": 1}))]}])
    create(api, "Win back", on("entered segment", origin="omnisend",
                               groups=[group(rule("segment_id", "eq", lapsed["segmentID"]))]), [email("e1", "miss you")])
    contact(v3, "ann@example.com")
    event(api, "ann@example.com", "placed order", {"totalPrice": 10.0})
    sb.clock.advance(hours=23)
    assert sb.outbox() == []
    sb.clock.advance(hours=3)
    assert outbox(sb) == [("ann@example.com", "miss you", "2026-11-03T11:00")]  # the first hourly sweep after a day
    assert sim.post("/settings", json={"omnisend_segment_sweep_hours": 0}).status_code == 200
    event(api, "ann@example.com", "placed order", {"totalPrice": 10.0})  # she leaves ...
    sb.clock.advance(days=3)  # ... and time alone would bring her back, but nothing sweeps
    assert len(sb.outbox()) == 1
    event(api, "ann@example.com", "viewed page")  # her next change notices it
    assert outbox(sb)[1:] == [("ann@example.com", "miss you", "2026-11-06T12:00")]


def test_a_click_meets_an_exit_condition_and_a_test_send_makes_no_event(sb, api, v3):
    contact(v3, "ann@example.com")
    flow = create(api, "Reminder", on("visited site"), [email("first", "first"), wait("w1", 2, "d"), email("second", "second")],
                  exitConditions=[{"event": "clicked message", "origin": "omnisend"}])
    event(api, "ann@example.com", "visited site")
    test = api.post(f"/automations/{flow['id']}/blocks/{flow['ids']['first']}/test-email",
                    json={"recipients": ["ann@example.com"]})
    assert test.status_code == 204
    [first, test_message] = sb.outbox()
    assert test_message["test"] is True
    sb.engage(test_message["id"], "click", url="https://shop.example/")  # a test send is nobody's engagement
    assert sb.runs()[0]["status"] == "active"
    sb.engage(first["id"], "click", url="https://shop.example/")
    [run] = sb.runs()
    assert run["status"] == "exited" and "clicked message (omnisend)" in run["reason"]
    sb.clock.advance(days=3)
    assert [m["subject"] for m in sb.outbox() if not m["test"]] == ["first"]


def test_a_dated_line_product_replace_brings_a_variant_back_in_stock(sb, api, v3, sim):
    from tests.engine_support import brand_of
    from tests.test_api_catalog_campaigns import product as dated_product
    variant = {"id": "v1", "title": "M", "price": 19.99, "url": "https://shop.example.com/p1?v=1"}
    gone = dated_product(status="outOfStock", variants=[{**variant, "status": "outOfStock"}])
    assert api.post("/products", json=gone).status_code == 201
    contact(v3, "ann@example.com")
    create(api, "Back in stock", on("product back in stock"), [email("e1", "[[event.productTitle]] is back")])
    assert sim.post("/omnisend/back-in-stock-subscriptions", json={
        "brand": brand_of(sb).id, "email": "ann@example.com", "productID": "p1", "variantID": "v1"}).status_code == 201
    back = dated_product(variants=[{**variant, "status": "inStock"}])
    assert api.put("/products/p1", json=back).status_code == 200
    [mail] = sb.outbox()
    assert mail["subject"] == "Blue shirt is back" and "Blue shirt 19.99 USD" in mail["text"]


def test_a_snapshot_keeps_the_birthday_scans_watched_segments_and_subscriptions(sb, api, v3, sim):
    from tests.engine_support import brand_of
    contact(v3, "ann@example.com", birthdate="1990-11-04")
    vips = segment(api, "VIPs", [{"conditions": [contacts(contact_filter("firstName", "anyOf", ["Vip"]))]}])
    create(api, "Birthday", on("birthday"), [email("e1", "happy birthday")])
    create(api, "VIP", on("entered segment", origin="omnisend",
                          groups=[group(rule("segment_id", "eq", vips["segmentID"]))]), [email("e1", "welcome VIP")])
    product(v3)
    sim.post("/omnisend/back-in-stock-subscriptions",
             json={"brand": brand_of(sb).id, "email": "ann@example.com", "productID": "p1", "variantID": "v1"})
    create(api, "Back", on("product back in stock"), [email("e1", "back")])
    assert sim.post("/snapshots", json={"name": "s"}).status_code == 201
    for _ in range(2):  # the original, then the restored sandbox, go on alike
        sb.clock.advance(days=3)
        contact(v3, "ann@example.com", firstName="Vip")
        product(v3, status="inStock")
        assert [m[1] for m in outbox(sb)] == ["happy birthday", "welcome VIP", "back"]
        assert sim.post("/snapshots/s/restore").status_code == 200
