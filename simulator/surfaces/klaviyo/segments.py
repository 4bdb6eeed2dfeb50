"""Segment membership as Klaviyo serves it: a segment's profiles and their ids (filtered and sorted
by `joined_group_at`, 20 a page), a profile's segments and their ids, and `profile_count` on
`additional-fields[segment]`. The segment records themselves are table operations (generic.py);
who is in a segment is `klaviyo/segments.py`'s."""
from __future__ import annotations

from flask import g, jsonify, request

from simulator.klaviyo.account import Account
from simulator.klaviyo.profiles import profiles_of
from simulator.klaviyo.resources import resources_of
from simulator.klaviyo.segments import SEGMENT, members_of, segment_members, segments_of_profile
from simulator.surfaces.klaviyo import api_blueprint, operation
from simulator.surfaces.klaviyo.common import account
from simulator.surfaces.klaviyo.generic import ADDITIONAL_FIELDS, resource_json
from simulator.surfaces.klaviyo.jsonapi import collection, page_of
from simulator.surfaces.klaviyo.lists import members_page


def _members(segment_id: str) -> dict:
    owner = account()
    segment_members(owner, segment_id)  # 404 for a segment that does not exist
    return members_of(owner).members.get(segment_id, {})


def _filters() -> dict:
    return {field: set(ops) for field, ops in g.operation.facts["filters"].items()}


def segments_json(owner: Account, segment_ids: list[str]) -> list[dict]:
    store = resources_of(owner).of(SEGMENT)
    return [resource_json(store.get(i)) for i in segment_ids]


@api_blueprint.get("/segments/<segment_id>/profiles")
@operation("get_profiles_for_segment")
def segment_profiles(segment_id: str):
    return members_page(_members(segment_id), _filters())


@api_blueprint.get("/segments/<segment_id>/relationships/profiles")
@operation("get_profile_ids_for_segment")
def segment_profile_ids(segment_id: str):
    return members_page(_members(segment_id), _filters(), ids_only=True)


@api_blueprint.get("/profiles/<profile_id>/segments")
@operation("get_segments_for_profile")
def profile_segments(profile_id: str):
    owner = account()
    profiles_of(owner).records.get(profile_id)
    page, next_position = page_of(segments_of_profile(owner, profile_id), lambda x: x, 10)
    return jsonify(collection(segments_json(owner, page), next_position))


@api_blueprint.get("/profiles/<profile_id>/relationships/segments")
@operation("get_segment_ids_for_profile")
def profile_segment_ids(profile_id: str):
    owner = account()
    profiles_of(owner).records.get(profile_id)
    return jsonify({"data": [{"type": SEGMENT, "id": i} for i in segments_of_profile(owner, profile_id)],
                    "links": {"self": request.base_url}})


def _profile_count(owner: Account, record) -> int:
    return len(members_of(owner).members.get(record.id, {}))


ADDITIONAL_FIELDS[(SEGMENT, "profile_count")] = _profile_count
