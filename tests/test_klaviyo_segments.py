"""Klaviyo segments: the evaluator condition by condition (groups AND-ed, conditions OR-ed), membership
kept current as profiles, events, consent and lists change and as the clock sweeps, the membership
reads over HTTP, the 400 for what the sandbox does not evaluate, and, through the official SDK, a
segment-triggered flow firing for profiles that qualify later."""
from __future__ import annotations

import datetime as _dt

import pytest

from simulator import Sandbox
from simulator.klaviyo.consent import Consent
from simulator.klaviyo.events import Event, events_of
from simulator.klaviyo.lists import lists_of
from simulator.klaviyo.metrics import metrics_of
from simulator.klaviyo.profiles import profiles_of
from simulator.klaviyo.resources import resources_of
from simulator.klaviyo.segments import SegmentChange, qualifies, segment_members, segments_of_profile
from simulator.server import LiveServer
from tests.conftest import START
from tests.klaviyo_bodies import account, heard, kl, members, new_list, new_profile  # noqa: F401 (fixtures)

klaviyo_api = pytest.importorskip("klaviyo_api", reason="the test extras install klaviyo-api")


def prop(name: str, operator: str, value=None, kind: str = "string") -> dict:
    return {"type": "profile-property", "property": name, "filter": {"type": kind, "operator": operator, "value": value}}


def counted(metric_id: str, operator: str, value, timeframe: dict | None = None, measurement: str = "count",
            **more) -> dict:
    return {"type": "profile-metric", "metric_id": metric_id, "measurement": measurement,
            "measurement_filter": {"type": "numeric", "operator": operator, "value": value},
            "timeframe_filter": timeframe or {"type": "date", "operator": "alltime"}, **more}


def last(quantity: int, unit: str = "day") -> dict:
    return {"type": "date", "operator": "in-the-last", "quantity": quantity, "unit": unit}


def definition(*groups: list[dict]) -> dict:
    return {"condition_groups": [{"conditions": list(group)} for group in groups]}


def segment(account, definition_: dict, now, name: str = "Segment") -> str:
    return resources_of(account).create("segment", {"name": name, "definition": definition_}, {}, now).id


def record(account, profile_id: str, metric: str, at: _dt.datetime, value: float | None = None, **properties) -> None:
    found = metrics_of(account).named(metric, at)
    events_of(account).record(Event(account.ids.next("event", "base62_11"), account.ids.next("event-uuid", "uuid"),
                                    profile_id, found.id, found.name, at, properties, value, None, at.isoformat(),
                                    False, at, at, "api"))


@pytest.fixture
def now(sb):
    return sb.clock.now()


@pytest.fixture
def ann(account, now):
    return profiles_of(account).create({"email": "ann@example.com", "properties": {"tier": "gold", "tags": ["a", "b"]},
                                        "location": {"city": "Boston", "country": "United States"}}, now)


# -- the evaluator, one condition type at a time --------------------------------------------------


def test_profile_properties_and_location(account, ann, now):
    holds = lambda *conditions: qualifies(account, definition(conditions), ann, now)  # noqa: E731
    assert holds(prop("properties['tier']", "equals", "gold"))
    assert not holds(prop("properties['tier']", "equals", "silver"))
    assert holds(prop("location['city']", "in", ["Boston", "Austin"]))
    assert holds(prop("email", "ends-with", "@example.com"))
    assert holds(prop("properties['tags']", "contains-all", ["a", "b"], kind="list"))
    assert not holds(prop("properties['tags']", "contains-any", ["z"], kind="list"))
    assert holds(prop("properties['tags']", "length-equals", 2, kind="list"))
    assert holds(prop("properties['missing']", "not-set", kind="existence"))
    assert holds({"type": "profile-region", "in_region": True, "region": "united_states"})
    assert holds({"type": "profile-region", "in_region": False, "region": "european_union"})


def test_a_date_property_counts_from_now(account, now):
    profile = profiles_of(account).create({"email": "d@example.com", "properties": {
        "renewal": (now + _dt.timedelta(days=3)).isoformat()}}, now)
    soon = {"type": "profile-property", "property": "properties['renewal']",
            "filter": {"type": "date", "operator": "in-the-next", "quantity": 7, "unit": "day"}}
    assert qualifies(account, definition([soon]), profile, now)
    assert not qualifies(account, definition([soon]), profile, now + _dt.timedelta(days=4))


def test_metric_count_and_sum_with_property_filters_and_timeframes(account, ann, now):
    order = metrics_of(account).named("Placed Order", now).id
    record(account, ann.id, "Placed Order", now - _dt.timedelta(days=10), 30.0, brand="Acme")
    record(account, ann.id, "Placed Order", now - _dt.timedelta(hours=2), 20.0, brand="Other")
    holds = lambda condition: qualifies(account, definition([condition]), ann, now)  # noqa: E731
    assert holds(counted(order, "equals", 2))
    assert holds(counted(order, "equals", 1, last(1)))
    assert holds(counted(order, "greater-than-or-equal", 50, measurement="sum"))
    assert holds(counted(order, "equals", 20, last(1), measurement="sum"))
    assert holds(counted(order, "equals", 1, metric_filters=[
        {"property": "brand", "filter": {"type": "string", "operator": "equals", "value": "Acme"}}]))
    assert holds(counted(order, "equals", 1, {"type": "date", "operator": "at-least", "quantity": 7, "unit": "day"}))
    assert holds(counted(order, "equals", 1, {"type": "date", "operator": "between", "start": 7, "end": 14,
                                              "unit": "day"}))
    assert holds(counted(order, "equals", 0, {"type": "date", "operator": "before",
                                              "date": (now - _dt.timedelta(days=30)).isoformat()}))


def test_consent_per_channel(account, ann, now):
    holds = lambda channel, can, status="any": qualifies(account, definition([{  # noqa: E731
        "type": "profile-marketing-consent", "consent": {"channel": channel, "can_receive_marketing": can,
                                                         "consent_status": {"subscription": status}}}]), ann, now)
    assert holds("email", True, "never_subscribed") and not holds("email", True, "subscribed")  # Klaviyo mails them
    assert not holds("sms", True) and holds("sms", False)
    ann.consent["sms.marketing"] = Consent("SUBSCRIBED", now, now)
    ann.consent["email.marketing"] = Consent("UNSUBSCRIBED", now, now)
    assert holds("sms", True, "subscribed") and holds("email", False, "unsubscribed") and not holds("email", True)


def test_list_and_segment_membership(account, ann, now):
    vip = lists_of(account).create("VIP", None, now).id
    in_vip = {"type": "profile-group-membership", "is_member": True, "group_ids": [vip]}
    golden = segment(account, definition([prop("properties['tier']", "equals", "gold")]), now)
    in_golden = {"type": "profile-group-membership", "is_member": True, "group_ids": [golden]}
    assert not qualifies(account, definition([in_vip]), ann, now)
    assert qualifies(account, definition([in_golden]), ann, now)
    assert qualifies(account, definition([{**in_vip, "is_member": False}]), ann, now)
    lists_of(account).add(vip, [ann.id], now)
    assert qualifies(account, definition([in_vip]), ann, now)
    recent = {**in_vip, "timeframe_filter": last(1, "hour")}
    assert not qualifies(account, definition([recent]), ann, now + _dt.timedelta(hours=2))


def test_groups_are_anded_and_conditions_in_a_group_ored(account, ann, now):
    gold, silver = prop("properties['tier']", "equals", "gold"), prop("properties['tier']", "equals", "silver")
    paris = prop("location['city']", "equals", "Paris")
    assert qualifies(account, definition([silver, gold]), ann, now)  # OR inside a group
    assert not qualifies(account, definition([gold], [paris]), ann, now)  # AND between groups
    assert qualifies(account, definition([gold], [paris, silver, prop("location['city']", "equals", "Boston")]),
                     ann, now)


# -- membership kept current ----------------------------------------------------------------------


def test_membership_follows_profile_changes_and_events(sb, account, now, heard):
    order = metrics_of(account).named("Placed Order", now).id
    buyers = segment(account, definition([counted(order, "greater-than-or-equal", 2)],
                                         [prop("properties['tier']", "equals", "gold")]), now)
    bob = profiles_of(account).create({"email": "bob@example.com", "properties": {"tier": "gold"}}, now)
    record(account, bob.id, "Placed Order", now)
    assert segment_members(account, buyers) == []
    record(account, bob.id, "Placed Order", now + _dt.timedelta(minutes=1))
    assert segment_members(account, buyers) == [bob.id] and segments_of_profile(account, bob.id) == [buyers]
    profiles_of(account).update(bob.id, {"properties": {"tier": "silver"}}, now + _dt.timedelta(minutes=2))
    assert segment_members(account, buyers) == []
    changes = [h for h in heard if isinstance(h, SegmentChange)]
    assert [(c.profile_id, c.added, c.at - now) for c in changes] == [
        (bob.id, True, _dt.timedelta(minutes=1)), (bob.id, False, _dt.timedelta(minutes=2))]


def test_a_time_window_expires_on_the_sweep(sb, account, now):
    sb.settings.update({"klaviyo_segment_sweep_seconds": 600})
    order = metrics_of(account).named("Placed Order", now).id
    recent = segment(account, definition([counted(order, "greater-than", 0, last(1))]), now)
    ann = profiles_of(account).create({"email": "ann@example.com"}, now)
    record(account, ann.id, "Placed Order", now)
    assert segment_members(account, recent) == [ann.id]
    sb.clock.advance(hours=23, minutes=59)
    assert segment_members(account, recent) == [ann.id]
    sb.clock.advance(minutes=11)  # the window closed at 24 h; the next sweep (every 10 min) sees it
    assert segment_members(account, recent) == []


def test_a_segment_of_a_segment_settles_and_deleting_empties_it(account, ann, now):
    gold = segment(account, definition([prop("properties['tier']", "equals", "gold")]), now)
    not_gold = segment(account, definition([{"type": "profile-group-membership", "is_member": False,
                                             "group_ids": [gold]}]), now)
    assert segments_of_profile(account, ann.id) == [gold]
    profiles_of(account).update(ann.id, {"properties": {"tier": "bronze"}}, now)
    assert segments_of_profile(account, ann.id) == [not_gold]
    resources_of(account).delete("segment", not_gold)
    assert segments_of_profile(account, ann.id) == []


# -- over HTTP ------------------------------------------------------------------------------------


def create_segment(kl, definition_: dict, name: str = "Segment"):
    return kl.post("/segments", json={"data": {"type": "segment", "attributes": {"name": name,
                                                                                "definition": definition_}}})


def test_membership_reads_over_http(sb, kl):
    news = new_list(kl)
    made = create_segment(kl, definition([{"type": "profile-group-membership", "is_member": True,
                                           "group_ids": [news]}]))
    assert made.status_code == 201, made.text
    seg = made.json()["data"]["id"]
    ann, bob = new_profile(kl, "ann@example.com"), new_profile(kl, "bob@example.com")
    sb.clock.advance(minutes=1)
    assert kl.post(f"/lists/{news}/relationships/profiles", json=members(bob, ann)).status_code == 204
    listed = kl.get(f"/segments/{seg}/profiles").json()["data"]
    assert [p["id"] for p in listed] == [bob, ann] and listed[0]["attributes"]["joined_group_at"] == "2026-11-02T10:01:00Z"
    one = kl.get(f"/segments/{seg}/relationships/profiles", params={"filter": 'equals(email,"ann@example.com")'})
    assert one.json()["data"] == [{"type": "profile", "id": ann}]
    assert [s["id"] for s in kl.get(f"/profiles/{ann}/segments").json()["data"]] == [seg]
    assert kl.get(f"/profiles/{ann}/relationships/segments").json()["data"] == [{"type": "segment", "id": seg}]
    counted_ = kl.get(f"/segments/{seg}", params={"additional-fields[segment]": "profile_count"}).json()["data"]
    assert counted_["attributes"]["profile_count"] == 2
    assert "profile_count" not in kl.get(f"/segments/{seg}").json()["data"]["attributes"]
    assert kl.get("/segments/nope/profiles").status_code == 404


def test_what_the_sandbox_does_not_evaluate_is_refused(sb, kl):
    near = {"type": "profile-postal-code-distance", "country_code": "US", "postal_code": "02110", "unit": "miles",
            "filter": {"type": "numeric", "operator": "less-than", "value": 5}}
    birthday = {"type": "profile-property", "property": "properties['birthday']",
                "filter": {"type": "date", "operator": "anniversary"}}
    refused = create_segment(kl, definition([near], [birthday, {"type": "profile-group-membership",
                                                                "is_member": True, "group_ids": ["XyZ123"]}]))
    assert refused.status_code == 400
    assert [e["source"]["pointer"] for e in refused.json()["errors"]] == [
        "/data/attributes/definition/condition_groups/0/conditions/0/type",
        "/data/attributes/definition/condition_groups/1/conditions/0/filter/operator",
        "/data/attributes/definition/condition_groups/1/conditions/1/group_ids/0"]
    assert kl.get("/segments").json()["data"] == []
    sb.clock.advance(seconds=5)
    seg = create_segment(kl, definition([prop("email", "is-set", kind="existence")])).json()["data"]["id"]
    sb.clock.advance(seconds=5)
    patched = kl.patch(f"/segments/{seg}", json={"data": {"type": "segment", "id": seg,
                                                          "attributes": {"definition": definition([near])}}})
    assert patched.status_code == 400
    assert kl.get(f"/segments/{seg}").json()["data"]["attributes"]["definition"] == definition(
        [prop("email", "is-set", kind="existence")])


# -- a segment-triggered flow, through the official SDK ---------------------------------------------


@pytest.fixture
def server():
    running = LiveServer(Sandbox(seed=7, start=START)).start()
    yield running
    running.stop()


def test_a_segment_triggered_flow_fires_on_profiles_that_qualify_later(server):
    sandbox = server.sandbox
    k = klaviyo_api.KlaviyoAPI(sandbox.test_keys()["klaviyo"], max_delay=0.2, max_retries=3,
                               test_host=f"{server.url}/klaviyo")

    def order(email: str) -> None:
        k.Events.create_event({"data": {"type": "event", "attributes": {
            "properties": {"$value": 25}, "metric": {"data": {"type": "metric", "attributes": {"name": "Placed Order"}}},
            "profile": {"data": {"type": "profile", "attributes": {"email": email}}}}}})
        sandbox.clock.advance(seconds=2)  # processed

    ann = k.Profiles.create_profile({"data": {"type": "profile", "attributes": {
        "email": "ann@example.com", "properties": {"tier": "gold"}}}}).data.id
    bob = k.Profiles.create_profile({"data": {"type": "profile", "attributes": {
        "email": "bob@example.com", "properties": {"tier": "silver"}}}}).data.id
    order("ann@example.com")
    (metric,) = k.Metrics.get_metrics().data
    # repeat gold buyers: two orders in the last day, AND gold tier
    seg = k.Segments.create_segment({"data": {"type": "segment", "attributes": {"name": "Repeat gold buyers",
                                                                                "definition": definition(
        [counted(metric.id, "greater-than-or-equal", 2, last(1))], [prop("properties['tier']", "equals", "gold")])}}})
    seg_id = seg.data.id
    sandbox.clock.advance(seconds=2)
    flow = k.Flows.create_flow({"data": {"type": "flow", "attributes": {"name": "Welcome VIP", "definition": {
        "triggers": [{"type": "segment", "id": seg_id}], "entry_action_id": "mail",
        "actions": [{"temporary_id": "mail", "type": "send-email", "links": {"next": None},
                     "data": {"message": {"subject_line": "You are a VIP"}}}]}}}}).data.id
    sandbox.clock.advance(seconds=2)
    k.Flows.update_flow(flow, {"data": {"type": "flow", "id": flow, "attributes": {"status": "live"}}})
    assert k.Segments.get_profiles_for_segment(seg_id).data == [] and sandbox.outbox(vendor="klaviyo") == []

    order("ann@example.com")  # ann's second order: she qualifies
    order("bob@example.com")
    order("bob@example.com")  # bob has two orders but is silver
    assert [p.id for p in k.Segments.get_profiles_for_segment(seg_id).data] == [ann]
    sandbox.clock.advance(minutes=1)
    k.Profiles.update_profile(bob, {"data": {"type": "profile", "id": bob, "attributes": {
        "properties": {"tier": "gold"}}}})  # bob qualifies by a property change
    assert [p.id for p in k.Segments.get_profiles_for_segment(seg_id).data] == [ann, bob]
    assert [s.id for s in k.Profiles.get_segments_for_profile(bob).data] == [seg_id]
    sent = sandbox.outbox(vendor="klaviyo")
    assert [(m["recipient"], m["subject"]) for m in sent] == [("ann@example.com", "You are a VIP"),
                                                               ("bob@example.com", "You are a VIP")]

    sandbox.clock.advance(days=1, hours=1)  # their orders leave the one-day window: the sweep moves them out
    assert k.Segments.get_profile_ids_for_segment(seg_id).data == []
    count = k.Segments.get_segment(seg_id, additional_fields_segment=["profile_count"]).data.attributes.profile_count
    assert count == 0
    order("ann@example.com")
    order("ann@example.com")  # ann qualifies again; a segment flow takes a profile once
    assert [p.id for p in k.Segments.get_profiles_for_segment(seg_id).data] == [ann]
    runs = sandbox.runs(vendor="klaviyo", recipient="ann@example.com")
    assert [r["status"] for r in runs] == ["completed", "not_entered"] and "re-entry" in runs[1]["reason"]
    assert len(sandbox.outbox(vendor="klaviyo")) == 2


def test_a_flow_filter_tests_segment_membership(sb, kl, account, now):
    golden = segment(account, definition([prop("properties['tier']", "equals", "gold")]), now)
    started = metrics_of(account).named("Started Checkout", now).id
    flow = kl.post("/flows", json={"data": {"type": "flow", "attributes": {"name": "Gold only", "definition": {
        "triggers": [{"type": "metric", "id": started}], "entry_action_id": "mail",
        "profile_filter": definition([{"type": "profile-group-membership", "is_member": True, "group_ids": [golden]}]),
        "actions": [{"temporary_id": "mail", "type": "send-email", "links": {"next": None},
                     "data": {"message": {"subject_line": "For gold"}}}]}}}})
    assert flow.status_code == 201, flow.text
    flow_id = flow.json()["data"]["id"]
    sb.clock.advance(seconds=1)
    kl.patch(f"/flows/{flow_id}", json={"data": {"type": "flow", "id": flow_id, "attributes": {"status": "live"}}})
    for who, tier in (("gold@example.com", "gold"), ("plain@example.com", "plain")):
        kl.post("/events", json={"data": {"type": "event", "attributes": {
            "properties": {}, "metric": {"data": {"type": "metric", "attributes": {"name": "Started Checkout"}}},
            "profile": {"data": {"type": "profile", "attributes": {"email": who, "properties": {"tier": tier}}}}}}})
    sb.clock.advance(seconds=2)
    assert [m["recipient"] for m in sb.outbox(vendor="klaviyo")] == ["gold@example.com"]
    refused = sb.runs(vendor="klaviyo", recipient="plain@example.com")[0]
    assert refused["status"] == "not_entered" and "profile filter" in refused["reason"]


def test_a_restored_snapshot_keeps_members_and_the_pending_sweep():
    sb = Sandbox(seed=7, start=START)
    account = sb.klaviyo_account(sb.company_id())
    now = sb.clock.now()
    order = metrics_of(account).named("Placed Order", now).id
    recent = segment(account, definition([counted(order, "greater-than", 0, last(1))]), now)
    ann = profiles_of(account).create({"email": "ann@example.com"}, now)
    record(account, ann.id, "Placed Order", now)
    sim = sb.client("sim")
    assert sim.post("/snapshots", json={"name": "s"}).status_code == 201
    sb.clock.advance(days=1, hours=1)
    assert segment_members(account, recent) == []
    assert sim.post("/snapshots/s/restore").status_code == 200
    restored = sb.klaviyo_account(sb.company_id())
    assert segment_members(restored, recent) == [ann.id]
    sb.clock.advance(days=1, hours=1)
    assert segment_members(restored, recent) == []
