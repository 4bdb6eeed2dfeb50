"""Klaviyo flows: create from a definition (ids, defaults, every validation rule as its own error),
revision differences, reads with filters, sparse and additional fields, includes and paging, the
status cascade, delete, flow actions and messages, rate limits and scopes."""
from __future__ import annotations

import copy
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from simulator import Sandbox
from simulator.klaviyo.flows import flows_of
from simulator.klaviyo.lists import lists_of
from simulator.klaviyo.metrics import metrics_of
from simulator.surfaces.klaviyo import _OPERATIONS
from simulator.surfaces.klaviyo.operations import table
from tests.conftest import START

OLD, MID, NEW = "2024-10-15", "2025-10-15", "2026-07-15"
ROOT = "/data/attributes/definition"


@pytest.fixture
def kl(sb):
    """The API a second apart on the clock (the flow reads allow 3 a second, 60 a minute)."""
    return sb.client("klaviyo-api", event_hooks={"request": [lambda request: sb.clock.advance(seconds=1)]})


@pytest.fixture
def account(sb):
    return sb.klaviyo_account(sb.company_id())


@pytest.fixture
def metric(sb, account):
    return metrics_of(account).named("Started Checkout", sb.clock.now()).id


@pytest.fixture
def list_id(sb, account):
    return lists_of(account).create("Newsletter", None, sb.clock.now()).id


def definition(metric_id: str, **changes) -> dict:
    """A metric-triggered flow: wait 1 h, then an email."""
    found = {"triggers": [{"type": "metric", "id": metric_id}],
             "actions": [{"temporary_id": "wait", "type": "time-delay", "links": {"next": "mail"},
                          "data": {"value": 1, "unit": "hours"}},
                         {"temporary_id": "mail", "type": "send-email", "links": {"next": None},
                          "data": {"message": {"subject_line": "Come back"}}}],
             "entry_action_id": "wait"}
    found.update(changes)
    return found


def body(found: dict, name: str = "Abandoned checkout") -> dict:
    return {"data": {"type": "flow", "attributes": {"name": name, "definition": found}}}


def create(sb, kl, found: dict, name: str = "Abandoned checkout", revision: str | None = None):
    """POST /flows 4 s later on the clock (create_flow allows 1 a second, 15 a minute)."""
    sb.clock.advance(seconds=3)
    return kl.post("/flows", json=body(found, name), headers={"revision": revision} if revision else {})


def made(sb, kl, found: dict, name: str = "Abandoned checkout") -> dict:
    response = create(sb, kl, found, name)
    assert response.status_code == 201, response.text
    return response.json()["data"]


def pointers(response) -> dict[str, str]:
    """{pointer: detail} of a 400's error objects (one object per problem)."""
    assert response.status_code == 400, response.text
    errors = response.json()["errors"]
    assert all(e["code"] == "invalid" for e in errors)
    return {e["source"]["pointer"]: e["detail"] for e in errors}


def test_create_replaces_temporary_ids_and_fills_the_defaults(sb, kl, account, metric):
    flow = made(sb, kl, definition(metric, profile_filter={"condition_groups": [{"conditions": [{
        "type": "profile-metric", "metric_id": metric, "measurement": "count",
        "measurement_filter": {"type": "numeric", "operator": "equals", "value": 0},
        "timeframe_filter": {"type": "date", "operator": "flow-start"}}]}]}))
    assert re.fullmatch(r"[0-9A-Za-z]{6}", flow["id"])
    attributes = flow["attributes"]
    assert (attributes["name"], attributes["status"], attributes["archived"], attributes["trigger_type"]) == \
        ("Abandoned checkout", "draft", False, "Metric")
    found = attributes["definition"]
    wait, mail = found["actions"]
    assert all(re.fullmatch(r"[1-9][0-9]{8}", a["id"]) and "temporary_id" not in a for a in (wait, mail))
    assert found["entry_action_id"] == wait["id"] and wait["links"] == {"next": mail["id"]}
    assert wait["data"] == {"value": 1, "unit": "hours", "timezone": "profile"}
    message = mail["data"]["message"]
    assert mail["data"]["status"] == "draft" and message["smart_sending_enabled"] is True
    assert message["transactional"] is False and message["subject_line"] == "Come back"
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{26}", message["id"])
    condition = found["profile_filter"]["condition_groups"][0]["conditions"][0]
    assert condition["timeframe_filter"]["operator"] == "flow-start"
    assert found["reentry_criteria"] is None  # the SDK's revision (2026-10-15) shows the field
    (stored,) = list(flows_of(account))  # what the flow engine reads
    assert (stored.id, stored.name, stored.status) == (flow["id"], "Abandoned checkout", "draft")
    assert stored.definition == found
    assert [(a.type, a.status) for a in stored.actions.values()] == [("time-delay", "draft"), ("send-email", "draft")]


def test_trigger_types_and_date_trigger_defaults(sb, kl, list_id):
    triggers = {"Added to List": {"type": "list", "id": list_id}, "Date Based": {
        "type": "date", "date_field_type": "profile-property", "date_profile_property": "birthday",
        "timedelta_value_before_date": 0, "trigger_time": "09:00"},
        "Price Drop": {"type": "price-drop", "trigger_filter": None, "price_drop_amount_value": 5,
                       "audience": ["viewed"]}}
    for trigger_type, trigger in triggers.items():
        flow = made(sb, kl, definition("", triggers=[trigger]))
        assert flow["attributes"]["trigger_type"] == trigger_type
    assert flow["attributes"]["definition"]["triggers"] == [trigger]  # accepted as given, structurally
    date = made(sb, kl, definition("", triggers=[triggers["Date Based"]]))["attributes"]["definition"]["triggers"][0]
    assert (date["timedelta_unit_before_date"], date["recurrence_frequency"], date["timezone"]) == \
        ("weeks", "monthly", "profile")
    sb.clock.advance(seconds=1)
    segment_id = kl.post("/segments", json={"data": {"type": "segment", "attributes": {
        "name": "Everyone", "definition": {"condition_groups": []}}}}).json()["data"]["id"]
    segment = made(sb, kl, definition("", triggers=[{"type": "segment", "id": segment_id}]))
    assert segment["attributes"]["trigger_type"] == "Added to List"


def _split(kind: str, **data) -> dict:
    return {"temporary_id": "split", "type": kind, "links": {"next_if_true": "mail", "next_if_false": None},
            "data": data}


PROPERTY = {"type": "profile-property", "property": "email", "filter": {"type": "existence", "operator": "is-set"}}
RULES = {  # name -> (change to the valid definition, the pointers of the problems it makes)
    "two triggers": (lambda d, m: d["triggers"].append({"type": "list", "id": "Lst001"}), {f"{ROOT}/triggers"}),
    "unknown metric": (lambda d, m: d["triggers"][0].update(id="NOPE00"), {f"{ROOT}/triggers/0/id"}),
    "list without id": (lambda d, m: d.update(triggers=[{"type": "list"}]), {f"{ROOT}/triggers/0/id"}),
    "unknown list": (lambda d, m: d.update(triggers=[{"type": "list", "id": "NOPE00"}]), {f"{ROOT}/triggers/0/id"}),
    "unknown segment": (lambda d, m: d.update(triggers=[{"type": "segment", "id": "NOPE00"}]),
                        {f"{ROOT}/triggers/0/id"}),
    "trigger filter on another metric": (lambda d, m: d["triggers"][0].update(trigger_filter={"condition_groups": [{
        "conditions": [{"type": "metric-property", "metric_id": "NOPE00", "field": "$value",
                        "filter": {"type": "numeric", "operator": "greater-than", "value": 50}}]}]}),
        {f"{ROOT}/triggers/0/trigger_filter/condition_groups/0/conditions/0/metric_id"}),
    "profile-metric on an unknown metric": (lambda d, m: d.update(profile_filter={"condition_groups": [{"conditions": [{
        "type": "profile-metric", "metric_id": "NOPE00", "measurement": "count",
        "measurement_filter": {"type": "numeric", "operator": "equals", "value": 0},
        "timeframe_filter": {"type": "date", "operator": "in-the-last", "unit": "day", "quantity": 7}}]}]}),
        {f"{ROOT}/profile_filter/condition_groups/0/conditions/0/metric_id"}),
    "duplicate temporary id": (lambda d, m: d["actions"][1].update(temporary_id="wait"),
                               {f"{ROOT}/actions/1/temporary_id", f"{ROOT}/actions/0/links/next"}),
    "an id on create": (lambda d, m: d["actions"][0].update(id="123"), {f"{ROOT}/actions/0/id"}),
    "no temporary id": (lambda d, m: d["actions"][1].pop("temporary_id"),
                        {f"{ROOT}/actions/1/temporary_id", f"{ROOT}/actions/0/links/next"}),
    "link to nothing": (lambda d, m: d["actions"][1].update(links={"next": "ghost"}), {f"{ROOT}/actions/1/links/next"}),
    "entry names nothing": (lambda d, m: d.update(entry_action_id="ghost"), {f"{ROOT}/entry_action_id"}),
    "no entry": (lambda d, m: d.update(entry_action_id=None), {f"{ROOT}/entry_action_id"}),
    "a loop": (lambda d, m: d["actions"][1].update(links={"next": "wait"}), {f"{ROOT}/actions/0/links"}),
    "a linear action linked as a split": (lambda d, m: d["actions"].append(
        {"temporary_id": "s", "type": "ab-test", "links": {"next_if_true": "mail"}, "data": {}}),
        {f"{ROOT}/actions/2/links/next_if_true"}),
    "unknown time zone": (lambda d, m: d["actions"][0]["data"].update(timezone="Mars/Olympus"),
                          {f"{ROOT}/actions/0/data/timezone"}),
    "time of day with hours": (lambda d, m: d["actions"][0]["data"].update(delay_until_time="25:00",
                                                                          delay_until_weekdays=["monday"]),
                               {f"{ROOT}/actions/0/data/delay_until_time",
                                f"{ROOT}/actions/0/data/delay_until_weekdays"}),
    "negative delay": (lambda d, m: d["actions"][0]["data"].update(value=-1), {f"{ROOT}/actions/0/data/value"}),
    "unit of a delay": (lambda d, m: d["actions"][0]["data"].update(unit="weeks"), {f"{ROOT}/actions/0/data/unit"}),
    "a delay without value": (lambda d, m: d["actions"][0]["data"].pop("value"), {f"{ROOT}/actions/0/data/value"}),
    "conditional split without filter": (
        lambda d, m: d["actions"].append(_split("conditional-split", profile_filter=None)),
        {f"{ROOT}/actions/2/data/profile_filter"}),
    "trigger split on another trigger": (lambda d, m: d["actions"].append(_split(
        "trigger-split", trigger_type="list", trigger_id="Lst001", trigger_filter={"condition_groups": []})),
        {f"{ROOT}/actions/2/data/trigger_id"}),
    "trigger split without filter": (lambda d, m: d["actions"].append(_split(
        "trigger-split", trigger_type="metric", trigger_id=m, trigger_filter=None)),
        {f"{ROOT}/actions/2/data/trigger_filter"}),
    "unknown action type": (lambda d, m: d["actions"][1].update(type="send-fax"), {f"{ROOT}/actions/1/type"}),
    "unknown field of an action": (lambda d, m: d["actions"][1]["data"].update(colour="red"),
                                   {f"{ROOT}/actions/1/data/colour"}),
    "operator of another filter type": (lambda d, m: d.update(profile_filter={"condition_groups": [{"conditions": [
        {**PROPERTY, "filter": {"type": "string", "operator": "greater-than", "value": "a"}}]}]}),
        {f"{ROOT}/profile_filter/condition_groups/0/conditions/0/filter/operator"}),
    "not-in-flow in a split": (lambda d, m: d["actions"].append(_split("conditional-split", profile_filter={
        "condition_groups": [{"conditions": [{"type": "profile-not-in-flow",
                                              "timeframe_filter": {"type": "date", "operator": "alltime"}}]}]})),
        {f"{ROOT}/actions/2/data/profile_filter/condition_groups/0/conditions/0/type"}),
    "re-entry all time twice": (lambda d, m: d.update(reentry_criteria={"duration": 2, "unit": "alltime"}),
                                {f"{ROOT}/reentry_criteria/duration"}),
    "no name": (lambda d, m: None, {"/data/attributes/name"}),
}


@pytest.mark.parametrize("rule", sorted(RULES))
def test_each_validation_rule_is_an_error_object_with_a_pointer(sb, kl, metric, rule):
    change, expected = RULES[rule]
    found = definition(metric)
    change(found, metric)
    sent = body(found)
    if rule == "no name":
        del sent["data"]["attributes"]["name"]
    sb.clock.advance(seconds=3)
    response = kl.post("/flows", json=sent)
    assert set(pointers(response)) == expected
    assert kl.get("/flows").json()["data"] == []


def test_every_problem_is_reported_at_once(sb, kl, metric):
    found = definition(metric, entry_action_id="ghost")
    found["triggers"][0]["id"] = "NOPE00"
    found["actions"][1]["links"]["next"] = "nowhere"
    problems = pointers(create(sb, kl, found))
    assert set(problems) == {f"{ROOT}/triggers/0/id", f"{ROOT}/actions/1/links/next", f"{ROOT}/entry_action_id"}
    assert problems[f"{ROOT}/triggers/0/id"] == "No metric with id NOPE00 exists in this account."


def test_the_condition_types_an_engine_reads_are_accepted(sb, kl, metric):
    days = {"type": "date", "operator": "in-the-last", "unit": "day", "quantity": 7}
    conditions = [PROPERTY, {"type": "profile-not-in-flow", "timeframe_filter": days},
                  {"type": "profile-marketing-consent", "consent": {"channel": "email", "can_receive_marketing": True,
                                                                    "consent_status": {"subscription": "subscribed"}}},
                  {"type": "profile-metric", "metric_id": metric, "measurement": "count",
                   "measurement_filter": {"type": "numeric", "operator": "equals", "value": 0},
                   "timeframe_filter": days, "metric_filters": [
                       {"property": "$flow", "filter": {"type": "string", "operator": "equals", "value": "XVTP5Q"}}]},
                  {"type": "profile-region", "in_region": True, "region": "united_states"}]
    found = definition(metric, profile_filter={"condition_groups": [{"conditions": [c]} for c in conditions]})
    split = _split("conditional-split", profile_filter={"condition_groups": [{"conditions": [PROPERTY]}]})
    found["actions"].insert(0, split)
    found["actions"][0]["links"]["next_if_false"] = "wait"
    found["actions"].append({"temporary_id": "tag", "type": "update-profile", "data": {"profile_operations": [
        {"operator": "update", "property_type": "string", "property_key": "stage", "property_value": "recovered"}]}})
    found["actions"][2]["links"]["next"] = "tag"
    found["entry_action_id"] = "split"
    flow = made(sb, kl, found)["attributes"]["definition"]
    assert [a["type"] for a in flow["actions"]] == ["conditional-split", "time-delay", "send-email", "update-profile"]
    assert flow["actions"][3]["data"]["status"] == "draft"


def test_reentry_criteria_exists_from_2026_07_15(sb, kl, metric):
    reentry = {"duration": 5, "unit": "day"}
    flow = made(sb, kl, definition(metric, reentry_criteria=reentry))
    assert flow["attributes"]["definition"]["reentry_criteria"] == reentry
    assert create(sb, kl, definition(metric, reentry_criteria=reentry), revision=NEW).status_code == 201
    refused = pointers(create(sb, kl, definition(metric, reentry_criteria=reentry), revision=MID))
    assert refused == {f"{ROOT}/reentry_criteria": "'reentry_criteria' is not a valid field for this resource."}
    older = kl.get(f"/flows/{flow['id']}", params={"additional-fields[flow]": "definition"}, headers={"revision": MID})
    assert "reentry_criteria" not in older.json()["data"]["attributes"]["definition"]
    assert create(sb, kl, definition(metric), revision=MID).status_code == 201


def test_create_flow_does_not_exist_in_2024_10_15(sb, kl, metric):
    response = create(sb, kl, definition(metric), revision=OLD)
    assert response.status_code == 404
    (error,) = response.json()["errors"]
    assert error["detail"] == "No valid revisions found for method"
    assert kl.get("/flows", headers={"revision": OLD}).json()["data"] == []


def test_get_and_list_with_filters(sb, kl, metric, list_id):
    first = made(sb, kl, definition(metric), "Welcome series")
    second = made(sb, kl, definition(metric), "Abandoned checkout")
    third = made(sb, kl, definition("", triggers=[{"type": "list", "id": list_id}]), "List welcome")
    assert kl.patch(f"/flows/{second['id']}", json={"data": {"type": "flow", "id": second["id"],
                                                             "attributes": {"status": "live"}}}).status_code == 200

    def names(expression: str) -> list[str]:
        response = kl.get("/flows", params={"filter": expression})
        assert response.status_code == 200, response.text
        return [f["attributes"]["name"] for f in response.json()["data"]]

    assert names(f'any(id,["{first["id"]}","{third["id"]}"])') == ["Welcome series", "List welcome"]
    assert names('contains(name,"welcome")') == ["List welcome"]
    assert names('starts-with(name,"Welcome")') == ["Welcome series"]
    assert names('ends-with(name,"checkout")') == names('equals(name,"Abandoned checkout")') == ["Abandoned checkout"]
    assert names('equals(status,"live")') == ["Abandoned checkout"]
    assert names('equals(trigger_type,"Added to List")') == ["List welcome"]
    assert names("equals(archived,false)") == ["Welcome series", "Abandoned checkout", "List welcome"]
    assert names(f"greater-than(created,{first['attributes']['created']})") == ["Abandoned checkout", "List welcome"]
    assert names(f"less-or-equal(updated,{first['attributes']['updated']})") == ["Welcome series"]
    assert names('equals(trigger_type,"Metric"),contains(name,"series")') == ["Welcome series"]
    bad = kl.get("/flows", params={"filter": 'equals(tags,"x")'})
    assert bad.status_code == 400 and bad.json()["errors"][0]["source"] == {"parameter": "filter"}
    listed = kl.get("/flows", params={"sort": "-name", "fields[flow]": "name,trigger_type"}).json()["data"]
    assert [f["attributes"] for f in listed] == [{"name": "Welcome series", "trigger_type": "Metric"},
                                                 {"name": "List welcome", "trigger_type": "Added to List"},
                                                 {"name": "Abandoned checkout", "trigger_type": "Metric"}]
    one = kl.get(f"/flows/{first['id']}").json()
    assert one["data"]["attributes"]["name"] == "Welcome series" and "definition" not in one["data"]["attributes"]
    assert one["links"]["self"] == f"http://sandbox.local/klaviyo/api/flows/{first['id']}/"
    assert kl.get("/flows/NOPE00").status_code == 404


def test_additional_fields_and_include(sb, kl, metric):
    flow = made(sb, kl, definition(metric))
    path = f"/flows/{flow['id']}"
    full = kl.get(path, params={"additional-fields[flow]": "definition"}).json()["data"]
    assert full["attributes"]["definition"] == flow["attributes"]["definition"]
    assert "definition" not in kl.get(path, params={"additional-fields[flow]": "definition"},
                                      headers={"revision": OLD}).json()["data"]["attributes"]
    bad = kl.get(path, params={"additional-fields[flow]": "tags"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["source"] == {"parameter": "additional-fields[flow]"}
    action_ids = [a["id"] for a in flow["attributes"]["definition"]["actions"]]
    compound = kl.get(path, params={"include": "flow-actions,tags"}).json()
    assert [r["id"] for r in compound["data"]["relationships"]["flow-actions"]["data"]] == action_ids
    assert compound["data"]["relationships"]["tags"]["data"] == []
    assert [(i["type"], i["id"]) for i in compound["included"]] == [("flow-action", a) for a in action_ids]
    listed = kl.get("/flows", params={"include": "flow-actions"}).json()
    assert [i["id"] for i in listed["included"]] == action_ids
    bad = kl.get(path, params={"include": "flow-messages"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["detail"] == \
        "'flow-messages' is not an allowed include parameter for this resource."


def test_paging_to_the_end(sb, kl, account, metric):
    book = flows_of(account)
    made_ids = [book.create(f"Flow {i:02}", definition(metric), sb.clock.now()).id for i in range(53)]
    first = kl.get("/flows").json()
    assert len(first["data"]) == 50 and "next" in first["links"]
    seen, response = [], kl.get("/flows", params={"page[size]": 7})
    while True:
        page = response.json()
        seen += [f["id"] for f in page["data"]]
        link = page["links"].get("next")
        if link is None:
            break
        cursor = parse_qs(urlsplit(link).query)["page[cursor]"][0]
        response = kl.get("/flows", params={"page[size]": 7, "page[cursor]": cursor})
    assert seen == made_ids
    for size in ("0", "51", "x"):
        refused = kl.get("/flows", params={"page[size]": size}).json()
        assert refused["errors"][0]["source"] == {"parameter": "page[size]"}


def test_status_update_cascades_to_every_action(sb, kl, account, metric):
    found = definition(metric)
    found["actions"][1]["data"]["status"] = "live"  # a live message in a draft flow, until the flow says otherwise
    flow = made(sb, kl, found)
    stored = flows_of(account).get(flow["id"])
    assert [a.status for a in stored.actions.values()] == ["draft", "live"]
    path = f"/flows/{flow['id']}"
    for status in ("live", "manual", "draft"):
        answer = kl.patch(path, json={"data": {"type": "flow", "id": flow["id"], "attributes": {"status": status}}})
        assert answer.status_code == 200 and answer.json()["data"]["attributes"]["status"] == status
        assert {a.status for a in stored.actions.values()} == {status}
        actions = kl.get(f"{path}/flow-actions", headers={"revision": OLD}).json()["data"]
        assert {a["attributes"]["status"] for a in actions} == {status}
    mail = kl.get(f"{path}/flow-actions", params={"filter": 'equals(action_type,"send-email")'}).json()["data"]
    assert [a["attributes"]["definition"]["data"]["status"] for a in mail] == ["draft"]
    refused = kl.patch(path, json={"data": {"type": "flow", "id": flow["id"], "attributes": {"status": "archived"}}})
    assert set(pointers(refused)) == {"/data/attributes/status"}
    clash = kl.patch(path, json={"data": {"type": "flow", "id": "OTHER1", "attributes": {"status": "live"}}})
    assert clash.status_code == 409 and clash.json()["errors"][0]["source"] == {"pointer": "/data/id"}
    assert kl.patch("/flows/NOPE00", json={"data": {"type": "flow", "id": "NOPE00",
                                                    "attributes": {"status": "live"}}}).status_code == 404


def test_delete(sb, kl, metric):
    flow = made(sb, kl, definition(metric))
    action_id = flow["attributes"]["definition"]["actions"][1]["id"]
    message_id = flow["attributes"]["definition"]["actions"][1]["data"]["message"]["id"]
    deleted = kl.delete(f"/flows/{flow['id']}")
    assert deleted.status_code == 204 and deleted.content == b""
    for path in (f"/flows/{flow['id']}", f"/flow-actions/{action_id}", f"/flow-messages/{message_id}"):
        assert kl.get(path).status_code == 404
    assert kl.delete(f"/flows/{flow['id']}").status_code == 404


def test_flow_actions_and_messages(sb, kl, metric):
    flow = made(sb, kl, definition(metric))
    wait, mail = flow["attributes"]["definition"]["actions"]
    actions = kl.get(f"/flows/{flow['id']}/flow-actions").json()["data"]
    assert [a["attributes"]["definition"] for a in actions] == [wait, mail]
    delays = kl.get(f"/flows/{flow['id']}/flow-actions", params={"filter": 'any(action_type,["time-delay"])'})
    assert [a["id"] for a in delays.json()["data"]] == [wait["id"]]
    one = kl.get(f"/flow-actions/{mail['id']}", params={"include": "flow,flow-messages"}).json()
    message_id = mail["data"]["message"]["id"]
    assert one["data"]["relationships"]["flow"]["data"] == {"type": "flow", "id": flow["id"]}
    assert [(i["type"], i["id"]) for i in one["included"]] == [("flow", flow["id"]), ("flow-message", message_id)]
    summary = kl.get(f"/flow-actions/{mail['id']}", headers={"revision": OLD}).json()["data"]["attributes"]
    assert (summary["action_type"], summary["status"]) == ("SEND_EMAIL", "draft")
    assert summary["send_options"] == {"use_smart_sending": True, "is_transactional": False}
    messages = kl.get(f"/flow-actions/{mail['id']}/flow-messages").json()["data"]
    assert [(m["id"], m["attributes"]["channel"]) for m in messages] == [(message_id, "email")]
    assert messages[0]["attributes"]["definition"] == mail["data"]["message"]
    assert kl.get(f"/flow-actions/{wait['id']}/flow-messages").json()["data"] == []
    legacy = kl.get(f"/flow-actions/{mail['id']}/flow-messages", headers={"revision": OLD}).json()["data"][0]
    assert legacy["attributes"]["name"] == "Email #1" and legacy["attributes"]["content"]["subject"] == "Come back"
    assert kl.get(f"/flow-actions/{mail['id']}/flow-messages",
                  params={"filter": 'equals(name,"Email #1")'}).json()["data"][0]["id"] == message_id
    message = kl.get(f"/flow-messages/{message_id}", params={"include": "flow-action"}).json()
    assert message["data"]["relationships"]["flow-action"]["data"]["id"] == mail["id"]
    assert message["included"][0]["id"] == mail["id"]
    assert kl.get("/flow-actions/999/flow-messages").status_code == 404


def test_the_messages_path_serves_each_revisions_operation():
    """2024-10-15 names the path get_messages_for_flow_action, later revisions get_flow_action_messages."""
    served = _OPERATIONS["klaviyo_api.get_flow_action_messages"]
    assert set(served) == {"get_flow_action_messages", "get_messages_for_flow_action"}
    revisions = {op: set(table()["operations"][op]["limits"]) for op in served}
    assert revisions == {"get_messages_for_flow_action": {OLD}, "get_flow_action_messages": {MID, NEW}}


def test_create_flow_rate_limits(sb, metric):
    kl = sb.client("klaviyo-api")
    assert kl.post("/flows", json=body(definition(metric))).status_code == 201
    burst = kl.post("/flows", json=body(definition(metric)))
    assert burst.status_code == 429 and burst.headers["Retry-After"] == "1"
    assert burst.json()["errors"][0]["code"] == "throttled"
    for _ in range(99):
        sb.clock.advance(seconds=4)  # 15 a minute at most
        assert kl.post("/flows", json=body(definition(metric))).status_code == 201
    sb.clock.advance(seconds=4)
    daily = kl.post("/flows", json=body(definition(metric)))
    assert daily.status_code == 429 and int(daily.headers["Retry-After"]) > 3600
    assert kl.get("/flows", params={"page[size]": 1}).status_code == 200  # reads keep their own limits


def test_scopes(tmp_path):
    key = "pk_" + "c" * 34
    keys = tmp_path / "keys.yaml"
    keys.write_text(f"klaviyo:\n  - key: {key}\n    company_id: AbC123\n    scopes: [flows:read]\n")
    sandbox = Sandbox(start=START, keys=keys)
    client = sandbox.client("klaviyo-api", key=key)
    refused = client.post("/flows", json=body(definition("x")))
    assert refused.status_code == 403 and "flows:write" in refused.json()["errors"][0]["detail"]
    assert client.get("/flows").status_code == 200
    assert client.delete("/flows/NOPE00").status_code == 403


def test_definitions_are_stored_apart_from_the_request(sb, kl, account, metric):
    sent = definition(metric)
    kept = copy.deepcopy(sent)
    flows_of(account).create("Direct", sent, sb.clock.now())
    assert sent == kept
