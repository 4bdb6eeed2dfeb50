"""v3 legacy custom events: trigger by system name (defining the event), trigger by id, list, get."""
from __future__ import annotations

import pytest

from tests.conftest import new_contact


def brand_of(sb) -> str:
    return sb.test_keys()["omnisend"][:24]


def messages(response) -> list[str]:
    return [m for group in response.json()["fields"] for m in group]


def test_first_trigger_defines_the_event_with_typed_fields(sb, v3):
    contact_id = new_contact(v3, "ann@example.com")
    response = v3.post("/events", json={
        "name": "Size chosen", "systemName": "sizeChosen", "email": "ann@example.com",
        "fields": {"size": "M", "bust": 100, "rounded": 10.0, "weight": 12.2, "waterproof": True}})
    assert response.status_code == 204 and response.content == b""
    listed = v3.get("/events")
    assert listed.status_code == 200
    [event] = listed.json()  # a bare array
    assert event["name"] == "Size chosen" and event["systemName"] == "sizeChosen" and event["enabled"] is True
    assert event["createdAt"] == event["updatedAt"] == event["launchedAt"] == "2026-11-02T10:00:00Z"
    assert [(f["systemName"], f["type"], f["required"]) for f in event["fields"]] == [
        ("size", "string", False), ("bust", "integer", False), ("rounded", "integer", False),
        ("weight", "float", False), ("waterproof", "boolean", False)]
    assert v3.get(f"/events/{event['eventID']}").json() == event
    assert len(event["eventID"]) == 24 and int(event["eventID"], 16) >= 0

    [recorded] = sb.omnisend_brand(brand_of(sb)).events_of(contact_id)
    assert (recorded.name, recorded.origin) == ("sizeChosen", "api")
    assert recorded.properties == {"size": "M", "bust": 100, "rounded": 10, "weight": 12.2, "waterproof": True}
    assert isinstance(recorded.properties["rounded"], int)  # 10.0 is recorded as the integer it counts as


def test_later_triggers_add_fields_and_keep_the_definition(sb, v3):
    contact_id = new_contact(v3, "ann@example.com")
    v3.post("/events", json={"name": "Viewed", "systemName": "viewed", "email": "ann@example.com",
                             "fields": {"page": "home"}})
    sb.clock.advance(minutes=5)
    response = v3.post("/events", json={"name": "Another name", "systemName": "viewed", "email": "ann@example.com",
                                        "fields": {"page": "cart", "seconds": 30}})
    assert response.status_code == 204
    [event] = v3.get("/events").json()
    assert event["name"] == "Viewed"  # an existing event keeps its name
    assert [f["systemName"] for f in event["fields"]] == ["page", "seconds"]
    assert event["createdAt"] == event["launchedAt"] == "2026-11-02T10:00:00Z"
    assert event["updatedAt"] == "2026-11-02T10:05:00Z"
    assert [e.properties for e in sb.omnisend_brand(brand_of(sb)).events_of(contact_id)] == [
        {"page": "home"}, {"page": "cart", "seconds": 30}]


def test_name_defaults_to_the_system_name_and_phone_finds_the_contact(sb, v3):
    contact_id = new_contact(v3, "ann@example.com", identifiers=[
        {"type": "email", "id": "ann@example.com", "channels": {"email": {"status": "subscribed"}}},
        {"type": "phone", "id": "+37060000001", "channels": {"sms": {"status": "subscribed"}}}])
    assert v3.post("/events", json={"systemName": "called", "phone": "+37060000001"}).status_code == 204
    [event] = v3.get("/events").json()
    assert event["name"] == "called" and event["fields"] == []
    assert [e.name for e in sb.omnisend_brand(brand_of(sb)).events_of(contact_id)] == ["called"]


@pytest.mark.parametrize("value, declared", [(10, "integer"), (10.0, "integer"), (10.01, "float")])
def test_integral_numbers_are_integers(v3, value, declared):
    new_contact(v3)
    v3.post("/events", json={"systemName": "n", "email": "ann@example.com", "fields": {"x": value}})
    assert v3.get("/events").json()[0]["fields"][0]["type"] == declared


def test_a_value_of_another_type_is_refused_and_nothing_changes(sb, v3):
    contact_id = new_contact(v3)
    v3.post("/events", json={"systemName": "ordered", "email": "ann@example.com", "fields": {"count": 2, "w": 1.5}})
    before = v3.get("/events").json()
    response = v3.post("/events", json={"systemName": "ordered", "email": "ann@example.com",
                                        "fields": {"count": 2.5, "w": 3, "newField": "x"}})
    assert response.status_code == 400
    assert messages(response) == ["fields.count: wrong field type, expected integer but got float",
                                  "fields.w: wrong field type, expected float but got integer"]
    assert v3.get("/events").json() == before  # newField was not added
    assert len(sb.omnisend_brand(brand_of(sb)).events_of(contact_id)) == 1


def test_unknown_contact_and_missing_identifier(v3):
    response = v3.post("/events", json={"systemName": "x", "email": "nobody@example.com", "fields": {"a": 1}})
    assert response.status_code == 400
    assert messages(response) == ["email: no contact with this email or phone"]
    response = v3.post("/events", json={"systemName": "x", "fields": {"a": 1}})
    assert messages(response) == ["email: email or phone is required"]
    assert v3.get("/events").json() == []  # a refused trigger defines nothing


def test_dated_line_body_is_refused_naming_every_problem(v3):
    new_contact(v3)
    response = v3.post("/events", json={"eventName": "placed order", "contact": {"email": "ann@example.com"},
                                        "properties": {"value": 3}})
    assert response.status_code == 400
    body = response.json()
    assert body["statusCode"] == 400
    assert messages(response) == ["contact: unknown field", "eventName: unknown field", "properties: unknown field",
                                  "systemName: field required but not found in Json"]


def test_body_shape_problems_at_once(v3):
    response = v3.post("/events", json={"systemName": 5, "email": "not-an-email", "fields": {"a": [1], "b": None}})
    assert response.status_code == 400
    found = messages(response)
    assert "systemName: wrong field type, expected string but got integer" in found
    assert any(m.startswith("email: 'not-an-email' is not a valid email") for m in found)
    assert "fields.a: wrong field type, expected string or number or boolean but got array" in found
    assert "fields.b: wrong field type, expected string or number or boolean but got null" in found
    too_many = v3.post("/events", json={"systemName": "x", "email": "a@b.co",
                                        "fields": {f"f{i}": i for i in range(101)}})
    assert too_many.status_code == 400


def test_trigger_by_id_checks_defined_and_required_fields(sb, v3):
    contact_id = new_contact(v3)
    event = sb.add_omnisend_event(brand_of(sb), systemName="sizeChosen", name="Size chosen", fields=[
        {"systemName": "size", "name": "Size", "type": "string", "required": True},
        {"systemName": "bust", "type": "integer"}])
    assert event["fields"][1] == {"name": "bust", "systemName": "bust", "type": "integer", "required": False}
    path = f"/events/{event['eventID']}"

    response = v3.post(path, json={"email": "ann@example.com", "fields": {"bust": "big", "colour": "red"}})
    assert response.status_code == 400
    assert messages(response) == ["fields.bust: wrong field type, expected integer but got string",
                                  "fields.colour: unknown field",
                                  "fields.size: field required but not found in Json"]
    assert sb.omnisend_brand(brand_of(sb)).events_of(contact_id) == []
    assert "launchedAt" not in v3.get(path).json()

    sb.clock.advance(hours=1)
    assert v3.post(path, json={"email": "ann@example.com", "fields": {"size": "M", "bust": 90.0}}).status_code == 204
    [recorded] = sb.omnisend_brand(brand_of(sb)).events_of(contact_id)
    assert (recorded.name, recorded.properties) == ("sizeChosen", {"size": "M", "bust": 90})
    assert v3.get(path).json()["launchedAt"] == "2026-11-02T11:00:00Z"


def test_trigger_by_id_body_problems(sb, v3):
    event = sb.add_omnisend_event(brand_of(sb), systemName="e")
    response = v3.post(f"/events/{event['eventID']}", json={"systemName": "e", "email": "ann@example.com"})
    assert response.status_code == 400
    assert messages(response) == ["systemName: unknown field"]
    response = v3.post(f"/events/{event['eventID']}", json={"phone": "+37060000009"})
    assert messages(response) == ["phone: no contact with this email or phone"]


def test_unknown_event_is_404_before_the_body(v3):
    assert v3.get("/events/5a3a57235ff78f4307346af5").status_code == 404
    response = v3.post("/events/5a3a57235ff78f4307346af5", json={"bogus": True})
    assert response.status_code == 404
    assert response.json()["statusCode"] == 404


def test_events_are_per_brand(sb, v3, other_brand_key):
    new_contact(v3)
    v3.post("/events", json={"systemName": "x", "email": "ann@example.com"})
    event_id = v3.get("/events").json()[0]["eventID"]
    other = sb.client("omnisend-v3", key=other_brand_key)
    assert other.get("/events").json() == []
    assert other.get(f"/events/{event_id}").status_code == 404


def test_control_api_defines_events(sb):
    sim = sb.client("sim")
    brand = brand_of(sb)
    created = sim.post("/omnisend/events", json={"brand": brand, "systemName": "signedUp", "enabled": False,
                                                 "fields": [{"systemName": "plan", "type": "string", "required": True}]})
    assert created.status_code == 201
    assert created.json()["enabled"] is False and created.json()["fields"][0]["required"] is True
    again = sim.post("/omnisend/events", json={"brand": brand, "systemName": "signedUp"})
    assert again.status_code == 400 and "already exists" in again.json()["error"]
    bad = sim.post("/omnisend/events", json={"brand": "nope", "systemName": "x",
                                             "fields": [{"systemName": "a", "type": "date"}]})
    assert bad.status_code == 400
    assert "brand" in bad.json()["error"] and "fields[0].type" in bad.json()["error"]
