"""Flows: create one from a definition (revision 2025-10-15 on), list, get (the definition on
`additional-fields[flow]=definition`), set the status (of the flow and all its actions), delete;
read their actions and messages.

Revisions differ in what they show: `reentry_criteria` exists from 2026-07-15 (a request naming it
under an older revision is refused as an unknown field, and it is left out of answers); flow actions
and messages are shown as their definition from 2025-10-15 on, and in 2024-10-15's summary form
(`action_type`, `settings`, send options; a message's `content`) before."""
from __future__ import annotations

from flask import g, jsonify

from simulator.core.timefmt import iso
from simulator.errors import Conflict, Invalid, Problem
from simulator.klaviyo import flow_definition
from simulator.klaviyo.flows import Flow, FlowAction, FlowMessage, flows_of
from simulator.klaviyo.lists import lists_of
from simulator.klaviyo.metrics import metrics_of
from simulator.klaviyo.resources import resources_of
from simulator.klaviyo.segments import SEGMENT
from simulator.schemas import contract
from simulator.surfaces.klaviyo import api_blueprint, operation
from simulator.surfaces.klaviyo.common import account, body, checked_body, empty, now
from simulator.surfaces.klaviyo.filters import compare, parse_filter
from simulator.surfaces.klaviyo.jsonapi import (collection, listed, page_of, page_size, relationship, resource, single,
                                                sorted_by)

SUMMARY_REVISION = "2024-10-15"  # the last revision showing actions and messages in summary form
REENTRY_REVISION = "2026-07-15"  # the first with reentry_criteria
PAGE = (50, 1, 50)  # page[size]: default, min, max for flows, actions and messages alike
COMPARISONS = {"equals", "greater-or-equal", "greater-than", "less-or-equal", "less-than"}
FLOW_FILTERS = {"id": {"any"}, "name": {"contains", "ends-with", "equals", "starts-with"}, "status": {"equals"},
                "archived": {"equals"}, "created": COMPARISONS, "updated": COMPARISONS, "trigger_type": {"equals"}}
ACTION_FILTERS = {"id": {"any"}, "action_type": {"any", "equals"}, "status": {"equals"}, "created": COMPARISONS,
                  "updated": COMPARISONS}
MESSAGE_FILTERS = {"id": {"any"}, "name": {"contains", "ends-with", "equals", "starts-with"}, "created": COMPARISONS,
                   "updated": COMPARISONS}


def _getter(name: str):
    return lambda item: getattr(item, name)


def summary_form() -> bool:
    return g.vendored <= SUMMARY_REVISION


def action_type(action: FlowAction) -> str:
    """The action's type as the revision names it: `send-email`, or 2024-10-15's `SEND_EMAIL`."""
    return action.type.upper().replace("-", "_") if summary_form() else action.type


FLOW_SORTS = {name: _getter(name) for name in ("created", "id", "name", "status", "trigger_type", "updated")}
ACTION_SORTS = {"action_type": action_type, **{name: _getter(name) for name in ("created", "id", "status", "updated")}}
MESSAGE_SORTS = {name: _getter(name) for name in ("created", "id", "name", "updated")}


def matching(items, conditions, value=getattr) -> list:
    """The items meeting every parsed filter condition; `value(item, field)` reads a field."""
    return [item for item in items if all(compare(op, value(item, field), wanted) for field, op, wanted in conditions)]


def definition_json(definition: dict) -> dict:
    if g.vendored >= REENTRY_REVISION:
        return definition
    return {k: v for k, v in definition.items() if k != "reentry_criteria"}


def flow_json(flow: Flow, with_definition: bool = False, include: list[str] = ()) -> dict:
    attributes = {"name": flow.name, "status": flow.status, "archived": flow.archived, "created": iso(flow.created),
                  "updated": iso(flow.updated), "trigger_type": flow.trigger_type}
    if with_definition:
        attributes["definition"] = definition_json(flow.definition)
    me = {"type": "flow", "id": flow.id}
    actions = [{"type": "flow-action", "id": a} for a in flow.actions] if "flow-actions" in include else None
    return resource("flow", flow.id, attributes, {"flow-actions": relationship(me, "flow-actions", actions),
                                                  "tags": relationship(me, "tags", [] if "tags" in include else None)})


def action_json(action: FlowAction, include: list[str] = ()) -> dict:
    if summary_form():
        attributes = _action_summary(action)
    else:
        attributes = {"created": iso(action.created), "updated": iso(action.updated), "definition": action.definition}
    me = {"type": "flow-action", "id": action.id}
    flow = {"type": "flow", "id": action.flow.id} if "flow" in include else None
    messages = [{"type": "flow-message", "id": m.id} for m in action.messages] if "flow-messages" in include else None
    return resource("flow-action", action.id, attributes, {
        "flow": relationship(me, "flow", flow), "flow-messages": relationship(me, "flow-messages", messages)})


def _action_summary(action: FlowAction) -> dict:
    """2024-10-15's flow-action attributes, read off the definition."""
    data = action.definition.get("data")
    data = data if isinstance(data, dict) else {}
    message = data.get("message") if isinstance(data.get("message"), dict) else None
    out = {"action_type": action_type(action), "status": action.status, "created": iso(action.created),
           "updated": iso(action.updated),
           "settings": {k: v for k, v in data.items() if k not in ("message", "status")},
           "tracking_options": None, "send_options": None, "render_options": None}
    if message is None:
        return out
    if action.type in ("send-email", "send-sms"):
        out["tracking_options"] = {"add_utm": message.get("add_tracking_params", False), "utm_params": [
            {"name": p["param"], "value": p["value"]} for p in message.get("custom_tracking_params") or []]}
        if action.type == "send-email":
            out["tracking_options"].update(is_tracking_opens=True, is_tracking_clicks=True)
    if "smart_sending_enabled" in message:
        out["send_options"] = {"use_smart_sending": message["smart_sending_enabled"],
                               "is_transactional": message.get("transactional", False)}
    if action.type == "send-sms":
        out["render_options"] = {k: message[k] for k in ("shorten_links", "add_org_prefix", "add_info_link",
                                                         "add_opt_out_language")}
    return out


def message_json(message: FlowMessage, include: list[str] = ()) -> dict:
    if summary_form():
        attributes = {"name": message.name, "channel": message.channel, "content": _content(message),
                      "created": iso(message.created), "updated": iso(message.updated)}
    else:
        attributes = {"channel": message.channel, "created": iso(message.created), "updated": iso(message.updated),
                      "definition": message.definition}
    me = {"type": "flow-message", "id": message.id}
    action = {"type": "flow-action", "id": message.action.id} if "flow-action" in include else None
    template_id = message.definition.get("template_id")
    template = ({"type": "template", "id": template_id} if template_id else None) if "template" in include else None
    return resource("flow-message", message.id, attributes, {"flow-action": relationship(me, "flow-action", action),
                                                             "template": relationship(me, "template", template)})


def _content(message: FlowMessage) -> dict:
    """2024-10-15's message `content`, read off the definition (no content for webhooks and others)."""
    found = message.definition
    if message.channel == "email":
        return {"subject": found.get("subject_line") or "", "preview_text": found.get("preview_text") or "",
                "from_email": found.get("from_email") or "", "from_label": found.get("from_label") or "",
                "reply_to_email": found.get("reply_to_email"), "cc_email": found.get("cc_email"),
                "bcc_email": found.get("bcc_email")}
    if message.channel == "sms":
        return {"body": found.get("body", ""), "media_url": None}
    if message.channel == "push-notification":
        return {"title": found.get("title") or "", "body": found.get("body", ""), "sound": found.get("sound", False),
                "badge": found.get("badge", False), "media_url": None, "dynamic_image": found.get("dynamic_image"),
                "ios_link": found.get("ios_link"), "android_link": found.get("android_link"),
                "on_open": found.get("on_open", "home")}
    return {}


def _created(document: dict):
    response = jsonify(document)
    response.status_code = 201
    return response


@api_blueprint.post("/flows")
@operation("create_flow")
def create_flow():
    listed("additional-fields[flow]", ("definition",))  # the definition is in the answer either way
    data = body()
    problems = []
    try:
        contract("klaviyo", "create_flow").check_request(data)
    except Invalid as invalid:
        problems = list(invalid.problems)
    definition = _definition_of(data)
    if g.vendored < REENTRY_REVISION and isinstance(definition, dict) and "reentry_criteria" in definition:
        problems.append(Problem(f"{flow_definition.ROOT}.reentry_criteria", "unknown"))
    if problems:
        raise Invalid(problems)
    owner = account()
    metrics = metrics_of(owner).records
    groups = {"list": lists_of(owner).records, "segment": resources_of(owner).of(SEGMENT)}
    problems = flow_definition.problems(definition, lambda metric_id: metric_id in metrics,
                                        lambda kind, group_id: group_id in groups[kind])
    if problems:
        raise Invalid(problems)
    flow = flows_of(owner).create(data["data"]["attributes"]["name"], definition, now())
    return _created({"data": flow_json(flow, with_definition=True)})


def _definition_of(data):
    """The body's `data.attributes.definition`, whatever the body's shape (None where absent)."""
    for key in ("data", "attributes", "definition"):
        data = data.get(key) if isinstance(data, dict) else None
    return data


@api_blueprint.get("/flows")
@operation("get_flows")
def get_flows():
    conditions = parse_filter(FLOW_FILTERS)
    include = listed("include", ("flow-actions", "tags"))
    size = page_size(*PAGE)
    found = matching(flows_of(account()), conditions)
    page, next_position = page_of(sorted_by(found, FLOW_SORTS), lambda f: f.id, size)
    included = [action_json(a) for f in page for a in f.actions.values()] if "flow-actions" in include else None
    return jsonify(collection([flow_json(f, include=include) for f in page], next_position, included))


@api_blueprint.get("/flows/<flow_id>")
@operation("get_flow")
def get_flow(flow_id: str):
    extra = [] if summary_form() else listed("additional-fields[flow]", ("definition",))
    include = listed("include", ("flow-actions", "tags"))
    flow = flows_of(account()).get(flow_id)
    included = [action_json(a) for a in flow.actions.values()] if "flow-actions" in include else None
    return jsonify(single(flow_json(flow, "definition" in extra, include), included))


@api_blueprint.patch("/flows/<flow_id>")
@operation("update_flow")
def update_flow(flow_id: str):
    data = checked_body("update_flow")["data"]
    flow = flows_of(account()).get(flow_id)
    if data["id"] != flow_id:
        raise Conflict(f"The id {data['id']} in the body is not the flow {flow_id} of the path.", field="data.id")
    flow.set_status(data["attributes"]["status"], now())
    return jsonify(single(flow_json(flow)))


@api_blueprint.delete("/flows/<flow_id>")
@operation("delete_flow")
def delete_flow(flow_id: str):
    flows_of(account()).delete(flow_id)
    return empty(204)


def _action_value(action: FlowAction, field: str):
    return action_type(action) if field == "action_type" else getattr(action, field)


@api_blueprint.get("/flows/<flow_id>/flow-actions")
@operation("get_actions_for_flow")
def get_actions_for_flow(flow_id: str):
    conditions = parse_filter(ACTION_FILTERS)
    size = page_size(*PAGE)
    flow = flows_of(account()).get(flow_id)
    found = matching(flow.actions.values(), conditions, _action_value)
    page, next_position = page_of(sorted_by(found, ACTION_SORTS), lambda a: a.id, size)
    return jsonify(collection([action_json(a) for a in page], next_position))


@api_blueprint.get("/flow-actions/<action_id>")
@operation("get_flow_action")
def get_flow_action(action_id: str):
    include = listed("include", ("flow", "flow-messages"))
    action = flows_of(account()).action(action_id)
    included = [flow_json(action.flow)] if "flow" in include else []
    if "flow-messages" in include:
        included += [message_json(m) for m in action.messages]
    return jsonify(single(action_json(action, include), included))


@api_blueprint.get("/flow-actions/<action_id>/flow-messages")
@operation("get_flow_action_messages", "get_messages_for_flow_action")
def get_flow_action_messages(action_id: str):
    conditions = parse_filter(MESSAGE_FILTERS)
    size = page_size(*PAGE)
    action = flows_of(account()).action(action_id)
    found = matching(action.messages, conditions)
    page, next_position = page_of(sorted_by(found, MESSAGE_SORTS), lambda m: m.id, size)
    return jsonify(collection([message_json(m) for m in page], next_position))


@api_blueprint.get("/flow-messages/<message_id>")
@operation("get_flow_message")
def get_flow_message(message_id: str):
    include = listed("include", ("flow-action", "template"))  # templates are not modelled: none is included
    message = flows_of(account()).message(message_id)
    included = [action_json(message.action)] if "flow-action" in include else None
    return jsonify(single(message_json(message, include), included))
