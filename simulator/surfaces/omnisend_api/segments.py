"""Dated segments: create, list (cursor-paged), get, replace, delete, and the member count.

List cursors carry their sort and direction, as the spec describes: a later page needs only the
cursor, and a sort sent with a cursor must be the cursor's own (else 400)."""
from __future__ import annotations

from flask import jsonify

from simulator.core.timefmt import iso
from simulator.errors import Invalid, Problem
from simulator.omnisend.segments import SORTS, Segment, members, segments_of
from simulator.surfaces.omnisend_api import blueprint, operation
from simulator.surfaces.omnisend_api.common import body, brand, cursor_page, empty, now, reply
from simulator.surfaces.omnisend_api.listing import Query


def segment_json(segment: Segment) -> dict:
    return {"segmentID": segment.id, "name": segment.name, "conditionGroups": segment.condition_groups,
            "status": segment.status, "isStarred": segment.is_starred, "createdAt": iso(segment.created_at),
            "updatedAt": iso(segment.updated_at),
            "archivedAt": iso(segment.archived_at) if segment.archived_at else None}


@blueprint.post("/segments")
@operation("createSegment")
def create_segment():
    data = body("createSegment")
    return reply(segment_json(segments_of(brand()).create(data["name"], data["conditionGroups"], now())), 201)


@blueprint.get("/segments")
@operation("listSegments")
def list_segments():
    query = Query()
    page_size = query.integer("limit", 10, 1, 50)
    sort, direction = query.choice("sort", SORTS), query.choice("direction", ("asc", "desc"))
    cursor = query.cursors() or {}
    for name, sent in (("sort", sort), ("direction", direction)):
        if cursor and sent is not None and cursor.get(name) != sent:
            query.problems.append(Problem(name, "invalid",
                                          detail=f"{name} must match the cursor's ({cursor.get(name)})"))
    query.done()
    sort = cursor.get("sort") or sort or "createdAt"
    direction = cursor.get("direction") or direction or "desc"
    if sort not in SORTS or direction not in ("asc", "desc"):
        raise Invalid([Problem("after", "format", expected="a cursor from paging.cursors", got="")])
    found = segments_of(brand()).list(sort, descending=direction == "desc")
    page, paging = cursor_page(found, lambda s: s.id, page_size, {"sort": sort, "direction": direction})
    return jsonify({"segments": [segment_json(s) for s in page], "paging": paging})


@blueprint.get("/segments/<segment_id>")
@operation("getSegment")
def get_segment(segment_id: str):
    return reply(segment_json(segments_of(brand()).get(segment_id)))


@blueprint.put("/segments/<segment_id>")
@operation("updateSegment")
def update_segment(segment_id: str):
    book = segments_of(brand())
    book.get(segment_id)  # 404 before 400
    data = body("updateSegment")
    return reply(segment_json(book.replace(segment_id, data["name"], data["conditionGroups"], now())))


@blueprint.delete("/segments/<segment_id>")
@operation("deleteSegment")
def delete_segment(segment_id: str):
    segments_of(brand()).delete(segment_id)
    return empty(204)


@blueprint.get("/segments/<segment_id>/statistics")
@operation("getSegmentStatistics")
def get_segment_statistics(segment_id: str):
    segments_of(brand()).get(segment_id)
    return jsonify({"contactsCount": len(members(brand(), segment_id, now()))})
