"""Omnisend triggers that no API call sends: what the sandbox itself notices and turns into trigger events.

* engagement: an open or a click recorded on an Omnisend message becomes the contact's
  `opened message` / `clicked message` event (origin `omnisend`), which triggers, exit conditions and
  segments (and so split and audience `segmentID` filters) read like any other event;
* `entered segment`: the segments enabled automations trigger on are watched; whenever a contact or
  its events change, and on a periodic sweep of all contacts (for joins time alone makes), membership
  of each is re-checked, and a move from outside to inside records an `entered segment` event
  (`{"segment_id"}`, origin `omnisend`) that triggers them;
* `birthday`: one job per enabled birthday automation runs each day at the brand's local
  `omnisend_birthday_hour_of_day` (shifted by the trigger's `birthdate` offset) and starts a run for
  every contact whose birthday it is that day;
* `product back in stock`: the catalog's restock rule (omnisend/back_in_stock) calls `back_in_stock`.

Built-in triggers (`birthday`, `product back in stock`) are not brand events: they go straight to the
automations that name them, through the same trigger filters and entry checks as any event."""
from __future__ import annotations

import datetime as _dt
from functools import partial
from typing import TYPE_CHECKING

from simulator.core.outbox import Message
from simulator.engine.omnisend_workflow import Workflow, runs_of
from simulator.omnisend.automation_rules import BACK_IN_STOCK, BIRTHDAY, ENTERED_SEGMENT
from simulator.omnisend.brand import Brand, ContactEvent
from simulator.omnisend.contacts import contacts_of
from simulator.omnisend.segments import contact_in_segment, members
from simulator.settings import Settings

if TYPE_CHECKING:
    from simulator.engine.omnisend import OmnisendRuntime

ENGAGEMENT_EVENTS = {"open": "opened message", "click": "clicked message"}
OMNISEND_ORIGIN = "omnisend"


def segment_ids(workflow: Workflow) -> list[str]:
    """The segments an `entered segment` trigger names (`segment_id eq <id>` filters)."""
    if workflow.condition.get("event") != ENTERED_SEGMENT:
        return []
    return [str(f.get("value")) for g in workflow.condition.get("filterGroups") or [] for f in g.get("filters", [])
            if f.get("field") == "segment_id" and f.get("operator") == "eq"]


def birthday_offset(workflow: Workflow) -> _dt.timedelta:
    """The trigger's `birthdate eq "<±N>h"` shift (none: on the day)."""
    for group in workflow.condition.get("filterGroups") or []:
        for one in group.get("filters", []):
            if one.get("field") == "birthdate":
                return _dt.timedelta(hours=int(str(one.get("value")).rstrip("h")))
    return _dt.timedelta()


def is_birthday(birthdate: str | None, day: _dt.date) -> bool:
    """`YYYY-MM-DD` (or `MM-DD`) falls on `day`'s month and day; 29 February counts on 28 February in
    other years."""
    try:
        month, date = (int(part) for part in str(birthdate).split("T")[0].split("-")[-2:])
    except ValueError:
        return False
    if (month, date) == (2, 29) and not (day.year % 4 == 0 and (day.year % 100 != 0 or day.year % 400 == 0)):
        date = 28
    return (day.month, day.day) == (month, date)


class Triggers:
    def __init__(self, runtime: "OmnisendRuntime"):
        self.runtime = runtime
        self.engine = runtime.engine

    def fire(self, brand: Brand, contact_id: str, name: str, properties: dict,
             workflows: list[Workflow] | None = None) -> None:
        """A built-in trigger for one contact: each given (else each enabled) automation naming it."""
        state = runs_of(brand)
        event = ContactEvent(brand.ids.next("activity", "uuid"), contact_id, name, "", properties, self.runtime.now())
        for workflow in workflows if workflows is not None else list(state.workflows.values()):
            if workflow.condition.get("event") == name:
                self.runtime.triggered(brand, state, workflow, event)

    # -- engagement ------------------------------------------------------------------------------

    def engaged(self, brand: Brand, message: Message, entry: dict) -> None:
        """An open or click on a message sent to one of the brand's contacts becomes its event."""
        book = contacts_of(brand)
        contact = (book.find(contact_id=message.recipient) if message.channel == "push"
                   else book.find(email=message.recipient) or book.find(phone=message.recipient))
        if contact is None:
            return
        properties = {"messageID": message.id, "channel": message.channel, "automationID": message.workflow_id,
                      "blockID": message.step_id, **({"url": entry["url"]} if entry.get("url") else {})}
        brand.record_event(contact.id, ENGAGEMENT_EVENTS[entry["type"]], OMNISEND_ORIGIN, properties, self.runtime.now())

    # -- entered segment -------------------------------------------------------------------------

    def watch(self, brand: Brand, workflow: Workflow) -> None:
        """Start watching the workflow's segments from their members now (who is in already did not enter)."""
        watched = runs_of(brand).segment_members
        for segment_id in segment_ids(workflow):
            if segment_id not in watched:
                watched[segment_id] = set(members(brand, segment_id, self.runtime.now()))
        self.schedule_sweep(brand)

    def unwatch(self, brand: Brand) -> None:
        """Forget the segments no enabled automation triggers on any more."""
        state = runs_of(brand)
        wanted = {s for workflow in state.workflows.values() for s in segment_ids(workflow)}
        for segment_id in list(state.segment_members):
            if segment_id not in wanted:
                del state.segment_members[segment_id]

    def recheck(self, brand: Brand, contact_id: str) -> None:
        """The contact or its events changed: `entered segment` for each watched segment it has just joined."""
        watched = runs_of(brand).segment_members
        contact = contacts_of(brand).find(contact_id=contact_id) if watched else None
        if contact is None:
            return
        now = self.runtime.now()
        for segment_id in list(watched):
            self.moved(brand, segment_id, contact_id, contact_in_segment(brand, segment_id, contact, now), now)

    def moved(self, brand: Brand, segment_id: str, contact_id: str, inside: bool, now: _dt.datetime) -> None:
        """Note where the contact now is; a move from outside to inside records `entered segment`."""
        members_then = runs_of(brand).segment_members.get(segment_id)
        if members_then is None:
            return
        if not inside:
            members_then.discard(contact_id)
        elif contact_id not in members_then:
            members_then.add(contact_id)
            brand.record_event(contact_id, ENTERED_SEGMENT, OMNISEND_ORIGIN, {"segment_id": segment_id}, now)

    def schedule_sweep(self, brand: Brand) -> None:
        """While segments are watched, every `omnisend_segment_sweep_hours` (0: never) re-check all of
        their members, for joins that time alone makes (`inTheLast` periods)."""
        state = runs_of(brand)
        hours = (brand.settings or Settings()).omnisend_segment_sweep_hours
        if not state.segment_members or not hours or state.segment_sweep_at is not None:
            return
        state.segment_sweep_at = due = self.runtime.now() + _dt.timedelta(hours=hours)
        self.engine.scheduler.at(due, partial(self.sweep, brand, due), label=f"segment sweep {brand.id}")

    def sweep(self, brand: Brand, due: _dt.datetime) -> None:
        state, now, book = runs_of(brand), self.runtime.now(), contacts_of(brand)
        if state.segment_sweep_at != due:
            return
        state.segment_sweep_at = None
        for segment_id, members_then in list(state.segment_members.items()):
            inside = members(brand, segment_id, now)
            for contact_id in sorted(members_then | inside, key=lambda i: book.get(i).seq):
                self.moved(brand, segment_id, contact_id, contact_id in inside, now)
        self.schedule_sweep(brand)

    # -- birthday --------------------------------------------------------------------------------

    def next_birthday_scan(self, brand: Brand, workflow: Workflow,
                           last_day: _dt.date | None) -> tuple[_dt.datetime, _dt.date]:
        """(when, whose birthday day) of the workflow's next daily scan: the day after `last_day` (so a
        changed hour never scans a day twice), else the first scan still to come."""
        tz, offset, now = self.runtime.tz(brand), birthday_offset(workflow), self.runtime.now()
        hour = (brand.settings or Settings()).omnisend_birthday_hour_of_day
        day = last_day + _dt.timedelta(days=1) if last_day else (now - offset).astimezone(tz).date() - _dt.timedelta(days=1)
        while True:
            due = _dt.datetime.combine(day, _dt.time(hour), tz) + offset
            if due > now or last_day is not None:
                return max(due, now), day
            day += _dt.timedelta(days=1)

    def schedule_birthdays(self, brand: Brand, workflow: Workflow, last_day: _dt.date | None = None) -> None:
        due, day = self.next_birthday_scan(brand, workflow, last_day)
        self.engine.scheduler.at(due, partial(self.birthdays, brand, workflow, day), label=f"birthdays {workflow.id}")

    def birthdays(self, brand: Brand, workflow: Workflow, day: _dt.date) -> None:
        """The daily scan: a run for each contact whose birthday is `day`, then the next day's scan. A scan
        of a workflow since disabled (or enabled again, as a new snapshot with its own scans) does nothing."""
        if runs_of(brand).workflows.get(workflow.id) is not workflow:
            return
        for contact in contacts_of(brand).all():
            birthdate = contact.profile.get("birthdate")
            if is_birthday(birthdate, day):
                self.fire(brand, contact.id, BIRTHDAY, {"birthdate": birthdate}, [workflow])
        self.schedule_birthdays(brand, workflow, day)

    # -- product back in stock -------------------------------------------------------------------

    def back_in_stock(self, brand: Brand, contact_id: str, properties: dict) -> None:
        self.fire(brand, contact_id, BACK_IN_STOCK, properties)
