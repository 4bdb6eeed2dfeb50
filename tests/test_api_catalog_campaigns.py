"""The dated line's products, product categories, event metadata and campaign writes: each answer
checked against its contract, the catalogue shared with v3, and the campaign rules (draft-only
updates, copy, send on the clock, cancel, test email, A/B control, UTM)."""
from __future__ import annotations

from tests.conftest import new_contact


def product(product_id: str = "p1", **extra) -> dict:
    return {"id": product_id, "title": "Blue shirt", "status": "inStock", "currency": "USD",
            "url": f"https://shop.example.com/{product_id}",
            "variants": [{"id": "v1", "title": "M", "price": 19.99, "url": f"https://shop.example.com/{product_id}?v=1",
                          "strikeThroughPrice": 24.5, "description": "Medium"}], **extra}


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.json()["status"] == status
    return response.json()


def test_products_round_trip_and_are_the_catalogue_v3_sees(api, v3):
    made = api.post("/products", json=product(images=["https://img/1.png"], defaultImageUrl="https://img/0.png",
                                                categoryIDs=["c1"]))
    assert made.status_code == 201 and made.json() == {"id": "p1"}
    got = api.get("/products/p1").json()
    assert got["variants"] == [{"id": "v1", "title": "M", "price": 19.99, "url": "https://shop.example.com/p1?v=1",
                                "strikeThroughPrice": 24.5, "description": "Medium"}]
    assert got["images"] == ["https://img/0.png", "https://img/1.png"] and got["defaultImageUrl"] == "https://img/0.png"
    assert v3.get("/products/p1").json()["variants"][0]["price"] == 1999  # v3 speaks cents
    assert problem(api.post("/products", json=product()), 409)["status"] == 409
    replaced = api.put("/products/p1", json={**product(), "title": "Navy shirt"})
    assert replaced.status_code == 200 and replaced.json() == {"id": "p1"}
    assert api.get("/products/p1").json()["title"] == "Navy shirt"
    problem(api.put("/products/nope", json=product("nope")), 404)
    assert api.delete("/products/p1").status_code == 204
    problem(api.get("/products/p1"), 404)


def test_products_need_their_required_fields_and_page_by_offset(api):
    errors = problem(api.post("/products", json={"id": "p1", "title": "x"}), 400)["errors"]
    assert {e["field"] for e in errors} == {"currency", "status", "url"}
    for n in range(3):
        assert api.post("/products", json=product(f"p{n}")).status_code == 201
    page = api.get("/products", params={"limit": 2}).json()
    assert [p["id"] for p in page["products"]] == ["p0", "p1"] and "offset=2" in page["paging"]["next"]
    problem(api.get("/products", params={"limit": 0}), 400)
    problem(api.get("/products", params={"sort": "price"}), 400)


def test_product_categories(api, v3):
    assert api.post("/product-categories", json={"categoryID": "c1", "title": "Shirts"}).json() == {"categoryID": "c1"}
    problem(api.post("/product-categories", json={"categoryID": "c1", "title": "Again"}), 409)
    assert api.patch("/product-categories/c1", json={"title": "Tops"}).json() == {"categoryID": "c1"}
    assert api.get("/product-categories/c1").json()["title"] == "Tops"
    assert v3.get("/categories/c1").json()["title"] == "Tops"
    assert [c["categoryID"] for c in api.get("/product-categories").json()["categories"]] == ["c1"]
    assert api.delete("/product-categories/c1").status_code == 204
    problem(api.get("/product-categories/c1"), 404)


def test_event_metadata_declare_merge_and_query(api):
    body = {"name": "quiz done", "origin": "api", "displayName": "Quiz", "properties": {"score": {"type": "integer"}}}
    made = api.post("/event-metadata", json=body)
    assert made.status_code == 201
    assert made.json()["event"]["properties"] == {"score": {"type": "integer", "explicitlyDefined": True}}
    problem(api.post("/event-metadata", json=body), 409)
    problem(api.post("/event-metadata", json={**body, "name": "placed order"}), 409)
    problem(api.post("/event-metadata", json={**body, "name": "empty", "properties": {}}), 400)
    merged = api.put("/event-metadata", json={"name": "quiz done", "origin": "api",
                                              "properties": {"level": {"type": "string"}}}).json()["event"]
    assert set(merged["properties"]) == {"score", "level"}
    problem(api.put("/event-metadata", json={"name": "quiz done", "origin": "api",
                                             "properties": {"score": {"type": "string"}}}), 409)
    problem(api.put("/event-metadata", json={"name": "nope", "origin": "api"}), 404)
    found = api.post("/event-metadata/query", json={"category": "automations", "events": ["quiz done"]}).json()
    assert found == {"events": [{"name": "quiz done", "displayName": "Quiz", "origins": ["api"],
                                 "explicitlyDefined": True}]}
    standard = api.post("/event-metadata/query", json={"category": "segments", "excludeCustomEvents": True}).json()
    assert "quiz done" not in {e["name"] for e in standard["events"]} and standard["events"]


def draft(api, **extra) -> dict:
    body = {"name": "Spring", "type": "regular", "channel": "email",
            "content": {"email": {"subject": "Hello", "senderName": "Shop", "templateID": "t1"}}, **extra}
    response = api.post("/campaigns", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def test_create_update_copy_and_delete(api):
    made = draft(api, audience={"includedSegmentIDs": ["s1"], "excludedSegmentIDs": []})
    assert made["status"] == "draft" and made["content"]["email"]["subject"] == "Hello"
    assert made["audience"]["includedSegmentIDs"] == ["s1"]
    changed = api.patch(f"/campaigns/{made['id']}", json={"name": "Summer"}).json()
    assert changed["name"] == "Summer" and changed["content"]["email"]["subject"] == "Hello"
    copied = api.post(f"/campaigns/{made['id']}/copy")
    assert copied.status_code == 201 and copied.json()["name"] == "Copy of: Summer"
    assert copied.json()["id"] != made["id"] and copied.json()["status"] == "draft"
    assert api.delete(f"/campaigns/{copied.json()['id']}").status_code == 204
    problem(api.get(f"/campaigns/{copied.json()['id']}"), 404)
    problem(api.post("/campaigns", json={"name": "x"}), 400)


def test_send_only_a_draft_then_it_sends_on_the_clock(sb, api, v3):
    new_contact(v3, "ann@example.com")
    made = draft(api)
    assert api.post(f"/campaigns/{made['id']}/send").status_code == 204
    assert api.get(f"/campaigns/{made['id']}").json()["status"] == "started"
    problem(api.post(f"/campaigns/{made['id']}/send"), 409)
    problem(api.patch(f"/campaigns/{made['id']}", json={"name": "Late"}), 409)
    sb.clock.advance(seconds=sb.settings.v3_campaign_send_seconds)
    assert api.get(f"/campaigns/{made['id']}").json()["status"] == "sent"
    assert [m["recipient"] for m in sb.outbox(workflow_id=made["id"])] == ["ann@example.com"]


def test_cancel_stops_the_send(sb, api, v3):
    new_contact(v3, "ann@example.com")
    made = draft(api)
    problem(api.post(f"/campaigns/{made['id']}/cancel"), 409)  # a draft cannot be canceled
    api.post(f"/campaigns/{made['id']}/send")
    assert api.post(f"/campaigns/{made['id']}/cancel").status_code == 204
    sb.clock.advance(seconds=sb.settings.v3_campaign_send_seconds)
    assert api.get(f"/campaigns/{made['id']}").json()["status"] == "canceled"
    assert sb.outbox(workflow_id=made["id"]) == []


def test_test_email_goes_to_the_outbox_marked_test(sb, api):
    made = draft(api)
    sent = api.post(f"/campaigns/{made['id']}/test-email", json={"recipients": ["qa@example.com", "me@example.com"]})
    assert sent.status_code == 204
    found = sb.outbox(workflow_id=made["id"])
    assert [(m["recipient"], m["test"], m["subject"]) for m in found] == [
        ("qa@example.com", True, "Hello"), ("me@example.com", True, "Hello")]
    problem(api.post(f"/campaigns/{made['id']}/test-email", json={"recipients": []}), 400)
    sms = draft(api, channel="sms", content={})
    problem(api.post(f"/campaigns/{sms['id']}/test-email", json={"recipients": ["qa@example.com"]}), 422)


def test_ab_test_control_and_utm(api):
    variant = {"content": {"email": {"subject": "A", "templateID": "t1"}}}
    ab = draft(api, type="abTest", abTest={"settings": {"testSizePercent": 20},
                                           "variants": {"a": variant, "b": variant}})
    problem(api.post(f"/campaigns/{ab['id']}/ab-test/stop"), 409)  # only while started
    api.post(f"/campaigns/{ab['id']}/send")
    assert api.post(f"/campaigns/{ab['id']}/ab-test/stop").status_code == 204
    assert api.get(f"/campaigns/{ab['id']}").json()["status"] == "stopped"
    assert api.post(f"/campaigns/{ab['id']}/ab-test/resume").status_code == 204
    problem(api.post(f"/campaigns/{ab['id']}/ab-test/winner", json={"variantID": "z"}), 400)
    assert api.post(f"/campaigns/{ab['id']}/ab-test/winner", json={"variantID": "b"}).status_code == 204
    assert api.get(f"/campaigns/{ab['id']}").json()["abTest"]["result"]["winnerVariantID"] == "b"
    regular = draft(api)
    problem(api.post(f"/campaigns/{regular['id']}/ab-test/stop"), 422)
    assert api.get(f"/campaigns/{regular['id']}/utm").json() == {"tags": {}}
    tags = {"tags": {"source": "omnisend", "medium": "email", "campaign": "spring"}}
    assert api.put(f"/campaigns/{regular['id']}/utm", json=tags).json() == tags
    assert api.get(f"/campaigns/{regular['id']}/utm").json() == tags
    problem(api.put(f"/campaigns/{ab['id']}/utm", json=tags), 409)  # no longer a draft


def test_a_dated_product_may_have_no_variants(api):
    bare = {k: v for k, v in product().items() if k != "variants"}
    assert api.post("/products", json=bare).status_code == 201
    assert "variants" not in api.get("/products/p1").json()


def test_boosters_follow_a_regular_email_parent_one_each(api):
    parent = draft(api)
    booster = {"name": "Nudge", "type": "booster", "channel": "email",
               "boosterSettings": {"campaignID": parent["id"], "sendTo": "nonOpeners"}}
    made = api.post("/campaigns", json=booster)
    assert made.status_code == 201 and made.json()["boosterSettings"]["campaignID"] == parent["id"]
    problem(api.post("/campaigns", json=booster), 409)  # one booster per parent
    changed = api.patch(f"/campaigns/{made.json()['id']}", json={"boosterSettings": {"sendTo": "nonClickers"}})
    assert changed.json()["boosterSettings"] == {"campaignID": parent["id"], "sendTo": "nonClickers"}
    listed = api.get("/campaigns", params={"parentCampaignID": parent["id"]}).json()["campaigns"]
    assert [c["id"] for c in listed] == [made.json()["id"]]
    problem(api.post("/campaigns", json={**booster, "boosterSettings": {"campaignID": "nope", "sendTo": "nonOpeners"}}),
            404)
    started = draft(api)
    api.post(f"/campaigns/{started['id']}/send")
    problem(api.post("/campaigns", json={**booster, "boosterSettings": {"campaignID": started["id"],
                                                                          "sendTo": "nonOpeners"}}), 409)


def test_a_missing_body_is_a_400_not_a_415(api):
    made = draft(api)
    assert problem(api.put(f"/campaigns/{made['id']}/utm"), 400)["detail"]


def test_malformed_values_are_refused_not_crashed_on(api):
    """Found by Schemathesis: each of these answered 500."""
    huge = product(variants=[{"id": "v1", "title": "M", "price": 1e308, "url": "https://x/v"}])
    assert problem(api.post("/products", json=huge), 400)["errors"][0]["field"] == "variants.0.price"
    odd = {"name": "odd", "origin": "api", "displayName": "Odd",
           "properties": {"box": {"type": "struct", "properties": {"inner": [1, 2]}}}}
    assert api.post("/event-metadata", json=odd).status_code == 201
    regular = draft(api)
    problem(api.patch(f"/campaigns/{regular['id']}", json={"boosterSettings": {"sendTo": "nonOpeners"}}), 422)
    variant = {"content": {"email": {"subject": "A", "templateID": "t1"}}}
    weird = {"settings": {"testSizePercent": 20}, "variants": {"a": variant, "b": variant, "c": []}}
    assert api.post("/campaigns", json={"name": "AB", "type": "abTest", "channel": "email", "abTest": weird}).status_code == 201
