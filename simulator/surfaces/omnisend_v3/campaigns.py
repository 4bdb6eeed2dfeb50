"""v3 campaigns: list, get, delete, start, and the contacts each was sent to (offset-paged)."""
from __future__ import annotations

import datetime as _dt

from flask import g, jsonify, request

from simulator.errors import Invalid, Problem
from simulator.omnisend.campaigns import FLAGS, SORTS, STATUSES, Campaign, Recipient, campaigns_of, send_on_clock
from simulator.surfaces.omnisend_v3 import blueprint, paging
from simulator.surfaces.omnisend_v3.common import brand, no_content, now, settings, stamp


def campaign_json(campaign: Campaign) -> dict:
    out = {"campaignID": campaign.id, "name": campaign.name, "status": campaign.status, "type": campaign.type}
    for key, value in (("fromName", campaign.from_name), ("subject", campaign.subject), ("url", campaign.url)):
        if value is not None:
            out[key] = value
    out["createdAt"] = stamp(campaign.created_at)
    out["updatedAt"] = stamp(campaign.updated_at)
    if campaign.start_date is not None:
        out["startDate"] = stamp(campaign.start_date)
    if campaign.end_date is not None:
        out["endDate"] = stamp(campaign.end_date)
    for counter in ("sent", *FLAGS):
        out[counter] = campaign.count(counter)
    out["allSubscribers"] = campaign.all_subscribers
    out["segments"] = [{"segmentID": s} for s in campaign.segments]
    return out


def recipient_json(recipient: Recipient) -> dict:
    out = {"email": recipient.email, "contactID": recipient.contact_id, "sent": True}
    if recipient.email is None:
        del out["email"]
    out.update({flag: getattr(recipient, flag) for flag in FLAGS})
    return out


def _choice(name: str, allowed, problems: list[Problem]) -> str | None:
    value = request.args.get(name) or None
    if value is not None and value not in allowed:
        problems.append(Problem(name, "enum", expected=list(allowed), got=value))
        return None
    return value


def _flag(name: str, problems: list[Problem]) -> bool | None:
    value = request.args.get(name)
    if value is None or value == "":
        return None
    if value not in ("true", "false"):
        problems.append(Problem(name, "type", expected="boolean", got="string"))
        return None
    return value == "true"


def _paging(problems: list[Problem]) -> tuple[int, int]:
    try:
        return paging.limit_and_offset()
    except Invalid as invalid:
        problems += invalid.problems
        return paging.DEFAULT_LIMIT, 0


@blueprint.get("/campaigns")
def list_campaigns():
    problems: list[Problem] = []
    limit, offset = _paging(problems)
    status = _choice("status", STATUSES, problems)
    sort = _choice("sort", SORTS, problems)
    if problems:
        raise Invalid(problems)
    found = campaigns_of(brand()).list(status, request.args.get("type") or None, sort)
    page, page_info = paging.offset_page(found, limit, offset)
    return jsonify({"campaigns": [campaign_json(c) for c in page], "paging": page_info})


@blueprint.get("/campaigns/<campaign_id>")
def get_campaign(campaign_id: str):
    return jsonify(campaign_json(campaigns_of(brand()).get(campaign_id)))


@blueprint.delete("/campaigns/<campaign_id>")
def delete_campaign(campaign_id: str):
    campaigns_of(brand()).delete(campaign_id, settings().v3_campaign_delete)
    return no_content()


@blueprint.post("/campaigns/<campaign_id>/actions/start")
def start_campaign(campaign_id: str):
    book = campaigns_of(brand())
    campaign = book.start(campaign_id, now())
    sandbox = g.sandbox
    send_on_clock(book, campaign, sandbox.scheduler, sandbox.messages,
                  _dt.timedelta(seconds=sandbox.settings.v3_campaign_send_seconds))
    return jsonify({"campaignID": campaign.id})


@blueprint.get("/campaigns/<campaign_id>/contacts")
def list_campaign_contacts(campaign_id: str):
    campaign = campaigns_of(brand()).get(campaign_id)
    problems: list[Problem] = []
    limit, offset = _paging(problems)
    wanted = {flag: _flag(flag, problems) for flag in FLAGS}
    if problems:
        raise Invalid(problems)
    found = [r for r in campaign.recipients.values()
             if all(value is None or getattr(r, flag) == value for flag, value in wanted.items())]
    page, page_info = paging.offset_page(found, limit, offset)
    return jsonify({"contacts": [recipient_json(r) for r in page], "paging": page_info})


@blueprint.get("/campaigns/<campaign_id>/contacts/<contact_id>")
def get_campaign_contact(campaign_id: str, contact_id: str):
    return jsonify(recipient_json(campaigns_of(brand()).get(campaign_id).recipient(contact_id)))
