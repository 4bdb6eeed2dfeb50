"""v3 batches: accepted at once, run on the clock, each item answered as its single endpoint would."""
from __future__ import annotations

import re

import pytest
from freezegun import freeze_time

from simulator import Sandbox
from tests.conftest import START, new_contact


def contact_body(email: str, **extra) -> dict:
    return {"identifiers": [{"type": "email", "id": email, "channels": {"email": {"status": "subscribed"}}}], **extra}


def messages(response) -> list[str]:
    return [m for group in response.json()["fields"] for m in group]


@pytest.fixture
def slow(sb):
    """Whole seconds per step, so each state is visible at a round time."""
    sb.settings.update({"v3_batch_start_seconds": 10, "v3_batch_item_seconds": 2})
    return sb


def test_batch_moves_only_as_the_clock_advances(slow, v3):
    sb = slow
    created = v3.post("/batches", json={"method": "POST", "endpoint": "contacts",
                                        "items": [contact_body("a@example.com"), contact_body("b@example.com")]})
    assert created.status_code == 200
    batch_id = created.json()["batchID"]
    assert re.fullmatch(r"[0-9a-f]{24}", batch_id) and created.json()["totalCount"] == 2

    def state():
        return v3.get(f"/batches/{batch_id}").json()

    assert state() == {"batchID": batch_id, "method": "POST", "endpoint": "contacts", "status": "pending",
                       "createdAt": "2026-11-02T10:00:00Z", "totalCount": 2, "finishedCount": 0, "errorsCount": 0}
    assert v3.get("/contacts").json()["contacts"] == []
    sb.clock.advance(seconds=9)
    assert state()["status"] == "pending"
    sb.clock.advance(seconds=1)
    assert (state()["status"], state()["startedAt"], state()["finishedCount"]) == ("inProgress", "2026-11-02T10:00:10Z", 0)
    sb.clock.advance(seconds=2)
    assert (state()["status"], state()["finishedCount"]) == ("inProgress", 1)
    assert len(v3.get("/contacts").json()["contacts"]) == 1
    sb.clock.advance(seconds=2)
    done = state()
    assert (done["status"], done["finishedCount"], done["errorsCount"]) == ("finished", 2, 0)
    assert done["endedAt"] == "2026-11-02T10:00:14Z"
    assert [c["identifiers"][0]["id"] for c in v3.get("/contacts").json()["contacts"]] == ["a@example.com",
                                                                                          "b@example.com"]


def test_each_item_gets_the_single_endpoints_answer(sb, v3):
    bad = {"identifiers": [{"type": "email", "id": "vanessa.kensingtonexample.com"}], "shoeSize": 4}
    good = contact_body("ann@example.com", firstName="Ann")
    batch_id = v3.post("/batches", json={"method": "POST", "endpoint": "contacts", "items": [bad, good]}).json()["batchID"]
    pending = v3.get(f"/batches/{batch_id}/items").json()
    assert (pending["errors"], pending["responses"]) == ([], [])
    assert v3.get(f"/batches/{batch_id}/items/1").json() == {
        "batchID": batch_id, "method": "POST", "endpoint": "contacts", "itemID": "1", "request": bad,
        "status": "pending"}

    sb.clock.advance(minutes=1)
    report = v3.get(f"/batches/{batch_id}/items").json()
    assert (report["status"], report["finishedCount"], report["errorsCount"]) == ("finished", 2, 1)
    [error] = report["errors"]
    [success] = report["responses"]
    single_bad = v3.post("/contacts", json=bad)
    assert (error["itemID"], error["request"], error["status"]) == ("1", bad, "finished")
    assert (error["responseCode"], error["response"]) == (single_bad.status_code, single_bad.json())
    assert ["identifiers[0].channels: field required but not found in Json"] in error["response"]["fields"]
    assert ["shoeSize: unknown field"] in error["response"]["fields"]
    contact_id = v3.get("/contacts").json()["contacts"][0]["contactID"]
    assert success["itemID"] == "2" and success["responseCode"] == 200
    assert success["response"] == {"email": "ann@example.com", "contactID": contact_id}
    assert v3.get(f"/batches/{batch_id}/items/2").json() == {
        "batchID": batch_id, "method": "POST", "endpoint": "contacts", **success}


def test_items_follow_the_settings_of_the_single_endpoint(sb, v3):
    new_contact(v3, "ann@example.com")
    sb.settings.update({"v3_contact_exists": "reject"})
    batch_id = v3.post("/batches", json={"method": "POST", "endpoint": "contacts",
                                         "items": [contact_body("ann@example.com")]}).json()["batchID"]
    sb.clock.advance(seconds=5)
    [error] = v3.get(f"/batches/{batch_id}/items").json()["errors"]
    single = v3.post("/contacts", json=contact_body("ann@example.com"))
    assert (error["responseCode"], error["response"]) == (400, single.json())


def test_batch_of_events_triggers_each_and_records_contact_events(sb, v3):
    ann = new_contact(v3, "ann@example.com")
    event = sb.add_omnisend_event(sb.test_keys()["omnisend"][:24], systemName="sizeChosen",
                                  fields=[{"systemName": "size", "type": "string", "required": True}])
    items = [{"email": "ann@example.com", "fields": {"size": "M"}},
             {"email": "ghost@example.com", "fields": {"size": "L"}},
             {"email": "ann@example.com", "fields": {}}]
    created = v3.post("/batches", json={"method": "POST", "endpoint": "events", "eventID": event["eventID"],
                                        "items": items})
    assert created.status_code == 200
    batch_id = created.json()["batchID"]
    assert v3.get(f"/batches/{batch_id}").json()["eventID"] == event["eventID"]
    sb.clock.advance(seconds=5)
    report = v3.get(f"/batches/{batch_id}/items").json()
    assert [(r["itemID"], r["responseCode"], r["response"]) for r in report["responses"]] == [("1", 204, {})]
    assert [(e["itemID"], e["responseCode"]) for e in report["errors"]] == [("2", 400), ("3", 400)]
    path = f"/events/{event['eventID']}"
    assert report["errors"][0]["response"] == v3.post(path, json=items[1]).json()
    assert report["errors"][1]["response"] == v3.post(path, json=items[2]).json()
    recorded = sb.omnisend_brand(sb.test_keys()["omnisend"][:24]).events_of(ann)
    assert [(e.name, e.properties) for e in recorded] == [("sizeChosen", {"size": "M"})]


def test_unknown_event_fails_each_item_with_404(sb, v3):
    new_contact(v3)
    batch_id = v3.post("/batches", json={"method": "POST", "endpoint": "events", "eventID": "5a3a57235ff78f4307346af5",
                                         "items": [{"email": "ann@example.com"}]}).json()["batchID"]
    sb.clock.advance(seconds=5)
    [error] = v3.get(f"/batches/{batch_id}/items").json()["errors"]
    assert error["responseCode"] == 404
    assert error["response"] == v3.post("/events/5a3a57235ff78f4307346af5", json={"email": "ann@example.com"}).json()


def test_hundred_items_at_most(v3):
    assert v3.post("/batches", json={"method": "POST", "endpoint": "contacts",
                                     "items": [contact_body(f"c{i}@example.com") for i in range(100)]}).status_code == 200
    response = v3.post("/batches", json={"method": "POST", "endpoint": "contacts",
                                         "items": [contact_body(f"c{i}@example.com") for i in range(101)]})
    assert response.status_code == 400
    assert messages(response) == ["items: value violates maxItems 100"]
    empty = v3.post("/batches", json={"method": "POST", "endpoint": "contacts", "items": []})
    assert messages(empty) == ["items: value violates minItems 1"]


def test_create_validation_names_every_problem(v3):
    response = v3.post("/batches", json={"endpoint": "segments", "items": [1, {}], "priority": "high"})
    assert response.status_code == 400
    found = messages(response)
    assert "method: field required but not found in Json" in found
    assert "'endpoint' can't be 'segments'. Available values: contacts,orders,products,events,categories" in found
    assert "items[0]: wrong field type, expected object but got integer" in found
    assert "priority: unknown field" in found
    assert len(found) == 4

    rules = v3.post("/batches", json={"method": "DELETE", "endpoint": "contacts", "eventID": "x", "items": [{}]})
    assert messages(rules) == ["'method' can't be 'DELETE'. Available values: POST",
                               "eventID: only a batch of events takes an eventID"]
    no_event = v3.post("/batches", json={"method": "POST", "endpoint": "events", "items": [{}]})
    assert messages(no_event) == ["eventID: field required but not found in Json"]


def test_list_needs_endpoint_and_filters(slow, v3):
    sb = slow
    first = v3.post("/batches", json={"method": "POST", "endpoint": "contacts", "items": [{}]}).json()["batchID"]
    sb.clock.advance(days=1)
    second = v3.post("/batches", json={"method": "POST", "endpoint": "contacts", "items": [{}]}).json()["batchID"]
    v3.post("/batches", json={"method": "POST", "endpoint": "categories", "items": [{}]})

    def ids(**query):
        response = v3.get("/batches", params=query)
        assert response.status_code == 200, response.text
        return [b["batchID"] for b in response.json()["batches"]]

    assert ids(endpoint="contacts") == [second, first]  # newest first
    assert ids(endpoint="contacts", status="finished") == [first]
    assert ids(endpoint="contacts", status="pending") == [second]
    assert ids(endpoint="contacts", status="stopped") == []
    assert ids(endpoint="contacts", dateFrom="2026-11-03") == [second]
    assert ids(endpoint="contacts", dateTo="2026-11-02") == [first]
    assert ids(endpoint="contacts", dateFrom="2026-11-02T10:00:01Z") == [second]
    assert ids(endpoint="orders") == []

    missing = v3.get("/batches")
    assert missing.status_code == 400
    assert messages(missing) == ["endpoint: field required but not found in Json"]
    bad = v3.get("/batches", params={"endpoint": "carts", "status": "done", "dateFrom": "yesterday", "limit": "0"})
    assert bad.status_code == 400
    assert len(messages(bad)) == 4


def test_list_pages_by_offset(v3):
    made = [v3.post("/batches", json={"method": "POST", "endpoint": "contacts", "items": [{}]}).json()["batchID"]
            for _ in range(5)]
    page = v3.get("/batches", params={"endpoint": "contacts", "limit": 2}).json()
    assert [b["batchID"] for b in page["batches"]] == made[::-1][:2]
    assert page["paging"]["previous"] is None and page["paging"]["offset"] == 0
    seen, url = [], "/batches?endpoint=contacts&limit=2"
    while url:
        page = v3.get(url).json()
        seen += [b["batchID"] for b in page["batches"]]
        url = page["paging"]["next"]
    assert seen == made[::-1]
    last = v3.get("/batches", params={"endpoint": "contacts", "limit": 2, "offset": 4}).json()["paging"]
    assert last["next"] is None and "offset=2" in last["previous"] and "endpoint=contacts" in last["previous"]


def test_unknown_batch_and_item_are_404(sb, v3):
    assert v3.get("/batches/5b0c188b44c306389ab529e5").status_code == 404
    assert v3.get("/batches/5b0c188b44c306389ab529e5/items").status_code == 404
    batch_id = v3.post("/batches", json={"method": "POST", "endpoint": "contacts", "items": [{}]}).json()["batchID"]
    for item_id in ("0", "2", "x"):
        response = v3.get(f"/batches/{batch_id}/items/{item_id}")
        assert response.status_code == 404 and response.json()["statusCode"] == 404


def test_batches_drop_out_after_retention(sb, v3):
    batch_id = v3.post("/batches", json={"method": "POST", "endpoint": "contacts", "items": [{}]}).json()["batchID"]
    sb.clock.advance(days=6, hours=23)
    assert v3.get(f"/batches/{batch_id}").status_code == 200
    sb.clock.advance(hours=1)
    assert v3.get(f"/batches/{batch_id}").status_code == 404
    assert v3.get("/batches", params={"endpoint": "contacts"}).json()["batches"] == []


def test_batches_are_per_brand(sb, v3, other_brand_key):
    batch_id = v3.post("/batches", json={"method": "POST", "endpoint": "contacts",
                                         "items": [contact_body("ann@example.com")]}).json()["batchID"]
    other = sb.client("omnisend-v3", key=other_brand_key)
    assert other.get(f"/batches/{batch_id}").status_code == 404
    assert other.get("/batches", params={"endpoint": "contacts"}).json()["batches"] == []
    sb.clock.advance(seconds=5)
    assert other.get("/contacts").json()["contacts"] == []  # items ran as the batch's own brand
    assert len(v3.get("/contacts").json()["contacts"]) == 1


def test_items_are_neither_rate_limited_nor_journalled(sb, v3):
    sb.settings.update({"v3_rate_limit": 3})
    v3.post("/batches", json={"method": "POST", "endpoint": "contacts",
                              "items": [contact_body(f"c{i}@example.com") for i in range(10)]})
    sb.clock.advance(seconds=5)
    listed = v3.get("/contacts")
    assert listed.headers["X-Rate-Limit-Remaining"] == "1"  # the batch and this list only
    assert len(listed.json()["contacts"]) == 10
    assert [(e["method"], e["path"]) for e in sb.journal.entries()] == [
        ("POST", "/omnisend/v3/batches"), ("GET", "/omnisend/v3/contacts")]


def test_items_run_while_another_request_is_served_leave_it_alone(other_brand_key):
    """Real clock: due items run when the next request arrives, inside it; that request keeps its brand."""
    with freeze_time(START) as wall:
        sb = Sandbox(seed=7, start=START, clock="real")
        v3 = sb.client("omnisend-v3")
        other = sb.client("omnisend-v3", key=other_brand_key)
        batch_id = v3.post("/batches", json={"method": "POST", "endpoint": "contacts",
                                             "items": [contact_body("ann@example.com")]}).json()["batchID"]
        wall.tick(5)
        response = other.get("/contacts")  # the batch's item runs first, as the batch's brand
        assert sb.scheduler.pending() == 0  # the item ran inside that request
        assert response.status_code == 200 and response.json()["contacts"] == []
        assert response.headers["X-Rate-Limit-Remaining"] == "399"
        assert v3.get(f"/batches/{batch_id}").json()["status"] == "finished"
        assert len(v3.get("/contacts").json()["contacts"]) == 1


def test_items_run_inside_a_control_request_leave_it_alone():
    """Real clock: a control API request can be the one that runs due items; it stays a control request."""
    with freeze_time(START) as wall:
        sb = Sandbox(seed=7, start=START, clock="real")
        v3 = sb.client("omnisend-v3")
        v3.post("/batches", json={"method": "POST", "endpoint": "contacts", "items": [contact_body("a@example.com")]})
        wall.tick(5)
        response = sb.client("sim").get("/clock")
        assert sb.scheduler.pending() == 0
        assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
        assert "X-Rate-Limit-Limit" not in response.headers
        assert [e["path"] for e in sb.journal.entries()] == ["/omnisend/v3/batches"]


def product_body(product_id: str, **changes) -> dict:
    body = {"productID": product_id, "title": product_id.title(), "status": "inStock", "currency": "EUR",
            "productUrl": f"https://shop.example.com/{product_id}",
            "variants": [{"variantID": product_id, "title": product_id.title(), "status": "inStock", "price": 100}]}
    return {**body, **changes}


def run(sb, v3, **batch) -> dict:
    created = v3.post("/batches", json=batch)
    assert created.status_code == 200, created.text
    sb.clock.advance(minutes=1)
    return v3.get(f"/batches/{created.json()['batchID']}/items").json()


def test_batch_post_and_put_products(sb, v3):
    bad = product_body("scarf", variants=[])
    report = run(sb, v3, method="POST", endpoint="products", items=[product_body("hat"), bad])
    assert [(r["itemID"], r["responseCode"], r["response"]) for r in report["responses"]] == [
        ("1", 200, {"productID": "hat"})]
    [error] = report["errors"]
    assert (error["responseCode"], error["response"]) == (400, v3.post("/products", json=bad).json())

    renamed = {"productID": "hat", "title": "Wool hat", "status": "outOfStock", "currency": "EUR",
               "updatedAt": "2026-11-02T10:01:00Z",
               "variants": [{"variantID": "hat", "title": "Hat", "status": "outOfStock", "price": 120}]}
    report = run(sb, v3, method="PUT", endpoint="products",
                 items=[renamed, {**renamed, "productID": "ghost"}, {"title": "no id"}])
    assert [(r["itemID"], r["responseCode"]) for r in report["responses"]] == [("1", 200)]
    assert [(e["itemID"], e["responseCode"]) for e in report["errors"]] == [("2", 404), ("3", 400)]
    assert report["errors"][0]["response"] == v3.put("/products/ghost", json={
        k: v for k, v in renamed.items() if k != "productID"}).json()
    assert report["errors"][1]["response"]["fields"] == [["productID: field required but not found in Json"]]
    assert report["errors"][1]["request"] == {"title": "no id"}  # the item as sent
    got = v3.get("/products/hat").json()
    assert (got["title"], got["status"]) == ("Wool hat", "outOfStock")


def test_batch_categories_and_orders(sb, v3):
    report = run(sb, v3, method="POST", endpoint="categories",
                 items=[{"categoryID": "hats", "title": "Hats"}, {"categoryID": "hats", "title": "Again"}])
    assert [r["responseCode"] for r in report["responses"]] == [200]
    assert report["errors"][0]["response"] == v3.post("/categories", json={"categoryID": "hats", "title": "x"}).json()
    report = run(sb, v3, method="PUT", endpoint="categories", items=[{"categoryID": "hats", "title": "Caps"}])
    assert report["responses"][0]["response"] == {"categoryID": "hats"}
    assert v3.get("/categories/hats").json()["title"] == "Caps"

    order = {"orderID": "o-1", "email": "ann@example.com", "currency": "EUR", "orderSum": 2599,
             "createdAt": "2026-11-02T09:00:00Z"}
    report = run(sb, v3, method="POST", endpoint="orders", items=[order, {**order, "orderID": "o-2", "orderSum": 1.5}])
    assert report["responses"][0]["response"]["orderID"] == "o-1"
    assert report["errors"][0]["response"] == v3.post("/orders", json={**order, "orderID": "o-3", "orderSum": 1.5}).json()
    assert v3.get("/orders/o-1").status_code == 200
