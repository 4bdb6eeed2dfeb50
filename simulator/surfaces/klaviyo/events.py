"""Events: create one or a bulk job (202, processed on the clock), get one, list them (filter, sort,
include metric and profile, 200 a page by default). The client endpoints reuse the parsing here."""
from __future__ import annotations

from flask import jsonify

from simulator.core.timefmt import iso
from simulator.klaviyo.events import Event, EventInput, accept, events_of
from simulator.klaviyo.metrics import metrics_of
from simulator.klaviyo.profiles import profiles_of
from simulator.surfaces.klaviyo import api_blueprint, operation
from simulator.surfaces.klaviyo.common import account, checked_body, empty, now
from simulator.surfaces.klaviyo.filters import compare, parse_filter
from simulator.surfaces.klaviyo.jsonapi import listed, page_size, paged, relationship, resource, single, sorted_by
from simulator.surfaces.klaviyo.metrics import metric_json
from simulator.surfaces.klaviyo.profiles import profile_json

INCLUDES = ("attributions", "metric", "profile")  # attributions (of campaigns and flows) are not modelled
RANGE = {"greater-or-equal", "greater-than", "less-or-equal", "less-than"}
FILTERS = {"metric_id": {"equals"}, "profile_id": {"equals"}, "profile": {"has"}, "metric": {"has"},
           "datetime": RANGE, "timestamp": RANGE}
SORTS = {"datetime": lambda e: e.time, "timestamp": lambda e: e.time}


def event_input(attributes: dict, path: str, profile: dict, profile_path: str, backfill: bool = False) -> EventInput:
    """One event of a body: its attributes at `path`, its profile's resource object at `profile_path`."""
    profile_attributes = dict(profile["attributes"])
    meta = profile_attributes.pop("meta", None) or profile.get("meta")
    return EventInput(path=path, profile_path=profile_path, profile_id=profile.get("id"), profile=profile_attributes,
                      profile_meta=meta, metric=attributes["metric"]["data"]["attributes"]["name"],
                      properties=attributes["properties"], time=attributes.get("time"), value=attributes.get("value"),
                      value_currency=attributes.get("value_currency"), unique_id=attributes.get("unique_id"),
                      backfill=bool(attributes.get("backfill")) or backfill)


def single_event(operation_id: str) -> list[EventInput]:
    attributes = checked_body(operation_id)["data"]["attributes"]
    return [event_input(attributes, "data.attributes", attributes["profile"]["data"], "data.attributes.profile.data")]


def bulk_entry(entry: dict, path: str) -> list[EventInput]:
    """The events of one bulk entry (one profile, many events); the entry's `backfill` covers them all."""
    attributes = entry["attributes"]
    return [event_input(event["attributes"], f"{path}.attributes.events.data[{i}].attributes",
                        attributes["profile"]["data"], f"{path}.attributes.profile.data",
                        bool(attributes.get("backfill")))
            for i, event in enumerate(attributes["events"]["data"])]


def event_json(event: Event) -> dict:
    me = {"type": "event", "id": event.id}
    return resource("event", event.id, {
        "timestamp": int(event.time.timestamp()), "event_properties": event.properties, "datetime": iso(event.time),
        "uuid": event.uuid}, {
        "profile": relationship(me, "profile", {"type": "profile", "id": event.profile_id}),
        "metric": relationship(me, "metric", {"type": "metric", "id": event.metric_id})})


def _included(events: list[Event], include: list[str]) -> list[dict]:
    owner, out, seen = account(), [], set()
    for event in events:
        if "metric" in include and ("metric", event.metric_id) not in seen:
            seen.add(("metric", event.metric_id))
            out.append(metric_json(metrics_of(owner).records.get(event.metric_id)))
        if "profile" in include and ("profile", event.profile_id) not in seen:
            seen.add(("profile", event.profile_id))
            out.append(profile_json(owner, profiles_of(owner).records.get(event.profile_id)))
    return out


@api_blueprint.post("/events")
@operation("create_event")
def create_event():
    accept(account(), single_event("create_event"), now())
    return empty(202)


@api_blueprint.post("/event-bulk-create-jobs")
@operation("bulk_create_events")
def bulk_create_events():
    entries = checked_body("bulk_create_events")["data"]["attributes"]["events-bulk-create"]["data"]
    where = "data.attributes.events-bulk-create.data"
    inputs = [one for i, entry in enumerate(entries) for one in bulk_entry(entry, f"{where}[{i}]")]
    accept(account(), inputs, now(), bulk=where)
    return empty(202)


def _value(event: Event, field: str):
    return {"metric_id": event.metric_id, "profile_id": event.profile_id, "profile": event.profile_id,
            "metric": event.metric_id, "datetime": event.time, "timestamp": event.time}[field]


@api_blueprint.get("/events")
@operation("get_events")
def get_events():
    conditions = parse_filter(FILTERS)
    include = listed("include", INCLUDES)
    size = page_size(200, 1, 1000)
    found = [e for e in events_of(account()).records
             if all(compare(op, _value(e, field), value) for field, op, value in conditions)]
    return paged(sorted_by(found, SORTS, default="datetime"), size, event_json, lambda page: _included(page, include))


@api_blueprint.get("/events/<event_id>")
@operation("get_event")
def get_event(event_id: str):
    include = listed("include", INCLUDES)
    event = events_of(account()).records.get(event_id)
    return jsonify(single(event_json(event), _included([event], include)))
