"""Dated event metadata: declare a brand-custom event, merge changes into it, and query a category's
events (`omnisend.event_metadata` holds the rules)."""
from __future__ import annotations

from flask import jsonify

from simulator.omnisend.event_metadata import EventMetadata, event_metadata_of
from simulator.surfaces.omnisend_api import blueprint, operation
from simulator.surfaces.omnisend_api.common import body, brand, reply


def event_json(event: EventMetadata) -> dict:
    return {"name": event.name, "displayName": event.display_name, "origins": [event.origin],
            "explicitlyDefined": True, "properties": event.properties}


@blueprint.post("/event-metadata")
@operation("createEventMetadata")
def create_event_metadata():
    return reply({"event": event_json(event_metadata_of(brand()).declare(body("createEventMetadata")))}, 201)


@blueprint.put("/event-metadata")
@operation("replaceEventMetadata")
def merge_event_metadata():
    return jsonify({"event": event_json(event_metadata_of(brand()).merge(body("replaceEventMetadata")))})


@blueprint.post("/event-metadata/query")
@operation("queryEventMetadata")
def query_event_metadata():
    data = body("queryEventMetadata")
    found = event_metadata_of(brand()).query(data.get("events"), data.get("origins"),
                                             bool(data.get("excludeCustomEvents")))
    if not data.get("includeProperties"):
        found = [{k: v for k, v in e.items() if k != "properties"} for e in found]
    return jsonify({"events": found})
