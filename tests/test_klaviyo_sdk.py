"""The official Python SDK (`klaviyo-api` 25.x) against a live sandbox: its typed (pydantic) models
parse every answer, its page-cursor handling walks the collections to the end, its retry rides out
a 429 by honouring `Retry-After` on a real-time clock, and it creates a flow and reads it back.

The SDK appends its paths (`/api/...`) to `test_host`, so the host is the server's `/klaviyo`."""
from __future__ import annotations

import time

import pytest

from simulator import Sandbox
from simulator.server import LiveServer
from tests.conftest import START

klaviyo_api = pytest.importorskip("klaviyo_api", reason="the test extras install klaviyo-api")


def sdk(server: LiveServer, **options) -> "klaviyo_api.KlaviyoAPI":
    return klaviyo_api.KlaviyoAPI(server.sandbox.test_keys()["klaviyo"], max_delay=options.pop("max_delay", 0.2),
                                  max_retries=options.pop("max_retries", 3), test_host=f"{server.url}/klaviyo",
                                  **options)


@pytest.fixture
def server():
    running = LiveServer(Sandbox(seed=7, start=START)).start()
    yield running
    running.stop()


def profile(email: str, **attributes) -> dict:
    return {"data": {"type": "profile", "attributes": {"email": email, **attributes}}}


def event(email: str, metric: str, **attributes) -> dict:
    return {"data": {"type": "event", "attributes": {
        "properties": {"sku": "A1"}, "metric": {"data": {"type": "metric", "attributes": {"name": metric}}},
        "profile": {"data": {"type": "profile", "attributes": {"email": email}}}, **attributes}}}


def every(call, **params) -> list:
    """Every item of a collection, handing the SDK each `links.next` as its page cursor."""
    found, cursor = [], None
    while True:
        page = call(page_cursor=cursor, **params) if cursor else call(**params)
        found += page.data
        cursor = page.links.next
        if not cursor:
            return found


def test_the_sdk_round_trip(server):
    k = sdk(server)
    ann = k.Profiles.create_profile(profile("ann@example.com", first_name="Ann")).data
    assert ann.attributes.first_name == "Ann" and len(ann.id) == 26
    upserted = k.Profiles.create_or_update_profile_with_http_info(profile("ann@example.com", last_name="Lee"))
    assert upserted.status_code == 200 and upserted.data.data.id == ann.id
    created = k.Profiles.create_or_update_profile_with_http_info(profile("bob@example.com"))
    assert created.status_code == 201

    assert k.Events.create_event(event("ann@example.com", "Placed Order", value=12.5, unique_id="o-1")) is None
    assert k.Events.create_event(event("cid@example.com", "Viewed Product")) is None
    assert k.Events.get_events().data == []  # accepted, not processed yet
    server.sandbox.clock.advance(seconds=1)
    events = k.Events.get_events(include=["metric", "profile"], sort="-datetime")
    assert len(events.data) == 2 and {i["type"] for i in events.included} == {"metric", "profile"}
    assert sorted(m.attributes.name for m in k.Metrics.get_metrics().data) == ["Placed Order", "Viewed Product"]

    news = k.Lists.create_list({"data": {"type": "list", "attributes": {"name": "News"}}}).data
    k.Lists.add_profiles_to_list(news.id, {"data": [{"type": "profile", "id": ann.id}]})
    k.Profiles.bulk_subscribe_profiles({"data": {"type": "profile-subscription-bulk-create-job", "attributes": {
        "profiles": {"data": [{"type": "profile", "attributes": {
            "email": "dee@example.com", "subscriptions": {"email": {"marketing": {"consent": "SUBSCRIBED"}}}}}]}},
        "relationships": {"list": {"data": {"type": "list", "id": news.id}}}}})
    server.sandbox.clock.advance(seconds=1)
    members = k.Lists.get_profiles_for_list(news.id, additional_fields_profile=["subscriptions"]).data
    assert [m.attributes.email for m in members] == ["ann@example.com", "dee@example.com"]
    assert members[1].attributes.subscriptions.email.marketing.consent == "SUBSCRIBED"


def test_the_sdk_pages_to_the_end(server):
    k = sdk(server)
    for i in range(45):
        k.Profiles.create_profile(profile(f"p{i:02}@example.com"))
    for i in range(30):
        k.Events.create_event(event(f"p{i % 5:02}@example.com", "Viewed Product", unique_id=f"v{i}"))
    server.sandbox.clock.advance(seconds=1)
    assert len(every(k.Profiles.get_profiles, page_size=20)) == 45
    assert len(every(k.Profiles.get_profiles)) == 45
    events = every(k.Events.get_events, page_size=7)
    assert len(events) == 30 and len({e.id for e in events}) == 30


def test_the_sdk_retry_absorbs_a_burst_past_the_limit():
    """create_list allows 10 a second: the SDK is told to wait (`Retry-After: 1`), waits, and the
    next second's window takes the request. The sandbox clock runs in real time here."""
    sandbox = Sandbox(seed=7, start=START, clock="real")
    running = LiveServer(sandbox).start()
    try:
        k = sdk(running, max_delay=0.2, max_retries=4)
        started, made = time.monotonic(), []
        for i in range(30):
            made.append(k.Lists.create_list({"data": {"type": "list", "attributes": {"name": f"L{i}"}}}).data.id)
            if sandbox.journal.entries(vendor="klaviyo", status=429):
                break
        throttled = sandbox.journal.entries(vendor="klaviyo", status=429)
        assert throttled and all(e["path"] == "/klaviyo/api/lists" for e in throttled)
        assert len(set(made)) == len(made) == len(sandbox.journal.entries(vendor="klaviyo", status=201))
        assert time.monotonic() - started < 10
    finally:
        running.stop()


def test_the_sdk_creates_a_flow_and_reads_it_back(server):
    k = sdk(server)
    k.Events.create_event(event("ann@example.com", "Started Checkout"))
    server.sandbox.clock.advance(seconds=1)
    (metric,) = k.Metrics.get_metrics().data
    definition = {"triggers": [{"type": "metric", "id": metric.id}],
                  "actions": [{"temporary_id": "wait", "type": "time-delay", "links": {"next": "mail"},
                               "data": {"value": 1, "unit": "hours"}},
                              {"temporary_id": "mail", "type": "send-email", "links": {"next": None},
                               "data": {"message": {"subject_line": "Come back"}}}],
                  "entry_action_id": "wait"}
    made = k.Flows.create_flow({"data": {"type": "flow", "attributes": {"name": "Checkout", "definition": definition}}})
    got = k.Flows.get_flow(made.data.id)
    assert (got.data.id, got.data.attributes.name) == (made.data.id, "Checkout")
    assert [f.id for f in k.Flows.get_flows().data] == [made.data.id]
