"""Control API for the automation engine: why a workflow did or did not fire, and engagement.

    GET  /_sim/runs?vendor=&account=&workflow_id=&recipient=&status=  -> {"runs": [...]}
    POST /_sim/engagement {"message_id": ..., "type": "open"|"click", "url"?: ...}  -> {"message": ...}
    POST /_sim/omnisend/push-subscriptions {"brand", "contactID", "status"?}  -> {"contactID", "status"}

A run lists every block its contact reached (`steps`: outcome and reason); a trigger that led to no
entry stays as a run with status `not_entered` and the reason. Push subscriptions exist because
sendPush goes to push subscribers only and neither Omnisend API can make one."""
from __future__ import annotations

from flask import g, jsonify, request

from simulator.control import blueprint, checked_body
from simulator.errors import Invalid, Problem

FILTERS = ("vendor", "account", "workflow_id", "recipient", "status")
ENGAGEMENT = {
    "type": "object", "additionalProperties": False, "required": ["message_id", "type"],
    "properties": {"message_id": {"type": "string", "minLength": 1}, "type": {"type": "string", "enum": ["open", "click"]},
                   "url": {"type": "string"}},
}
PUSH = {
    "type": "object", "additionalProperties": False, "required": ["brand", "contactID"],
    "properties": {"brand": {"type": "string", "pattern": "^[0-9a-f]{24}$"}, "contactID": {"type": "string"},
                   "status": {"type": "string", "enum": ["subscribed", "unsubscribed"]}},
}


@blueprint.get("/runs")
def list_runs():
    unknown = sorted(set(request.args) - set(FILTERS))
    if unknown:
        raise Invalid([Problem(name, "unknown", detail=f"filters are {', '.join(FILTERS)}") for name in unknown])
    return jsonify({"runs": g.sandbox.runs(**{name: request.args[name] for name in FILTERS if name in request.args})})


@blueprint.post("/engagement")
def add_engagement():
    data = checked_body(ENGAGEMENT)
    return jsonify({"message": g.sandbox.engage(data["message_id"], data["type"], data.get("url"))})


@blueprint.post("/omnisend/push-subscriptions")
def push_subscription():
    data = checked_body(PUSH)
    status = data.get("status", "subscribed")
    sandbox = g.sandbox
    sandbox.omnisend_engine.set_push(sandbox.omnisend_brand(data["brand"]), data["contactID"], status)
    return jsonify({"contactID": data["contactID"], "status": status})
