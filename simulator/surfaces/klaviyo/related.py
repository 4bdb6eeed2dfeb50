"""Related-resource reads whose answer a hand-written model holds (the generic store cannot know a
profile's lists or an event's metric), and the account endpoints, which read the key's own account.

Klaviyo's account endpoints answer the account the key belongs to; clients call `GET /api/accounts`
as their key check and read `data[0]`."""
from __future__ import annotations

from flask import jsonify, request

from simulator.errors import NotFound
from simulator.klaviyo.account_settings import account_settings_of
from simulator.klaviyo.events import events_of
from simulator.klaviyo.lists import lists_of
from simulator.klaviyo.metrics import metrics_of
from simulator.klaviyo.profiles import profiles_of
from simulator.klaviyo.resources import resources_of
from simulator.surfaces.klaviyo import api_blueprint, operation
from simulator.surfaces.klaviyo.common import account
from simulator.surfaces.klaviyo.jsonapi import collection, page_of, page_size, resource, single
from simulator.surfaces.klaviyo.lists import list_json
from simulator.surfaces.klaviyo.metrics import metric_json
from simulator.surfaces.klaviyo.profiles import additional_fields, profile_json


def _ids(type_: str, ids: list[str]) -> dict:
    return {"data": [{"type": type_, "id": i} for i in ids], "links": {"self": request.base_url}}


@api_blueprint.get("/profiles/<profile_id>/lists")
@operation("get_lists_for_profile")
def lists_for_profile(profile_id: str):
    profiles_of(account()).records.get(profile_id)
    page, next_position = page_of(lists_of(account()).lists_of(profile_id), lambda x: x.id, 10)
    return jsonify(collection([list_json(x) for x in page], next_position))


@api_blueprint.get("/profiles/<profile_id>/relationships/lists")
@operation("get_list_ids_for_profile")
def list_ids_for_profile(profile_id: str):
    profiles_of(account()).records.get(profile_id)
    return jsonify(_ids("list", [x.id for x in lists_of(account()).lists_of(profile_id)]))


@api_blueprint.get("/lists/<list_id>/relationships/profiles")
@operation("get_profile_ids_for_list")
def profile_ids_for_list(list_id: str):
    members = list(lists_of(account()).records.get(list_id).members)
    page, next_position = page_of(members, lambda x: x, 1000)
    return jsonify(collection([{"type": "profile", "id": i} for i in page], next_position))


@api_blueprint.get("/events/<event_id>/metric")
@operation("get_metric_for_event")
def metric_for_event(event_id: str):
    event = events_of(account()).records.get(event_id)
    return jsonify(single(metric_json(metrics_of(account()).records.get(event.metric_id))))


@api_blueprint.get("/events/<event_id>/relationships/metric")
@operation("get_metric_id_for_event")
def metric_id_for_event(event_id: str):
    event = events_of(account()).records.get(event_id)
    return jsonify({"data": {"type": "metric", "id": event.metric_id}, "links": {"self": request.base_url}})


@api_blueprint.get("/events/<event_id>/profile")
@operation("get_profile_for_event")
def profile_for_event(event_id: str):
    owner = account()
    event = events_of(owner).records.get(event_id)
    return jsonify(single(profile_json(owner, profiles_of(owner).records.get(event.profile_id))))


@api_blueprint.get("/events/<event_id>/relationships/profile")
@operation("get_profile_id_for_event")
def profile_id_for_event(event_id: str):
    event = events_of(account()).records.get(event_id)
    return jsonify({"data": {"type": "profile", "id": event.profile_id}, "links": {"self": request.base_url}})


def _import_job_links(job_id: str, name: str) -> list[str]:
    """The ids a bulk import job (a 404 when there is none) links to under `name`."""
    job = resources_of(account()).of("profile-bulk-import-job").get(job_id)
    linkage = job.links.get(name) or []
    return [i for _, i in linkage]


@api_blueprint.get("/profile-bulk-import-jobs/<job_id>/profiles")
@operation("get_profiles_for_bulk_import_profiles_job")
def profiles_for_import_job(job_id: str):
    """The profiles a bulk import job created or updated (its `profiles` linkage), still held."""
    owner = account()
    book = profiles_of(owner).records
    found = [book.find(i) for i in _import_job_links(job_id, "profiles") if i in book]
    page, next_position = page_of(found, lambda x: x.id, page_size(20, 1, 100))
    return jsonify(collection([profile_json(owner, x, additional_fields()) for x in page], next_position))


@api_blueprint.get("/profile-bulk-import-jobs/<job_id>/lists")
@operation("get_list_for_bulk_import_profiles_job")
def lists_for_import_job(job_id: str):
    book = lists_of(account()).records
    found = [book.find(i) for i in _import_job_links(job_id, "lists") if i in book]
    return jsonify(collection([list_json(x) for x in found], None))


def account_json() -> dict:
    owner = account()
    return resource("account", owner.id, {**account_settings_of(owner).to_json(), "public_api_key": owner.id})


@api_blueprint.get("/accounts")
@operation("get_accounts")
def get_accounts():
    return jsonify(collection([account_json()], None))


@api_blueprint.get("/accounts/<account_id>")
@operation("get_account")
def get_account(account_id: str):
    if account_id != account().id:
        raise NotFound("account", account_id)
    return jsonify(single(account_json()))
