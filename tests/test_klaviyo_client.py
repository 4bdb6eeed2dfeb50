"""The client endpoints: company_id and no key, 202 for everything, processed on the clock, and
identifiers that a browser may add but never change."""
from __future__ import annotations

import pytest

from simulator.klaviyo.profiles import profiles_of
from tests.klaviyo_bodies import (  # noqa: F401 (kl is a fixture)
    bulk_entry, errors, event, event_attributes, kl, new_list, new_profile, pointers)


@pytest.fixture
def web(sb):
    return sb.client("klaviyo-client")


@pytest.fixture
def book(sb):
    return profiles_of(sb.klaviyo_account(sb.company_id()))


def test_client_events_are_processed_on_the_clock(sb, web, kl, book):
    response = web.post("/events", json=event("ann@example.com", "Active on Site", {"anonymous_id": "anon-1"}))
    assert response.status_code == 202 and response.content == b""
    assert "Authorization" not in web.headers
    entry = {"data": bulk_entry({"email": "ann@example.com"}, [event_attributes("Viewed Product", unique_id="a"),
                                                               event_attributes("Viewed Product", unique_id="b")])}
    assert web.post("/event-bulk-create", json=entry).status_code == 202
    sb.clock.advance(seconds=1)
    assert len(kl.get("/events").json()["data"]) == 3 and len(book.records) == 1
    assert book.holder("anonymous_id", "anon-1") is book.holder("email", "ann@example.com")
    repeated = {"data": bulk_entry({"email": "ann@example.com"}, [event_attributes(unique_id="a")] * 2)}
    assert pointers(web.post("/event-bulk-create", json=repeated)) == ["/data/attributes/events/data/1/attributes/unique_id"]


def test_client_profiles_fill_identifiers_but_never_change_them(sb, web, kl, book):
    ann = new_profile(kl, "ann@example.com", external_id="crm-1")
    change = {"data": {"type": "profile", "attributes": {"email": "ann@example.com", "external_id": "crm-2",
                                                          "phone_number": "+15005550006", "first_name": "Ann"}}}
    assert web.post("/profiles", json=change).status_code == 202
    sb.clock.advance(seconds=1)
    profile = book.records.get(ann)
    assert (profile.get("external_id"), profile.get("phone_number"), profile.get("first_name")) == (
        "crm-1", "+15005550006", "Ann")
    fresh = {"data": {"type": "profile", "attributes": {"anonymous_id": "anon-9", "first_name": "Zed"}}}
    assert web.post("/profiles", json=fresh).status_code == 202
    sb.clock.advance(seconds=1)
    assert book.holder("anonymous_id", "anon-9").get("first_name") == "Zed"
    nobody = {"data": {"type": "profile", "attributes": {"first_name": "Nobody"}}}
    assert pointers(web.post("/profiles", json=nobody)) == ["/data/attributes"]
    errors(web.post("/profiles", json={"data": {"type": "profile", "id": "01NOPE", "attributes": {}}}), 404)


def test_client_subscription_defaults_to_marketing(sb, web, kl, book):
    news = new_list(kl)
    body = {"data": {"type": "subscription", "attributes": {
        "custom_source": "Footer form",
        "profile": {"data": {"type": "profile", "attributes": {"email": "ann@example.com", "phone_number": "+15005550006"}}}},
        "relationships": {"list": {"data": {"type": "list", "id": news}}}}}
    assert web.post("/subscriptions", json=body).status_code == 202
    sb.clock.advance(seconds=1)
    (profile,) = book.records
    assert profile.consent_of("email.marketing").subscribed and profile.consent_of("sms.marketing").subscribed
    assert not profile.consent_of("sms.transactional").subscribed
    assert [p["id"] for p in kl.get(f"/lists/{news}/profiles").json()["data"]] == [profile.id]
    del body["data"]["relationships"]
    assert pointers(web.post("/subscriptions", json=body)) == ["/data/relationships"]


def test_client_needs_a_company_id(sb):
    nobody = sb.client("klaviyo-client", params={})
    (error,) = errors(nobody.post("/events", json=event()), 400)
    assert error["source"] == {"parameter": "company_id"}
