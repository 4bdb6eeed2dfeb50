"""Event metadata of the dated line: the well-known events every brand sees, and the brand's own
declared ones (https://api-docs.omnisend.com/reference, "Event metadata").

Rules: a brand-custom event is named by `name` + `origin`; declaring one needs `displayName` and at
least one top-level property, and a name already taken (by the brand or by a well-known event) is a
409. An update merges: omitted metadata and properties stay, none is deleted, and an explicitly
defined property keeps its type (409). A query lists a category's events, narrowed by names and
origins, with properties only when asked for. Every node the brand declares is `explicitlyDefined`."""
from __future__ import annotations

import copy
from dataclasses import dataclass, field

from simulator.errors import Conflict, Invalid, NotFound, Problem
from simulator.omnisend.brand import Brand

# The Events-API events Omnisend documents for automations and segments (names, as sent by clients).
WELL_KNOWN = ("added product to cart", "started checkout", "placed order", "ordered product", "order fulfilled",
              "order refunded", "order canceled", "paid for order", "viewed product")
CATEGORIES = ("automations", "events", "segments")


@dataclass
class EventMetadata:
    name: str
    origin: str
    display_name: str
    properties: dict = field(default_factory=dict)  # name -> {type, displayName?, ..., explicitlyDefined}


def _flagged(properties: dict) -> dict:
    """The declared property tree with every node marked `explicitlyDefined` (a node that is not an
    object, which only a struct's children may be, is kept as given)."""
    out = {}
    for name, node in properties.items():
        if isinstance(node, dict):
            node = {**copy.deepcopy(node), "explicitlyDefined": True}
            if isinstance(node.get("properties"), dict):
                node["properties"] = _flagged(node["properties"])
        out[name] = node
    return out


class EventMetadataBook:
    def __init__(self, brand: Brand):
        self.brand = brand
        self._events: dict[tuple[str, str], EventMetadata] = {}

    def declare(self, body: dict) -> EventMetadata:
        problems = []
        if not body.get("displayName"):
            problems.append(Problem("displayName", "required"))
        if not body.get("properties"):
            problems.append(Problem("properties", "required", detail="At least one top-level property is required."))
        if problems:
            raise Invalid(problems)
        key = (body["name"], body["origin"])
        if key in self._events or body["name"] in WELL_KNOWN:
            raise Conflict(f"Event '{body['name']}' already exists or collides with a well-known event.")
        made = self._events[key] = EventMetadata(body["name"], body["origin"], body["displayName"],
                                                 _flagged(body["properties"]))
        return made

    def merge(self, body: dict) -> EventMetadata:
        found = self._events.get((body["name"], body["origin"]))
        if found is None:
            raise NotFound("event", f"{body['name']} ({body['origin']})")
        changed = _flagged(body.get("properties") or {})
        for name, node in changed.items():
            current = found.properties.get(name)
            if current is not None and current.get("type") != node.get("type"):
                raise Conflict(f"Property '{name}' is {current.get('type')}; its type cannot change.")
        found.properties.update(changed)
        if body.get("displayName"):
            found.display_name = body["displayName"]
        return found

    def query(self, names: list[str] | None, origins: list[str] | None, exclude_custom: bool) -> list[dict]:
        """(name, display name, origins, properties or None) of each matching event, well-known first."""
        found = [{"name": n, "displayName": n[:1].upper() + n[1:], "origins": ["api"], "properties": {}}
                 for n in WELL_KNOWN]
        if not exclude_custom:
            found += [{"name": e.name, "displayName": e.display_name, "origins": [e.origin],
                       "properties": e.properties, "explicitlyDefined": True} for e in self._events.values()]
        return [e for e in found if (not names or e["name"] in names)
                and (not origins or set(e["origins"]) & set(origins))]


def event_metadata_of(brand: Brand) -> EventMetadataBook:
    return brand.event_metadata
