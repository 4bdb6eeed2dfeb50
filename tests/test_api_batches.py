"""Dated batches: accepted at once, run on the clock item by item, each item answered as the single
dated endpoint would; listing, paging, refusals and scopes."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.test_api_foundation import oauth_token


def contact_item(email: str) -> dict:
    return {"identifiers": [{"type": "email", "id": email, "channels": {"email": {"status": "subscribed"}}}]}


def create(api, expect: int = 201, **body) -> dict:
    response = api.post("/batches", json=body)
    assert response.status_code == expect, response.text
    return response.json()


def errors(response) -> dict[str, str]:
    assert response.status_code == 400, response.text
    return {e["field"]: e["code"] for e in response.json()["errors"]}


def test_a_contacts_batch_runs_on_the_clock(sb, api, v3):
    v3_made = v3.post("/contacts", json=contact_item("old@example.com")).json()["contactID"]
    made = create(api, method="POST", endpoint="contacts", origin="import",
                  items=[contact_item("new@example.com"), contact_item("old@example.com"), {"identifiers": []}])
    assert made["totalCount"] == 3 and len(made["batchID"]) == 24
    batch = api.get(f"/batches/{made['batchID']}").json()
    assert batch == {"batchID": made["batchID"], "method": "POST", "endpoint": "contacts", "origin": "import",
                     "status": "pending", "createdAt": "2026-11-02T10:00:00Z", "totalCount": 3, "finishedCount": 0,
                     "errorsCount": 0}
    sb.clock.advance(seconds=1)
    assert api.get(f"/batches/{made['batchID']}").json()["status"] == "inProgress"
    sb.clock.advance(seconds=0.15)
    assert api.get(f"/batches/{made['batchID']}").json()["finishedCount"] == 1
    sb.clock.advance(seconds=1)
    items = api.get(f"/batches/{made['batchID']}/items").json()
    assert (items["status"], items["finishedCount"], items["errorsCount"]) == ("finished", 3, 1)
    assert items["startedAt"] == "2026-11-02T10:00:01Z" and "endedAt" in items
    created, updated = items["responses"]
    assert (created["itemID"], created["responseCode"], created["status"]) == ("1", 201, "finished")
    assert created["request"] == contact_item("new@example.com") and created["response"]["email"] == "new@example.com"
    assert (updated["responseCode"], updated["response"]["id"]) == (200, v3_made)
    [failed] = items["errors"]
    assert (failed["itemID"], failed["responseCode"]) == ("3", 400)
    assert failed["response"]["errors"] == [{"field": "identifiers", "code": "required", "message": "identifiers is required"}]
    assert v3.get("/contacts", params={"email": "new@example.com"}).json()["contacts"][0]["contactID"] == \
        created["response"]["id"]


def test_an_events_batch_records_each_event_with_the_batch_origin(sb, api):
    create(api, method="POST", endpoint="events", origin="backfill", items=[
        {"eventName": "imported", "contact": {"email": "a@example.com"}, "eventTime": "2026-01-01T00:00:00Z"},
        {"eventName": "imported", "origin": "own", "contact": {"email": "b@example.com"}},
        {"eventName": "placed order", "contact": {"email": "c@example.com"}}])
    sb.clock.advance(seconds=2)
    brand = sb.omnisend_brand(sb.test_keys()["omnisend"][:24])
    assert [(e.name, e.origin) for e in brand.activity] == [("imported", "backfill"), ("imported", "own")]
    batch = api.get("/batches", params={"endpoint": "events"}).json()["batches"][0]
    items = api.get(f"/batches/{batch['batchID']}/items").json()
    assert [r["responseCode"] for r in items["responses"]] == [202, 202]
    assert items["responses"][0]["response"] == {}
    assert items["errors"][0]["responseCode"] == 400  # a recommended event without its version and properties


def test_refusals_name_every_problem(api):
    assert errors(api.post("/batches", json={"method": "PATCH", "endpoint": "segments", "items": [], "x": 1})) == {
        "method": "invalid_value", "endpoint": "invalid_value", "items": "out_of_range", "x": "unknown_field"}
    assert errors(api.post("/batches", json={"items": [{}] * 101})) == {
        "method": "required", "endpoint": "required", "items": "out_of_range"}
    assert errors(api.post("/batches", json={"method": "PUT", "endpoint": "contacts", "items": [{}]})) == {
        "method": "invalid_value"}
    products = api.post("/batches", json={"method": "POST", "endpoint": "products", "items": [{}]})
    assert errors(products) == {"endpoint": "invalid"}
    assert "not served" in products.json()["errors"][0]["message"]
    assert api.get("/batches", params={"endpoint": "products"}).json()["batches"] == []


def test_list_rules_and_offset_paging(sb, api):
    made = []
    for n in range(5):
        made.append(create(api, method="POST", endpoint="contacts", items=[contact_item(f"p{n}@example.com")])["batchID"])
        sb.clock.advance(minutes=1)
    create(api, method="POST", endpoint="events", items=[{"eventName": "x", "contact": {"email": "e@example.com"}}])
    first = api.get("/batches", params={"endpoint": "contacts", "limit": 2})
    assert first.status_code == 200
    page = first.json()
    assert [b["batchID"] for b in page["batches"]] == made[::-1][:2]
    assert page["paging"]["limit"] == 2 and page["paging"]["offset"] == 0 and "previous" not in page["paging"]
    seen, url = [], "/batches?endpoint=contacts&limit=2"
    while url:
        page = api.get(url).json()
        seen += [b["batchID"] for b in page["batches"]]
        link = page["paging"].get("next")
        if link:
            parts = urlsplit(link)
            assert parts.path == "/omnisend/api/batches" and parse_qs(parts.query)["endpoint"] == ["contacts"]
            url = f"/batches?{parts.query}"
        else:
            url = None
    assert seen == made[::-1]
    assert "previous" in page["paging"]
    finished = api.get("/batches", params={"endpoint": "contacts", "status": "finished"}).json()["batches"]
    assert {b["batchID"] for b in finished} == set(made)
    pending = api.get("/batches", params={"endpoint": "events", "status": "pending"}).json()["batches"]
    assert len(pending) == 1
    today = api.get("/batches", params={"endpoint": "contacts", "dateFrom": "2026-11-02", "dateTo": "2026-11-02"})
    assert len(today.json()["batches"]) == 5
    assert api.get("/batches", params={"endpoint": "contacts", "dateFrom": "2026-11-03"}).json()["batches"] == []


@pytest.mark.parametrize("params,expected", [
    ({}, {"endpoint": "required"}),
    ({"endpoint": "categories", "status": "done", "limit": "0", "offset": "-1", "dateFrom": "soon"},
     {"endpoint": "invalid_value", "status": "invalid_value", "limit": "out_of_range", "offset": "out_of_range",
      "dateFrom": "invalid_format"}),
])
def test_list_parameter_rules(api, params, expected):
    assert errors(api.get("/batches", params=params)) == expected


def test_unknown_batches_are_404(api):
    for path in ("/batches/000000000000000000000000", "/batches/000000000000000000000000/items"):
        response = api.get(path)
        assert response.status_code == 404 and response.json()["type"] == "https://problems.omnisend.com/not-found"


def test_each_line_keeps_its_own_batches(sb, api, v3):
    dated = create(api, method="POST", endpoint="contacts", items=[contact_item("d@example.com")])["batchID"]
    v3_batch = v3.post("/batches", json={"method": "POST", "endpoint": "contacts",
                                          "items": [contact_item("v@example.com")]}).json()["batchID"]
    assert [b["batchID"] for b in api.get("/batches", params={"endpoint": "contacts"}).json()["batches"]] == [dated]
    assert [b["batchID"] for b in v3.get("/batches", params={"endpoint": "contacts"}).json()["batches"]] == [v3_batch]
    assert api.get(f"/batches/{v3_batch}").status_code == 404
    sb.clock.advance(seconds=2)
    assert len(api.get("/contacts").json()["contacts"]) == 2  # both lines' items reached the same contacts


def test_a_batch_needs_its_endpoints_scope(sb):
    def client(scopes: str):
        token = oauth_token(sb, scopes)["access_token"]
        return sb.client("omnisend-api", headers={"Authorization": f"Bearer {token}"})

    writer = client("contacts.write")
    made = create(writer, method="POST", endpoint="contacts", items=[contact_item("w@example.com")])
    refused = writer.post("/batches", json={"method": "POST", "endpoint": "events", "items": [{}]})
    assert refused.status_code == 403 and "events.write" in refused.json()["detail"]
    assert writer.post("/batches", json={"method": "POST", "endpoint": "products", "items": [{}]}).status_code == 403
    sb.clock.advance(seconds=2)
    assert writer.get("/batches", params={"endpoint": "contacts"}).status_code == 403  # no read scope at all
    reader = client("events.read")
    assert reader.get("/batches", params={"endpoint": "events"}).status_code == 200
    assert reader.get("/batches", params={"endpoint": "contacts"}).status_code == 403
    assert reader.get(f"/batches/{made['batchID']}").status_code == 403
    assert client("contacts.read").get(f"/batches/{made['batchID']}/items").json()["responses"][0]["responseCode"] == 201
