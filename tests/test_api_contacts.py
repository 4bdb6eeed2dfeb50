"""Dated contacts: upsert, get, update, the cursor-paged list and its filter rules, bulk tagging,
scopes, and the same contacts seen through v3."""
from __future__ import annotations

import pytest

from tests.conftest import new_contact
from tests.test_api_foundation import oauth_token


def identifier(value: str, status: str | None = "subscribed", **extra) -> dict:
    kind = "email" if "@" in value else "phone"
    item = {"type": kind, "id": value, **extra}
    if status is not None:
        item["channels"] = {"email" if kind == "email" else "sms": {"status": status}}
    return item


def create(api, *identifiers, expect: int = 201, **fields) -> dict:
    response = api.post("/contacts", json={"identifiers": list(identifiers), **fields})
    assert response.status_code == expect, response.text
    return response.json()


def errors(response) -> dict[str, str]:
    assert response.status_code == 400, response.text
    return {e["field"]: e["code"] for e in response.json()["errors"]}


def test_upsert_by_email_answers_201_then_200_with_the_same_contact(sb, api):
    first = create(api, identifier("ann@example.com"), firstName="Ann", tags=["vip"])
    assert first["id"] and first["email"] == "ann@example.com" and first["status"] == "subscribed"
    assert first["identifiers"] == [{"id": "ann@example.com", "type": "email", "channels": {
        "email": {"status": "subscribed", "statusChangedAt": "2026-11-02T10:00:00Z"}}}]
    assert first["statuses"] == [{"channel": "email", "status": "subscribed", "statusChangedAt": "2026-11-02T10:00:00Z"}]
    assert first["optIns"] == [{"channel": "email", "optInAt": "2026-11-02T10:00:00Z"}]
    assert (first["phone"], first["segments"], first["tags"]) == ([], [], ["vip"])
    sb.clock.advance(minutes=5)
    second = create(api, identifier("ANN@example.com", status=None), expect=200, lastName="Lee")
    assert second["id"] == first["id"]
    assert (second["firstName"], second["lastName"], second["status"]) == ("Ann", "Lee", "subscribed")
    assert second["createdAt"] == "2026-11-02T10:00:00Z" and second["updatedAt"] == "2026-11-02T10:05:00Z"
    assert api.get(f"/contacts/{first['id']}").json() == second


def test_v3_field_names_are_renamed_and_old_ones_still_accepted(api):
    contact = create(api, identifier("+37060000001", status=None, channels={"sms": {
        "status": "unsubscribed", "statusDate": "2026-10-01T08:00:00Z"}}, sendWelcomeMessage=False, source="pos"),
        identifier("bo@example.com", None, channels={"email": {"status": "subscribed",
                                                              "statusChangedAt": "2026-09-01T00:00:00Z"}},
                   consent={"ip": "10.0.0.1", "source": "form"}),
        createdAt="2020-05-01T00:00:00Z")
    assert "contactID" not in contact
    assert contact["phone"] == ["+37060000001"]
    sms = next(i for i in contact["identifiers"] if i["type"] == "phone")
    assert sms["channels"] == {"sms": {"status": "unsubscribed", "statusChangedAt": "2026-10-01T08:00:00Z"}}
    assert [s["channel"] for s in contact["statuses"]] == ["email", "sms"]  # sorted by date
    assert contact["consents"] == [{"channel": "email", "createdAt": "2026-11-02T10:00:00Z", "ip": "10.0.0.1",
                                    "source": "form"}]
    assert contact["customProperties"] == {"externalCreated": "2020-05-01T00:00:00Z"}  # as the spec says
    assert contact["createdAt"] == "2026-11-02T10:00:00Z"


def test_a_new_identifier_without_status_is_not_subscribed(api):
    contact = create(api, identifier("cy@example.com", status=None))
    assert contact["status"] == "nonSubscribed" and contact["optIns"] == []


def test_schema_problems_are_reported_at_once(api):
    response = api.post("/contacts", json={
        "identifiers": [{"type": "fax", "channels": {"email": {"status": "maybe"}, "push": {"status": "subscribed"}}}],
        "gender": "x", "tags": "vip", "createdAt": "yesterday", "colour": "red"})
    assert errors(response) == {
        "identifiers.0.id": "required", "identifiers.0.type": "invalid_value",
        "identifiers.0.channels.email.status": "invalid_value", "identifiers.0.channels": "invalid_value",
        "gender": "invalid_value", "tags": "invalid_type", "createdAt": "invalid_format", "colour": "unknown_field"}
    assert response.json()["type"] == "https://problems.omnisend.com/validation-failed"


def test_model_problems_are_reported_at_once_and_nothing_is_written(api, v3):
    response = api.post("/contacts", json={"identifiers": [
        {"type": "email", "id": "not-an-email"}, {"type": "email", "id": "dup@example.com"},
        {"type": "phone", "id": "+37060000009", "channels": {"email": {"status": "subscribed"}}}]})
    assert errors(response) == {"identifiers.2.channels.email": "invalid"}  # the channel check comes first
    response = api.post("/contacts", json={"identifiers": [
        {"type": "email", "id": "not-an-email"}, {"type": "email", "id": "dup@example.com"}]})
    assert errors(response) == {"identifiers.0.id": "invalid_format", "identifiers.1.type": "duplicate"}
    assert errors(api.post("/contacts", json={"firstName": "Nobody"})) == {"identifiers": "required"}
    assert api.get("/contacts").json()["contacts"] == [] and v3.get("/contacts").json()["contacts"] == []


def test_get_and_update_unknown_contacts_are_404(api):
    for response in (api.get("/contacts/nope"), api.patch("/contacts/nope", json={"firstName": "X"}),
                     api.patch("/contacts", params={"email": "ghost@example.com"}, json={"firstName": "X"})):
        assert response.status_code == 404, response.text
        assert response.json()["type"] == "https://problems.omnisend.com/not-found"
    assert errors(api.patch("/contacts", json={"firstName": "X"})) == {"email": "required"}


def test_update_by_id_and_by_email(sb, api):
    ann = create(api, identifier("ann@example.com"))
    sb.clock.advance(minutes=1)
    updated = api.patch(f"/contacts/{ann['id']}", json={
        "identifiers": [identifier("+37060000002", status="subscribed")], "city": "Vilnius", "tags": ["a"]})
    assert updated.status_code == 200, updated.text
    assert updated.json()["phone"] == ["+37060000002"] and updated.json()["city"] == "Vilnius"
    by_email = api.patch("/contacts", params={"email": "ANN@example.com"},
                         json={"identifiers": [identifier("ann@example.com", "unsubscribed")], "tags": ["b"]})
    assert by_email.status_code == 200
    body = by_email.json()
    assert (body["id"], body["status"], body["tags"]) == (ann["id"], "unsubscribed", ["a", "b"])
    assert body["optIns"] == [{"channel": "email", "optInAt": "2026-11-02T10:00:00Z"},
                              {"channel": "sms", "optInAt": "2026-11-02T10:01:00Z"}]
    changed = api.patch(f"/contacts/{ann['id']}", json={"identifiers": [identifier("other@example.com")]})
    assert errors(changed) == {"identifiers.0.id": "invalid"}  # the email of a contact cannot be changed


def test_an_identifier_of_another_contact_is_a_409_and_changes_nothing(api):
    ann = create(api, identifier("ann@example.com"))
    create(api, identifier("bob@example.com"), identifier("+37060000003"))
    for response in (api.patch(f"/contacts/{ann['id']}", json={"identifiers": [identifier("+37060000003")],
                                                               "firstName": "Changed"}),
                     api.patch("/contacts", params={"email": "ann@example.com"},
                               json={"identifiers": [identifier("+37060000003")], "firstName": "Changed"})):
        assert response.status_code == 409
        assert response.json()["detail"] == "Contact identifier already exists"
    assert "firstName" not in api.get(f"/contacts/{ann['id']}").json()


def test_contacts_are_shared_with_v3_both_ways(api, v3):
    from_v3 = new_contact(v3, "v3@example.com", firstName="Vee", tags=["old"])
    seen = api.get(f"/contacts/{from_v3}").json()
    assert (seen["id"], seen["email"], seen["firstName"], seen["tags"]) == (from_v3, "v3@example.com", "Vee", ["old"])
    assert seen["identifiers"][0]["channels"]["email"]["status"] == "subscribed"
    assert api.get("/contacts", params={"email": "v3@example.com"}).json()["contacts"] == [seen]
    dated = create(api, identifier("api@example.com", "unsubscribed"), identifier("+37060000004", "subscribed"),
                   lastName="Dee")
    back = v3.get(f"/contacts/{dated['id']}").json()
    assert back["contactID"] == dated["id"] and back["lastName"] == "Dee"
    assert back["identifiers"][0]["channels"] == {"email": {"status": "unsubscribed",
                                                            "statusDate": "2026-11-02T10:00:00Z"}}
    upsert = api.post("/contacts", json={"identifiers": [identifier("v3@example.com", status=None)], "city": "Riga"})
    assert upsert.status_code == 200 and upsert.json()["id"] == from_v3
    assert v3.get(f"/contacts/{from_v3}").json()["city"] == "Riga"


def make_contacts(sb, api, count: int) -> list[str]:
    made = []
    for n in range(count):
        made.append(create(api, identifier(f"c{n}@example.com"))["id"])
        sb.clock.advance(seconds=10)
    return made


def walk(api, path: str, key: str, cursor: str = "after", **params) -> tuple[list[str], int, dict]:
    """Follow paging.cursors[cursor] until hasMore is false: (ids, pages, the last page)."""
    seen, pages = [], 0
    page = api.get(path, params=params).json()
    while True:
        pages += 1
        seen += [item[key] for item in page[path.strip("/")]]
        if not page["paging"]["hasMore"]:
            return seen, pages, page
        page = api.get(path, params={**params, cursor: page["paging"]["cursors"][cursor]}).json()


def test_cursor_paging_sees_every_contact_once_both_ways(sb, api):
    made = make_contacts(sb, api, 7)
    forward, pages, last = walk(api, "/contacts", "id", limit=3)
    assert forward == made[::-1] and pages == 3  # newest first by default
    assert last["paging"]["cursors"]["before"] is not None
    backward = list(reversed([c["id"] for c in last["contacts"]]))
    page = last
    while page["paging"]["cursors"]["before"]:
        page = api.get("/contacts", params={"limit": 3, "before": page["paging"]["cursors"]["before"]}).json()
        backward += list(reversed([c["id"] for c in page["contacts"]]))
        if not page["paging"]["hasMore"]:
            break
    assert backward == made and page["paging"]["cursors"]["before"] is None
    ascending, pages, _ = walk(api, "/contacts", "id", limit=2, direction="asc")
    assert ascending == made and pages == 4


def test_sort_by_updated_at(sb, api):
    made = make_contacts(sb, api, 3)
    api.patch(f"/contacts/{made[0]}", json={"firstName": "Touched"})
    ids = [c["id"] for c in api.get("/contacts", params={"sort": "updatedAt"}).json()["contacts"]]
    assert ids == [made[0], made[2], made[1]]


def test_list_filters(sb, api):
    create(api, identifier("a@example.com"), identifier("+37060000005"), tags=["vip"])
    create(api, identifier("b@example.com", "unsubscribed"))
    sb.clock.advance(hours=1)
    create(api, identifier("c@example.com", status=None), tags=["vip"])

    def emails(**params):
        response = api.get("/contacts", params=params)
        assert response.status_code == 200, response.text
        return sorted(c["email"] for c in response.json()["contacts"])

    assert emails(email="A@example.com") == ["a@example.com"]
    assert emails(phone="+370 600 00005") == ["a@example.com"]
    assert emails(status="unsubscribed") == ["b@example.com"]
    assert emails(tag="vip") == ["a@example.com", "c@example.com"]
    assert emails(updatedAtFrom="2026-11-02T10:30:00Z") == ["c@example.com"]
    assert emails(segmentID="000000000000000000000000") == []


@pytest.mark.parametrize("params,expected", [
    ({"tag": "vip", "status": "subscribed"}, {"tag": "invalid"}),
    ({"updatedAtFrom": "2026-11-01T00:00:00Z", "email": "a@example.com", "segmentID": "x"},
     {"updatedAtFrom": "invalid"}),
    ({"limit": "0", "sort": "name", "direction": "up", "status": "gone", "updatedAtFrom": "soon"},
     {"limit": "out_of_range", "sort": "invalid_value", "direction": "invalid_value", "status": "invalid_value",
      "updatedAtFrom": "invalid_format"}),
    ({"limit": "251"}, {"limit": "out_of_range"}),
    ({"after": "eyJpZCI6IngifQ", "before": "eyJpZCI6IngifQ"}, {"after": "invalid"}),
    ({"after": "%%%"}, {"after": "invalid_format"}),
])
def test_list_parameter_rules(api, params, expected):
    assert errors(api.get("/contacts", params=params)) == expected


def test_filter_combination_problems_are_all_listed(api):
    response = api.get("/contacts", params={"tag": "vip", "status": "subscribed", "updatedAtFrom": "2026-11-01T00:00:00Z"})
    messages = [e["message"] for e in response.json()["errors"]]
    assert response.status_code == 400 and len(messages) == 3
    assert "Tag and status cannot be combined" in messages
    assert "UpdatedAtFrom cannot be combined with tag" in messages


def test_tags_are_added_and_removed_on_the_clock(sb, api):
    ann = create(api, identifier("ann@example.com"), tags=["keep"])["id"]
    bob = create(api, identifier("bob@example.com"), identifier("+37060000006"))["id"]
    cy = create(api, identifier("cy@example.com"))["id"]
    added = api.post("/contacts/tags", json={"tags": ["sale", "vip"], "contactIDs": [ann, "unknown"],
                                             "emails": ["nobody@example.com", "ann@example.com"],
                                             "phones": ["+37060000006"]})
    assert added.status_code == 202 and added.content == b""
    assert api.get(f"/contacts/{ann}").json()["tags"] == ["keep"]  # asynchronous
    sb.clock.advance(seconds=1)
    tags = {c["id"]: c["tags"] for c in api.get("/contacts").json()["contacts"]}
    assert tags == {ann: ["keep", "sale", "vip"], bob: ["sale", "vip"], cy: []}
    removed = api.request("DELETE", "/contacts/tags", json={"tags": ["sale"], "emails": ["ann@example.com", "bob@example.com"]})
    assert removed.status_code == 202
    sb.clock.advance(seconds=1)
    assert api.get(f"/contacts/{ann}").json()["tags"] == ["keep", "vip"]
    assert api.get(f"/contacts/{bob}").json()["tags"] == ["vip"]


def test_tagging_at_once_when_the_delay_is_zero(sb, api):
    sb.settings.api_tags_delay_seconds = 0
    ann = create(api, identifier("ann@example.com"))["id"]
    assert api.post("/contacts/tags", json={"tags": ["now"], "contactIDs": [ann]}).status_code == 202
    assert api.get(f"/contacts/{ann}").json()["tags"] == ["now"]


def test_tagging_request_rules(api):
    assert errors(api.post("/contacts/tags", json={"tags": ["x"]})) == {"contactIDs": "required"}
    assert errors(api.post("/contacts/tags", json={"tags": ["x"], "segmentID": "000000000000000000000000"})) == {
        "segmentID": "invalid"}
    assert errors(api.post("/contacts/tags", json={"tags": [], "emails": ["a@example.com"] * 251})) == {
        "tags": "out_of_range", "emails": "out_of_range"}
    assert errors(api.request("DELETE", "/contacts/tags", json={"contactIDs": ["x"]})) == {"tags": "required"}


def test_tags_have_their_own_60_per_minute_bucket(sb, api):
    body = {"tags": ["t"], "emails": ["nobody@example.com"]}
    statuses = [api.post("/contacts/tags", json=body).status_code for _ in range(30)]
    statuses += [api.request("DELETE", "/contacts/tags", json=body).status_code for _ in range(30)]
    assert set(statuses) == {202}
    refused = api.post("/contacts/tags", json=body)
    assert refused.status_code == 429 and refused.json()["retryAfter"] == 60
    assert api.get("/contacts").status_code == 200  # the default bucket is untouched
    sb.clock.advance(seconds=60)
    assert api.post("/contacts/tags", json=body).status_code == 202


def test_oauth_scopes(sb):
    reader = sb.client("omnisend-api", headers={"Authorization": f"Bearer {oauth_token(sb, 'contacts.read')['access_token']}"})
    assert reader.get("/contacts").status_code == 200
    refused = reader.post("/contacts", json={"identifiers": [identifier("x@example.com")]})
    assert refused.status_code == 403 and "contacts.write" in refused.json()["detail"]
    assert reader.post("/contacts/tags", json={"tags": ["x"], "emails": ["x@example.com"]}).status_code == 403
    other = sb.client("omnisend-api", headers={"Authorization": f"Bearer {oauth_token(sb, 'events.write')['access_token']}"})
    assert other.get("/contacts").status_code == 403
    assert other.get("/contacts/whatever").status_code == 403
