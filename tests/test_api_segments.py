"""Dated segments (CRUD, statistics, paging, rules), membership as every part of the sandbox uses it
(dated and v3 contact lists, v3 carts, tagging, the model functions the engine calls), and the
dated read of campaigns."""
from __future__ import annotations

import pytest

from simulator.omnisend import segments
from simulator.omnisend.contacts import contacts_of
from tests.conftest import new_contact
from tests.test_api_foundation import oauth_token


def contact_filter(prop: str, operator: str, value=None, **extra) -> dict:
    return {"property": prop, "operator": operator, **({"value": value} if value is not None else {}), **extra}


def event_filter(name: str, operator: str = "has", count: str = "atLeast", value: int = 1, **extra) -> dict:
    return {"name": name, "operator": operator, "count": count, "value": value, **extra}


def rule(*conditions, groups=None) -> list:
    return groups if groups is not None else [{"conditions": list(conditions)}]


def contacts(*filters, junction="and") -> dict:
    return {"entity": "contact", "junction": junction, "filters": list(filters)}


def events(*filters, junction="and") -> dict:
    return {"entity": "event", "junction": junction, "filters": list(filters)}


def segment(api, name: str, groups: list, expect: int = 201) -> dict:
    response = api.post("/segments", json={"name": name, "conditionGroups": groups})
    assert response.status_code == expect, response.text
    return response.json()


def person(api, email: str, status: str = "subscribed", phone: str | None = None, **fields) -> str:
    identifiers = [{"type": "email", "id": email, "channels": {"email": {"status": status}}}]
    if phone:
        identifiers.append({"type": "phone", "id": phone, "channels": {"sms": {"status": "subscribed"}}})
    response = api.post("/contacts", json={"identifiers": identifiers, **fields})
    assert response.status_code in (200, 201), response.text
    return response.json()["id"]


def member_emails(api, segment_id: str) -> list[str]:
    return sorted(c["email"] for c in api.get("/contacts", params={"segmentID": segment_id}).json()["contacts"])


def errors(response) -> dict[str, str]:
    assert response.status_code == 400, response.text
    return {e["field"]: e["code"] for e in response.json()["errors"]}


def test_crud_and_statistics(sb, api):
    person(api, "vip@example.com", tags=["vip"])
    person(api, "plain@example.com")
    made = segment(api, "VIPs", rule(contacts(contact_filter("tags", "anyOf", ["vip"]))))
    assert made == {"segmentID": made["segmentID"], "name": "VIPs",
                    "conditionGroups": rule(contacts(contact_filter("tags", "anyOf", ["vip"]))),
                    "status": "ready", "isStarred": False, "createdAt": "2026-11-02T10:00:00Z",
                    "updatedAt": "2026-11-02T10:00:00Z", "archivedAt": None}
    sid = made["segmentID"]
    assert api.get(f"/segments/{sid}").json() == made
    assert api.get(f"/segments/{sid}/statistics").json() == {"contactsCount": 1}
    sb.clock.advance(minutes=1)
    replaced = api.put(f"/segments/{sid}", json={"name": "Not VIPs", "conditionGroups": rule(
        contacts(contact_filter("tags", "noneOf", ["vip"])))})
    assert replaced.status_code == 200
    assert (replaced.json()["name"], replaced.json()["updatedAt"]) == ("Not VIPs", "2026-11-02T10:01:00Z")
    assert member_emails(api, sid) == ["plain@example.com"]
    deleted = api.delete(f"/segments/{sid}")
    assert deleted.status_code == 204 and deleted.content == b""
    for response in (api.get(f"/segments/{sid}"), api.get(f"/segments/{sid}/statistics"), api.delete(f"/segments/{sid}"),
                     api.put(f"/segments/{sid}", json={"name": "x", "conditionGroups": []})):
        assert response.status_code == 404


def test_schema_and_rule_problems_are_reported_at_once(api):
    assert errors(api.post("/segments", json={"conditionGroups": [{"conditions": [{"filters": []}]}], "x": 1})) == {
        "name": "required", "conditionGroups.0.conditions.0.filters": "out_of_range", "x": "unknown_field"}
    response = api.post("/segments", json={"name": "bad", "conditionGroups": [
        {"conditions": [
            {"entity": "contact", "junction": "xor", "filters": [
                contact_filter("lastDetectedCity", "anyOf", ["Riga"]),
                contact_filter("tags", "equals", ["vip"]),
                contact_filter("subscriptionStatus", "equals", "maybe", channels=["fax"]),
                contact_filter("custom", "moreThan", "5", name="orders", valueType="number"),
                contact_filter("dateAdded", "inTheLast", 0, unit="hours")]},
            {"entity": "event", "filters": [{"name": "placed order", "operator": "had", "value": -1,
                                              "period": {"operator": "between", "valueFrom": "2026-13-01"}}]},
            {"entity": "order", "filters": [{}]}]},
        {"conditions": []}]})
    where = "conditionGroups.0.conditions"
    assert errors(response) == {
        f"{where}.0.junction": "invalid_value", f"{where}.0.filters.0.property": "invalid",
        f"{where}.0.filters.1.operator": "invalid_value", f"{where}.0.filters.2.value": "invalid_value",
        f"{where}.0.filters.2.channels": "invalid_value", f"{where}.0.filters.3.value": "invalid_type",
        f"{where}.0.filters.4.value": "invalid_type", f"{where}.0.filters.4.unit": "invalid_value",
        f"{where}.1.filters.0.operator": "invalid_value", f"{where}.1.filters.0.count": "invalid_value",
        f"{where}.1.filters.0.value": "invalid_type", f"{where}.1.filters.0.period.valueFrom": "invalid_format",
        f"{where}.1.filters.0.period.valueTo": "invalid_format", f"{where}.2.entity": "invalid_value",
        "conditionGroups.1.conditions": "out_of_range"}
    assert "not supported by the sandbox" in response.text
    assert api.get("/segments").json()["segments"] == []


def test_an_event_seen_under_several_origins_needs_its_origin(api):
    api.post("/events", json={"eventName": "signup", "origin": "web", "contact": {"email": "a@example.com"}})
    api.post("/events", json={"eventName": "signup", "origin": "app", "contact": {"email": "a@example.com"}})
    response = api.post("/segments", json={"name": "s", "conditionGroups": rule(events(event_filter("signup")))})
    assert errors(response) == {"conditionGroups.0.conditions.0.filters.0.origin": "required"}
    assert "app, web" in response.text
    segment(api, "web signups", rule(events(event_filter("signup", origin="web"))))


def test_contact_property_conditions(api):
    person(api, "us@example.com", country="United States", countryCode="US", firstName="Jane", tags=["vip"])
    person(api, "ca@example.com", "unsubscribed", country="Canada", lastName="Smithson", customProperties={"orders": 7})
    person(api, "lt@example.com", phone="+37060000001", countryCode="LT", customProperties={"orders": 2, "vip": True})
    cases = {
        "country": contacts(contact_filter("country", "anyOf", ["us", "Canada"])),
        "contains": contacts(contact_filter("lastName", "contains", ["smith"])),
        "no tags": contacts(contact_filter("tags", "doesNotExist")),
        "email subscribed": contacts(contact_filter("subscriptionStatus", "equals", "subscribed", channels=["email"])),
        "both subscribed": contacts(contact_filter("subscriptionStatus", "equals", "subscribed",
                                                   channels=["email", "sms"])),
        "orders > 5": contacts(contact_filter("custom", "moreThan", 5, name="orders", valueType="number")),
        "vip flag": contacts(contact_filter("custom", "equals", True, name="vip", valueType="bool")),
        "no postal code": contacts(contact_filter("postalCode", "doesNotExist"), contact_filter("firstName", "exists")),
        "or junction": contacts(contact_filter("firstName", "anyOf", ["jane"]),
                                contact_filter("country", "anyOf", ["LT"]), junction="or"),
        "added today": contacts(contact_filter("dateAdded", "equals", "2026-11-02")),
    }
    expected = {
        "country": ["ca@example.com", "us@example.com"], "contains": ["ca@example.com"],
        "no tags": ["ca@example.com", "lt@example.com"], "email subscribed": ["lt@example.com", "us@example.com"],
        "both subscribed": ["lt@example.com"], "orders > 5": ["ca@example.com"], "vip flag": ["lt@example.com"],
        "no postal code": ["us@example.com"], "or junction": ["lt@example.com", "us@example.com"],
        "added today": ["ca@example.com", "lt@example.com", "us@example.com"],
    }
    for name, condition in cases.items():
        made = segment(api, name, rule(condition))
        assert member_emails(api, made["segmentID"]) == expected[name], name


def test_event_conditions_count_in_a_period_that_moves_with_the_clock(sb, api):
    def order(email: str, total: float):
        response = api.post("/events", json={"eventName": "placed order", "eventVersion": "v2", "contact": {"email": email},
                                             "properties": {"orderID": "o", "currency": "EUR", "totalPrice": total,
                                                            "lineItems": [{"productTitle": "Summer T-Shirt"}]}})
        assert response.status_code == 202

    order("one@example.com", 10)
    sb.clock.advance(days=10)
    order("two@example.com", 80)
    order("two@example.com", 20)
    person(api, "none@example.com")
    recent = segment(api, "ordered in 7 days", rule(events(event_filter("placed order", period={
        "operator": "inTheLast", "unit": "days", "value": 7}))))["segmentID"]
    twice = segment(api, "exactly two", rule(events(event_filter("placed order", count="equals", value=2))))["segmentID"]
    never = segment(api, "never ordered", rule(events(event_filter("placed order", operator="hasNot"))))["segmentID"]
    big = segment(api, "big orders", rule(events(event_filter("placed order", filters=[
        {"property": "totalPrice", "operator": "moreThan", "value": 50},
        {"property": "lineItems.[].productTitle", "operator": "contains", "value": ["shirt"]}], junction="and"))))
    dated = segment(api, "before", rule(events(event_filter("placed order", period={
        "operator": "before", "value": "2026-11-05"}))))["segmentID"]
    assert member_emails(api, recent) == ["two@example.com"]
    assert member_emails(api, twice) == ["two@example.com"]
    assert member_emails(api, never) == ["none@example.com"]
    assert member_emails(api, big["segmentID"]) == ["two@example.com"]
    assert member_emails(api, dated) == ["one@example.com"]
    sb.clock.advance(days=8)
    assert member_emails(api, recent) == []  # nobody ordered in the last 7 days any more


def test_groups_are_or_and_conditions_are_and(api):
    person(api, "a@example.com", tags=["vip"], countryCode="US")
    person(api, "b@example.com", tags=["vip"])
    person(api, "c@example.com", countryCode="LT")
    groups = [{"conditions": [contacts(contact_filter("tags", "anyOf", ["vip"])),
                              contacts(contact_filter("country", "anyOf", ["US"]))]},
              {"conditions": [contacts(contact_filter("country", "anyOf", ["LT"]))]}]
    made = segment(api, "mix", rule(groups=groups))
    assert member_emails(api, made["segmentID"]) == ["a@example.com", "c@example.com"]


def test_membership_is_shared_by_every_surface_and_the_model(sb, api, v3):
    vip = new_contact(v3, "vip@example.com", tags=["vip"])
    new_contact(v3, "plain@example.com")
    sid = segment(api, "VIPs", rule(contacts(contact_filter("tags", "anyOf", ["vip"]))))["segmentID"]
    assert [c["contactID"] for c in v3.get("/contacts", params={"segmentID": sid}).json()["contacts"]] == [vip]
    assert v3.get("/contacts", params={"segmentID": "000000000000000000000000"}).json()["contacts"] == []
    assert api.get(f"/contacts/{vip}").json()["segments"] == [sid]
    for key in ("k1", "k2"):
        v3.post("/carts", json={"cartID": key, "email": "vip@example.com" if key == "k1" else "plain@example.com",
                                "currency": "EUR", "cartSum": 100, "products": []})
    assert [c["cartID"] for c in v3.get("/carts", params={"segmentID": sid}).json()["carts"]] == ["k1"]
    brand = sb.omnisend_brand(sb.test_keys()["omnisend"][:24])
    contact = contacts_of(brand).get(vip)
    assert segments.members(brand, sid) == {vip}
    assert segments.contact_in_segment(brand, sid, contact) and segments.segment_ids_of(brand, contact) == [sid]
    assert segments.memberships(brand) == {vip: [sid]}
    assert segments.members(brand, "nope") == frozenset()


def test_tagging_a_segment(sb, api):
    sb.settings.api_tags_delay_seconds = 0
    person(api, "vip@example.com", tags=["vip"])
    person(api, "plain@example.com")
    sid = segment(api, "VIPs", rule(contacts(contact_filter("tags", "anyOf", ["vip"]))))["segmentID"]
    assert api.post("/contacts/tags", json={"tags": ["gold"], "segmentID": sid}).status_code == 202
    assert [c["email"] for c in api.get("/contacts", params={"tag": "gold"}).json()["contacts"]] == ["vip@example.com"]


def test_list_paging_carries_its_sort(sb, api):
    names = ["delta", "Alpha", "charlie", "bravo", "echo"]
    made = {}
    for name in names:
        made[name] = segment(api, name, rule(contacts(contact_filter("tags", "exists"))))["segmentID"]
        sb.clock.advance(seconds=1)
    default = api.get("/segments").json()
    assert default["paging"]["limit"] == 10 and [s["name"] for s in default["segments"]] == names[::-1]
    seen, page = [], api.get("/segments", params={"limit": 2, "sort": "name", "direction": "asc"}).json()
    while True:
        seen += [s["name"] for s in page["segments"]]
        if not page["paging"]["hasMore"]:
            break
        page = api.get("/segments", params={"limit": 2, "after": page["paging"]["cursors"]["after"]}).json()
    assert seen == sorted(names)  # case-sensitive: "Alpha" first
    back = []
    while page["paging"]["cursors"]["before"]:
        page = api.get("/segments", params={"limit": 2, "before": page["paging"]["cursors"]["before"]}).json()
        back = [s["name"] for s in page["segments"]] + back
    assert back == sorted(names)[:-1]
    cursor = api.get("/segments", params={"limit": 2, "sort": "name"}).json()["paging"]["cursors"]["after"]
    assert errors(api.get("/segments", params={"after": cursor, "sort": "createdAt"})) == {"sort": "invalid"}
    assert api.get("/segments", params={"after": cursor, "sort": "name"}).status_code == 200


@pytest.mark.parametrize("params,expected", [
    ({"limit": "51"}, {"limit": "out_of_range"}), ({"limit": "0", "sort": "size"}, {"limit": "out_of_range",
                                                                                  "sort": "invalid_value"}),
    ({"after": "eyJpZCI6IngifQ", "before": "eyJpZCI6IngifQ"}, {"after": "invalid"}),
])
def test_list_parameter_rules(api, params, expected):
    assert errors(api.get("/segments", params=params)) == expected


def test_segment_writes_have_their_own_bucket_and_scopes_apply(sb, api):
    for n in range(15):
        segment(api, f"s{n}", rule(contacts(contact_filter("tags", "exists"))))
    refused = api.post("/segments", json={"name": "one too many", "conditionGroups": []})
    assert refused.status_code == 429 and refused.json()["retryAfter"] == 60
    assert api.get("/segments").status_code == 200  # reads spend from their own budget
    token = oauth_token(sb, "segments.read")["access_token"]
    reader = sb.client("omnisend-api", headers={"Authorization": f"Bearer {token}"})
    assert reader.get("/segments").status_code == 200
    sid = reader.get("/segments").json()["segments"][0]["segmentID"]
    assert reader.delete(f"/segments/{sid}").status_code == 403
    assert "segments.write" in reader.put(f"/segments/{sid}", json={}).json()["detail"]
    token = oauth_token(sb, "contacts.read")["access_token"]
    outsider = sb.client("omnisend-api", headers={"Authorization": f"Bearer {token}"})
    assert outsider.get(f"/segments/{sid}/statistics").status_code == 403


# -- campaigns, as the dated line reads them ----------------------------------------------------

def seed(sb, **fields) -> str:
    return sb.add_omnisend_campaign(sb.test_keys()["omnisend"][:24], **{"name": "Campaign", **fields})["campaignID"]


def test_campaigns_in_the_dated_names_and_statuses(sb, api, v3):
    new_contact(v3, "ann@example.com")
    sid = segment(api, "all", rule(contacts(contact_filter("email", "exists"))))["segmentID"]
    draft = seed(sb, name="Autumn sale", subject="50% off", fromName="Shop", segments=[sid])
    one = api.get(f"/campaigns/{draft}").json()
    assert one == {"id": draft, "brandID": sb.test_keys()["omnisend"][:24], "name": "Autumn sale", "status": "draft",
                   "type": "regular", "channel": "email", "content": {"email": {"subject": "50% off", "senderName": "Shop"}},
                   "audience": {"includedSegmentIDs": [sid], "excludedSegmentIDs": []},
                   "createdAt": "2026-11-02T10:00:00Z", "updatedAt": "2026-11-02T10:00:00Z"}
    assert v3.post(f"/campaigns/{draft}/actions/start").status_code in (200, 204)
    started = api.get(f"/campaigns/{draft}").json()
    assert (started["status"], started["startedAt"]) == ("started", "2026-11-02T10:00:00Z")  # v3 inProgress
    sb.clock.advance(seconds=sb.settings.v3_campaign_send_seconds)
    sent = api.get(f"/campaigns/{draft}").json()
    assert sent["status"] == "sent" and "endedAt" in sent
    odd = seed(sb, type="automation")
    assert api.get(f"/campaigns/{odd}").json()["type"] == "regular"
    assert api.get("/campaigns/000000000000000000000000").status_code == 404


def test_campaign_list_filters_sort_and_paging(sb, api):
    ids = {}
    for name, status, kind in (("Alpha", "draft", "regular"), ("beta", "sent", "abTest"), ("Gamma", "scheduled", "regular"),
                               ("delta", "paused", "regular"), ("Epsilon", "inProgress", "regular")):
        ids[name] = seed(sb, name=name, status=status, type=kind)
        sb.clock.advance(hours=1)

    def names(**params):
        response = api.get("/campaigns", params=params)
        assert response.status_code == 200, response.text
        return [c["name"] for c in response.json()["campaigns"]]

    assert names() == ["Epsilon", "delta", "Gamma", "beta", "Alpha"]
    assert names(status=["started", "draft"]) == ["Epsilon", "Alpha"]
    assert names(type="abTest") == ["beta"]
    assert names(nameContains="ALP") == ["Alpha"]
    assert names(channel="sms") == [] and len(names(channel=["email", "sms"])) == 5
    assert names(parentCampaignID=ids["Alpha"]) == []
    assert names(createdAtFrom="2026-11-02T11:00:00Z", createdAtTo="2026-11-02T12:00:00Z") == ["Gamma", "beta"]
    assert names(updatedAtTo="2026-11-02T10:00:00Z") == ["Alpha"]
    assert names(sort="name", direction="asc") == ["Alpha", "Epsilon", "Gamma", "beta", "delta"]
    assert names(sort="createdAt", direction="asc") == ["Alpha", "beta", "Gamma", "delta", "Epsilon"]
    seen, page = [], api.get("/campaigns", params={"limit": 2}).json()
    while True:
        seen += [c["id"] for c in page["campaigns"]]
        if not page["paging"]["hasMore"]:
            break
        page = api.get("/campaigns", params={"limit": 2, "after": page["paging"]["cursors"]["after"]}).json()
    assert seen == [ids[n] for n in ("Epsilon", "delta", "Gamma", "beta", "Alpha")]
    back = []
    while page["paging"]["cursors"]["before"]:
        page = api.get("/campaigns", params={"limit": 2, "before": page["paging"]["cursors"]["before"]}).json()
        back = [c["id"] for c in page["campaigns"]] + back
    assert back == seen[:-1]


@pytest.mark.parametrize("params,expected", [
    ({"direction": "asc"}, {"direction": "invalid"}),
    ({"page": "2", "status": "live", "channel": "fax", "type": "x", "limit": "251", "createdAtFrom": "soon",
      "nameContains": "n" * 201},
     {"page": "unknown_field", "status": "invalid_value", "channel": "invalid_value", "type": "invalid_value",
      "limit": "out_of_range", "createdAtFrom": "invalid_format", "nameContains": "out_of_range"}),
])
def test_campaign_list_parameter_rules(api, params, expected):
    assert errors(api.get("/campaigns", params=params)) == expected


def test_campaigns_need_campaigns_read(sb):
    token = oauth_token(sb, "contacts.read")["access_token"]
    client = sb.client("omnisend-api", headers={"Authorization": f"Bearer {token}"})
    assert client.get("/campaigns").status_code == 403
    token = oauth_token(sb, "campaigns.read")["access_token"]
    assert sb.client("omnisend-api", headers={"Authorization": f"Bearer {token}"}).get("/campaigns").status_code == 200
