"""The campaign operations that act rather than store: send (202), cancel or revert a send (204),
refresh the recipient estimate (202) and assign a template to a message (200). Their rules are in
`simulator.klaviyo.campaigns`; the reads (send jobs, estimates, campaigns, messages) are the
generic resource's."""
from __future__ import annotations

from flask import g

from simulator.errors import Invalid, Problem
from simulator.klaviyo import campaigns
from simulator.surfaces.klaviyo import api_blueprint, operation
from simulator.surfaces.klaviyo.common import account, body, empty, now
from simulator.surfaces.klaviyo.generic import resource_json
from simulator.surfaces.klaviyo.jsonapi import answer, single


def _data(record_id: str | None = None) -> dict:
    """The body's `data`: of the operation's type, with a string id (matching the URL's, if any)."""
    document = body()
    data = document.get("data") if isinstance(document, dict) else None
    if not isinstance(data, dict):
        raise Invalid([Problem("data", "required", detail="'data' is a required field.")])
    wanted = g.operation.facts.get("request_type")
    problems = []
    if data.get("type") != wanted:
        problems.append(Problem("data.type", "invalid", detail=f"Expected type '{wanted}', got '{data.get('type')}'."))
    if not isinstance(data.get("id"), str) or (record_id is not None and data["id"] != record_id):
        problems.append(Problem("data.id", "invalid", detail="'id' must be the id of the resource acted on."))
    if problems:
        raise Invalid(problems)
    return data


@api_blueprint.post("/campaign-send-jobs")
@operation("send_campaign")
def send_campaign():
    return answer(single(resource_json(campaigns.send(account(), _data()["id"], now()))), 202)


@api_blueprint.patch("/campaign-send-jobs/<job_id>")
@operation("cancel_campaign_send")
def cancel_campaign_send(job_id: str):
    attributes = _data(job_id).get("attributes")
    action = attributes.get("action") if isinstance(attributes, dict) else None
    if not isinstance(action, str):
        raise Invalid([Problem("data.attributes.action", "required")])
    campaigns.cancel(account(), job_id, action, now())
    return empty(204)


@api_blueprint.post("/campaign-recipient-estimation-jobs")
@operation("refresh_campaign_recipient_estimation")
def refresh_campaign_recipient_estimation():
    return answer(single(resource_json(campaigns.estimate(account(), _data()["id"], now()))), 202)


@api_blueprint.post("/campaign-message-assign-template")
@operation("assign_template_to_campaign_message")
def assign_template_to_campaign_message():
    data = _data()
    template = ((data.get("relationships") or {}).get("template") or {}).get("data")
    if not isinstance(template, dict) or not isinstance(template.get("id"), str):
        raise Invalid([Problem("data.relationships.template.data.id", "required")])
    return answer(single(resource_json(campaigns.assign_template(account(), data["id"], template["id"], now()))))
