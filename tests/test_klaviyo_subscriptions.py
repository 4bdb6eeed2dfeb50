"""Bulk subscribe: consent per channel and list membership on the clock, historical imports, double
opt-in lists, and the checks that refuse a request whole."""
from __future__ import annotations

from simulator.klaviyo.lists import MembershipChange
from simulator.klaviyo.profiles import profiles_of
from tests.klaviyo_bodies import (  # noqa: F401 (kl, account, heard are fixtures)
    account, email_marketing, errors, heard, kl, new_list, new_profile, pointers, subscribe)


def subscriptions(kl, email: str) -> dict:
    found = kl.get("/profiles", params={"filter": f'equals(email,"{email}")', "additional-fields[profile]": "subscriptions"})
    (profile,) = found.json()["data"]
    return profile["attributes"]["subscriptions"]


def test_subscribe_gives_consent_and_joins_the_list(sb, kl, heard):
    news = new_list(kl)
    ann = new_profile(kl, "ann@example.com")
    sms = {"phone_number": "+15005550006", "subscriptions": {"sms": {"marketing": {"consent": "SUBSCRIBED"},
                                                                     "transactional": {"consent": "SUBSCRIBED"}}}}
    response = kl.post("/profile-subscription-bulk-create-jobs",
                       json=subscribe(email_marketing("ann@example.com"), sms, list_id=news, custom_source="Checkout"))
    assert response.status_code == 202 and response.content == b""
    assert kl.get(f"/lists/{news}/profiles").json()["data"] == []
    sb.clock.advance(seconds=1)
    marketing = subscriptions(kl, "ann@example.com")["email"]["marketing"]
    assert (marketing["consent"], marketing["can_receive_email_marketing"]) == ("SUBSCRIBED", True)
    assert marketing["double_optin"] is False
    assert marketing["consent_timestamp"] == "2026-11-02T10:00:01Z" and marketing["custom_method_detail"] == "Checkout"
    texter = kl.get("/profiles", params={"filter": 'equals(phone_number,"+15005550006")',
                                         "additional-fields[profile]": "subscriptions"}).json()["data"][0]
    assert texter["attributes"]["subscriptions"]["sms"]["transactional"]["can_receive_sms_transactional"] is True
    joined = [p["id"] for p in kl.get(f"/lists/{news}/profiles").json()["data"]]
    assert joined == [ann, texter["id"]]
    assert [(h.profile_id, h.added) for h in heard] == [(ann, True), (texter["id"], True)]


def test_double_opt_in_and_historical_import(sb, kl, heard):
    vip = new_list(kl, "VIP", opt_in_process="double_opt_in")
    kl.post("/profile-subscription-bulk-create-jobs", json=subscribe(email_marketing("ann@example.com"), list_id=vip))
    past = email_marketing("bob@example.com", consented_at="2025-01-01T00:00:00Z")
    kl.post("/profile-subscription-bulk-create-jobs", json=subscribe(past, list_id=vip, historical_import=True))
    sb.clock.advance(seconds=1)
    assert subscriptions(kl, "ann@example.com")["email"]["marketing"]["double_optin"] is True
    bob = subscriptions(kl, "bob@example.com")["email"]["marketing"]
    assert bob["consent_timestamp"] == "2025-01-01T00:00:00Z" and bob["double_optin"] is False
    assert len(kl.get(f"/lists/{vip}/profiles").json()["data"]) == 2
    assert [type(h) for h in heard] == [MembershipChange]  # a historical import starts no "Added to List" flow


def test_requests_are_refused_whole(sb, kl):
    new_list(kl)
    body = subscribe(email_marketing("ann@example.com", consented_at="2025-01-01T00:00:00Z"),
                     {"subscriptions": {"sms": {"marketing": {"consent": "SUBSCRIBED"}}}, "email": "bob@example.com"},
                     email_marketing("not-an-email"))
    assert pointers(kl.post("/profile-subscription-bulk-create-jobs", json=body)) == [
        "/data/attributes/profiles/data/0/attributes/subscriptions/email/marketing/consented_at",
        "/data/attributes/profiles/data/1/attributes/subscriptions/sms/marketing",
        "/data/attributes/profiles/data/2/attributes/email"]
    future = email_marketing("bob@example.com", consented_at="2027-01-01T00:00:00Z")
    historical = subscribe(email_marketing("ann@example.com"), future, historical_import=True)
    assert pointers(kl.post("/profile-subscription-bulk-create-jobs", json=historical)) == [
        "/data/attributes/profiles/data/0/attributes/subscriptions/email/marketing/consented_at",
        "/data/attributes/profiles/data/1/attributes/subscriptions/email/marketing/consented_at"]
    shape = subscribe({"email": "ann@example.com", "subscriptions": {"email": {"marketing": {"consent": "UNSUBSCRIBED"}}}})
    assert pointers(kl.post("/profile-subscription-bulk-create-jobs", json=shape)) == [
        "/data/attributes/profiles/data/0/attributes/subscriptions/email/marketing/consent"]
    (missing,) = errors(kl.post("/profile-subscription-bulk-create-jobs",
                                json=subscribe(email_marketing("ann@example.com"), list_id="NOPE00")), 404)
    assert missing["source"] == {"pointer": "/data/relationships/list/data/id"}
    sb.clock.advance(seconds=1)
    assert len(profiles_of(sb.klaviyo_account(sb.company_id())).records) == 0
