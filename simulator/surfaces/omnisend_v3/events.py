"""v3 events (legacy custom events): trigger by system name or by id (204), list and get definitions."""
from __future__ import annotations

from flask import jsonify

from simulator.omnisend.custom_events import CustomEvent, Trigger, events_of
from simulator.surfaces.omnisend_v3 import blueprint
from simulator.surfaces.omnisend_v3.common import body, brand, no_content, now, stamp


def event_json(event: CustomEvent) -> dict:
    out = {"eventID": event.id, "name": event.name, "systemName": event.system_name, "enabled": event.enabled,
           "createdAt": stamp(event.created_at), "updatedAt": stamp(event.updated_at)}
    if event.launched_at is not None:
        out["launchedAt"] = stamp(event.launched_at)
    out["fields"] = [{"name": f.name, "systemName": f.system_name, "type": f.type, "required": f.required}
                     for f in event.fields]
    return out


def _trigger(data: dict) -> Trigger:
    return Trigger(email=data.get("email"), phone=data.get("phone"), values=data.get("fields") or {})


@blueprint.post("/events")
def trigger_by_system_name():
    data = body("post-events")
    events_of(brand()).trigger_by_system_name(data["systemName"], data.get("name"), _trigger(data), now())
    return no_content()


@blueprint.post("/events/<event_id>")
def trigger_event(event_id: str):
    catalog = events_of(brand())
    catalog.get(event_id)  # 404 before 400: an unknown event makes the body moot
    catalog.trigger(event_id, _trigger(body("post-events-eventID")), now())
    return no_content()


@blueprint.get("/events")
def list_events():
    return jsonify([event_json(e) for e in events_of(brand()).all()])


@blueprint.get("/events/<event_id>")
def get_event(event_id: str):
    return jsonify(event_json(events_of(brand()).get(event_id)))
