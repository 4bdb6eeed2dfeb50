"""Vendor rules about resources the generic store holds, one function each (`resources.on_create`,
`on_write`, `after_write`, `on_operation`, `seeded`).

A create rule may refuse (raise), name the record's id (return it) or complete the attributes it
stores; an operation rule does what a POST that is no plain create does (clone, render); a seed
makes what an account holds from the start. Campaign rules are in `simulator.klaviyo.campaigns`.

Catalog ids: Klaviyo names a catalog item, variant or category `$custom:::$default:::<external_id>`
(integration type, catalog type, the client's id), so a second one with the same external id is a
409 ("A catalog item with this external_id already exists"), as Klaviyo's catalog reference says."""
from __future__ import annotations

import datetime as _dt

from simulator.engine.klaviyo_template import TemplateSyntaxError, render
from simulator.errors import Conflict, Invalid, Problem
from simulator.klaviyo import segments, tracking
from simulator.klaviyo.account import Account
from simulator.klaviyo.resources import (Resource, ResourceStore, acted_on, after_write, on_create, on_operation, on_write,
                                         resources_of, seeded)

TEMPLATE_LIMIT = 1000  # templates an account may create through the API


@on_create("catalog-item", "catalog-variant", "catalog-category")
def catalog_id(store: ResourceStore, type_: str, attributes: dict, now: _dt.datetime) -> str:
    record_id = ":::".join((attributes.get("integration_type") or "$custom",
                            attributes.get("catalog_type") or "$default", str(attributes.get("external_id"))))
    if record_id in store.of(type_):
        raise Conflict(f"A {type_.replace('-', ' ')} with this external_id already exists.",
                       field="data.attributes.external_id")
    return record_id


@on_write("segment")
def segment_definition(store: ResourceStore, type_: str, attributes: dict, links: dict, now: _dt.datetime) -> None:
    """A definition the sandbox cannot evaluate is refused (klaviyo/segments.py says which)."""
    if "definition" in attributes:
        segments.check_definition(store.account, attributes["definition"])


@after_write("segment")
def segment_members(store: ResourceStore, type_: str, segment_id: str, now: _dt.datetime | None) -> None:
    """A segment's members follow its definition from the moment it is written."""
    segments.definition_written(store.account, segment_id, now)


@seeded("tracking-setting")
def one_tracking_setting(store: ResourceStore) -> None:
    """Every account has exactly one tracking setting, its id the account's
    (https://developers.klaviyo.com/en/reference/get_tracking_settings)."""
    store.create("tracking-setting", tracking.default_setting(), {}, store.account.created_at,
                 record_id=store.account.id)


@on_create("template")
def template_limit(store: ResourceStore, type_: str, attributes: dict, now: _dt.datetime) -> None:
    """At most 1,000 templates through the API; creating or cloning one more is refused
    (https://developers.klaviyo.com/en/reference/clone_template). The status and wording are the
    sandbox's: Klaviyo documents the limit, not its error."""
    if len(store.of(type_)) >= TEMPLATE_LIMIT:
        raise Invalid([Problem("data", "invalid",
                               detail=f"An account may hold at most {TEMPLATE_LIMIT:,} templates created via the API.")])
    return None



@on_operation("clone_template")
def clone_template(account: Account, data: dict, now: _dt.datetime) -> Resource:
    """A copy of template `data.id` under `attributes.name` (absent: "Clone of <name>", the spec's
    example), created now (https://developers.klaviyo.com/en/reference/clone_template)."""
    store = resources_of(account)
    original = store.of("template").get(acted_on(data))
    attributes = {k: v for k, v in original.attributes.items() if k not in ("created", "updated")}
    attributes["name"] = (data.get("attributes") or {}).get("name") or f"Clone of {original.attributes.get('name', '')}"
    return store.create("template", attributes, {}, now, ("created", "updated"))


@on_operation("render_template")
def render_template(account: Account, data: dict, now: _dt.datetime) -> Resource:
    """Template `data.id` rendered with `attributes.context` (HTML, and the text part, or one made
    from the HTML); not stored (https://developers.klaviyo.com/en/reference/render_template). A
    catalog lookup that finds nothing prints nothing here: only a send is skipped for it. A template
    the language cannot read is a 400."""
    template = resources_of(account).of("template").get(acted_on(data))
    stored = template.attributes
    try:
        html, text = render(account, stored.get("html") or "", (data.get("attributes") or {}).get("context") or {},
                            text=stored.get("text"), skip_unavailable=False)
    except TemplateSyntaxError as error:
        raise Invalid([Problem("data.id", "invalid", detail=f"The template cannot be rendered: {error}")]) from None
    return Resource(template.type, template.id, {**stored, "html": html, "text": text})
