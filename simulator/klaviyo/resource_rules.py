"""Vendor rules about resources the generic store holds, one function each (`resources.on_create`).

A rule may refuse (raise), name the record's id (return it) or complete the attributes it stores.

Catalog ids: Klaviyo names a catalog item, variant or category `$custom:::$default:::<external_id>`
(integration type, catalog type, the client's id), so a second one with the same external id is a
409 ("A catalog item with this external_id already exists"), as Klaviyo's catalog reference says."""
from __future__ import annotations

import datetime as _dt

from simulator.errors import Conflict
from simulator.klaviyo import segments
from simulator.klaviyo.resources import ResourceStore, after_write, on_create, on_update


@on_create("catalog-item", "catalog-variant", "catalog-category")
def catalog_id(store: ResourceStore, type_: str, attributes: dict, now: _dt.datetime) -> str:
    record_id = ":::".join((attributes.get("integration_type") or "$custom",
                            attributes.get("catalog_type") or "$default", str(attributes.get("external_id"))))
    if record_id in store.of(type_):
        raise Conflict(f"A {type_.replace('-', ' ')} with this external_id already exists.",
                       field="data.attributes.external_id")
    return record_id


@on_create("campaign")
def campaign_with_its_messages(store: ResourceStore, type_: str, attributes: dict, now: _dt.datetime) -> str:
    """A new campaign is a draft, not archived, and its `campaign-messages` become campaign-message
    resources of their own, linked to it (what `GET /campaigns/{id}/campaign-messages` reads and the
    `messages.channel` filter looks at): https://developers.klaviyo.com/en/reference/create_campaign."""
    attributes.setdefault("status", "Draft")
    attributes.setdefault("archived", False)
    campaign_id = store.account.ids.next(type_, "ulid", at=now)
    messages = attributes.pop("campaign-messages", None) or {}
    for message in messages.get("data", []) if isinstance(messages, dict) else []:
        if isinstance(message, dict):
            store.create("campaign-message", dict(message.get("attributes") or {}),
                         {"campaign": (type_, campaign_id)}, now, ("created_at", "updated_at"))
    return campaign_id


@on_create("segment")
@on_update("segment")
def segment_definition(store: ResourceStore, type_: str, attributes: dict, now: _dt.datetime) -> None:
    """A definition the sandbox cannot evaluate is refused (klaviyo/segments.py says which)."""
    if "definition" in attributes:
        segments.check_definition(store.account, attributes["definition"])


@after_write("segment")
def segment_members(store: ResourceStore, type_: str, segment_id: str, now: _dt.datetime | None) -> None:
    """A segment's members follow its definition from the moment it is written."""
    segments.definition_written(store.account, segment_id, now)
