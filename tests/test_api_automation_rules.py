"""The Automations API's validation rules: blocks, triggers, exit conditions and settings; every
problem of a request is reported at once."""
from __future__ import annotations

import pytest

from tests.automation_bodies import automation, create, delay, email, errors, push, sms, split, tag

BRAND_EVENT_TIME = "2026-11-02T09:00:00Z"


def brand_of(sb, api):
    return sb.omnisend_brand(api.get("/brands/current").json()["brandID"])


def record(sb, api, name, origin="api", **properties):
    from simulator.core.timefmt import parse_instant
    brand_of(sb, api).record_event("contact-1", name, origin, properties, parse_instant(BRAND_EVENT_TIME))


def opened(value):
    return {"type": "message", "field": "blockID", "operator": "openedEmail", "value": value}


# -- blocks ------------------------------------------------------------------------------------

def test_each_block_carries_exactly_its_own_configuration(api):
    wrong_key = {"temporaryID": "d", "type": "delay", "action": {"type": "addTag", "addTag": {"value": "x"}}}
    two = {**delay("two"), "split": {"filterGroup": {"logicalOperator": "and", "filters": [opened("m")]}}}
    flat_action = {"temporaryID": "flat", "type": "action", "action": {"type": "sendPush", "title": "T"}}
    other_action = {"temporaryID": "other", "type": "action", "action": {"type": "addTag", "removeTag": {"value": "x"}}}
    got = errors(api.post("/automations", json=automation(blocks=[wrong_key, two, flat_action, other_action, tag()])))
    assert got == {"blocks.2.action.title": "unknown_field"}  # the schema speaks first
    got = errors(api.post("/automations", json=automation(blocks=[wrong_key, two, other_action, tag()])))
    assert got == {"blocks.0.action": "invalid", "blocks.0.delay": "required", "blocks.1.split": "invalid",
                   "blocks.2.action.removeTag": "invalid", "blocks.2.action.addTag": "required"}


def test_temporary_ids_are_unique_and_short(api):
    assert errors(api.post("/automations", json=automation(blocks=[delay("x" * 37), email()]))) == {
        "blocks.0.temporaryID": "out_of_range"}
    assert errors(api.post("/automations", json=automation(blocks=[delay("same"), email("same")]))) == {
        "blocks.1.temporaryID": "duplicate"}
    assert errors(api.post("/automations", json=automation(blocks=[]))) == {"blocks": "out_of_range"}


def test_a_delay_cannot_end_a_sequence(api):
    assert errors(api.post("/automations", json=automation(blocks=[email(), delay()]))) == {"blocks.1": "invalid"}
    in_branch = split("s", [opened("m")], [tag("t"), delay("d1")])
    assert errors(api.post("/automations", json=automation(blocks=[email("m"), in_branch]))) == {
        "blocks.1.split.trueBlocks.1": "invalid"}
    # ...unless sibling blocks follow the split: the branches re-converge on them
    create(api, automation(blocks=[email("m"), split("s", [opened("m")], [tag("t"), delay("d1")]), tag("after")]))
    ab = {"temporaryID": "ab", "type": "abTesting", "abTesting": {"aBlocksPercentage": 30, "aBlocks": [delay("d2")]}}
    create(api, automation(blocks=[ab, email()]))
    assert errors(api.post("/automations", json=automation(blocks=[email(), ab]))) == {"blocks.1.abTesting.aBlocks.0": "invalid"}
    # a nested branch continues into its enclosing split's siblings
    inner = split("inner", [opened("m")], [delay("d3")])
    create(api, automation(blocks=[email("m"), split("outer", [opened("m")], [inner]), tag("after")]))


def test_splits_and_ab_tests_need_a_non_empty_branch(api):
    empty = split("s", [opened("m")], [], [])
    ab = {"temporaryID": "ab", "type": "abTesting", "abTesting": {"aBlocksPercentage": 101}}
    assert errors(api.post("/automations", json=automation(blocks=[email("m"), ab]))) == {
        "blocks.1.abTesting.aBlocksPercentage": "out_of_range"}
    ab["abTesting"]["aBlocksPercentage"] = 0
    assert errors(api.post("/automations", json=automation(blocks=[email("m"), empty, ab]))) == {
        "blocks.1.split": "invalid", "blocks.2.abTesting": "invalid"}
    no_filters = split("s", [], [tag()])
    assert errors(api.post("/automations", json=automation(blocks=[no_filters]))) == {
        "blocks.0.split.filterGroup.filters": "out_of_range"}


def test_message_filters_reference_send_blocks_above_the_split(api):
    body = automation(blocks=[
        email("m1"), sms("s1"), tag("t1"),
        split("x", [opened("m1"), {"type": "message", "field": "blockID", "operator": "clickedSms", "value": "s1",
                                   "urlMatch": {"operator": "any"}}], [email("inside")], [tag("no")]),
        split("y", [opened("m2"), opened("t1"), opened("s1"), opened("inside"), opened("nope"),
                    {"type": "message", "field": "blockID", "operator": "clickedEmail", "value": "m1",
                     "urlMatch": {"operator": "is"}},
                    {"type": "message", "field": "id", "operator": "openedEmail", "value": "m1",
                     "urlMatch": {"operator": "any"}},
                    {"type": "message", "field": "blockID", "operator": "viewedEmail", "value": "m1"}],
              [tag("t2")]),
        email("m2"),
    ])
    got = errors(api.post("/automations", json=body))
    assert got == {"blocks.4.split.filterGroup.filters.0.value": "invalid",  # below the split
                   "blocks.4.split.filterGroup.filters.1.value": "invalid",  # not a send block
                   "blocks.4.split.filterGroup.filters.2.value": "invalid",  # an SMS block for openedEmail
                   "blocks.4.split.filterGroup.filters.4.value": "invalid",  # unknown
                   "blocks.4.split.filterGroup.filters.5.urlMatch.value": "required",
                   "blocks.4.split.filterGroup.filters.6.field": "invalid_value",
                   "blocks.4.split.filterGroup.filters.6.urlMatch": "invalid",  # not for opened filters
                   "blocks.4.split.filterGroup.filters.7.operator": "invalid_value"}
    body["blocks"][4]["split"]["filterGroup"]["filters"] = [opened("inside"), opened("m1")]  # a converged branch is above
    created = create(api, body)
    first, _, _, fork, second, _ = created["blocks"]
    assert [f["value"] for f in second["split"]["filterGroup"]["filters"]] == [
        fork["split"]["trueBlocks"][0]["id"], first["id"]]


def test_split_event_and_contact_filters(sb, api):
    record(sb, api, "placed order", totalPrice=50.0, currency="EUR")
    body = automation(blocks=[split("x", [
        {"type": "event", "field": "totalPrice", "operator": "gte", "value": "50"},
        {"type": "event", "field": "currency", "operator": "gt", "value": 3},
        {"type": "event", "field": "currency", "operator": "eq", "value": "EUR", "urlMatch": {"operator": "any"}},
        {"type": "event", "field": "totalPrice", "operator": "near", "value": 1},
        {"type": "contact", "field": "gender", "operator": "neq", "value": "m"},
        {"type": "contact", "field": "shoeSize", "operator": "eq", "value": "42"},
        {"type": "contact", "field": "tag", "operator": "eq", "value": 7},
    ], [tag()])])
    got = errors(api.post("/automations", json=body))
    assert got == {"blocks.0.split.filterGroup.filters.0.value": "invalid_type",
                   "blocks.0.split.filterGroup.filters.1.operator": "invalid",
                   "blocks.0.split.filterGroup.filters.2.urlMatch": "invalid",
                   "blocks.0.split.filterGroup.filters.3.operator": "invalid_value",
                   "blocks.0.split.filterGroup.filters.4.operator": "invalid_value",
                   "blocks.0.split.filterGroup.filters.5.field": "invalid_value",
                   "blocks.0.split.filterGroup.filters.6.value": "invalid_type"}


def test_action_rules(api):
    mail = email("m")
    mail["action"]["sendEmail"].update(language="english", senderEmail="not-an-email", subject=" ")
    text = sms("s")
    text["action"]["sendSms"]["compliance"] = {"isStopKeywordIncluded": True, "unsubscribeLinkText": "Unsubscribe"}
    hook = {"temporaryID": "h", "type": "action", "action": {"type": "sendWebhook", "sendWebhook": {
        "callbackUrl": "http://hooks.example", "body": "{}", "headers": [{"key": "", "value": "v"}]}}}
    note = push("p")
    note["action"]["sendPush"]["clickUrl"] = "shop.example"
    got = errors(api.post("/automations", json=automation(blocks=[mail, text, hook, note, tag("t", " ")])))
    assert got == {"blocks.0.action.sendEmail.language": "invalid_format",
                   "blocks.0.action.sendEmail.senderEmail": "invalid_format",
                   "blocks.0.action.sendEmail.subject": "required",
                   "blocks.1.action.sendSms.compliance.stopKeywordText": "required",
                   "blocks.1.action.sendSms.compliance.unsubscribeLinkText": "invalid",
                   "blocks.2.action.sendWebhook.callbackUrl": "invalid_format",
                   "blocks.2.action.sendWebhook.headers.0.key": "required",
                   "blocks.3.action.sendPush.clickUrl": "invalid_format",
                   "blocks.4.action.addTag.value": "required"}
    assert errors(api.post("/automations", json=automation(blocks=[email("m", template=None)]))) == {
        "blocks.0.action.sendEmail.templateID": "required"}
    long_message = sms("s2")
    long_message["action"]["sendSms"]["message"] = "x" * 1601
    assert errors(api.post("/automations", json=automation(blocks=[long_message]))) == {
        "blocks.0.action.sendSms.message": "out_of_range"}


def test_action_defaults_are_filled_in(api):
    created = create(api, blocks=[delay(), sms(), push(), tag(value="VIP-Customer")])
    _, text, note, label = created["blocks"]
    assert text["action"]["sendSms"] == {
        "message": "Hi [[contact.first_name]]", "isLinkShorteningEnabled": True, "isSkipAllowed": True,
        "compliance": {"isStopKeywordIncluded": True, "isUnsubscribeLinkIncluded": True,
                       "stopKeywordText": "Reply STOP to opt out", "unsubscribeLinkText": "Bye [[unsubscribe_link]]"}}
    assert note["action"]["sendPush"]["isSkipAllowed"] is True
    assert label["action"]["addTag"] == {"value": "vip-customer"}


def test_delay_modes(api):
    def with_delay(config):
        return automation(blocks=[{"temporaryID": "d", "type": "delay", "delay": config}, tag()])

    got = errors(api.post("/automations", json=with_delay({"mode": "duration"})))
    assert got == {"blocks.0.delay.duration": "required"}
    got = errors(api.post("/automations", json=with_delay({"mode": "specificTime", "time": "25:00",
                                                           "duration": {"amount": 0, "units": "h"},
                                                           "allowedWeekdays": ["monday", "monday"]})))
    assert got == {"blocks.0.delay.time": "invalid_format", "blocks.0.delay.duration": "invalid",
                   "blocks.0.delay.allowedWeekdays.1": "duplicate"}
    got = errors(api.post("/automations", json=with_delay({"mode": "immediate", "time": "09:30", "allowedWeekdays": []})))
    assert got == {"blocks.0.delay.time": "invalid", "blocks.0.delay.allowedWeekdays": "out_of_range"}
    assert errors(api.post("/automations", json=with_delay({"mode": "duration", "duration": {"amount": 0, "units": "M"}}))) \
        == {"blocks.0.delay.duration.amount": "out_of_range"}
    created = create(api, with_delay({"mode": "specificTime", "time": "09:30", "allowedWeekdays": ["friday"]}))
    assert created["blocks"][0]["delay"] == {"mode": "specificTime", "time": "09:30", "allowedWeekdays": ["friday"]}


# -- triggers ----------------------------------------------------------------------------------

def test_trigger_event_is_required(api):
    body = automation()
    body["trigger"]["condition"] = {"origin": "api"}
    assert errors(api.post("/automations", json=body)) == {"trigger.condition.event": "required"}
    body["trigger"]["condition"] = {"event": "  "}
    assert errors(api.post("/automations", json=body)) == {"trigger.condition.event": "required"}


def test_origin_rules(sb, api):
    body = automation(event="birthday")
    body["trigger"]["condition"]["origin"] = "api"
    assert errors(api.post("/automations", json=body)) == {"trigger.condition.origin": "invalid"}
    assert "origin" not in create(api, event="subscribed to marketing")["trigger"]["condition"]
    assert create(api, event="clicked message")["trigger"]["condition"]["origin"] == "omnisend"
    assert create(api, event="never sent")["trigger"]["condition"]["origin"] == "api"  # the Events API's default
    body = automation(event="never sent")
    body["trigger"]["condition"]["origin"] = "shopify"
    assert create(api, body)["trigger"]["condition"]["origin"] == "shopify"
    record(sb, api, "placed order", origin="shopify")
    assert create(api, event="placed order")["trigger"]["condition"]["origin"] == "shopify"  # auto-selected
    record(sb, api, "placed order", origin="api")
    assert errors(api.post("/automations", json=automation(event="placed order"))) == {
        "trigger.condition.origin": "required"}
    body = automation(event="placed order")
    body["trigger"]["condition"]["origin"] = "woocommerce"
    assert errors(api.post("/automations", json=body)) == {"trigger.condition.origin": "invalid_value"}
    body["trigger"]["condition"]["origin"] = "api"
    assert create(api, body)["trigger"]["condition"]["origin"] == "api"


def group(*filters):
    return {"logicalOperator": "and", "filters": list(filters)}


def test_trigger_filter_values_match_the_property_type(sb, v3, api):
    body = automation(event="placed order")
    body["trigger"]["condition"]["filterGroups"] = [
        group({"field": "totalPrice", "operator": "gte", "value": "50"},  # documented as a number
              {"field": "currency", "operator": "eq", "value": 5},
              {"field": "currency", "operator": "exists", "value": "EUR"},
              {"field": "currency", "operator": "in", "value": "EUR"},
              {"field": "currency", "operator": "eq"},
              {"field": "currency", "operator": "contains", "value": ["E"]}),
        group()]
    got = errors(api.post("/automations", json=body))
    assert got == {"trigger.condition.filterGroups.0.filters.0.value": "invalid_type",
                   "trigger.condition.filterGroups.0.filters.1.value": "invalid_type",
                   "trigger.condition.filterGroups.0.filters.2.value": "invalid",
                   "trigger.condition.filterGroups.0.filters.3.value": "invalid_type",
                   "trigger.condition.filterGroups.0.filters.4.value": "required",
                   "trigger.condition.filterGroups.0.filters.5.value": "invalid_type",
                   "trigger.condition.filterGroups.1.filters": "out_of_range"}
    assert "Type mismatch" in api.post("/automations", json=body).json()["errors"][0]["message"]
    body["trigger"]["condition"]["filterGroups"] = [group({"field": "totalPrice", "operator": "gte", "value": 50},
                                                          {"field": "currency", "operator": "in", "value": ["EUR", "USD"]},
                                                          {"field": "note", "operator": "notExists"})]
    assert create(api, body)["trigger"]["condition"]["filterGroups"] == body["trigger"]["condition"]["filterGroups"]


def test_filter_types_come_from_custom_event_fields_and_recorded_events(sb, api):
    sb.add_omnisend_event(brand_of(sb, api).id, systemName="quiz-done",
                          fields=[{"systemName": "score", "type": "integer"}])
    record(sb, api, "review left", stars=5, text="great", tags=["a"])
    for event, field, value in (("quiz-done", "score", "10"), ("review left", "stars", "5"), ("review left", "text", 1)):
        body = automation(event=event)
        body["trigger"]["condition"]["filterGroups"] = [group({"field": field, "operator": "eq", "value": value})]
        assert errors(api.post("/automations", json=body)) == {
            "trigger.condition.filterGroups.0.filters.0.value": "invalid_type"}, (event, field)
    body = automation(event="review left")
    body["trigger"]["condition"]["filterGroups"] = [group({"field": "unknown", "operator": "eq", "value": "5"},
                                                          {"field": "tags", "operator": "contains", "value": "a"})]
    create(api, body)


def test_birthday_offset_filter(api):
    def birthday(groups):
        body = automation(event="birthday")
        if groups is not None:
            body["trigger"]["condition"]["filterGroups"] = groups
        return body

    assert "filterGroups" not in create(api, birthday(None))["trigger"]["condition"]
    for value in ("-24h", "48h"):
        created = create(api, birthday([group({"field": "birthdate", "operator": "eq", "value": value})]))
        assert created["trigger"]["condition"]["filterGroups"][0]["filters"][0]["value"] == value
    for bad in ([group({"field": "birthdate", "operator": "eq", "value": "-1d"})],
                [group({"field": "birthdate", "operator": "gt", "value": "24h"})],
                [group({"field": "birthdate", "operator": "eq", "value": "24h"},
                       {"field": "birthdate", "operator": "eq", "value": "48h"})],
                [group({"field": "birthdate", "operator": "eq", "value": "24h"})] * 2):
        assert errors(api.post("/automations", json=birthday(bad))) == {"trigger.condition.filterGroups": "invalid"}


def test_audience_filter_group(api):
    body = automation()
    body["trigger"]["audienceFilterGroup"] = group(
        {"field": "gender", "operator": "neq", "value": "m"}, {"field": "gender", "operator": "eq", "value": "x"},
        {"field": "dateAdded", "operator": "gt", "value": "2025-02-30"}, {"field": "country", "operator": "eq", "value": "USA"},
        {"field": "tag", "operator": "contains", "value": "v"}, {"field": "city", "operator": "eq", "value": ""})
    got = errors(api.post("/automations", json=body))
    assert got == {"trigger.audienceFilterGroup.filters.0.operator": "invalid_value",
                   "trigger.audienceFilterGroup.filters.1.value": "invalid_value",
                   "trigger.audienceFilterGroup.filters.2.value": "invalid_format",
                   "trigger.audienceFilterGroup.filters.3.value": "invalid_format",
                   "trigger.audienceFilterGroup.filters.4.operator": "invalid_value",
                   "trigger.audienceFilterGroup.filters.5.value": "required"}
    body["trigger"]["audienceFilterGroup"] = group({"field": "phone", "operator": "eq", "value": "1"})
    assert errors(api.post("/automations", json=body)) == {"trigger.audienceFilterGroup.filters.0.field": "invalid_value"}
    body["trigger"]["audienceFilterGroup"] = group({"field": "country", "operator": "eq", "value": "US"},
                                                   {"field": "city", "operator": "contains", "value": "York"},
                                                   {"field": "dateAdded", "operator": "gt", "value": "2025-01-01"})
    assert create(api, body)["trigger"]["audienceFilterGroup"] == body["trigger"]["audienceFilterGroup"]


def test_inactivity_settings(api):
    body = automation()
    body["trigger"]["inactivitySettings"] = {"duration": {"amount": 0, "units": "m"}}
    assert errors(api.post("/automations", json=body)) == {"trigger.inactivitySettings.duration.amount": "out_of_range"}
    body["trigger"]["inactivitySettings"] = {"duration": {"amount": 1, "units": "M"}}
    assert errors(api.post("/automations", json=body)) == {"trigger.inactivitySettings.duration.units": "invalid_value"}


# -- exit conditions ---------------------------------------------------------------------------

def test_exit_conditions(sb, api):
    record(sb, api, "started checkout", origin="shopify")
    record(sb, api, "started checkout", origin="api")
    body = automation(exitConditions=[{"event": "birthday"}, {"event": "product back in stock"},
                                      {"event": "started checkout"},
                                      {"event": "placed order", "filterGroup": group(
                                          {"field": "totalPrice", "operator": "lt", "value": "10"})},
                                      {"event": ""}])
    got = errors(api.post("/automations", json=body))
    assert got == {"exitConditions.0.event": "invalid", "exitConditions.1.event": "invalid",
                   "exitConditions.2.origin": "required",
                   "exitConditions.3.filterGroup.filters.0.value": "invalid_type",
                   "exitConditions.4.event": "required"}
    body = automation(exitConditions=[{"event": "started checkout", "origin": "shopify"},
                                      {"event": "subscribed to marketing"}])
    assert create(api, body)["exitConditions"] == [{"event": "started checkout", "origin": "shopify"},
                                                   {"event": "subscribed to marketing"}]


# -- settings ----------------------------------------------------------------------------------

@pytest.mark.parametrize("given,answered", [
    ({"amount": 7, "units": "d"}, {"amount": 1, "units": "w"}), ({"amount": 48, "units": "h"}, {"amount": 2, "units": "d"}),
    ({"amount": 36, "units": "h"}, {"amount": 36, "units": "h"}), ({"amount": 168, "units": "h"}, {"amount": 1, "units": "w"}),
    ({"amount": 365, "units": "d"}, {"amount": 365, "units": "d"}), ({"amount": 52, "units": "w"}, {"amount": 52, "units": "w"}),
    ({"amount": 8760, "units": "h"}, {"amount": 365, "units": "d"}),
])
def test_frequency_interval_is_answered_in_the_largest_whole_unit(api, given, answered):
    created = create(api, settings={"frequencyLimiter": {"mode": "interval", "duration": given}})
    assert created["settings"]["frequencyLimiter"] == {"mode": "interval", "duration": answered}


def test_frequency_limiter_rules(api):
    def body(limiter):
        return automation(settings={"frequencyLimiter": limiter})

    assert errors(api.post("/automations", json=body({"mode": "once", "duration": {"amount": 1, "units": "d"}}))) == {
        "settings.frequencyLimiter.duration": "invalid"}
    assert errors(api.post("/automations", json=body({"mode": "interval"}))) == {
        "settings.frequencyLimiter.duration": "required"}
    for amount, units in ((8761, "h"), (366, "d"), (53, "w"), (0, "h")):
        assert errors(api.post("/automations", json=body({"mode": "interval", "duration": {"amount": amount,
                                                                                           "units": units}}))) == {
            "settings.frequencyLimiter.duration.amount": "out_of_range"}
    assert create(api, body({"mode": "once"}))["settings"]["frequencyLimiter"] == {"mode": "once"}
    assert "frequencyLimiter" not in create(api, body(None))["settings"]


def test_overlap_limiter_rules(sb, api, other_brand_key):
    other = create(api, name="Other")
    elsewhere = create(sb.client("omnisend-api", key=other_brand_key))
    def body(limiter):
        return automation(settings={"overlapLimiter": limiter})

    got = errors(api.post("/automations", json=body({"mode": "recentlyIn",
                                                     "automationIDs": [other["id"], elsewhere["id"], other["id"]]})))
    assert got == {"settings.overlapLimiter.automationIDs.1": "invalid", "settings.overlapLimiter.automationIDs.2": "duplicate",
                   "settings.overlapLimiter.withinDays": "required"}
    got = errors(api.post("/automations", json=body({"mode": "currentlyIn", "automationIDs": [], "withinDays": 3})))
    assert got == {"settings.overlapLimiter.automationIDs": "out_of_range", "settings.overlapLimiter.withinDays": "invalid"}
    assert errors(api.post("/automations", json=body({"mode": "recentlyIn", "automationIDs": [other["id"]],
                                                      "withinDays": 8}))) == {"settings.overlapLimiter.withinDays": "out_of_range"}
    created = create(api, body({"mode": "recentlyIn", "automationIDs": [other["id"]], "withinDays": 7}))
    assert created["settings"]["overlapLimiter"] == {"mode": "recentlyIn", "automationIDs": [other["id"]], "withinDays": 7}
    itself = api.patch(f"/automations/{created['id']}", json={"settings": {"overlapLimiter": {
        "mode": "currentlyIn", "automationIDs": [created["id"]]}}})
    assert errors(itself) == {"settings.overlapLimiter.automationIDs.0": "invalid"}
    assert "itself" in itself.json()["errors"][0]["message"]


def test_sending_thresholds(api):
    assert errors(api.post("/automations", json=automation(settings={"sendingThresholds": None}))) == {
        "settings.sendingThresholds": "invalid_type"}
    assert errors(api.post("/automations", json=automation(settings={"sendingThresholds": {"email": "all"}}))) == {
        "settings.sendingThresholds.sms": "required"}
    created = create(api, settings={"sendingThresholds": {"email": "nonSubscribed", "sms": "all"}})
    assert created["settings"] == {"sendingThresholds": {"email": "nonSubscribed", "sms": "all"}}


# -- every problem at once ---------------------------------------------------------------------

def test_every_rule_problem_is_reported_at_once(api):
    body = automation(name=" ", event="birthday", blocks=[email("m"), delay()],
                      exitConditions=[{"event": "birthday"}],
                      settings={"frequencyLimiter": {"mode": "interval"},
                                "overlapLimiter": {"mode": "currentlyIn", "automationIDs": ["0123456789abcdef01234567"]}})
    body["trigger"]["condition"]["origin"] = "api"
    body["trigger"]["inactivitySettings"] = {"duration": {"amount": 0, "units": "h"}}
    response = api.post("/automations", json=body)
    assert set(errors(response)) == {"name", "trigger.condition.origin", "trigger.inactivitySettings.duration.amount",
                                     "blocks.1", "exitConditions.0.event", "settings.frequencyLimiter.duration",
                                     "settings.overlapLimiter.automationIDs.0"}
    assert response.json()["type"] == "https://problems.omnisend.com/validation-failed"
    assert api.get("/automations").json()["automations"] == []
