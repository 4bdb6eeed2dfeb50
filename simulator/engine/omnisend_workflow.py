"""An Omnisend automation as the engine runs it, and one brand's live runs.

`Workflow` is a snapshot of the automation's definition taken when it is enabled: a run keeps the
workflow it entered, so contacts let finish after a disable (`keep`) go on with the blocks they
started with even if the automation is then edited. `BrandRuns` indexes the live runs (waiting for
inactivity or in the workflow) by workflow, and those with exit conditions by contact, so an event
only looks at its contact's runs that it could end, and a disable only at its workflow's."""
from __future__ import annotations

import copy
import datetime as _dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from simulator.engine import filters
from simulator.engine.runs import Run
from simulator.omnisend.automation_rules import BIRTHDAY
from simulator.omnisend.brand import Brand, ContactEvent


def _origin_matches(wanted: str | None, event: ContactEvent) -> bool:
    return not wanted or wanted == event.origin


def event_filters_hold(groups: list[dict] | None, event: ContactEvent) -> bool:
    return filters.groups_hold(groups, lambda rule: filters.matches(event.properties, rule))


@dataclass
class Workflow:
    id: str
    name: str
    definition: dict

    @classmethod
    def of(cls, automation) -> "Workflow":
        return cls(automation.id, automation.name, copy.deepcopy(automation.definition or {}))

    @property
    def condition(self) -> dict:
        return (self.definition.get("trigger") or {}).get("condition") or {}

    @property
    def audience(self) -> dict | None:
        return (self.definition.get("trigger") or {}).get("audienceFilterGroup")

    @property
    def inactivity(self) -> dict | None:
        """`{amount, units}` of the trigger's inactivity period, or None."""
        settings = (self.definition.get("trigger") or {}).get("inactivitySettings") or {}
        return settings.get("duration")

    @property
    def settings(self) -> dict:
        return self.definition.get("settings") or {}

    @property
    def blocks(self) -> list[dict]:
        return self.definition.get("blocks") or []

    def first_delay(self) -> dict | None:
        blocks = self.blocks
        return blocks[0].get("delay") if blocks and blocks[0].get("type") == "delay" else None

    def triggered_by(self, event: ContactEvent) -> bool:
        """Same event name and origin (no origin in the trigger: any)."""
        condition = self.condition
        return condition.get("event") == event.name and _origin_matches(condition.get("origin"), event)

    def trigger_filters_hold(self, event: ContactEvent) -> bool:
        if self.condition.get("event") == BIRTHDAY:  # its one filter is the offset, which times the daily scan
            return True
        return event_filters_hold(self.condition.get("filterGroups"), event)

    def exit_met(self, event: ContactEvent) -> dict | None:
        """The first exit condition the event meets (they are OR-ed), or None."""
        for condition in self.definition.get("exitConditions") or []:
            if (condition.get("event") == event.name and _origin_matches(condition.get("origin"), event)
                    and event_filters_hold([condition["filterGroup"]] if condition.get("filterGroup") else [], event)):
                return condition
        return None


@dataclass
class BrandRuns:
    """The engine's state for one brand (reset with the brand)."""
    workflows: dict[str, Workflow] = field(default_factory=dict)  # enabled automation id -> snapshot
    by_contact: dict[str, dict[str, Run]] = field(default_factory=lambda: defaultdict(dict))
    by_workflow: dict[str, dict[str, Run]] = field(default_factory=lambda: defaultdict(dict))
    pending: dict[tuple[str, str], Run] = field(default_factory=dict)  # (workflow, contact) -> inactivity wait
    inside: Counter = field(default_factory=Counter)  # (workflow, contact) -> active runs
    last_entry: dict[tuple[str, str], _dt.datetime] = field(default_factory=dict)
    last_finish: dict[tuple[str, str], _dt.datetime] = field(default_factory=dict)
    push: dict[str, str] = field(default_factory=dict)  # contact id -> push subscription status
    segment_members: dict[str, set] = field(default_factory=dict)  # watched segment id -> contact ids inside
    segment_sweep_at: _dt.datetime | None = None  # when the next sweep of the watched segments is due

    @classmethod
    def of(cls, brand: Brand) -> "BrandRuns":
        """The brand's runs part as first made (core/tenant.py): empty."""
        return cls()

    def workflow(self, automation) -> Workflow:
        found = self.workflows.get(automation.id)
        if found is None:
            found = self.workflows[automation.id] = Workflow.of(automation)
        return found

    def track(self, run: Run) -> None:
        if run.workflow.definition.get("exitConditions"):  # only exits look a contact's runs up
            self.by_contact[run.contact_id][run.id] = run
        self.by_workflow[run.workflow_id][run.id] = run

    def untrack(self, run: Run) -> None:
        self.by_contact.get(run.contact_id, {}).pop(run.id, None)
        self.by_workflow.get(run.workflow_id, {}).pop(run.id, None)
        if self.pending.get((run.workflow_id, run.contact_id)) is run:
            del self.pending[(run.workflow_id, run.contact_id)]


def runs_of(brand: Brand) -> BrandRuns:
    return brand.automation_runs
