"""Dated-line campaigns sending through HTTP: to their segments (included, minus excluded) or to every
subscriber on their channel, reckoned when the send runs; immediately or at the scheduled time on
the clock; each recipient's message in the outbox with the campaign's id; statuses draft ->
scheduled -> started -> sent, or canceled before the start."""
from __future__ import annotations

from tests.test_api_catalog_campaigns import draft, problem
from tests.test_api_segments import contact_filter, contacts, person, rule, segment

SEND = 60  # v3_campaign_send_seconds: a started campaign is sent this long after it starts


def tagged(api, tag: str) -> str:
    return segment(api, tag, rule(contacts(contact_filter("tags", "anyOf", [tag]))))["segmentID"]


def test_a_campaign_goes_to_its_segments_minus_the_excluded_at_send_time(sb, api):
    person(api, "ann@example.com", tags=["vip"])
    person(api, "bob@example.com", tags=["vip", "staff"])
    person(api, "cid@example.com", tags=["news"])
    person(api, "dee@example.com", "unsubscribed", tags=["vip"])
    person(api, "eve@example.com")
    vip, news, staff = tagged(api, "vip"), tagged(api, "news"), tagged(api, "staff")
    made = draft(api, audience={"includedSegmentIDs": [vip, news], "excludedSegmentIDs": [staff]})
    assert api.post(f"/campaigns/{made['id']}/send").status_code == 204
    assert api.get(f"/campaigns/{made['id']}").json()["status"] == "started"
    person(api, "fay@example.com", tags=["news"])  # joins before the send runs: she is counted
    sb.clock.advance(seconds=SEND)
    sent = sb.outbox(workflow_id=made["id"])
    assert sorted(m["recipient"] for m in sent) == ["ann@example.com", "cid@example.com", "fay@example.com"]
    assert {(m["campaign_id"], m["channel"], m["subject"]) for m in sent} == {(made["id"], "email", "Hello")}
    got = api.get(f"/campaigns/{made['id']}").json()
    assert (got["status"], got["startedAt"], got["endedAt"]) == ("sent", "2026-11-02T10:00:00Z", "2026-11-02T10:01:00Z")


def test_no_segment_means_every_subscriber_and_sms_goes_to_phones(sb, api):
    person(api, "ann@example.com", phone="+37060000001")
    person(api, "bob@example.com")
    person(api, "cid@example.com", "unsubscribed")
    mail = draft(api)
    text = draft(api, name="Text", channel="sms", content={"sms": {"message": "Sale today", "compliance": {
        "stopKeywordText": "Reply STOP to opt out", "unsubscribeLinkText": "Unsubscribe [[unsubscribe_link]]"}}})
    for campaign in (mail, text):
        assert api.post(f"/campaigns/{campaign['id']}/send").status_code == 204
    sb.clock.advance(seconds=SEND)
    assert sorted(m["recipient"] for m in sb.outbox(workflow_id=mail["id"])) == ["ann@example.com", "bob@example.com"]
    [sms] = sb.outbox(workflow_id=text["id"])
    assert (sms["recipient"], sms["channel"], sms["campaign_id"]) == ("+37060000001", "sms", text["id"])


def test_a_scheduled_campaign_waits_for_its_time_and_can_be_canceled_before(sb, api):
    person(api, "ann@example.com")
    later = {"strategy": "scheduled", "scheduledAt": "2026-11-02T12:00:00Z"}
    made = draft(api, sendingSettings=later)
    assert api.post(f"/campaigns/{made['id']}/send").status_code == 204
    assert api.get(f"/campaigns/{made['id']}").json()["status"] == "scheduled"
    sb.clock.advance(hours=2)
    assert api.get(f"/campaigns/{made['id']}").json()["status"] == "started"
    assert sb.outbox(workflow_id=made["id"]) == []
    sb.clock.advance(seconds=SEND)
    [message] = sb.outbox(workflow_id=made["id"])
    assert message["sent_at"] == "2026-11-02T12:01:00Z" and api.get(f"/campaigns/{made['id']}").json()["status"] == "sent"

    again = draft(api, sendingSettings={"strategy": "scheduled", "scheduledAt": "2026-11-03T12:00:00Z"})
    api.post(f"/campaigns/{again['id']}/send")
    assert api.post(f"/campaigns/{again['id']}/cancel").status_code == 204
    sb.clock.advance(days=2)
    assert api.get(f"/campaigns/{again['id']}").json()["status"] == "canceled"
    assert sb.outbox(workflow_id=again["id"]) == []


def test_a_schedule_in_the_past_or_missing_does_not_allow_sending(sb, api):
    past = draft(api, sendingSettings={"strategy": "scheduled", "scheduledAt": "2026-11-01T12:00:00Z"})
    problem(api.post(f"/campaigns/{past['id']}/send"), 409)
    far = draft(api, sendingSettings={"strategy": "scheduled", "scheduledAt": "2028-11-01T12:00:00Z"})
    problem(api.post(f"/campaigns/{far['id']}/send"), 409)
    assert api.get(f"/campaigns/{past['id']}").json()["status"] == "draft"


def test_a_personalized_send_starts_at_the_brands_midnight(sb, api):
    person(api, "ann@example.com")
    made = draft(api, sendingSettings={"strategy": "personalized", "scheduledAt": "2026-11-04T15:00:00Z",
                                       "optimizeFor": "opens"})
    api.post(f"/campaigns/{made['id']}/send")
    sb.clock.advance(days=3)
    assert api.get(f"/campaigns/{made['id']}").json()["startedAt"] == "2026-11-04T00:00:00Z"  # UTC brand
