"""Dated `POST /events`: custom and recommended events, their contact, the activity feed, scopes."""
from __future__ import annotations

import pytest

from simulator.omnisend.recommended import RULES
from tests.test_api_foundation import oauth_token

ORDER = {"orderID": "1001", "currency": "EUR", "totalPrice": 49.9, "lineItems": []}
CART = {"abandonedCheckoutURL": "https://shop.example/cart/1", "cartID": "cart-1", "currency": "EUR", "value": 20.5,
        "lineItems": [{"productID": "p1", "productPrice": 20.5, "productQuantity": 1}],
        "addedItem": {"productID": "p1", "productPrice": 20.5, "productQuantity": 1}}


def brand(sb):
    return sb.omnisend_brand(sb.test_keys()["omnisend"][:24])


def send(api, expect: int = 202, **body):
    response = api.post("/events", json=body)
    assert response.status_code == expect, response.text
    return response


def errors(response) -> dict[str, str]:
    assert response.status_code == 400, response.text
    return {e["field"]: e["code"] for e in response.json()["errors"]}


def test_a_custom_event_is_accepted_with_no_body_and_recorded(sb, api):
    heard = []
    brand(sb).listeners.append(lambda b, event: heard.append(event))
    response = send(api, eventName="app_feature_used", contact={"email": "ann@example.com", "firstName": "Ann"},
                    properties={"feature": "dark mode", "count": 3})
    assert response.content == b"" and "content-type" not in response.headers
    contact = api.get("/contacts", params={"email": "ann@example.com"}).json()["contacts"][0]
    assert (contact["firstName"], contact["status"]) == ("Ann", "nonSubscribed")  # created from the event
    [event] = heard
    assert (event.contact_id, event.name, event.origin, event.properties) == (
        contact["id"], "app_feature_used", "api", {"feature": "dark mode", "count": 3})
    assert event.at.isoformat() == "2026-11-02T10:00:00+00:00"


@pytest.mark.parametrize("raw,expected", [("2026-10-01T08:30:00Z", "2026-10-01T08:30:00+00:00"),
                                          ("2026-10-01 10:30:00+02:00", "2026-10-01T08:30:00+00:00")])
def test_event_time_and_origin_are_kept(sb, api, raw, expected):
    send(api, eventName="imported", origin="my_app", eventTime=raw, eventVersion="ignored",
         eventID="0b7e5d1e-8f7a-4c3b-9d2e-1a2b3c4d5e6f", contact={"phone": "+37060000001"})
    [event] = brand(sb).activity
    assert (event.origin, event.at.isoformat()) == ("my_app", expected)


def test_recommended_events_are_checked(sb, api):
    send(api, eventName="placed order", eventVersion="v2", contact={"email": "ann@example.com"}, properties=ORDER)
    send(api, eventName="added product to cart", contact={"email": "ann@example.com"}, properties=CART)  # version ""
    send(api, eventName="started checkout", eventVersion="v2", contact={"email": "ann@example.com"},
         properties={k: v for k, v in CART.items() if k != "addedItem"})
    assert [e.name for e in brand(sb).activity] == ["placed order", "added product to cart", "started checkout"]
    missing = api.post("/events", json={"eventName": "placed order", "contact": {"email": "ann@example.com"},
                                        "properties": {"orderID": 1001, "totalPrice": "49.90"}})
    assert errors(missing) == {"eventVersion": "required", "properties.orderID": "invalid_type",
                               "properties.currency": "required", "properties.totalPrice": "invalid_type"}
    wrong = api.post("/events", json={"eventName": "viewed product", "eventVersion": "v2",
                                      "contact": {"email": "ann@example.com"}})
    assert errors(wrong) == {"eventVersion": "invalid_value", "properties.product": "required"}
    assert len(brand(sb).activity) == 3


def test_names_are_exact_so_a_near_name_is_a_custom_event(sb, api):
    send(api, eventName="Placed Order", contact={"email": "ann@example.com"})
    assert brand(sb).activity[0].name == "Placed Order"


@pytest.mark.parametrize("name", sorted(RULES))
def test_every_recommended_event_refuses_an_empty_body_naming_each_problem(api, name):
    response = api.post("/events", json={"eventName": name, "eventVersion": "v9", "contact": {"email": "a@example.com"}})
    found = errors(response)
    assert found.pop("eventVersion") == "invalid_value"
    assert found == {f"properties.{key}": "required" for key in RULES[name].required}


def test_every_problem_of_the_event_and_its_contact_at_once_and_nothing_written(sb, api):
    response = api.post("/events", json={
        "eventName": "placed order", "eventVersion": "v2", "eventID": "not-a-uuid", "eventTime": "yesterday",
        "contact": {"email": "bad", "phone": "12", "optIns": [{"channel": "sms", "createdAt": "never"}]},
        "properties": ORDER})
    assert errors(response) == {"eventID": "invalid_format", "eventTime": "invalid_format",
                                "contact.email": "invalid_format", "contact.phone": "invalid_format",
                                "contact.optIns.0.createdAt": "invalid_format"}
    schema = api.post("/events", json={"eventName": 5, "contact": {"gender": "x", "firstName": "x" * 51}, "extra": 1})
    assert errors(schema) == {"eventName": "invalid_type", "contact.gender": "invalid_value",
                              "contact.firstName": "out_of_range", "extra": "unknown_field"}
    assert errors(api.post("/events", json={"contact": {}})) == {"eventName": "required", "contact": "required"}
    assert errors(api.post("/events", json={"eventName": "x", "contact": {"id": "nope"}})) == {"contact.id": "invalid"}
    assert brand(sb).activity == [] and api.get("/contacts").json()["contacts"] == []


def test_the_contact_is_found_by_id_then_email_then_phone_and_updated(sb, api, v3):
    made = api.post("/contacts", json={"identifiers": [{"type": "phone", "id": "+37060000002"}]}).json()["id"]
    send(api, eventName="x", contact={"phone": "+37060000002", "email": "new@example.com", "tags": ["from-event"],
                                      "customProperties": {"tier": "gold"}, "city": "Kaunas"})
    contact = api.get(f"/contacts/{made}").json()
    assert (contact["email"], contact["tags"], contact["customProperties"], contact["city"]) == (
        "new@example.com", ["from-event"], {"tier": "gold"}, "Kaunas")
    send(api, eventName="y", contact={"id": made, "lastName": "Byid"})
    assert v3.get(f"/contacts/{made}").json()["lastName"] == "Byid"
    assert {e.contact_id for e in brand(sb).activity} == {made}
    other = api.post("/events", json={"eventName": "z", "contact": {"id": made, "email": "else@example.com"}})
    assert errors(other) == {"contact.email": "invalid"}  # the email of a contact cannot be changed


def test_opt_ins_opt_outs_and_consents_set_the_channel(sb, api):
    send(api, eventName="signup", contact={
        "email": "ann@example.com", "phone": "+37060000003",
        "optIns": [{"channel": "email", "createdAt": "2026-11-01T09:00:00Z", "source": "form"}, {"channel": "sms"}],
        "consents": [{"channel": "email", "ip": "10.0.0.9", "source": "form"}]})
    contact = api.get("/contacts", params={"email": "ann@example.com"}).json()["contacts"][0]
    assert {s["channel"]: s["status"] for s in contact["statuses"]} == {"email": "subscribed", "sms": "subscribed"}
    assert contact["optIns"] == [{"channel": "email", "optInAt": "2026-11-01T09:00:00Z"},
                                 {"channel": "sms", "optInAt": "2026-11-02T10:00:00Z"}]
    assert contact["consents"] == [{"channel": "email", "createdAt": "2026-11-02T10:00:00Z", "ip": "10.0.0.9",
                                    "source": "form"}]
    send(api, eventName="unsub", contact={"email": "ann@example.com", "optOuts": [{"channel": "sms", "reason": "x"}]})
    contact = api.get(f"/contacts/{contact['id']}").json()
    assert {s["channel"]: s["status"] for s in contact["statuses"]} == {"email": "subscribed", "sms": "unsubscribed"}
    no_phone = api.post("/events", json={"eventName": "x", "contact": {"email": "solo@example.com",
                                                                       "optIns": [{"channel": "sms"}]}})
    assert errors(no_phone) == {"contact.optIns.0.channel": "invalid"}


def test_oauth_scope_events_write(sb):
    token = oauth_token(sb, "contacts.write")["access_token"]
    client = sb.client("omnisend-api", headers={"Authorization": f"Bearer {token}"})
    refused = client.post("/events", json={"eventName": "x", "contact": {"email": "a@example.com"}})
    assert refused.status_code == 403 and "events.write" in refused.json()["detail"]
    token = oauth_token(sb, "events.write")["access_token"]
    allowed = sb.client("omnisend-api", headers={"Authorization": f"Bearer {token}"})
    assert allowed.post("/events", json={"eventName": "x", "contact": {"email": "a@example.com"}}).status_code == 202
