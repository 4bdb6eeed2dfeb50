"""A Klaviyo campaign to a list minus a segment, end to end through the official Python SDK
(`klaviyo-api` 25.x) against a live sandbox: profiles, list, segment, template, campaign, template
assignment, send job, the clock advanced, then the outbox holds exactly the right recipients, each
message with its `campaign_id` and its rendered HTML.

One call leaves the SDK's typed surface: klaviyo-api 25 sends revision 2026-10-15, whose
create_campaign body (an "omni-campaign" with inline audiences and variations) no vendored spec
describes, and its models validate that shape. The sandbox serves the 2026-07-15 campaign, so the
test creates it with the SDK's own request builder and client at that revision, and reads campaign
messages with the SDK's `USE_DICTIONARY_FOR_RESPONSE_DATA` option (their 2026-10-15 model differs too)."""
from __future__ import annotations

import html
import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from simulator import Sandbox
from simulator.server import LiveServer
from tests.conftest import START

klaviyo_api = pytest.importorskip("klaviyo_api", reason="the test extras install klaviyo-api")
from openapi_client.api_arg_options import USE_DICTIONARY_FOR_RESPONSE_DATA  # noqa: E402 (installed with it)

AS_DICT = {USE_DICTIONARY_FOR_RESPONSE_DATA: True}
TEMPLATE = ('<h1>Hi {{ first_name|default:"friend" }}</h1>'
            '<p><a href="https://shop.example.com/sale">Shop the sale</a></p>{% unsubscribe %}')


@pytest.fixture
def server():
    running = LiveServer(Sandbox(seed=7, start=START)).start()
    yield running
    running.stop()


def create_campaign(k, body: dict) -> dict:
    """POST /api/campaigns at revision 2026-07-15, through the SDK's request builder and client."""
    request = k.Campaigns._create_campaign_serialize(body, None, None, None, {"revision": "2026-07-15"}, 0)
    response = k.api_client.call_api(*request)
    response.read()
    assert response.status == 201, response.data
    return json.loads(response.data)["data"]


def test_a_campaign_to_a_list_minus_a_segment_through_the_sdk(server):
    sandbox = server.sandbox
    k = klaviyo_api.KlaviyoAPI(sandbox.test_keys()["klaviyo"], max_delay=0.2, max_retries=3,
                               test_host=f"{server.url}/klaviyo")
    people = {}
    for name, vip in (("ann", False), ("bob", True), ("cid", False), ("dee", True)):
        made = k.Profiles.create_profile({"data": {"type": "profile", "attributes": {
            "email": f"{name}@example.com", "first_name": name.title() if name != "cid" else None,
            "properties": {"vip": vip}}}})
        people[name] = made.data.id
    news = k.Lists.create_list({"data": {"type": "list", "attributes": {"name": "News"}}}).data.id
    k.Lists.add_profiles_to_list(news, {"data": [{"type": "profile", "id": people[n]} for n in ("ann", "bob", "cid")]})
    vips = k.Segments.create_segment({"data": {"type": "segment", "attributes": {"name": "VIP", "definition": {
        "condition_groups": [{"conditions": [{"type": "profile-property", "property": "properties['vip']",
                                              "filter": {"type": "boolean", "operator": "equals", "value": True}}]}]}}}})
    template = k.Templates.create_template({"data": {"type": "template", "attributes": {
        "name": "Sale", "editor_type": "CODE", "html": TEMPLATE}}}).data.id

    campaign = create_campaign(k, {"data": {"type": "campaign", "attributes": {
        "name": "Winter sale", "audiences": {"included": [news], "excluded": [vips.data.id]},
        "send_strategy": {"method": "immediate"},
        "tracking_options": {"add_tracking_params": True, "custom_tracking_params": [
            {"type": "dynamic", "value": "campaign_id", "name": "utm_campaign"},
            {"type": "static", "value": "newsletter", "name": "utm_medium"}]},
        "campaign-messages": {"data": [{"type": "campaign-message", "attributes": {"definition": {
            "channel": "email", "content": {"subject": "Our winter sale", "from_email": "shop@example.com"}}}}]}}}})
    assert campaign["attributes"]["status"] == "Draft"
    (message,) = k.Campaigns.get_messages_for_campaign(campaign["id"], options=AS_DICT)["data"]
    k.Campaigns.assign_template_to_campaign_message({"data": {
        "type": "campaign-message", "id": message["id"],
        "relationships": {"template": {"data": {"type": "template", "id": template}}}}}, options=AS_DICT)
    estimate = k.Campaigns.get_campaign_recipient_estimation(campaign["id"])
    assert estimate.data.attributes.estimated_recipient_count == 2

    job = k.Campaigns.send_campaign({"data": {"type": "campaign-send-job", "id": campaign["id"]}})
    assert (job.data.id, job.data.attributes.status) == (campaign["id"], "queued")
    assert sandbox.messages.messages(vendor="klaviyo") == []
    sandbox.clock.advance(seconds=1)
    assert k.Campaigns.get_campaign_send_job(campaign["id"]).data.attributes.status == "complete"

    sent = sandbox.messages.messages(vendor="klaviyo")
    assert [(m.recipient, m.campaign_id, m.subject) for m in sent] == [
        ("ann@example.com", campaign["id"], "Our winter sale"), ("cid@example.com", campaign["id"], "Our winter sale")]
    assert sent[0].html.startswith("<h1>Hi Ann</h1>") and sent[1].html.startswith("<h1>Hi friend</h1>")
    assert "unsubscribe" in sent[0].html.lower() and sent[0].text.startswith("Hi Ann")
    (link,) = [u for u in re.findall(r'href="([^"]+)"', html.unescape(sent[0].html)) if "shop.example.com" in u]
    query = parse_qs(urlsplit(link).query)
    kx = query.pop("_kx")[0]
    assert (urlsplit(link).path, query) == ("/sale", {"utm_campaign": [campaign["id"]], "utm_medium": ["newsletter"]})
    assert [p.id for p in k.Profiles.get_profiles(filter=f'equals(_kx,"{kx}")').data] == [people["ann"]]
