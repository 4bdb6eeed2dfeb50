"""Dated campaigns: the cursor-paged list, one campaign, and what only this line can do (create,
update, delete, copy, send, cancel, test email, A/B-test control, UTM tags: `omnisend.dated_campaigns`),
over the same campaigns v3 sees, in this line's names and statuses (`campaigns.DATED_STATUS`)."""
from __future__ import annotations

import datetime as _dt

from flask import jsonify

from simulator.core.timefmt import iso
from simulator.errors import Problem
from simulator.omnisend import dated_campaigns as rules
from simulator.omnisend.campaigns import (DATED_CHANNELS, DATED_SORTS, DATED_STATUSES, DATED_TYPES, Campaign,
                                          CampaignSearch, campaigns_of, dated_status, dated_type, send_on_clock)
from simulator.surfaces.omnisend_api import blueprint, operation
from simulator.surfaces.omnisend_api.common import body, brand, cursor_page, empty, now, reply, sandbox
from simulator.surfaces.omnisend_api.listing import Query

PARAMETERS = ("nameContains", "status", "channel", "type", "parentCampaignID", "createdAtFrom", "createdAtTo",
              "updatedAtFrom", "updatedAtTo", "sort", "direction", "limit", "after", "before")


def campaign_json(campaign: Campaign) -> dict:
    details = campaign.details
    content = {channel: {k: v for k, v in given.items() if k != "templateID"}
               for channel, given in (details.get("content") or {}).items() if isinstance(given, dict)}
    email = {key: value for key, value in (("subject", campaign.subject), ("senderName", campaign.from_name))
             if value is not None}
    if campaign.channel == "email":
        content["email"] = {**content.get("email", {}), **email}
    audience = {"includedSegmentIDs": [], "excludedSegmentIDs": [], **(details.get("audience") or {})}
    audience["includedSegmentIDs"] = list(campaign.segments)
    out = {"id": campaign.id, "brandID": brand().id, "name": campaign.name, "status": dated_status(campaign),
           "type": dated_type(campaign), "channel": campaign.channel, "content": content, "audience": audience,
           "createdAt": iso(campaign.created_at), "updatedAt": iso(campaign.updated_at)}
    out.update({name: details[name] for name in ("abTest", "boosterSettings", "sendingSettings", "language")
                if name in details})
    if campaign.start_date is not None:
        out["startedAt"] = iso(campaign.start_date)
    if campaign.end_date is not None:
        out["endedAt"] = iso(campaign.end_date)
    return out


@blueprint.get("/campaigns")
@operation("listCampaigns")
def list_campaigns():
    query = Query(known=PARAMETERS)
    page_size = query.integer("limit", 100, 1, 250)
    sort = query.choice("sort", DATED_SORTS)
    direction = query.choice("direction", ("asc", "desc"))
    if direction is not None and sort is None:
        query.problems.append(Problem("direction", "invalid", detail="direction is only valid together with sort"))
    search = CampaignSearch(
        name_contains=query.text("nameContains", max_length=200), statuses=query.choices("status", DATED_STATUSES),
        channels=query.choices("channel", DATED_CHANNELS), type=query.choice("type", DATED_TYPES),
        parent_id=query.text("parentCampaignID"),
        created_from=query.instant("createdAtFrom"), created_to=query.instant("createdAtTo"),
        updated_from=query.instant("updatedAtFrom"), updated_to=query.instant("updatedAtTo"))
    query.cursors()
    query.done()
    found = campaigns_of(brand()).search(search, sort or "createdAt", descending=direction != "asc")
    page, paging = cursor_page(found, lambda c: c.id, page_size)
    return jsonify({"campaigns": [campaign_json(c) for c in page], "paging": paging})


@blueprint.get("/campaigns/<campaign_id>")
@operation("getCampaign")
def get_campaign(campaign_id: str):
    return jsonify(campaign_json(campaigns_of(brand()).get(campaign_id)))


@blueprint.post("/campaigns")
@operation("createCampaign")
def create_campaign():
    return reply(campaign_json(rules.create(campaigns_of(brand()), body("createCampaign"), now())), 201)


@blueprint.patch("/campaigns/<campaign_id>")
@operation("updateCampaign")
def update_campaign(campaign_id: str):
    campaigns_of(brand()).get(campaign_id)  # 404 before 400
    return reply(campaign_json(rules.update(campaigns_of(brand()), campaign_id, body("updateCampaign"), now())))


@blueprint.delete("/campaigns/<campaign_id>")
@operation("deleteCampaign")
def delete_campaign(campaign_id: str):
    rules.delete(campaigns_of(brand()), campaign_id)
    return empty(204)


@blueprint.post("/campaigns/<campaign_id>/copy")
@operation("copyCampaign")
def copy_campaign(campaign_id: str):
    return reply(campaign_json(rules.copy_of(campaigns_of(brand()), campaign_id, now())), 201)


@blueprint.post("/campaigns/<campaign_id>/send")
@operation("sendCampaign")
def send_campaign(campaign_id: str):
    book = campaigns_of(brand())
    campaign, start_at = rules.send(book, campaign_id, now())
    settings = sandbox().settings
    send_on_clock(book, campaign, sandbox().scheduler, sandbox().messages,
                  _dt.timedelta(seconds=settings.v3_campaign_send_seconds), start_at)
    return empty(204)


@blueprint.post("/campaigns/<campaign_id>/cancel")
@operation("cancelCampaign")
def cancel_campaign(campaign_id: str):
    rules.cancel(campaigns_of(brand()), campaign_id, now())
    return empty(204)


@blueprint.post("/campaigns/<campaign_id>/test-email")
@operation("sendCampaignTestEmail")
def send_campaign_test_email(campaign_id: str):
    book = campaigns_of(brand())
    book.get(campaign_id)  # 404 before 400
    rules.send_test(book, campaign_id, body("sendCampaignTestEmail")["recipients"], sandbox().messages, now())
    return empty(204)


@blueprint.post("/campaigns/<campaign_id>/ab-test/stop")
@operation("stopCampaignAbTest")
def stop_ab_test(campaign_id: str):
    rules.stop_ab_test(campaigns_of(brand()), campaign_id, now())
    return empty(204)


@blueprint.post("/campaigns/<campaign_id>/ab-test/resume")
@operation("resumeCampaignAbTest")
def resume_ab_test(campaign_id: str):
    rules.resume_ab_test(campaigns_of(brand()), campaign_id, now())
    return empty(204)


@blueprint.post("/campaigns/<campaign_id>/ab-test/winner")
@operation("selectCampaignAbTestWinner")
def pick_winner(campaign_id: str):
    book = campaigns_of(brand())
    book.get(campaign_id)  # 404 before 400
    rules.pick_winner(book, campaign_id, body("selectCampaignAbTestWinner")["variantID"], now())
    return empty(204)


@blueprint.get("/campaigns/<campaign_id>/utm")
@operation("getCampaignUtm")
def get_campaign_utm(campaign_id: str):
    return jsonify(rules.utm_of(campaigns_of(brand()).get(campaign_id)))


@blueprint.put("/campaigns/<campaign_id>/utm")
@operation("putCampaignUtm")
def put_campaign_utm(campaign_id: str):
    campaigns_of(brand()).get(campaign_id)
    campaign = rules.replace_utm(campaigns_of(brand()), campaign_id, body("putCampaignUtm"), now())
    return jsonify(rules.utm_of(campaign))
