"""A Klaviyo account's whole state, declared below (see core/tenant.py): the vendor's resources, the
flow engine's bookkeeping, and the listeners (a flow engine) told of what may trigger a flow."""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Callable

from simulator.core.ids import IdFactory
from simulator.core.tenant import Tenant, engine, resource


@dataclass
class Account(Tenant):
    id: str  # the company id (public key)
    ids: IdFactory
    created_at: _dt.datetime
    # Called with (account, happening) for each processed event that may trigger flows (not a
    # backfill), each list or segment membership change (klaviyo.events.Event, klaviyo.lists.MembershipChange,
    # klaviyo.segments.SegmentChange) and each profile change (klaviyo.profiles.ProfileChanged).
    listeners: list[Callable[["Account", Any], None]] = field(default_factory=list)
    scheduler: Any = None  # core.scheduler.Scheduler: where accepted (202) work waits to be processed
    settings: Any = None  # the sandbox's Settings, read when the work is accepted

    profiles = resource("simulator.klaviyo.profiles:ProfileBook", "profiles, with consent and properties")
    events = resource("simulator.klaviyo.events:EventBook", "events, newest last")
    metrics = resource("simulator.klaviyo.metrics:MetricBook", "metrics, made by the events that name them")
    lists = resource("simulator.klaviyo.lists:ListBook", "lists and their members")
    flows = resource("simulator.klaviyo.flows:FlowBook", "flows, their actions and messages")
    segment_members = resource("simulator.klaviyo.segments:SegmentMembers",
                               "who is in each segment and since when (the segments themselves are resources)")
    resources = resource("simulator.klaviyo.resources:ResourceStore",
                         "every other resource (campaigns, catalogs, templates...), stored as sent")
    flow_runs = engine("simulator.engine.klaviyo:FlowState",
                       "flow entries per profile, live runs, last sends (re-entry, Smart Sending)")

    def notify(self, happening: Any) -> None:
        for listener in list(self.listeners):
            listener(self, happening)

    def later(self, action: Callable[[_dt.datetime], Any], now: _dt.datetime, label: str) -> None:
        """Run `action(processing time)` (a function or a `partial` of one: a job is data, see
        core/scheduler.py) once the processing delay after `now` has passed on the
        clock: Klaviyo's 202 only promises the work was "submitted for processing". Without a
        scheduler (an account made outside a sandbox) it runs at once."""
        if self.scheduler is None:
            action(now)
            return
        delay = _dt.timedelta(seconds=self.settings.klaviyo_event_processing_seconds if self.settings else 0)
        self.scheduler.at(now + delay, partial(_at_processing_time, self.scheduler.clock, action), label)


def _at_processing_time(clock, action: Callable[[_dt.datetime], Any]) -> None:
    action(clock.now())
