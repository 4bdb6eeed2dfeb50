"""The dated Automations API: each endpoint, the lifecycle, PATCH vs PUT, copy, UTM, test email, scopes."""
from __future__ import annotations

import pytest

from tests.automation_bodies import automation, create, delay, email, errors, push, sms, split, tag
from tests.test_api_foundation import oauth_token


class Spy:
    """Stands in for the automation engine: records each lifecycle call."""

    def __init__(self):
        self.calls = []

    def enabled(self, brand, automation, enroll_existing):
        self.calls.append(("enabled", automation.id, enroll_existing))

    def disabled(self, brand, automation, contacts_in_workflow):
        self.calls.append(("disabled", automation.id, contacts_in_workflow))

    def deleted(self, brand, automation):
        self.calls.append(("deleted", automation.id))


@pytest.fixture
def spy(sb, api):
    brand = sb.omnisend_brand(api.get("/brands/current").json()["brandID"])
    brand.runtime = Spy()
    return brand.runtime


# -- create, get, list, delete -----------------------------------------------------------------

def test_create_answers_the_automation_disabled_with_server_ids(api):
    created = create(api)
    assert created["isEnabled"] is False and "enabledAt" not in created
    assert len(created["id"]) == 24 and int(created["id"], 16) >= 0
    assert created["brandID"] == api.get("/brands/current").json()["brandID"]
    assert created["createdAt"] == created["updatedAt"] == "2026-11-02T10:00:00Z"
    first, second = created["blocks"]
    assert first["id"] != "wait" and len(first["id"]) == 24 and second["id"] != "mail"
    mail = second["action"]["sendEmail"]
    assert "templateID" not in mail and len(mail["contentID"]) == 24 and mail["isSkipAllowed"] is True
    assert created["trigger"]["condition"] == {"event": "placed order", "origin": "api"}
    assert created["exitConditions"] == []
    assert created["settings"] == {"sendingThresholds": {"email": "subscribed", "sms": "subscribed"}}
    assert api.get(f"/automations/{created['id']}").json() == created


def test_is_enabled_and_other_read_only_fields_are_refused_on_create(api):
    body = automation(isEnabled=True, id="000000000000000000000001")
    got = errors(api.post("/automations", json=body))
    assert got == {"isEnabled": "invalid", "id": "invalid"}
    messages = {e["field"]: e["message"] for e in api.post("/automations", json=body).json()["errors"]}
    assert "read-only" in messages["isEnabled"] and "/enable" in messages["isEnabled"]
    assert api.get("/automations").json()["automations"] == []


def test_get_unknown_is_404_and_a_malformed_id_is_400(api):
    missing = api.get("/automations/0123456789abcdef01234567")
    assert missing.status_code == 404 and missing.json()["type"] == "https://problems.omnisend.com/not-found"
    assert errors(api.get("/automations/nope")) == {"id": "invalid_format"}


def test_delete_is_idempotent_and_tells_the_runtime(api, spy):
    created = create(api)
    assert api.delete(f"/automations/{created['id']}").status_code == 204
    assert api.get(f"/automations/{created['id']}").status_code == 404
    assert api.delete(f"/automations/{created['id']}").status_code == 204
    assert api.delete("/automations/0123456789abcdef01234567").status_code == 204
    assert spy.calls == [("deleted", created["id"])]


def test_list_filters_sorts_and_pages(sb, api):
    ids = []
    for name in ("Welcome", "Cart rescue", "welcome back", "Win-back"):
        ids.append(create(api, name=name)["id"])
        sb.clock.advance(minutes=1)
    api.post(f"/automations/{ids[1]}/enable")
    listed = api.get("/automations").json()
    assert [a["id"] for a in listed["automations"]] == ids[::-1]  # createdAt, newest first
    assert listed["paging"] == {"limit": 100, "hasMore": False,
                                "cursors": {"after": listed["paging"]["cursors"]["after"], "before": None}}
    assert [a["id"] for a in api.get("/automations", params={"direction": "asc"}).json()["automations"]] == ids
    by_update = api.get("/automations", params={"sort": "updatedAt"}).json()["automations"]
    assert [a["id"] for a in by_update] == [ids[1], ids[3], ids[2], ids[0]]  # enabling at 10:04 updated it
    assert [a["name"] for a in api.get("/automations", params={"nameContains": "WELCOME"}).json()["automations"]] == [
        "welcome back", "Welcome"]
    assert [a["id"] for a in api.get("/automations", params={"isEnabled": "true"}).json()["automations"]] == [ids[1]]
    assert len(api.get("/automations", params={"isEnabled": "false"}).json()["automations"]) == 3
    window = {"createdAtFrom": "2026-11-02T10:01:00Z", "createdAtTo": "2026-11-02T10:03:00Z"}
    assert [a["id"] for a in api.get("/automations", params=window).json()["automations"]] == [ids[2], ids[1]]
    assert [a["id"] for a in api.get("/automations", params={"updatedAtFrom": "2026-11-02T10:04:00Z"}).json()[
        "automations"]] == [ids[1]]
    assert len(api.get("/automations", params={"updatedAtTo": "2026-11-02T10:04:00Z"}).json()["automations"]) == 3

    first = api.get("/automations", params={"limit": 3}).json()
    assert [a["id"] for a in first["automations"]] == ids[:0:-1] and first["paging"]["hasMore"] is True
    second = api.get("/automations", params={"limit": 3, "after": first["paging"]["cursors"]["after"]}).json()
    assert [a["id"] for a in second["automations"]] == [ids[0]] and second["paging"]["hasMore"] is False
    back = api.get("/automations", params={"limit": 3, "before": second["paging"]["cursors"]["before"]}).json()
    assert [a["id"] for a in back["automations"]] == ids[:0:-1]


@pytest.mark.parametrize("params,field", [
    ({"limit": "0"}, "limit"), ({"limit": "251"}, "limit"), ({"sort": "name"}, "sort"),
    ({"direction": "up"}, "direction"), ({"isEnabled": "yes"}, "isEnabled"), ({"nameContains": "x" * 201}, "nameContains"),
    ({"createdAtFrom": "yesterday"}, "createdAtFrom"), ({"after": "!!"}, "after"),
])
def test_list_refuses_bad_parameters(api, params, field):
    assert field in errors(api.get("/automations", params=params))


# -- lifecycle ---------------------------------------------------------------------------------

def test_enable_and_disable_are_idempotent_and_tell_the_runtime(sb, api, spy):
    created = create(api)
    path = f"/automations/{created['id']}"
    sb.clock.advance(minutes=5)
    enabled = api.post(f"{path}/enable")  # no body at all
    assert enabled.status_code == 200 and enabled.json()["isEnabled"] is True
    assert enabled.json()["enabledAt"] == enabled.json()["updatedAt"] == "2026-11-02T10:05:00Z"
    sb.clock.advance(minutes=5)
    again = api.post(f"{path}/enable", json={"enrollExisting": True})
    assert again.json() == enabled.json()
    disabled = api.post(f"{path}/disable", json={"contactsInWorkflow": "exit"})
    assert disabled.json()["isEnabled"] is False and disabled.json()["disabledAt"] == "2026-11-02T10:10:00Z"
    assert api.post(f"{path}/disable", json={"contactsInWorkflow": "keep"}).json() == disabled.json()
    assert spy.calls == [("enabled", created["id"], False), ("disabled", created["id"], "exit")]
    assert errors(api.post(f"{path}/disable", json={})) == {"contactsInWorkflow": "required"}
    assert errors(api.post(f"{path}/disable", json={"contactsInWorkflow": "drop"})) == {"contactsInWorkflow": "invalid_value"}
    assert api.post("/automations/0123456789abcdef01234567/enable").status_code == 404
    assert api.post("/automations/0123456789abcdef01234567/disable", json={"contactsInWorkflow": "keep"}).status_code == 404


def test_an_enabled_automation_cannot_be_patched_or_restructured(api):
    created = create(api)
    path = f"/automations/{created['id']}"
    api.post(f"{path}/enable", json={"enrollExisting": False})
    for response in (api.patch(path, json={"name": "New"}), api.put(f"{path}/blocks", json={"blocks": [delay(), tag()]})):
        assert response.status_code == 409
        assert response.json()["detail"] == "Cannot update an enabled automation"
    api.post(f"{path}/disable", json={"contactsInWorkflow": "keep"})
    assert api.patch(path, json={"name": "New"}).status_code == 200


def test_enroll_existing_needs_a_first_delay(api, spy):
    without = create(api, blocks=[email()])
    refused = api.post(f"/automations/{without['id']}/enable", json={"enrollExisting": True})
    assert refused.status_code == 409
    body = refused.json()
    assert body["type"] == "https://problems.omnisend.com/enroll-existing-not-applicable"
    assert body["errors"] == [{"field": "enrollExisting", "code": "enroll-existing-not-applicable",
                               "message": body["detail"]}]
    assert api.get(f"/automations/{without['id']}").json()["isEnabled"] is False
    with_delay = create(api)
    assert api.post(f"/automations/{with_delay['id']}/enable", json={"enrollExisting": True}).status_code == 200
    assert spy.calls == [("enabled", with_delay["id"], True)]


@pytest.mark.parametrize("event", ["birthday", "product back in stock"])
def test_enroll_existing_is_refused_for_built_in_triggers(api, event):
    created = create(api, event=event)
    refused = api.post(f"/automations/{created['id']}/enable", json={"enrollExisting": True})
    assert refused.status_code == 409 and refused.json()["errors"][0]["code"] == "enroll-existing-not-applicable"
    assert api.post(f"/automations/{created['id']}/enable", json={"enrollExisting": False}).status_code == 200


def test_enroll_existing_for_entered_segment_works_on_the_first_enable_only(api):
    body = automation(blocks=[email()])
    body["trigger"]["condition"] = {"event": "entered segment", "origin": "omnisend", "filterGroups": [
        {"logicalOperator": "and", "filters": [{"field": "segment_id", "operator": "eq", "value": "0123456789abcdef01234567"}]}]}
    created = create(api, body)
    path = f"/automations/{created['id']}"
    assert api.post(f"{path}/enable", json={"enrollExisting": True}).status_code == 200
    api.post(f"{path}/disable", json={"contactsInWorkflow": "keep"})
    again = api.post(f"{path}/enable", json={"enrollExisting": True})
    assert again.status_code == 409 and again.json()["errors"][0]["code"] == "enroll-existing-not-applicable"
    assert api.post(f"{path}/enable").status_code == 200
    copy = api.post(f"{path}/copy").json()
    assert api.post(f"/automations/{copy['id']}/enable", json={"enrollExisting": True}).status_code == 200


# -- PATCH vs PUT ------------------------------------------------------------------------------

def test_patch_changes_only_what_is_sent(sb, api):
    body = automation(blocks=[delay(), email(), tag()], exitConditions=[{"event": "started checkout"}],
                      settings={"frequencyLimiter": {"mode": "once"}})
    body["trigger"]["inactivitySettings"] = {"duration": {"amount": 30, "units": "m"}}
    created = create(api, body)
    wait, mail, label = created["blocks"]
    sb.clock.advance(minutes=1)
    patched = api.patch(f"/automations/{created['id']}", json={
        "name": "Renamed",
        "blocks": [{"id": mail["id"], "type": "action", "action": {"type": "sendEmail", "sendEmail": {"subject": "New"}}},
                   {"id": wait["id"], "type": "delay", "delay": {"mode": "immediate"}}]}).json()
    assert patched["name"] == "Renamed" and patched["updatedAt"] == "2026-11-02T10:01:00Z"
    assert [b["id"] for b in patched["blocks"]] == [wait["id"], mail["id"], label["id"]]
    assert patched["blocks"][0]["delay"] == {"mode": "immediate"}  # a delay is replaced whole
    assert patched["blocks"][1]["action"]["sendEmail"] == {**mail["action"]["sendEmail"], "subject": "New"}
    assert patched["blocks"][2] == label
    for key in ("trigger", "exitConditions", "settings"):
        assert patched[key] == created[key]


def test_patch_replaces_parts_in_full_and_null_clears(api):
    other = create(api, name="Other")
    body = automation(exitConditions=[{"event": "started checkout"}],
                      settings={"frequencyLimiter": {"mode": "once"},
                                "overlapLimiter": {"mode": "currentlyIn", "automationIDs": [other["id"]]}})
    body["trigger"]["inactivitySettings"] = {"duration": {"amount": 30, "units": "m"}}
    body["trigger"]["audienceFilterGroup"] = {"logicalOperator": "and", "filters": [
        {"field": "tag", "operator": "eq", "value": "vip"}]}
    created = create(api, body)
    path = f"/automations/{created['id']}"
    patched = api.patch(path, json={"trigger": {"audienceFilterGroup": None,
                                                "condition": {"event": "started checkout"}},
                                    "settings": {"frequencyLimiter": None,
                                                 "sendingThresholds": {"email": "all", "sms": "subscribed"}},
                                    "exitConditions": None}).json()
    assert patched["trigger"] == {"condition": {"event": "started checkout", "origin": "api"},
                                  "inactivitySettings": {"duration": {"amount": 30, "units": "m"}}}
    assert patched["settings"] == {"sendingThresholds": {"email": "all", "sms": "subscribed"},
                                   "overlapLimiter": {"mode": "currentlyIn", "automationIDs": [other["id"]]}}
    assert patched["exitConditions"] == []
    again = api.patch(path, json={"exitConditions": [{"event": "placed order"}], "trigger": {"inactivitySettings": None},
                                  "settings": {"overlapLimiter": None}}).json()
    assert again["exitConditions"] == [{"event": "placed order", "origin": "api"}]
    assert "inactivitySettings" not in again["trigger"] and "overlapLimiter" not in again["settings"]
    assert api.patch(path, json={"exitConditions": []}).json()["exitConditions"] == []


def test_patch_nulls_that_are_refused(api):
    created = create(api)
    path = f"/automations/{created['id']}"
    got = errors(api.patch(path, json={"trigger": {"condition": None}, "settings": {"sendingThresholds": None},
                                       "blocks": []}))
    assert got == {"trigger.condition": "invalid_type", "settings.sendingThresholds": "invalid_type"}
    got = errors(api.patch(path, json={"blocks": []}))
    assert got == {"blocks": "out_of_range"}


def test_patch_blocks_cannot_change_type_add_or_remove(api):
    created = create(api, blocks=[delay(), email(), sms("text")])
    wait, mail, text = created["blocks"]
    path = f"/automations/{created['id']}"
    got = errors(api.patch(path, json={"blocks": [
        {"id": wait["id"], "type": "action", "action": {"type": "addTag", "addTag": {"value": "x"}}},
        {"id": mail["id"], "type": "action", "action": {"type": "sendSms", "sendSms": {"message": "x"}}},
        {"id": "0123456789abcdef01234567", "type": "delay", "delay": {"mode": "immediate"}},
        {"id": text["id"], "type": "action", "action": {"type": "sendSms", "sendSms": {"compliance": {
            "isStopKeywordIncluded": False, "isUnsubscribeLinkIncluded": True,
            "unsubscribeLinkText": "no link here"}}}},
    ]}))
    assert got == {"blocks.0.type": "invalid", "blocks.1.action.type": "invalid", "blocks.2.id": "invalid",
                   "blocks.3.action.sendSms.compliance.unsubscribeLinkText": "invalid"}
    split_in_patch = api.patch(path, json={"blocks": [{"id": wait["id"], "type": "delay", "temporaryID": "x"}]})
    assert errors(split_in_patch) == {"blocks.0.temporaryID": "unknown_field"}
    assert api.get(path).json() == created  # nothing applied


def test_patch_action_fields_clear_with_null_or_empty(api):
    body = automation(blocks=[delay(), email(), push(), {"temporaryID": "hook", "type": "action", "action": {
        "type": "sendWebhook", "sendWebhook": {"callbackUrl": "https://hooks.example/x", "body": "{}",
                                               "headers": [{"key": "X-Key", "value": "s"}]}}}])
    body["blocks"][1]["action"]["sendEmail"]["replyToEmail"] = "help@shop.example"
    body["blocks"][2]["action"]["sendPush"]["iconID"] = "icon1"
    created = create(api, body)
    _, mail, note, hook = created["blocks"]
    assert hook["action"]["sendWebhook"]["headers"] == [{"key": "X-Key", "value": "s"}]
    patched = api.patch(f"/automations/{created['id']}", json={"blocks": [
        {"id": mail["id"], "type": "action", "action": {"type": "sendEmail", "sendEmail": {"replyToEmail": None}}},
        {"id": note["id"], "type": "action", "action": {"type": "sendPush", "sendPush": {"iconID": ""}}},
        {"id": hook["id"], "type": "action", "action": {"type": "sendWebhook", "sendWebhook": {"headers": None}}},
    ]}).json()
    assert "replyToEmail" not in patched["blocks"][1]["action"]["sendEmail"]
    assert "iconID" not in patched["blocks"][2]["action"]["sendPush"]
    assert "headers" not in patched["blocks"][3]["action"]["sendWebhook"]


def test_patch_split_filter_group_and_ab_percentage_only(api):
    ab = {"temporaryID": "ab", "type": "abTesting", "abTesting": {"aBlocksPercentage": 50, "aBlocks": [tag("a")],
                                                                  "bBlocks": [tag("b")]}}
    body = automation(blocks=[email("m1"), split("s", [{"type": "message", "field": "blockID", "operator": "openedEmail",
                                                         "value": "m1"}], [tag("t")], []), ab])
    created = create(api, body)
    mail, fork, test = created["blocks"]
    assert fork["split"]["filterGroup"]["filters"][0]["value"] == mail["id"]
    patched = api.patch(f"/automations/{created['id']}", json={"blocks": [
        {"id": fork["id"], "type": "split", "split": {"filterGroup": {"logicalOperator": "or", "filters": [
            {"type": "message", "field": "blockID", "operator": "clickedEmail", "value": mail["id"],
             "urlMatch": {"operator": "contains", "value": "/sale"}}]}}},
        {"id": test["id"], "type": "abTesting", "abTesting": {"aBlocksPercentage": 100}}]}).json()
    assert patched["blocks"][1]["split"]["filterGroup"]["filters"][0]["urlMatch"] == {"operator": "contains", "value": "/sale"}
    assert patched["blocks"][1]["split"]["trueBlocks"] == fork["split"]["trueBlocks"]
    assert patched["blocks"][2]["abTesting"]["aBlocksPercentage"] == 100
    assert patched["blocks"][2]["abTesting"]["aBlocks"] == test["abTesting"]["aBlocks"]
    refused = api.patch(f"/automations/{created['id']}", json={"blocks": [
        {"id": fork["id"], "type": "split", "split": {"filterGroup": {"logicalOperator": "or", "filters": [
            {"type": "message", "field": "blockID", "operator": "openedEmail", "value": "0123456789abcdef01234567"}]},
            "trueBlocks": []}}]})
    assert errors(refused) == {"blocks.0.split.trueBlocks": "unknown_field"}


def test_put_blocks_keeps_listed_ids_creates_temporary_ones_and_removes_the_rest(sb, api):
    created = create(api, blocks=[delay(), email(), tag()])
    wait, mail, label = created["blocks"]
    path = f"/automations/{created['id']}"
    api.put(f"{path}/blocks/{mail['id']}/utm", json={"tags": {"campaign": "c", "medium": "m", "source": "s"}})
    sb.clock.advance(minutes=2)
    replaced = api.put(f"{path}/blocks", json={"blocks": [
        {"id": mail["id"], "type": "action", "action": {"type": "sendEmail", "sendEmail": {
            "subject": "Replaced", "preheader": "", "senderName": "Shop", "language": "lt_LT"}}},
        delay("new-wait", 2, "d"), email("new-mail", "Second")]})
    assert replaced.status_code == 200, replaced.text
    blocks = replaced.json()["blocks"]
    assert blocks[0]["id"] == mail["id"]
    assert blocks[0]["action"]["sendEmail"] == {"subject": "Replaced", "preheader": "", "senderName": "Shop",
                                                "language": "lt_LT", "isSkipAllowed": True,
                                                "contentID": mail["action"]["sendEmail"]["contentID"]}
    assert {b["id"] for b in blocks[1:]}.isdisjoint({wait["id"], label["id"], "new-wait", "new-mail"})
    assert blocks[2]["action"]["sendEmail"]["subject"] == "Second"
    assert replaced.json()["updatedAt"] == "2026-11-02T10:02:00Z"
    assert api.get(f"{path}/blocks/{mail['id']}/utm").json()["tags"]["campaign"] == "c"  # kept with its block
    assert api.get(f"{path}/blocks/{label['id']}/utm").status_code == 404


def test_put_blocks_rules(api):
    created = create(api)
    wait, mail = created["blocks"]
    path = f"/automations/{created['id']}/blocks"
    with_template = email("x")
    with_template.pop("temporaryID")
    with_template["id"] = mail["id"]
    got = errors(api.put(path, json={"blocks": [
        with_template,
        email("fresh", template=None),
        {"type": "action", "action": {"type": "addTag", "addTag": {"value": "x"}}},
        {**tag("both"), "id": "0123456789abcdef0123aaaa"},
        {"id": "0123456789abcdef01234567", "type": "action", "action": {"type": "addTag", "addTag": {"value": "y"}}},
        {"id": wait["id"], "type": "action", "action": {"type": "addTag", "addTag": {"value": "z"}}},
        tag("fresh"),
    ]}))
    assert got == {"blocks.0.action.sendEmail.templateID": "invalid",
                   "blocks.1.action.sendEmail.templateID": "required",
                   "blocks.2.temporaryID": "required", "blocks.3.temporaryID": "invalid",
                   "blocks.4.id": "invalid", "blocks.5.type": "invalid", "blocks.6.temporaryID": "duplicate"}
    assert errors(api.put(path, json={"blocks": []})) == {"blocks": "out_of_range"}
    assert api.put("/automations/0123456789abcdef01234567/blocks", json={"blocks": [tag()]}).status_code == 404


# -- copy --------------------------------------------------------------------------------------

def test_copy_is_disabled_renamed_and_independent(sb, api):
    body = automation(name="Welcome", blocks=[email("m1"), split("s", [
        {"type": "message", "field": "blockID", "operator": "openedEmail", "value": "m1"}], [tag("t")])])
    original = create(api, body)
    path = f"/automations/{original['id']}"
    api.put(f"{path}/blocks/{original['blocks'][0]['id']}/utm", json={"tags": {"campaign": "", "medium": "mail",
                                                                               "source": ""}})
    api.post(f"{path}/enable")
    sb.clock.advance(hours=1)
    copied = api.post(f"{path}/copy")
    assert copied.status_code == 201
    copy = copied.json()
    assert copy["name"] == "Copy of: Welcome" and copy["isEnabled"] is False and copy["id"] != original["id"]
    assert copy["createdAt"] == "2026-11-02T11:00:00Z" and "enabledAt" not in copy
    mail, fork = copy["blocks"]
    assert mail["id"] != original["blocks"][0]["id"]
    assert mail["action"]["sendEmail"]["contentID"] != original["blocks"][0]["action"]["sendEmail"]["contentID"]
    assert fork["split"]["filterGroup"]["filters"][0]["value"] == mail["id"]
    assert copy["trigger"] == original["trigger"] and copy["settings"] == original["settings"]
    tags = api.get(f"/automations/{copy['id']}/blocks/{mail['id']}/utm").json()["tags"]
    assert tags == {"campaign": f"automation: Copy of: Welcome ({copy['id']})", "medium": "mail", "source": "omnisend"}
    assert api.post(f"{path}/copy", json={"name": ""}).json()["name"] == "Copy of: Welcome"
    assert api.post(f"{path}/copy", json={"name": "Mine"}).json()["name"] == "Mine"
    assert api.post("/automations/0123456789abcdef01234567/copy").status_code == 404
    assert api.get(path).json()["isEnabled"] is True


# -- UTM tags ----------------------------------------------------------------------------------

def test_utm_defaults_writes_and_resets(api):
    created = create(api, name="Welcome Series", blocks=[delay(), email(), sms(), push(), tag()])
    wait, mail, text, note, label = created["blocks"]
    path = f"/automations/{created['id']}"
    default = {"campaign": f"automation: Welcome Series ({created['id']})", "medium": "email", "source": "omnisend"}
    assert api.get(f"{path}/utm").json() == {"blocks": [
        {"blockID": mail["id"], "tags": default}, {"blockID": text["id"], "tags": {**default, "medium": "sms"}},
        {"blockID": note["id"], "tags": {**default, "medium": "push"}}]}
    written = api.put(f"{path}/blocks/{mail['id']}/utm", json={"tags": {"campaign": "welcome", "medium": "",
                                                                        "source": "newsletter"}})
    assert written.status_code == 200
    assert written.json() == {"tags": {"campaign": "welcome", "medium": "email", "source": "newsletter"}}
    assert api.get(f"{path}/blocks/{mail['id']}/utm").json() == written.json()
    reset = api.put(f"{path}/blocks/{mail['id']}/utm", json={"tags": {"campaign": "", "medium": "", "source": ""}})
    assert reset.json() == {"tags": default}
    assert errors(api.put(f"{path}/blocks/{mail['id']}/utm", json={"tags": {"campaign": "x" * 251}})) == {
        "tags.campaign": "out_of_range", "tags.medium": "required", "tags.source": "required"}
    for block in (wait, label):
        assert api.get(f"{path}/blocks/{block['id']}/utm").status_code == 404
    assert api.get(f"{path}/blocks/nope/utm").status_code == 404
    assert api.get("/automations/0123456789abcdef01234567/utm").status_code == 404
    api.patch(path, json={"name": "Renamed"})
    assert api.get(f"{path}/blocks/{mail['id']}/utm").json()["tags"]["campaign"] == f"automation: Renamed ({created['id']})"


# -- test email --------------------------------------------------------------------------------

def test_test_email_lands_in_the_outbox_marked_as_a_test(sb, api):
    created = create(api, name="Welcome", blocks=[delay(), email(subject="Hi there"), tag()])
    _, mail, label = created["blocks"]
    path = f"/automations/{created['id']}/blocks"
    sent = api.post(f"{path}/{mail['id']}/test-email", json={"recipients": ["a@shop.example", "b@shop.example"]})
    assert sent.status_code == 204 and sent.content == b""
    outbox = sb.outbox(workflow_id=created["id"])
    assert [(m["recipient"], m["subject"], m["step_id"], m["test"], m["channel"]) for m in outbox] == [
        ("a@shop.example", "Hi there", mail["id"], True, "email"), ("b@shop.example", "Hi there", mail["id"], True, "email")]
    assert outbox[0]["workflow_name"] == "Welcome" and outbox[0]["sent_at"] == "2026-11-02T10:00:00Z"
    unsupported = api.post(f"{path}/{label['id']}/test-email", json={"recipients": ["a@shop.example"]})
    assert unsupported.status_code == 422
    assert unsupported.json()["type"] == "https://problems.omnisend.com/unprocessable"
    assert errors(api.post(f"{path}/{mail['id']}/test-email", json={"recipients": []})) == {"recipients": "out_of_range"}
    assert errors(api.post(f"{path}/{mail['id']}/test-email", json={"recipients": ["x@y.z"] * 6})) == {
        "recipients": "out_of_range"}
    assert errors(api.post(f"{path}/{mail['id']}/test-email", json={"recipients": ["nope"]})) == {
        "recipients.0": "invalid_format"}
    assert api.post(f"{path}/nope/test-email", json={"recipients": ["a@shop.example"]}).status_code == 404
    assert len(sb.outbox(workflow_id=created["id"])) == 2


# -- scopes ------------------------------------------------------------------------------------

def test_a_token_without_automations_write_can_only_read(sb, api):
    created = create(api)
    token = oauth_token(sb, "automations.read")
    client = sb.client("omnisend-api", headers={"Authorization": f"Bearer {token['access_token']}"})
    assert client.get("/automations").status_code == 200
    assert client.get(f"/automations/{created['id']}/utm").status_code == 200
    path = f"/automations/{created['id']}"
    for response in (client.post("/automations", json=automation()), client.patch(path, json={"name": "x"}),
                     client.delete(path), client.post(f"{path}/enable"), client.post(f"{path}/copy"),
                     client.put(f"{path}/blocks", json={"blocks": [tag()]})):
        assert response.status_code == 403
        assert "automations.write" in response.json()["detail"]
    writer = oauth_token(sb, "automations.write")
    only_write = sb.client("omnisend-api", headers={"Authorization": f"Bearer {writer['access_token']}"})
    assert only_write.get("/automations").status_code == 403
    assert only_write.post(f"{path}/copy").status_code == 201


def test_put_blocks_restructures_a_tree_and_resolves_references_by_id_or_temporary_id(api):
    created = create(api, blocks=[email("m1"), split("s", [{"type": "message", "field": "blockID",
                                                            "operator": "openedEmail", "value": "m1"}], [tag("t")])])
    mail, fork = created["blocks"]
    replaced = api.put(f"/automations/{created['id']}/blocks", json={"blocks": [
        {"id": mail["id"], "type": "action", "action": {"type": "sendEmail", "sendEmail": {
            "subject": "S", "preheader": "P", "senderName": "Shop", "language": "en_US"}}},
        email("m2"),
        {"id": fork["id"], "type": "split", "split": {
            "filterGroup": {"logicalOperator": "or", "filters": [
                {"type": "message", "field": "blockID", "operator": "openedEmail", "value": mail["id"]},
                {"type": "message", "field": "blockID", "operator": "clickedEmail", "value": "m2"}]},
            "falseBlocks": [delay("w"), tag("late")]}}]})
    assert replaced.status_code == 200, replaced.text
    first, second, again = replaced.json()["blocks"]
    assert (first["id"], again["id"]) == (mail["id"], fork["id"])
    assert [f["value"] for f in again["split"]["filterGroup"]["filters"]] == [mail["id"], second["id"]]
    assert again["split"]["trueBlocks"] == [] and [b["type"] for b in again["split"]["falseBlocks"]] == ["delay", "action"]
    below = api.put(f"/automations/{created['id']}/blocks", json={"blocks": [
        split("s2", [{"type": "message", "field": "blockID", "operator": "openedEmail", "value": mail["id"]}], [tag()]),
        {"id": mail["id"], "type": "action", "action": {"type": "sendEmail", "sendEmail": {
            "subject": "S", "preheader": "P", "senderName": "Shop", "language": "en_US"}}}]})
    assert errors(below) == {"blocks.0.split.filterGroup.filters.0.value": "invalid"}
