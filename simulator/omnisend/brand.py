"""An Omnisend brand's whole state, and the activity feed the automation engine will read."""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any, Callable

from simulator.core.ids import IdFactory
from simulator.core.records import trim_oldest
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
class Brand:
    id: str
    ids: IdFactory
    created_at: _dt.datetime
    profile: BrandProfile = None  # type: ignore[assignment]  # set in __post_init__
    stores: dict[str, Any] = field(default_factory=dict)  # resource name -> its store, made on first use
    activity: list[ContactEvent] = field(default_factory=list)
    listeners: list[Callable[["Brand", ContactEvent], None]] = field(default_factory=list)
    runtime: Any = None  # the automation engine's lifecycle hooks (omnisend/automations.Runtime), set by the sandbox
    clock: Any = None  # the sandbox clock (core.clock.Clock), for reads that need "now" and are not handed it
    settings: Any = None  # the sandbox's Settings: `event_limit` bounds `activity`

    def __post_init__(self):
        if self.profile is None:
            self.profile = BrandProfile(name=f"Sandbox brand {self.id}")

    def store(self, name: str, factory: Callable[["Brand"], Any]) -> Any:
        """The brand's store for one resource, created on first use (keeps resources independent)."""
        found = self.stores.get(name)
        if found is None:
            found = self.stores[name] = factory(self)
        return found

    def record_event(self, contact_id: str, name: str, origin: str, properties: dict,
                     at: _dt.datetime) -> ContactEvent:
        event = ContactEvent(self.ids.next("activity", "uuid"), contact_id, name, origin, properties, at)
        self.activity.append(event)
        if self.settings is not None:
            trim_oldest(self.activity, self.settings.event_limit)
        for listener in self.listeners:
            listener(self, event)
        return event

    def now(self) -> _dt.datetime:
        """The sandbox's virtual now (a brand made outside a sandbox falls back to its creation time)."""
        return self.clock.now() if self.clock is not None else self.created_at

    def events_of(self, contact_id: str) -> list[ContactEvent]:
        return [e for e in self.activity if e.contact_id == contact_id]
