"""A Klaviyo account's own settings: set through /_sim, answered by `GET /api/accounts` (through the
official SDK too), and its timezone behind a flow's "until a time of day" delay for a profile whose
own timezone is unknown."""
from __future__ import annotations

import pytest

from simulator import Sandbox
from simulator.klaviyo.metrics import metrics_of
from simulator.server import LiveServer
from tests.conftest import START
from tests.klaviyo_bodies import account, event  # noqa: F401 (fixture)

klaviyo_api = pytest.importorskip("klaviyo_api", reason="the test extras install klaviyo-api")


@pytest.fixture
def kl(sb):
    return sb.client("klaviyo-api", event_hooks={"request": [lambda request: sb.clock.advance(seconds=5)]})


def until_six_pm(metric_id: str) -> dict:
    """Wait 0 days until 18:00 in the profile's timezone, then email."""
    return {"triggers": [{"type": "metric", "id": metric_id}], "entry_action_id": "wait", "actions": [
        {"temporary_id": "wait", "type": "time-delay", "links": {"next": "mail"},
         "data": {"value": 0, "unit": "days", "delay_until_time": "18:00", "timezone": "profile"}},
        {"temporary_id": "mail", "type": "send-email", "links": {"next": None},
         "data": {"message": {"subject_line": "Evening", "smart_sending_enabled": False}}}]}


def test_the_account_timezone_times_a_delay_for_a_profile_without_one(sb, kl, account):
    changed = sb.client("sim").post("/klaviyo/account", json={"timezone": "Asia/Tokyo", "preferred_currency": "EUR"})
    assert changed.json()["settings"]["timezone"] == "Asia/Tokyo"
    [me] = kl.get("/accounts").json()["data"]
    assert (me["attributes"]["timezone"], me["attributes"]["preferred_currency"]) == ("Asia/Tokyo", "EUR")
    metric = metrics_of(account).named("Started Checkout", sb.clock.now()).id
    flow = kl.post("/flows", json={"data": {"type": "flow", "attributes": {"name": "F",
                                                                           "definition": until_six_pm(metric)}}})
    flow_id = flow.json()["data"]["id"]
    kl.patch(f"/flows/{flow_id}", json={"data": {"type": "flow", "id": flow_id, "attributes": {"status": "live"}}})
    kl.post("/events", json=event("ann@example.com", "Started Checkout"))  # no timezone: Tokyo's 18:00
    kl.post("/events", json=event("bob@example.com", "Started Checkout",
                                  profile_attributes={"location": {"timezone": "America/New_York"}}))
    sb.clock.advance(days=2)
    sent = {m["recipient"]: m["sent_at"] for m in sb.outbox(vendor="klaviyo")}
    # entered 10:00 UTC on Nov 2: 19:00 in Tokyo, past 18:00, so the next day's 18:00 JST (09:00 UTC);
    # Bob's own New York 18:00 is 23:00 UTC the same day
    assert sent == {"ann@example.com": "2026-11-03T09:00:00Z", "bob@example.com": "2026-11-02T23:00:00Z"}


def test_account_settings_are_checked_and_merged(sb):
    control = sb.client("sim")
    assert control.post("/klaviyo/account", json={"timezone": "Mars/Olympus"}).status_code == 400
    assert control.post("/klaviyo/account", json={"preferred_currency": "euro"}).status_code == 400
    assert control.post("/klaviyo/account", json={"colour": "red"}).status_code == 400
    merged = control.post("/klaviyo/account", json={"contact_information": {
        "organization_name": "Shop", "street_address": {"city": "Oslo"}}}).json()["settings"]["contact_information"]
    assert (merged["organization_name"], merged["street_address"]["city"], merged["default_sender_name"]) == \
           ("Shop", "Oslo", "Flow Sandbox")
    assert control.get("/klaviyo/account").json()["settings"]["timezone"] == "UTC"


def test_the_sdk_reads_the_accounts_settings():
    running = LiveServer(Sandbox(seed=7, start=START)).start()
    try:
        running.sandbox.client("sim").post("/klaviyo/account", json={"timezone": "Europe/Oslo", "locale": "nb-NO"})
        k = klaviyo_api.KlaviyoAPI(running.sandbox.test_keys()["klaviyo"], max_delay=0.2, max_retries=0,
                                   test_host=f"{running.url}/klaviyo")
        [me] = k.Accounts.get_accounts().data
        assert (me.id, me.attributes.timezone, me.attributes.locale, me.attributes.preferred_currency) == \
               (running.sandbox.company_id(), "Europe/Oslo", "nb-NO", "USD")
    finally:
        running.stop()
