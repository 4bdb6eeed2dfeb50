"""Lists: create (201), list (10 a page at most), get (with `profile_count` on request), add and remove
members (204; an unknown profile id is a 404 and changes nothing), and a list's profiles."""
from __future__ import annotations

from flask import jsonify

from simulator.core.timefmt import iso
from simulator.klaviyo.lists import KlaviyoList, lists_of
from simulator.klaviyo.profiles import profiles_of
from simulator.surfaces.klaviyo import api_blueprint, operation
from simulator.surfaces.klaviyo.common import account, checked_body, empty, now
from simulator.surfaces.klaviyo.filters import compare, parse_filter
from simulator.surfaces.klaviyo.jsonapi import answer, listed, page_size, paged, relationship, resource, single, sorted_by
from simulator.surfaces.klaviyo.profiles import additional_fields, matching, profile_json

FILTERS = {"name": {"any", "equals"}, "id": {"any", "equals"}, "created": {"greater-than"},
           "updated": {"greater-than"}}
SORTS = {"created": lambda x: x.created, "id": lambda x: x.id, "name": lambda x: x.name, "updated": lambda x: x.updated}
MEMBER_FILTERS = {"email": {"any", "equals"}, "phone_number": {"any", "equals"}, "_kx": {"equals"},
                  "joined_group_at": {"greater-or-equal", "greater-than", "less-or-equal", "less-than"}}


def list_json(found: KlaviyoList, with_count: bool = False) -> dict:
    attributes = {"name": found.name, "created": iso(found.created), "updated": iso(found.updated),
                  "opt_in_process": found.opt_in_process}
    if with_count:
        attributes["profile_count"] = len(found.members)
    me = {"type": "list", "id": found.id}
    return resource("list", found.id, attributes, {
        "profiles": relationship(me, "profiles"), "tags": relationship(me, "tags", []),
        "flow-triggers": relationship(me, "flow-triggers")})


@api_blueprint.post("/lists")
@operation("create_list")
def create_list():
    attributes = checked_body("create_list")["data"]["attributes"]
    made = lists_of(account()).create(attributes["name"], attributes.get("opt_in_process"), now())
    return answer(single(list_json(made)), 201)


@api_blueprint.get("/lists")
@operation("get_lists")
def get_lists():
    conditions = parse_filter(FILTERS)
    listed("include", ("flow-triggers", "tags"))  # tags are not modelled; flow triggers belong to the flows
    size = page_size(10, 1, 10)
    found = [x for x in lists_of(account()).records
             if all(compare(op, getattr(x, field), value) for field, op, value in conditions)]
    return paged(sorted_by(found, SORTS), size, list_json)


@api_blueprint.get("/lists/<list_id>")
@operation("get_list")
def get_list(list_id: str):
    with_count = "profile_count" in listed("additional-fields[list]", ("profile_count",))
    listed("include", ("flow-triggers", "tags"))
    return jsonify(single(list_json(lists_of(account()).records.get(list_id), with_count)))


def _member_ids(operation_id: str) -> list[str]:
    return [item["id"] for item in checked_body(operation_id)["data"]]


@api_blueprint.post("/lists/<list_id>/relationships/profiles")
@operation("add_profiles_to_list")
def add_profiles(list_id: str):
    book = lists_of(account())
    book.records.get(list_id)  # 404 for the list before the body is read
    book.add(list_id, _member_ids("add_profiles_to_list"), now())
    return empty(204)


@api_blueprint.delete("/lists/<list_id>/relationships/profiles")
@operation("remove_profiles_from_list")
def remove_profiles(list_id: str):
    book = lists_of(account())
    book.records.get(list_id)
    book.remove(list_id, _member_ids("remove_profiles_from_list"), now())
    return empty(204)


@api_blueprint.get("/lists/<list_id>/profiles")
@operation("get_profiles_for_list")
def list_members(list_id: str):
    return members_page(lists_of(account()).records.get(list_id).members, MEMBER_FILTERS)


def members_page(members: dict, filters: dict, ids_only: bool = False):
    """A page of a list's or segment's members (profile id -> joined at), filtered by profile fields
    and `joined_group_at`, sortable by `joined_group_at`; the profiles, or only their identifiers."""
    owner = account()
    conditions = parse_filter(filters)
    extra = additional_fields()
    size = page_size(20, 1, 100)
    joined = [c for c in conditions if c[0] == "joined_group_at"]
    profiles = [profiles_of(owner).records.get(pid) for pid, at in members.items()
                if all(compare(op, at, value) for _, op, value in joined)]
    found = matching(profiles, [c for c in conditions if c[0] != "joined_group_at"])
    found = sorted_by(found, {"joined_group_at": lambda p: members[p.id]})
    if ids_only:
        return paged(found, size, lambda p: {"type": "profile", "id": p.id})
    return paged(found, size, lambda p: profile_json(owner, p, extra, joined=members[p.id]))
