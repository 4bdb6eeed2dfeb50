"""Omnisend automations (the dated Automations API): definitions, lifecycle and validation.

An automation is stored as its API definition (trigger, blocks, exitConditions, settings, in the
dated API's field names, with server ids in place of temporaryIDs), plus its lifecycle state. The
automation engine (simulator/engine) reads definitions from here and is told of lifecycle changes
through the brand's `runtime`."""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Protocol

from simulator.omnisend.brand import Brand


class Runtime(Protocol):
    """What the automation engine does when an automation's lifecycle changes."""

    def enabled(self, brand: Brand, automation: "Automation", enroll_existing: bool) -> None: ...

    def disabled(self, brand: Brand, automation: "Automation", contacts_in_workflow: str) -> None: ...

    def deleted(self, brand: Brand, automation: "Automation") -> None: ...


@dataclass
class Automation:
    id: str
    name: str
    created_at: _dt.datetime
    updated_at: _dt.datetime
    definition: dict = field(default_factory=dict)  # trigger, blocks, exitConditions, settings (API shape)
    is_enabled: bool = False
    enabled_at: _dt.datetime | None = None
    disabled_at: _dt.datetime | None = None
    ever_enabled: bool = False
