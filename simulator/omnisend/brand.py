"""An Omnisend brand's whole state, and the activity feed the automation engine will read."""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any, Callable

from simulator.core.ids import IdFactory
from simulator.core.records import trim_oldest
from simulator.core.tenant import Tenant, engine, resource
from simulator.core.timefmt import iso


@dataclass
class ContactEvent:
    """Something a contact did, as the automation engine sees it (name + origin + properties)."""
    id: str
    contact_id: str
    name: str
    origin: str  # "api" for API-sent events; v3 carts/orders/custom events say which (see docs)
    properties: dict
    at: _dt.datetime

    def to_json(self) -> dict:
        return {"id": self.id, "contactID": self.contact_id, "eventName": self.name, "origin": self.origin,
                "properties": self.properties, "eventTime": iso(self.at)}


@dataclass
class BrandProfile:
    """What `GET /brands/current` shows. `timezone` is the clock of automation `specificTime` delays."""
    name: str
    currency: str = "USD"
    timezone: str = "UTC"
    platform: str = "api"
    version: str = ""
    website: str = ""
    connected: bool = False


@dataclass
class Brand(Tenant):
    """One brand's whole state: the fields below, and the parts declared after them (see core/tenant.py)."""
    id: str
    ids: IdFactory
    created_at: _dt.datetime
    profile: BrandProfile = None  # type: ignore[assignment]  # set in __post_init__
    activity: list[ContactEvent] = field(default_factory=list)
    listeners: list[Callable[["Brand", ContactEvent], None]] = field(default_factory=list)
    runtime: Any = None  # the automation engine's lifecycle hooks (omnisend/automations.Runtime), set by the sandbox
    clock: Any = None  # the sandbox clock (core.clock.Clock), for reads that need "now" and are not handed it
    settings: Any = None  # the sandbox's Settings: `event_limit` bounds `activity`

    def __post_init__(self):
        if self.profile is None:
            self.profile = BrandProfile(name=f"Sandbox brand {self.id}")

    contacts = resource("simulator.omnisend.contacts:ContactBook", "contacts, with statuses, consents and tags")
    catalog = resource("simulator.omnisend.catalog:Catalog", "products, variants and categories")
    carts = resource("simulator.omnisend.carts:CartBook", "v3 carts")
    orders = resource("simulator.omnisend.orders:OrderBook", "v3 orders")
    custom_events = resource("simulator.omnisend.custom_events:EventCatalog", "custom event definitions")
    event_metadata = resource("simulator.omnisend.event_metadata:EventMetadataBook", "dated-line event metadata")
    segments = resource("simulator.omnisend.segments:SegmentBook", "segments and their conditions")
    campaigns = resource("simulator.omnisend.campaigns:CampaignBook", "campaigns of both lines")
    automations = resource("simulator.omnisend.automations:AutomationBook", "automations and their blocks")
    v3_batches = resource("simulator.omnisend.batches:BatchBook", "v3 batches")
    dated_batches = resource("simulator.omnisend.batches:BatchBook", "dated-line batches")
    back_in_stock = resource("simulator.omnisend.back_in_stock:no_subscriptions",
                             "back-in-stock subscriptions (the on-site form's; no public API)")
    automation_runs = engine("simulator.engine.omnisend_workflow:BrandRuns.of",
                             "enabled workflows, runs per contact, waits, segment watches")

    def record_event(self, contact_id: str, name: str, origin: str, properties: dict,
                     at: _dt.datetime) -> ContactEvent:
        event = ContactEvent(self.ids.next("activity", "uuid"), contact_id, name, origin, properties, at)
        self.activity.append(event)
        if self.settings is not None:
            trim_oldest(self.activity, self.settings.event_limit)
        for listener in self.listeners:
            listener(self, event)
        return event

    def contact_changed(self, contact_id: str) -> None:
        """A contact's fields, statuses or tags changed: the engine re-checks the segments automations
        trigger on (`entered segment`)."""
        if self.runtime is not None:
            self.runtime.contact_changed(self, contact_id)

    def now(self) -> _dt.datetime:
        """The sandbox's virtual now (a brand made outside a sandbox falls back to its creation time)."""
        return self.clock.now() if self.clock is not None else self.created_at

    def events_of(self, contact_id: str) -> list[ContactEvent]:
        return [e for e in self.activity if e.contact_id == contact_id]
