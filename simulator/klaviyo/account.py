"""A Klaviyo account's whole state: one store per resource, made on first use."""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any, Callable

from simulator.core.ids import IdFactory


@dataclass
class Account:
    id: str  # the company id (public key)
    ids: IdFactory
    created_at: _dt.datetime
    stores: dict[str, Any] = field(default_factory=dict)

    def store(self, name: str, factory: Callable[["Account"], Any]) -> Any:
        found = self.stores.get(name)
        if found is None:
            found = self.stores[name] = factory(self)
        return found
