"""Klaviyo campaigns through HTTP: recipients computed when the send starts (included lists less
excluded ones, consent honoured), send jobs queued -> processing -> complete on the clock with the
campaign's status following, the immediate, static (also local-time) and throttled strategies,
cancel and revert, recipient estimates, and Smart Sending shared with flows."""
from __future__ import annotations

import pytest

from simulator.klaviyo.consent import Consent
from simulator.klaviyo.metrics import metrics_of
from simulator.klaviyo.profiles import profiles_of
from simulator.klaviyo.resources import resources_of

from tests.klaviyo_bodies import (  # noqa: F401 (kl, account are fixtures)
    account, email_marketing, errors, event, kl, members, new_list, new_profile, pointers, subscribe)


def template(kl, html: str = "<p>Hello</p>", text: str = "Hello") -> str:
    made = kl.post("/templates", json={"data": {"type": "template", "attributes": {
        "name": "Sale", "editor_type": "CODE", "html": html, "text": text}}})
    assert made.status_code == 201, made.text
    return made.json()["data"]["id"]


def campaign(kl, included: list[str], excluded: list[str] = (), strategy: dict | None = None,
             channel: str = "email", **attributes) -> tuple[str, str]:
    """(campaign id, its message id), the message with a template assigned."""
    content = {"subject": "Big sale", "from_email": "shop@example.com"} if channel == "email" else {"body": "Sale!"}
    body = {"data": {"type": "campaign", "attributes": {
        "name": "Sale", "audiences": {"included": included, "excluded": list(excluded)},
        "campaign-messages": {"data": [{"type": "campaign-message", "attributes": {
            "definition": {"channel": channel, "content": content}}}]}, **attributes}}}
    if strategy is not None:
        body["data"]["attributes"]["send_strategy"] = strategy
    made = kl.post("/campaigns", json=body)
    assert made.status_code == 201, made.text
    campaign_id = made.json()["data"]["id"]
    (message,) = kl.get(f"/campaigns/{campaign_id}/campaign-messages").json()["data"]
    if channel == "email":
        assigned = kl.post("/campaign-message-assign-template", json={"data": {
            "type": "campaign-message", "id": message["id"],
            "relationships": {"template": {"data": {"type": "template", "id": template(kl)}}}}})
        assert assigned.status_code == 200, assigned.text
    return campaign_id, message["id"]


def send(kl, campaign_id: str) -> dict:
    sent = kl.post("/campaign-send-jobs", json={"data": {"type": "campaign-send-job", "id": campaign_id}})
    assert sent.status_code == 202, sent.text
    return sent.json()["data"]


def status(kl, campaign_id: str) -> tuple[str, str]:
    """(the campaign's status, its send job's, None before any)."""
    found = kl.get(f"/campaign-send-jobs/{campaign_id}")
    job = found.json()["data"]["attributes"]["status"] if found.status_code == 200 else None
    return kl.get(f"/campaigns/{campaign_id}").json()["data"]["attributes"]["status"], job


def sent_to(sb, campaign_id: str) -> list[str]:
    return [m.recipient for m in sb.messages.messages(vendor="klaviyo") if m.campaign_id == campaign_id]


def quarter_an_hour_sent(kl) -> tuple[str, str]:
    """(list, campaign): four profiles on a list, sent a quarter an hour from 11:00."""
    news = new_list(kl)
    kl.post(f"/lists/{news}/relationships/profiles",
            json=members(*(new_profile(kl, f"p{i}@example.com") for i in range(4))))
    throttled = {"method": "throttled", "datetime": "2026-11-02T11:00:00+00:00", "throttle_percentage": 25}
    campaign_id, _ = campaign(kl, [news], strategy=throttled)
    send(kl, campaign_id)
    return news, campaign_id


@pytest.fixture
def audience(sb, kl, account):
    """A list of four: ann, bob, cid (unsubscribed) and dee; a second list holding bob."""
    news, vip = new_list(kl, "News"), new_list(kl, "VIP")
    ids = {name: new_profile(kl, f"{name}@example.com") for name in ("ann", "bob", "cid", "dee")}
    kl.post(f"/lists/{news}/relationships/profiles", json=members(*ids.values()))
    kl.post(f"/lists/{vip}/relationships/profiles", json=members(ids["bob"]))
    unsubscribed(account, ids["cid"])
    return news, vip, ids


def unsubscribed(account, profile_id: str) -> None:
    """The profile unsubscribes from email (the sandbox models no unsubscribe endpoint yet)."""
    profiles_of(account).records.get(profile_id).consent["email.marketing"] = Consent("UNSUBSCRIBED")


def test_an_immediate_send_goes_to_the_list_less_the_excluded_list_and_the_unsubscribed(sb, kl, audience):
    news, vip, _ = audience
    campaign_id, message_id = campaign(kl, [news], [vip])
    assert status(kl, campaign_id) == ("Draft", None)
    job = send(kl, campaign_id)
    assert (job["id"], job["attributes"]["status"]) == (campaign_id, "queued")
    assert status(kl, campaign_id) == ("Preparing to send", "queued")
    sb.clock.advance(seconds=1)
    assert status(kl, campaign_id) == ("Sent", "complete")
    assert sent_to(sb, campaign_id) == ["ann@example.com", "dee@example.com"]
    mail = next(m for m in sb.messages.messages(vendor="klaviyo") if m.campaign_id == campaign_id)
    assert (mail.subject, mail.step_id, mail.workflow_id, mail.html) == ("Big sale", message_id, campaign_id,
                                                                         "<p>Hello</p>")
    again = kl.post("/campaign-send-jobs", json={"data": {"type": "campaign-send-job", "id": campaign_id}})
    assert pointers(again) == ["/data/id"]  # only a draft sends


def test_a_suppressed_profile_gets_no_campaign_email(sb, kl, audience):
    """One email rule for flows and campaigns (`Profile.email_refusal`): suppression keeps a
    subscribed profile out of the audience as it keeps it out of flows."""
    news, _, _ = audience
    job = kl.post("/profile-suppression-bulk-create-jobs", json={"data": {
        "type": "profile-suppression-bulk-create-job",
        "attributes": {"profiles": {"data": [{"type": "profile", "attributes": {"email": "dee@example.com"}}]}}}})
    assert job.status_code == 202, job.text
    sb.clock.advance(seconds=1)
    campaign_id, _ = campaign(kl, [news])
    send(kl, campaign_id)
    sb.clock.advance(seconds=1)
    assert sent_to(sb, campaign_id) == ["ann@example.com", "bob@example.com"]


def test_recipients_are_counted_when_the_send_starts_not_at_creation(sb, kl, audience):
    news, vip, ids = audience
    later = {"method": "static", "datetime": "2026-11-02T12:00:00Z"}
    campaign_id, _ = campaign(kl, [news], [vip], later)
    assert kl.get(f"/campaign-recipient-estimations/{campaign_id}").json()["data"]["attributes"] == {
        "estimated_recipient_count": 2}
    send(kl, campaign_id)
    assert status(kl, campaign_id) == ("Scheduled", "queued")
    eve = new_profile(kl, "eve@example.com")
    kl.post(f"/lists/{news}/relationships/profiles", json=members(eve))
    kl.post(f"/lists/{vip}/relationships/profiles", json=members(ids["ann"]))
    sb.clock.advance_to("2026-11-02T11:59:59Z")
    assert status(kl, campaign_id) == ("Scheduled", "queued") and sent_to(sb, campaign_id) == []
    sb.clock.advance(seconds=1)
    assert status(kl, campaign_id) == ("Sent", "complete")
    assert sent_to(sb, campaign_id) == ["dee@example.com", "eve@example.com"]
    assert {m.sent_at for m in sb.messages.messages(vendor="klaviyo")} == {"2026-11-02T12:00:00Z"}


def test_the_estimate_is_refreshed_by_an_estimation_job(sb, kl, audience):
    news, vip, _ = audience
    campaign_id, _ = campaign(kl, [news])
    assert kl.get(f"/campaign-recipient-estimations/{campaign_id}").json()["data"]["attributes"][
        "estimated_recipient_count"] == 3
    kl.patch(f"/campaigns/{campaign_id}", json={"data": {"type": "campaign", "id": campaign_id, "attributes": {
        "audiences": {"included": [news], "excluded": [vip]}}}})
    job = kl.post("/campaign-recipient-estimation-jobs", json={"data": {
        "type": "campaign-recipient-estimation-job", "id": campaign_id}})
    assert job.status_code == 202 and job.json()["data"]["attributes"]["status"] == "queued"
    sb.clock.advance(seconds=1)
    assert kl.get(f"/campaign-recipient-estimation-jobs/{campaign_id}").json()["data"]["attributes"][
        "status"] == "complete"
    assert kl.get(f"/campaign-recipient-estimations/{campaign_id}").json()["data"]["attributes"][
        "estimated_recipient_count"] == 2


def test_throttled_sends_a_share_each_hour(sb, kl):
    news = new_list(kl)
    ids = [new_profile(kl, f"p{i}@example.com") for i in range(5)]
    kl.post(f"/lists/{news}/relationships/profiles", json=members(*ids))
    throttled = {"method": "throttled", "datetime": "2026-11-02T11:00:00+00:00", "throttle_percentage": 50}
    campaign_id, _ = campaign(kl, [news], strategy=throttled)
    send(kl, campaign_id)
    sb.clock.advance_to("2026-11-02T11:00:00Z")
    assert status(kl, campaign_id) == ("Sending", "processing")
    assert sent_to(sb, campaign_id) == ["p0@example.com", "p1@example.com", "p2@example.com"]
    sb.clock.advance(minutes=59)
    assert len(sent_to(sb, campaign_id)) == 3
    sb.clock.advance(minutes=1)
    assert sent_to(sb, campaign_id)[3:] == ["p3@example.com", "p4@example.com"]
    assert status(kl, campaign_id) == ("Sent", "complete")


def test_a_local_static_send_reaches_each_recipient_at_that_time_in_their_zone(sb, kl):
    news = new_list(kl)
    zones = {"tokyo": "Asia/Tokyo", "paris": "Europe/Paris", "nyc": "America/New_York", "none": None}
    ids = [new_profile(kl, f"{name}@example.com", **({"location": {"timezone": tz}} if tz else {}))
           for name, tz in zones.items()]
    kl.post(f"/lists/{news}/relationships/profiles", json=members(*ids))
    local = {"method": "static", "datetime": "2026-11-03T09:00:00+00:00", "options": {"is_local": True}}
    campaign_id, _ = campaign(kl, [news], strategy=local)
    send(kl, campaign_id)
    sb.clock.advance_to("2026-11-04T00:00:00Z")
    when = {m.recipient.split("@")[0]: m.sent_at for m in sb.messages.messages(vendor="klaviyo")}
    assert when == {"tokyo": "2026-11-03T00:00:00Z", "paris": "2026-11-03T08:00:00Z",
                    "none": "2026-11-03T09:00:00Z", "nyc": "2026-11-03T14:00:00Z"}
    assert status(kl, campaign_id) == ("Sent", "complete")


@pytest.mark.parametrize("late, tokyo", [(False, "2026-11-03T02:00:00Z"), (True, "2026-11-02T10:00:01Z")])
def test_a_local_send_whose_hour_has_passed_waits_a_day_or_sends_at_once(sb, kl, late, tokyo):
    news = new_list(kl)
    ids = [new_profile(kl, "tokyo@example.com", location={"timezone": "Asia/Tokyo"}),
           new_profile(kl, "nyc@example.com", location={"timezone": "America/New_York"})]
    kl.post(f"/lists/{news}/relationships/profiles", json=members(*ids))
    strategy = {"method": "static", "datetime": "2026-11-02T11:00:00+00:00",
                "options": {"is_local": True, "send_past_recipients_immediately": late}}
    campaign_id, _ = campaign(kl, [news], strategy=strategy)
    send(kl, campaign_id)
    sb.clock.advance(days=1)
    when = {m.recipient: m.sent_at for m in sb.messages.messages(vendor="klaviyo")}
    assert when == {"tokyo@example.com": tokyo, "nyc@example.com": "2026-11-02T16:00:00Z"}  # Tokyo's 11:00 had passed


def test_the_audience_is_fixed_when_scheduled_under_the_setting_and_for_local_sends(sb, kl):
    news = new_list(kl)
    kl.post(f"/lists/{news}/relationships/profiles", json=members(new_profile(kl, "ann@example.com")))
    later = {"method": "static", "datetime": "2026-11-02T12:00:00+00:00"}
    local = dict(later, options={"is_local": True})
    sb.settings.update({"klaviyo_campaign_recipients_at": "scheduled_time"})
    fixed, _ = campaign(kl, [news], strategy=later)
    send(kl, fixed)
    sb.settings.update({"klaviyo_campaign_recipients_at": "send_time"})
    fixed_local, _ = campaign(kl, [news], strategy=local)
    send(kl, fixed_local)
    moving, _ = campaign(kl, [news], strategy=later)
    send(kl, moving)
    kl.post(f"/lists/{news}/relationships/profiles", json=members(new_profile(kl, "bob@example.com")))
    sb.settings.update({"klaviyo_smart_sending_email_hours": 0})
    sb.clock.advance(days=1)
    assert sent_to(sb, fixed) == sent_to(sb, fixed_local) == ["ann@example.com"]
    assert sent_to(sb, moving) == ["ann@example.com", "bob@example.com"]


def test_cancel_stops_what_has_not_gone_out_and_revert_returns_a_draft(sb, kl):
    news, campaign_id = quarter_an_hour_sent(kl)
    sb.clock.advance_to("2026-11-02T12:00:00Z")
    cancel = {"data": {"type": "campaign-send-job", "id": campaign_id, "attributes": {"action": "cancel"}}}
    assert kl.patch(f"/campaign-send-jobs/{campaign_id}", json=cancel).status_code == 204
    assert status(kl, campaign_id) == ("Cancelled", "cancelled")
    sb.clock.advance(hours=5)
    assert sent_to(sb, campaign_id) == ["p0@example.com", "p1@example.com"]
    assert pointers(kl.patch(f"/campaign-send-jobs/{campaign_id}", json=cancel)) == ["/data/attributes/action"]

    later = {"method": "static", "datetime": "2026-11-03T09:00:00Z"}
    draft_id, _ = campaign(kl, [news], strategy=later)
    send(kl, draft_id)
    revert = {"data": {"type": "campaign-send-job", "id": draft_id, "attributes": {"action": "revert"}}}
    assert kl.patch(f"/campaign-send-jobs/{draft_id}", json=revert).status_code == 204
    assert status(kl, draft_id) == ("Draft", "cancelled")
    sb.clock.advance(days=2)
    assert sent_to(sb, draft_id) == []
    send(kl, draft_id)  # a draft again: it may be sent
    sb.clock.advance(seconds=1)
    assert len(sent_to(sb, draft_id)) == 4 and status(kl, draft_id) == ("Sent", "complete")


def test_bad_sends_get_klaviyos_errors(sb, kl, audience):
    news, _, _ = audience
    errors(kl.post("/campaign-send-jobs", json={"data": {"type": "campaign-send-job", "id": "nope"}}), 404)
    assert pointers(kl.post("/campaign-send-jobs", json={"data": {"type": "campaign", "id": "x"}})) == ["/data/type"]
    body = {"data": {"type": "campaign", "attributes": {
        "name": "No template", "audiences": {"included": [news]},
        "campaign-messages": {"data": [{"type": "campaign-message", "attributes": {
            "definition": {"channel": "email"}}}]}}}}
    bare = kl.post("/campaigns", json=body).json()["data"]["id"]
    assert pointers(kl.post("/campaign-send-jobs", json={"data": {"type": "campaign-send-job", "id": bare}})) == [
        "/data/id"]
    wrong = dict(body["data"]["attributes"], send_strategy={"method": "throttled", "datetime": "2026-11-02T11:00:00Z",
                                                            "throttle_percentage": 30})
    assert pointers(kl.post("/campaigns", json={"data": {"type": "campaign", "attributes": wrong}})) == [
        "/data/attributes/send_strategy/throttle_percentage"]
    errors(kl.patch("/campaign-send-jobs/nope", json={"data": {"type": "campaign-send-job", "id": "nope",
                                                                "attributes": {"action": "cancel"}}}), 404)


def test_the_email_consent_setting_narrows_to_explicit_subscribers(sb, kl):
    news = new_list(kl)
    kl.post("/profile-subscription-bulk-create-jobs", json=subscribe(email_marketing("ann@example.com"),
                                                                         list_id=news))
    sb.clock.advance(seconds=1)
    kl.post(f"/lists/{news}/relationships/profiles", json=members(new_profile(kl, "bob@example.com")))
    sb.settings.update({"klaviyo_campaign_email_consent": "subscribed"})
    campaign_id, _ = campaign(kl, [news])
    send(kl, campaign_id)
    sb.clock.advance(seconds=1)
    assert sent_to(sb, campaign_id) == ["ann@example.com"]


def test_sms_campaigns_need_sms_consent(sb, kl):
    news = new_list(kl)
    sms = {"phone_number": "+15005550006", "subscriptions": {"sms": {"marketing": {"consent": "SUBSCRIBED"}}}}
    kl.post("/profile-subscription-bulk-create-jobs", json=subscribe(sms, list_id=news))
    sb.clock.advance(seconds=1)
    kl.post(f"/lists/{news}/relationships/profiles",
            json=members(new_profile(kl, "bob@example.com", phone_number="+15005550007")))
    campaign_id, _ = campaign(kl, [news], channel="sms")
    send(kl, campaign_id)
    sb.clock.advance(seconds=1)
    (text,) = [m for m in sb.messages.messages(vendor="klaviyo") if m.campaign_id == campaign_id]
    assert (text.channel, text.recipient, text.subject, text.html) == ("sms", "+15005550006", "Sale!", None)


def test_smart_sending_is_shared_with_flows_both_ways(sb, kl, account):
    """A flow email holds back the campaign email for 16 h; the campaign's email holds back the next
    flow email; a campaign with Smart Sending off sends anyway and restarts the window."""
    checkout = metrics_of(account).named("Started Checkout", sb.clock.now()).id
    definition = {"triggers": [{"type": "metric", "id": checkout}], "entry_action_id": "mail", "actions": [
        {"temporary_id": "mail", "type": "send-email", "links": {"next": None},
         "data": {"message": {"subject_line": "Your cart"}}}]}
    flow = kl.post("/flows", json={"data": {"type": "flow", "attributes": {"name": "Cart", "definition": definition}}})
    flow_id = flow.json()["data"]["id"]
    kl.patch(f"/flows/{flow_id}", json={"data": {"type": "flow", "id": flow_id, "attributes": {"status": "live"}}})
    news = new_list(kl)
    ann, bob = new_profile(kl, "ann@example.com"), new_profile(kl, "bob@example.com")
    kl.post(f"/lists/{news}/relationships/profiles", json=members(ann, bob))
    kl.post("/events", json=event("ann@example.com", "Started Checkout"))
    sb.clock.advance(hours=1)  # ann gets the flow email at 10:00:01

    first, _ = campaign(kl, [news])
    send(kl, first)
    sb.clock.advance(seconds=1)
    assert sent_to(sb, first) == ["bob@example.com"]
    skipped = resources_of(account).of("campaign-send-job").get(first).attributes["skipped"]
    assert skipped[ann].startswith("smart sending: a email message went to the profile at 2026-11-02T10:00:01")

    kl.post("/events", json=event("bob@example.com", "Started Checkout"))
    sb.clock.advance(seconds=1)
    (run,) = [r for r in sb.runs(workflow_id=flow_id) if r["recipient"] == "bob@example.com"]
    assert run["steps"][-1]["outcome"] == "skipped" and "smart sending" in run["steps"][-1]["reason"]

    regardless, _ = campaign(kl, [news], send_options={"use_smart_sending": False})
    send(kl, regardless)
    sb.clock.advance(seconds=1)
    assert sent_to(sb, regardless) == ["ann@example.com", "bob@example.com"]
    sb.clock.advance(hours=15, minutes=59)
    kl.post("/events", json=event("ann@example.com", "Started Checkout", unique_id="again"))
    sb.clock.advance(seconds=1)
    assert len([m for m in sb.messages.messages(vendor="klaviyo") if m.workflow_id == flow_id]) == 1


def test_a_snapshot_taken_mid_send_goes_on_as_the_original(sb, kl):
    """The send's batches are jobs on the clock: a restored sandbox sends the rest at the same times."""
    _, campaign_id = quarter_an_hour_sent(kl)
    sb.clock.advance_to("2026-11-02T12:30:00Z")
    sim = sb.client("sim")
    assert sim.post("/snapshots", json={"name": "mid"}).status_code == 201

    def rest() -> list[tuple[str, str]]:
        sb.clock.advance(hours=3)
        return [(m["recipient"], m["sent_at"]) for m in sb.outbox(vendor="klaviyo")]

    expected = rest()
    assert [sent for _, sent in expected] == ["2026-11-02T11:00:00Z", "2026-11-02T12:00:00Z",
                                              "2026-11-02T13:00:00Z", "2026-11-02T14:00:00Z"]
    assert sim.post("/snapshots/mid/restore").status_code == 200
    assert rest() == expected and status(kl, campaign_id) == ("Sent", "complete")


def test_a_clone_is_a_new_draft_with_the_same_audience_and_messages(sb, kl, audience):
    news, vip, _ = audience
    original, message_id = campaign(kl, [news], [vip], send_options={"use_smart_sending": False})
    send(kl, original)
    sb.clock.advance(seconds=1)
    made = kl.post("/campaign-clone", json={"data": {"type": "campaign", "id": original,
                                                     "attributes": {"new_name": "Sale again"}}})
    assert made.status_code == 201, made.text
    copy = made.json()["data"]
    assert (copy["attributes"]["name"], copy["attributes"]["status"]) == ("Sale again", "Draft")
    assert copy["attributes"]["audiences"] == {"included": [news], "excluded": [vip]}
    (message,) = kl.get(f"/campaigns/{copy['id']}/campaign-messages").json()["data"]
    template = kl.get(f"/campaign-messages/{message['id']}/template").json()["data"]
    assert message["id"] != message_id and template["attributes"]["html"] == "<p>Hello</p>"
    send(kl, copy["id"])
    sb.clock.advance(seconds=1)
    assert sent_to(sb, copy["id"]) == sent_to(sb, original) == ["ann@example.com", "dee@example.com"]
