"""v3 contacts through the in-process client: create, upsert, get, patch, list, paging, errors."""
from __future__ import annotations

from urllib.parse import urlsplit

from tests.conftest import new_contact


def test_create_get_and_list(v3):
    contact_id = new_contact(v3, "ann@example.com", firstName="Ann", tags=["vip"],
                             customProperties={"points": 12})
    got = v3.get(f"/contacts/{contact_id}").json()
    assert got["contactID"] == contact_id
    assert got["firstName"] == "Ann" and got["tags"] == ["vip"] and got["customProperties"] == {"points": 12}
    assert got["identifiers"][0]["channels"]["email"] == {"status": "subscribed", "statusDate": "2026-11-02T10:00:00Z"}
    listed = v3.get("/contacts").json()
    assert [c["contactID"] for c in listed["contacts"]] == [contact_id]
    assert listed["paging"]["next"] is None


def test_create_with_known_email_updates_that_contact(v3):
    first = new_contact(v3, "Ann@Example.com", firstName="Ann")
    again = new_contact(v3, "ann@example.com", lastName="Lee", tags=["x"])
    assert again == first
    got = v3.get(f"/contacts/{first}").json()
    assert (got["firstName"], got["lastName"]) == ("Ann", "Lee")
    assert len(v3.get("/contacts").json()["contacts"]) == 1


def test_create_with_known_email_rejected_when_configured(sb, v3):
    sb.settings.update({"v3_contact_exists": "reject"})
    new_contact(v3)
    response = v3.post("/contacts", json={"identifiers": [
        {"type": "email", "id": "ann@example.com", "channels": {"email": {"status": "subscribed"}}}]})
    assert response.status_code == 400
    assert "already exists" in response.json()["fields"][0][0]


def test_phone_of_another_contact_is_ignored_and_alone_creates_nothing(v3):
    ann = new_contact(v3, "ann@example.com", identifiers=[
        {"type": "email", "id": "ann@example.com", "channels": {"email": {"status": "subscribed"}}},
        {"type": "phone", "id": "+37060000001", "channels": {"sms": {"status": "nonSubscribed"}}}])
    bob = v3.post("/contacts", json={"identifiers": [
        {"type": "email", "id": "bob@example.com", "channels": {"email": {"status": "subscribed"}}},
        {"type": "phone", "id": "+37060000001", "channels": {"sms": {"status": "subscribed"}}}]}).json()
    assert "phone" not in bob
    assert v3.get(f"/contacts/{ann}").json()["identifiers"][1]["id"] == "+37060000001"
    # the phone alone names Ann, so this updates her instead of creating anyone
    phone_only = v3.post("/contacts", json={"identifiers": [
        {"type": "phone", "id": "+37060000001", "channels": {"sms": {"status": "subscribed"}}}]})
    assert phone_only.json()["contactID"] == ann
    assert len(v3.get("/contacts").json()["contacts"]) == 2


def test_patch_updates_only_given_fields_and_keeps_email(v3):
    contact_id = new_contact(v3, firstName="Ann", city="Vilnius")
    response = v3.patch(f"/contacts/{contact_id}", json={"lastName": "Lee", "tags": ["b"]})
    assert response.status_code == 200
    assert response.json() == {"email": "ann@example.com", "contactID": contact_id}
    got = v3.get(f"/contacts/{contact_id}").json()
    assert (got["firstName"], got["lastName"], got["city"]) == ("Ann", "Lee", "Vilnius")
    change_email = v3.patch(f"/contacts/{contact_id}", json={"identifiers": [
        {"type": "email", "id": "new@example.com", "channels": {"email": {"status": "subscribed"}}}], "city": "Kaunas"})
    assert change_email.status_code == 400
    assert v3.get(f"/contacts/{contact_id}").json()["city"] == "Vilnius"  # nothing half-written


def test_unknown_contact_is_404(v3):
    assert v3.get("/contacts/nope").status_code == 404
    response = v3.patch("/contacts/nope", json={"firstName": "X"})
    assert response.status_code == 404
    assert response.json()["statusCode"] == 404


def test_validation_names_every_problem_at_once(v3):
    response = v3.post("/contacts", json={
        "identifiers": [{"type": "fax", "id": "x"}, {"type": "email", "id": "a@b.co", "channels": {"email": {"status": "maybe"}}}],
        "gender": "x", "firstName": 3, "shoeSize": 44})
    assert response.status_code == 400
    body = response.json()
    messages = [m for group in body["fields"] for m in group]
    assert body["error"] == f"{len(messages)} error(s) found. Check 'fields' array for details."
    assert body["statusCode"] == 400
    assert "identifiers[0].channels: field required but not found in Json" in messages
    assert "'type' can't be 'fax'. Available values: email,phone" in messages
    assert "'gender' can't be 'x'. Available values: m,f" in messages
    assert any(m.startswith("'status' can't be 'maybe'") for m in messages)
    assert "firstName: wrong field type, expected string but got integer" in messages
    assert "shoeSize: unknown field" in messages
    assert v3.get("/contacts").json()["contacts"] == []


def test_missing_channel_for_identifier_type_and_bad_email(v3):
    response = v3.post("/contacts", json={"identifiers": [
        {"type": "email", "id": "not-an-email", "channels": {"sms": {"status": "subscribed"}}}]})
    assert response.status_code == 400
    messages = [m for group in response.json()["fields"] for m in group]
    assert "identifiers[0].channels.email: field required but not found in Json" in messages
    assert any("not-an-email" in m for m in messages)


def test_list_filters(v3):
    new_contact(v3, "a@example.com", tags=["vip"])
    new_contact(v3, "b@example.com")
    v3.post("/contacts", json={"identifiers": [
        {"type": "email", "id": "c@example.com", "channels": {"email": {"status": "unsubscribed"}}}]})

    def emails(query):
        return [c["identifiers"][0]["id"] for c in v3.get("/contacts", params=query).json()["contacts"]]

    assert emails({"tag": "vip"}) == ["a@example.com"]
    assert emails({"status": "unsubscribed"}) == ["c@example.com"]
    assert emails({"email": "B@example.com"}) == ["b@example.com"]
    assert emails({"segmentID": "abc"}) == []  # an unknown segment has no members (real ones: test_api_segments)
    assert v3.get("/contacts", params={"status": "gone"}).status_code == 400


def test_following_next_sees_every_contact_once(v3):
    created = [new_contact(v3, f"c{i}@example.com") for i in range(7)]
    seen, url, pages = [], "/contacts?limit=3", 0
    while url:
        page = v3.get(url).json()
        seen += [c["contactID"] for c in page["contacts"]]
        url = page["paging"]["next"]
        pages += 1
        if url:
            parts = urlsplit(url)
            assert (parts.scheme, parts.netloc) == ("http", "sandbox.local")
            assert parts.path == "/omnisend/v3/contacts/" and "after=" in parts.query
    assert seen == created and pages == 3


def test_limit_bounds(v3):
    for bad in ("0", "251", "x"):
        response = v3.get("/contacts", params={"limit": bad})
        assert response.status_code == 400, bad
    assert v3.get("/contacts", params={"limit": "250"}).status_code == 200
