"""The Omnisend automation engine: events in, runs through enabled automations out.

Every event a brand records reaches `on_event` (the brand's listener). In order:
1. exit conditions: each live run of the contact whose workflow has an exit condition the event
   meets ends at once (`exited`; a run still waiting for inactivity never enters), so nothing it
   has not sent yet is ever sent;
2. triggers: each enabled automation whose trigger names the event (and origin, when it names
   one) gets a run. Trigger filters must hold; with inactivity settings the run waits (`pending`)
   until the period passes with no newer trigger event, and a newer one replaces it. Then the
   entry checks, in Omnisend's order: audience filters, frequency limiter, overlap limiter. A run
   refused anywhere stays in the trace as `not_entered` with the reason.

The automation model calls `enabled`, `disabled` and `deleted` (the brand's `runtime`)."""
from __future__ import annotations

import datetime as _dt
from functools import partial

from simulator.core.timefmt import iso, zone
from simulator.engine import Engine
from simulator.engine.durations import add, resolve_delay
from simulator.engine.omnisend_blocks import BlockWalker
from simulator.engine.omnisend_contacts import audience_holds, recipient_of
from simulator.engine.omnisend_triggers import Triggers, segment_ids
from simulator.engine.omnisend_workflow import BrandRuns, Workflow, runs_of
from simulator.engine.runs import Run
from simulator.omnisend.automation_rules import BIRTHDAY, ENTERED_SEGMENT
from simulator.omnisend.automations import automations_of
from simulator.omnisend.brand import Brand, ContactEvent
from simulator.omnisend.contacts import contacts_of
from simulator.omnisend.segments import members

VENDOR = "omnisend"


def event_json(event: ContactEvent) -> dict:
    return {"id": event.id, "name": event.name, "origin": event.origin, "at": iso(event.at),
            "properties": event.properties}


class OmnisendRuntime:
    def __init__(self, engine: Engine):
        self.engine = engine
        self.walker = BlockWalker(self)
        self.triggers = Triggers(self)

    def attach(self, brand: Brand) -> Brand:
        """Make the engine hear the brand's events and lifecycle changes."""
        brand.listeners.append(self.on_event)
        brand.runtime = self
        return brand

    @staticmethod
    def tz(brand: Brand) -> _dt.tzinfo:
        return zone(brand.profile.timezone)

    def now(self) -> _dt.datetime:
        return self.engine.clock.now()

    # -- events ------------------------------------------------------------------------------

    def on_event(self, brand: Brand, event: ContactEvent) -> None:
        state = runs_of(brand)
        for run in list(state.by_contact.get(event.contact_id, {}).values()):
            if run.trigger is not event and run.workflow.exit_met(event) is not None:
                self.exit(brand, run, f"exit condition met: {event.name} ({event.origin}) at {iso(event.at)}")
        for automation in automations_of(brand).enabled():
            workflow = state.workflow(automation)
            if workflow.triggered_by(event):
                self.triggered(brand, state, workflow, event)
        self.triggers.recheck(brand, event.contact_id)

    def contact_changed(self, brand: Brand, contact_id: str) -> None:
        self.triggers.recheck(brand, contact_id)

    def triggered(self, brand: Brand, state: BrandRuns, workflow: Workflow, event: ContactEvent) -> None:
        contact = contacts_of(brand).find(contact_id=event.contact_id)
        if contact is None:
            return
        run = self.new_run(brand, workflow, contact, event)
        now = self.now()
        if not workflow.trigger_filters_hold(event):
            self.refuse(brand, run, "the trigger event does not match the trigger's filterGroups")
            return
        inactivity = workflow.inactivity
        if not inactivity:
            self.enter(brand, run)
            return
        previous = state.pending.get((workflow.id, contact.id))
        if previous is not None:
            previous.step("trigger", "inactivity", now, "reset", f"a newer trigger event restarted the timer (run {run.id})")
            self.refuse(brand, previous, "inactivity reset: a newer trigger event came before the period passed")
        due = add(now, int(inactivity.get("amount", 0)), inactivity.get("units", "m"), self.tz(brand))
        run.step("trigger", "inactivity", now, "waited", f"enters at {iso(due)} unless a newer trigger event comes first")
        state.pending[(workflow.id, contact.id)] = run
        state.track(run)
        run.job = self.engine.scheduler.at(due, partial(self.inactivity_passed, brand, run), label=f"run {run.id}")

    def inactivity_passed(self, brand: Brand, run: Run) -> None:
        run.job = None
        if run.status != "pending":
            return
        runs_of(brand).untrack(run)
        automation = automations_of(brand).find(run.workflow_id)
        if automation is None or not automation.is_enabled:
            self.refuse(brand, run, "the automation was disabled before the inactivity period passed")
            return
        self.enter(brand, run)

    # -- entry -------------------------------------------------------------------------------

    def new_run(self, brand: Brand, workflow: Workflow, contact, event: ContactEvent) -> Run:
        run = Run(id=brand.ids.next("run", "hex24"), vendor=VENDOR, account=brand.id, workflow_id=workflow.id,
                  workflow_name=workflow.name, contact_id=contact.id, recipient=recipient_of(contact),
                  trigger_event=event_json(event), created_at=self.now(), workflow=workflow, trigger=event)
        return self.engine.runs.add(run)

    def enter(self, brand: Brand, run: Run, first_due: _dt.datetime | None = None) -> None:
        state, now = runs_of(brand), self.now()
        why = self.refusal(brand, state, run.workflow, run.contact_id, now)
        if why is not None:
            self.refuse(brand, run, why)
            return
        key = (run.workflow_id, run.contact_id)
        run.status, run.entered_at = "active", now
        state.last_entry[key] = now
        state.inside[key] += 1
        state.track(run)
        trigger = run.trigger_event
        run.step("trigger", "trigger", now, "entered", f"{trigger['name']} ({trigger['origin']}) at {trigger['at']}")
        self.walker.start(brand, run, first_due)

    def refusal(self, brand: Brand, state: BrandRuns, workflow: Workflow, contact_id: str,
                now: _dt.datetime) -> str | None:
        """Why the contact may not enter now (audience, frequency, overlap), or None."""
        contact = contacts_of(brand).get(contact_id)
        if workflow.audience and not audience_holds(brand, contact, workflow.audience):
            return "audience: the contact does not match the audienceFilterGroup"
        limiter = workflow.settings.get("frequencyLimiter")
        last = state.last_entry.get((workflow.id, contact_id))
        if limiter and last is not None:
            if limiter.get("mode") == "once":
                return f"frequency limiter (once): already entered at {iso(last)}"
            duration = limiter.get("duration") or {}
            again = add(last, int(duration.get("amount", 0)), duration.get("units", "h"), self.tz(brand))
            if now < again:
                return f"frequency limiter: entered at {iso(last)}, may enter again from {iso(again)}"
        return self.overlap(state, workflow, contact_id, now, self.tz(brand))

    @staticmethod
    def overlap(state: BrandRuns, workflow: Workflow, contact_id: str, now: _dt.datetime,
                tz: _dt.tzinfo) -> str | None:
        """`currentlyIn`: refused while in a listed automation; `recentlyIn`: also until `withinDays`
        after leaving one (completed, exited or cancelled)."""
        limiter = workflow.settings.get("overlapLimiter")
        if not limiter:
            return None
        for other in limiter.get("automationIDs") or []:
            if state.inside[(other, contact_id)] > 0:
                return f"overlap limiter: currently in automation {other}"
            finished = state.last_finish.get((other, contact_id))
            if limiter.get("mode") == "recentlyIn" and finished is not None:
                if now < add(finished, int(limiter.get("withinDays") or 0), "d", tz):
                    return f"overlap limiter: finished automation {other} at {iso(finished)}"
        return None

    # -- leaving -----------------------------------------------------------------------------

    def refuse(self, brand: Brand, run: Run, why: str) -> None:
        """The contact did not enter: keep the run as `not_entered` with the reason."""
        runs_of(brand).untrack(run)
        run.finish("not_entered", self.now(), why)

    def exit(self, brand: Brand, run: Run, why: str) -> None:
        if run.status == "pending":
            run.step("trigger", "exit", self.now(), "exited", why)
            self.refuse(brand, run, why)
            return
        run.step(self.current_block(run), "exit", self.now(), "exited", why)
        self.finish(brand, run, "exited", why)

    def finish(self, brand: Brand, run: Run, status: str, why: str) -> None:
        state, now = runs_of(brand), self.now()
        key = (run.workflow_id, run.contact_id)
        state.untrack(run)
        state.inside[key] -= 1
        if state.inside[key] <= 0:
            del state.inside[key]
        state.last_finish[key] = now
        run.finish(status, now, why)

    @staticmethod
    def current_block(run: Run) -> str | None:
        """The block the run waits at (the last one it reached)."""
        return run.steps[-1].step_id if run.steps else None

    # -- lifecycle (the automation model's `runtime`) -------------------------------------------

    def enabled(self, brand: Brand, automation, enroll_existing: bool = False) -> None:
        state = runs_of(brand)
        state.workflows[automation.id] = workflow = Workflow.of(automation)
        self.triggers.watch(brand, workflow)
        if workflow.condition.get("event") == BIRTHDAY:
            self.triggers.schedule_birthdays(brand, workflow)
        if enroll_existing:
            self.enroll_existing(brand, workflow)

    def disabled(self, brand: Brand, automation, contacts_in_workflow: str) -> None:
        """`keep`: runs inside finish, none enter (those waiting for inactivity never will);
        `exit`: every run ends now."""
        state = runs_of(brand)
        self.forget(brand, automation.id)
        for run in list(state.by_workflow.get(automation.id, {}).values()):
            if run.status == "pending":
                self.refuse(brand, run, "the automation was disabled before the inactivity period passed")
            elif contacts_in_workflow == "exit":
                self.exit(brand, run, "the automation was disabled with contactsInWorkflow=exit")

    def deleted(self, brand: Brand, automation) -> None:
        state = runs_of(brand)
        self.forget(brand, automation.id)
        for run in list(state.by_workflow.get(automation.id, {}).values()):
            self.exit(brand, run, "the automation was deleted")

    def forget(self, brand: Brand, automation_id: str) -> None:
        """No new entries: drop the snapshot (its birthday scans then do nothing) and the segments
        nothing else watches."""
        runs_of(brand).workflows.pop(automation_id, None)
        self.triggers.unwatch(brand)

    def enroll_existing(self, brand: Brand, workflow: Workflow) -> None:
        """Contacts whose latest matching trigger event is recent enough that the first delay has not
        ended yet enter now, timed from that event. A contact who has since met an exit condition
        stays out. For `entered segment`, every current member of the segment enters now."""
        if workflow.condition.get("event") == ENTERED_SEGMENT:
            self.enroll_members(brand, workflow)
            return
        first = workflow.first_delay()
        if first is None:
            return
        latest: dict[str, ContactEvent] = {}
        exited: dict[str, _dt.datetime] = {}
        for event in brand.activity:
            if workflow.triggered_by(event) and workflow.trigger_filters_hold(event):
                latest[event.contact_id] = event
            elif workflow.exit_met(event) is not None:
                exited[event.contact_id] = event.at
        now, tz = self.now(), self.tz(brand)
        for contact_id, event in latest.items():
            start = event.at
            if workflow.inactivity:
                start = add(start, int(workflow.inactivity.get("amount", 0)), workflow.inactivity.get("units", "m"), tz)
            due = resolve_delay(start, first, tz)
            if due <= now:
                continue
            run = self.new_run(brand, workflow, contacts_of(brand).get(contact_id), event)
            if exited.get(contact_id, event.at) > event.at:
                self.refuse(brand, run, "enrollExisting: an exit condition was met after the trigger event")
                continue
            self.enter(brand, run, first_due=due)

    def enroll_members(self, brand: Brand, workflow: Workflow) -> None:
        """`entered segment` + enrollExisting: the segment's members now, oldest contact first, each
        as if it had just entered (the automation model allows this on the first enable only)."""
        wanted = segment_ids(workflow)
        now, book = self.now(), contacts_of(brand)
        for segment_id in wanted:
            for contact in sorted((book.get(i) for i in members(brand, segment_id, now)), key=lambda c: c.seq):
                event = ContactEvent(brand.ids.next("activity", "uuid"), contact.id, ENTERED_SEGMENT, "omnisend",
                                     {"segment_id": segment_id}, now)
                self.enter(brand, self.new_run(brand, workflow, contact, event))

    # -- test tooling --------------------------------------------------------------------------

    def set_push(self, brand: Brand, contact_id: str, status: str) -> None:
        """Mark a contact push-subscribed or not (neither Omnisend API can say it)."""
        contacts_of(brand).get(contact_id)
        runs_of(brand).push[contact_id] = status
