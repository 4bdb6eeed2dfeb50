"""v3 campaigns: seeded through the control API, then listed, read, started, sent on the clock, deleted."""
from __future__ import annotations

import pytest

from tests.conftest import new_contact


def brand_of(sb) -> str:
    return sb.test_keys()["omnisend"][:24]


def messages(response) -> list[str]:
    return [m for group in response.json()["fields"] for m in group]


@pytest.fixture
def seed(sb):
    def add(**fields) -> dict:
        return sb.add_omnisend_campaign(brand_of(sb), **{"name": "Campaign", **fields})
    return add


def test_control_api_seeds_a_campaign_that_v3_reads(sb, v3):
    created = sb.client("sim").post("/omnisend/campaigns", json={
        "brand": brand_of(sb), "name": "Welcome", "type": "abTest", "fromName": "Evil store",
        "subject": "Hot discounts", "url": "https://example.omnisendlink.com/1/0", "segments": ["5948da6c140ce5100d20f33b"]})
    assert created.status_code == 201
    campaign = created.json()
    assert campaign == {
        "campaignID": campaign["campaignID"], "name": "Welcome", "status": "draft", "type": "abTest",
        "fromName": "Evil store", "subject": "Hot discounts", "url": "https://example.omnisendlink.com/1/0",
        "createdAt": "2026-11-02T10:00:00Z", "updatedAt": "2026-11-02T10:00:00Z",
        "sent": 0, "opened": 0, "clicked": 0, "bounced": 0, "complained": 0, "unsubscribed": 0,
        "allSubscribers": False, "segments": [{"segmentID": "5948da6c140ce5100d20f33b"}]}
    assert len(campaign["campaignID"]) == 24
    assert v3.get(f"/campaigns/{campaign['campaignID']}").json() == campaign
    assert v3.get("/campaigns").json()["campaigns"] == [campaign]


def test_control_api_refuses_bad_seeds(sb):
    sim = sb.client("sim")
    response = sim.post("/omnisend/campaigns", json={"brand": "shop", "status": "done", "colour": "red"})
    assert response.status_code == 400
    error = response.json()["error"]
    for name in ("brand", "name", "status", "colour"):
        assert name in error
    new_contact(sb.client("omnisend-v3"), "ann@example.com")
    response = sim.post("/omnisend/campaigns", json={"brand": brand_of(sb), "name": "x", "recipients": [
        {"email": "ann@example.com"}]})
    assert response.status_code == 400 and "recipients" in response.json()["error"]  # a draft has none
    response = sim.post("/omnisend/campaigns", json={"brand": brand_of(sb), "name": "x", "status": "sent",
                                                     "recipients": [{"email": "nobody@example.com"}]})
    assert response.status_code == 400 and "no such contact" in response.json()["error"]


def test_list_filters_sort_and_paging(sb, v3, seed):
    a = seed(name="A", status="sent", type="regular", startDate="2026-10-01T00:00:00Z")["campaignID"]
    sb.clock.advance(hours=1)
    b = seed(name="B", status="draft", type="abTest")["campaignID"]
    sb.clock.advance(hours=1)
    c = seed(name="C", status="scheduled", type="regular", startDate="2026-12-01T00:00:00Z")["campaignID"]

    def ids(**query):
        response = v3.get("/campaigns", params=query)
        assert response.status_code == 200, response.text
        return [x["campaignID"] for x in response.json()["campaigns"]]

    assert ids() == [c, b, a]  # newest first
    assert ids(status="draft") == [b]
    assert ids(type="regular") == [c, a]
    assert ids(sort="startDate") == [c, a, b]  # without a start date: last
    assert ids(sort="createdAt", status="sent") == [a]
    page = v3.get("/campaigns", params={"limit": 2}).json()
    assert [x["campaignID"] for x in page["campaigns"]] == [c, b]
    assert v3.get(page["paging"]["next"]).json()["campaigns"][0]["campaignID"] == a

    bad = v3.get("/campaigns", params={"status": "archived", "sort": "name", "offset": "-1"})
    assert bad.status_code == 400
    found = messages(bad)
    assert "'status' can't be 'archived'. Available values: draft,paused,scheduled,inProgress,sent" in found
    assert "'sort' can't be 'name'. Available values: createdAt,updatedAt,startDate,endDate" in found
    assert len(found) == 3


def test_start_sends_on_the_clock_to_subscribed_contacts(sb, v3, seed):
    ann = new_contact(v3, "ann@example.com")
    bob = new_contact(v3, "bob@example.com")
    v3.post("/contacts", json={"identifiers": [
        {"type": "email", "id": "out@example.com", "channels": {"email": {"status": "unsubscribed"}}}]})
    campaign_id = seed(name="Black Friday", subject="Deals")["campaignID"]

    started = v3.post(f"/campaigns/{campaign_id}/actions/start")
    assert started.status_code == 200 and started.json() == {"campaignID": campaign_id}
    running = v3.get(f"/campaigns/{campaign_id}").json()
    assert (running["status"], running["startDate"], running["sent"]) == ("inProgress", "2026-11-02T10:00:00Z", 0)
    assert sb.outbox() == []

    sb.clock.advance(seconds=59)
    assert v3.get(f"/campaigns/{campaign_id}").json()["status"] == "inProgress"
    sb.clock.advance(seconds=1)
    sent = v3.get(f"/campaigns/{campaign_id}").json()
    assert (sent["status"], sent["endDate"], sent["sent"]) == ("sent", "2026-11-02T10:01:00Z", 2)
    outbox = sb.outbox(workflow_id=campaign_id)
    assert [(m["recipient"], m["channel"], m["subject"], m["workflow_name"], m["sent_at"]) for m in outbox] == [
        ("ann@example.com", "email", "Deals", "Black Friday", "2026-11-02T10:01:00Z"),
        ("bob@example.com", "email", "Deals", "Black Friday", "2026-11-02T10:01:00Z")]

    contacts = v3.get(f"/campaigns/{campaign_id}/contacts").json()
    assert [c["contactID"] for c in contacts["contacts"]] == [ann, bob]
    assert v3.get(f"/campaigns/{campaign_id}/contacts/{ann}").json() == {
        "email": "ann@example.com", "contactID": ann, "sent": True, "opened": False, "clicked": False,
        "bounced": False, "complained": False, "unsubscribed": False}


@pytest.mark.parametrize("status", ["paused", "inProgress", "sent"])
def test_only_draft_or_scheduled_can_start(sb, v3, seed, status):
    campaign_id = seed(status=status)["campaignID"]
    response = v3.post(f"/campaigns/{campaign_id}/actions/start")
    assert response.status_code == 400
    assert messages(response) == [f"status: a campaign in status {status} cannot be started, "
                                  "only one in draft or scheduled"]
    assert v3.get(f"/campaigns/{campaign_id}").json()["status"] == status


def test_scheduled_campaign_can_start(v3, seed):
    campaign_id = seed(status="scheduled", startDate="2026-12-01T00:00:00Z")["campaignID"]
    assert v3.post(f"/campaigns/{campaign_id}/actions/start").status_code == 200
    assert v3.get(f"/campaigns/{campaign_id}").json()["startDate"] == "2026-11-02T10:00:00Z"


def test_contacts_filters_and_counters(sb, v3, seed):
    ids = [new_contact(v3, f"c{i}@example.com") for i in range(4)]
    campaign = seed(status="sent", recipients=[
        {"contactID": ids[0], "opened": True, "clicked": True},
        {"email": "c1@example.com", "opened": True},
        {"contactID": ids[2], "bounced": True},
        {"contactID": ids[3], "complained": True, "unsubscribed": True}])
    assert {k: campaign[k] for k in ("sent", "opened", "clicked", "bounced", "complained", "unsubscribed")} == {
        "sent": 4, "opened": 2, "clicked": 1, "bounced": 1, "complained": 1, "unsubscribed": 1}
    path = f"/campaigns/{campaign['campaignID']}/contacts"

    def contact_ids(**query):
        response = v3.get(path, params=query)
        assert response.status_code == 200, response.text
        return [c["contactID"] for c in response.json()["contacts"]]

    assert contact_ids() == ids
    assert contact_ids(opened="true") == ids[:2]
    assert contact_ids(opened="true", clicked="false") == [ids[1]]
    assert contact_ids(bounced="true") == [ids[2]]
    assert contact_ids(complained="true") == contact_ids(unsubscribed="true") == [ids[3]]
    assert contact_ids(limit=3, offset=3) == [ids[3]]
    bad = v3.get(path, params={"opened": "yes", "limit": "500"})
    assert bad.status_code == 400
    assert messages(bad) == ["limit: value violates maximum 250",
                             "opened: wrong field type, expected boolean but got string"]


def test_unknown_campaign_or_contact_is_404(v3, seed):
    new_contact(v3)
    missing = "59099010597ed74f6635fb14"
    for response in (v3.get(f"/campaigns/{missing}"), v3.delete(f"/campaigns/{missing}"),
                     v3.post(f"/campaigns/{missing}/actions/start"), v3.get(f"/campaigns/{missing}/contacts"),
                     v3.get(f"/campaigns/{missing}/contacts/abc")):
        assert response.status_code == 404
        assert response.json()["statusCode"] == 404
    campaign_id = seed(status="sent")["campaignID"]
    assert v3.get(f"/campaigns/{campaign_id}/contacts/abc").status_code == 404


def test_delete_allows_all_but_a_campaign_being_sent(v3, seed):
    for status in ("draft", "paused", "scheduled", "sent"):
        campaign_id = seed(status=status)["campaignID"]
        response = v3.delete(f"/campaigns/{campaign_id}")
        assert response.status_code == 204 and response.content == b""
        assert v3.get(f"/campaigns/{campaign_id}").status_code == 404
    running = seed(status="inProgress")["campaignID"]
    response = v3.delete(f"/campaigns/{running}")
    assert response.status_code == 400
    assert messages(response) == ["status: a campaign in status inProgress cannot be deleted"]
    assert v3.get(f"/campaigns/{running}").status_code == 200


@pytest.mark.parametrize("rule, deletable", [
    ("only_sent_draft", {"sent", "draft"}),
    ("except_sent_draft", {"paused", "scheduled", "inProgress"}),
])
def test_delete_rule_is_a_setting(sb, v3, seed, rule, deletable):
    assert sb.client("sim").post("/settings", json={"v3_campaign_delete": rule}).status_code == 200
    for status in ("draft", "paused", "scheduled", "inProgress", "sent"):
        response = v3.delete(f"/campaigns/{seed(status=status)['campaignID']}")
        assert response.status_code == (204 if status in deletable else 400), status
    assert sb.client("sim").post("/settings", json={"v3_campaign_delete": "never"}).status_code == 400


def test_a_campaign_deleted_before_sending_sends_nothing(sb, v3, seed):
    sb.settings.update({"v3_campaign_delete": "except_sent_draft"})
    new_contact(v3)
    campaign_id = seed()["campaignID"]
    v3.post(f"/campaigns/{campaign_id}/actions/start")
    assert v3.delete(f"/campaigns/{campaign_id}").status_code == 204
    sb.clock.advance(minutes=5)
    assert sb.outbox() == []


def test_campaigns_are_per_brand(sb, v3, seed, other_brand_key):
    campaign_id = seed()["campaignID"]
    other = sb.client("omnisend-v3", key=other_brand_key)
    assert other.get("/campaigns").json()["campaigns"] == []
    assert other.get(f"/campaigns/{campaign_id}").status_code == 404
