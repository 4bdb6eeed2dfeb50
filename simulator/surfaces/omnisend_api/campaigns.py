"""Dated campaigns, read-only here: the cursor-paged list and one campaign, over the campaigns v3
sees (seeded through the control API), in this line's names and statuses (`campaigns.DATED_STATUS`)."""
from __future__ import annotations

from flask import jsonify

from simulator.core.timefmt import iso
from simulator.errors import Problem
from simulator.omnisend.campaigns import (DATED_CHANNELS, DATED_SORTS, DATED_STATUSES, DATED_TYPES, Campaign,
                                          CampaignSearch, campaigns_of, dated_status, dated_type)
from simulator.surfaces.omnisend_api import blueprint, operation
from simulator.surfaces.omnisend_api.common import brand, cursor_page
from simulator.surfaces.omnisend_api.listing import Query

PARAMETERS = ("nameContains", "status", "channel", "type", "parentCampaignID", "createdAtFrom", "createdAtTo",
              "updatedAtFrom", "updatedAtTo", "sort", "direction", "limit", "after", "before")


def campaign_json(campaign: Campaign) -> dict:
    email = {key: value for key, value in (("subject", campaign.subject), ("senderName", campaign.from_name))
             if value is not None}
    out = {"id": campaign.id, "brandID": brand().id, "name": campaign.name, "status": dated_status(campaign),
           "type": dated_type(campaign), "channel": "email", "content": {"email": email},
           "audience": {"includedSegmentIDs": list(campaign.segments), "excludedSegmentIDs": []},
           "createdAt": iso(campaign.created_at), "updatedAt": iso(campaign.updated_at)}
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
