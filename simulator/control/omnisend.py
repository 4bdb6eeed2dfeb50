"""Control API for what an Omnisend account holds but v3 cannot create: campaigns and custom event
definitions with required fields (both are made in the Omnisend app).

    POST /_sim/omnisend/campaigns {"brand": "<24 hex>", "name": ..., ...}  -> 201 the campaign, as v3 shows it
    POST /_sim/omnisend/events    {"brand": "<24 hex>", "systemName": ..., "fields": [...]} -> 201 the event
    POST /_sim/omnisend/back-in-stock-subscriptions {"brand", "email", "productID", "variantID"} -> 201
        (Omnisend's on-site back-in-stock form, which has no public API)

In-process: `Sandbox.add_omnisend_campaign(brand, **fields)` and `Sandbox.add_omnisend_event(...)`
call the same functions."""
from __future__ import annotations

from flask import g, jsonify, request

from simulator.control import blueprint, check, checked_body
from simulator.core.emails import EMAIL
from simulator.core.timefmt import iso, parse_instant
from simulator.errors import Invalid, Problem
from simulator.http import read_json
from simulator.omnisend.back_in_stock import subscribe
from simulator.omnisend.campaigns import FLAGS, CampaignInput, campaigns_of
from simulator.omnisend.catalog import catalog_of
from simulator.omnisend.custom_events import FIELD_TYPES, EventField, events_of

_BRAND = {"type": "string", "pattern": "^[0-9a-f]{24}$"}
_DATE = {"type": "string", "minLength": 1}
CAMPAIGN = {
    "type": "object", "additionalProperties": False, "required": ["brand", "name"],
    "properties": {
        "brand": _BRAND, "name": {"type": "string", "minLength": 1},
        "status": {"type": "string", "enum": ["draft", "paused", "scheduled", "inProgress", "sent"]},
        "type": {"type": "string", "minLength": 1}, "fromName": {"type": "string"},
        "subject": {"type": "string"}, "url": {"type": "string"},
        "createdAt": _DATE, "startDate": _DATE, "endDate": _DATE,
        "segments": {"type": "array", "items": {"type": "string"}},
        "recipients": {"type": "array", "items": {
            "type": "object", "additionalProperties": False,
            "properties": {"contactID": {"type": "string"}, "email": {"type": "string"},
                           **{flag: {"type": "boolean"} for flag in FLAGS}}}},
    },
}
EVENT = {
    "type": "object", "additionalProperties": False, "required": ["brand", "systemName"],
    "properties": {
        "brand": _BRAND, "systemName": {"type": "string", "minLength": 1}, "name": {"type": "string"},
        "enabled": {"type": "boolean"},
        "fields": {"type": "array", "items": {
            "type": "object", "additionalProperties": False, "required": ["systemName", "type"],
            "properties": {"systemName": {"type": "string", "minLength": 1}, "name": {"type": "string"},
                           "type": {"type": "string", "enum": list(FIELD_TYPES)},
                           "required": {"type": "boolean"}}}},
    },
}


def _instant(data: dict, name: str, problems: list[Problem]):
    if name not in data:
        return None
    try:
        return parse_instant(data[name])
    except (TypeError, ValueError):
        problems.append(Problem(name, "format", detail="an ISO-8601 instant"))
        return None


def seed_campaign(sandbox, data) -> dict:
    """Add a campaign to a brand; its v3 JSON."""
    from simulator.surfaces.omnisend_v3.campaigns import campaign_json  # the control API answers in v3's shape
    data = check(CAMPAIGN, data)
    problems: list[Problem] = []
    dates = {name: _instant(data, name, problems) for name in ("createdAt", "startDate", "endDate")}
    if problems:
        raise Invalid(problems)
    brand = sandbox.omnisend_brand(data["brand"])
    campaign = campaigns_of(brand).add(CampaignInput(
        name=data["name"], status=data.get("status", "draft"), type=data.get("type", "regular"),
        from_name=data.get("fromName"), subject=data.get("subject"), url=data.get("url"),
        start_date=dates["startDate"], end_date=dates["endDate"], segments=data.get("segments", []),
        recipients=data.get("recipients", []), created_at=dates["createdAt"]), sandbox.clock.now())
    return campaign_json(campaign)


def seed_event(sandbox, data) -> dict:
    """Define a custom event (fields may be required, as only the app can make them); its v3 JSON."""
    from simulator.surfaces.omnisend_v3.events import event_json
    data = check(EVENT, data)
    brand = sandbox.omnisend_brand(data["brand"])
    fields = [EventField(f["systemName"], f.get("name") or f["systemName"], f["type"], f.get("required", False))
              for f in data.get("fields", [])]
    event = events_of(brand).define(data["systemName"], data.get("name"), fields, sandbox.clock.now(),
                                    enabled=data.get("enabled", True))
    return event_json(event)


@blueprint.post("/omnisend/campaigns")
def add_campaign():
    response = jsonify(seed_campaign(g.sandbox, read_json(request, g.sandbox.settings.max_body_bytes)))
    response.status_code = 201
    return response


@blueprint.post("/omnisend/events")
def add_event():
    response = jsonify(seed_event(g.sandbox, read_json(request, g.sandbox.settings.max_body_bytes)))
    response.status_code = 201
    return response


BACK_IN_STOCK = {
    "type": "object", "additionalProperties": False, "required": ["brand", "email", "productID", "variantID"],
    "properties": {"brand": _BRAND, "email": {"type": "string", "minLength": 3},
                   "productID": {"type": "string", "minLength": 1}, "variantID": {"type": "string", "minLength": 1}},
}


@blueprint.post("/omnisend/back-in-stock-subscriptions")
def add_back_in_stock_subscription():
    """Stands in for Omnisend's on-site back-in-stock form (no public API): 201 the subscription."""
    data = checked_body(BACK_IN_STOCK)
    if not EMAIL.match(data["email"]):
        raise Invalid([Problem("email", "format", detail="an email address")])
    brand = g.sandbox.omnisend_brand(data["brand"])
    product = catalog_of(brand).product(data["productID"])
    found = subscribe(brand, data["email"], product, data["variantID"], g.sandbox.clock.now())
    response = jsonify({"brand": brand.id, "contactID": found.contact_id, "email": data["email"],
                        "productID": found.product_id, "variantID": found.variant_id,
                        "createdAt": iso(found.created_at)})
    response.status_code = 201
    return response
