"""Dated `POST /events`: a customer event (recommended or custom) -> 202 with no body."""
from __future__ import annotations

from simulator.omnisend.events import EventInput, accept
from simulator.surfaces.omnisend_api import blueprint, operation
from simulator.surfaces.omnisend_api.common import body, brand, empty, now


@blueprint.post("/events")
@operation("createEvent")
def create_event():
    data = body("createEvent")
    accept(brand(), EventInput(name=data.get("eventName"), origin=data.get("origin"),
                               version=data.get("eventVersion"), event_id=data.get("eventID"),
                               time=data.get("eventTime"), contact=data.get("contact") or {},
                               properties=data.get("properties") or {}), now())
    return empty(202)
