"""Vendor rules about resources the generic store holds, one function each (`resources.on_create`).

A rule may refuse (raise), name the record's id (return it) or complete the attributes it stores.
Campaign rules are in `simulator.klaviyo.campaigns`.

Catalog ids: Klaviyo names a catalog item, variant or category `$custom:::$default:::<external_id>`
(integration type, catalog type, the client's id), so a second one with the same external id is a
409 ("A catalog item with this external_id already exists"), as Klaviyo's catalog reference says."""
from __future__ import annotations

import datetime as _dt

from simulator.errors import Conflict
from simulator.klaviyo.resources import ResourceStore, on_create


@on_create("catalog-item", "catalog-variant", "catalog-category")
def catalog_id(store: ResourceStore, type_: str, attributes: dict, now: _dt.datetime) -> str:
    record_id = ":::".join((attributes.get("integration_type") or "$custom",
                            attributes.get("catalog_type") or "$default", str(attributes.get("external_id"))))
    if record_id in store.of(type_):
        raise Conflict(f"A {type_.replace('-', ' ')} with this external_id already exists.",
                       field="data.attributes.external_id")
    return record_id

