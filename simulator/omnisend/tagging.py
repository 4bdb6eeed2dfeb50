"""Tagging contacts in bulk (dated `POST`/`DELETE /contacts/tags`): who is selected, and when.

Rules (spec `contacts`; choices in docs):
* at least one selector (`contactIDs`, `emails`, `phones`, `segmentID`); the contacts tagged are
  the union of all selectors, each once; ids, emails and phones matching no contact are skipped;
* a `segmentID` that names no segment is refused (400), as a typo would otherwise tag no one silently;
* the work is asynchronous ("may not be visible immediately"): it runs `api_tags_delay_seconds` after
  the 202 on the clock (0: at once), selecting the contacts (and the segment's members) at that moment.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from functools import partial

from simulator.core.scheduler import Scheduler
from simulator.errors import Invalid, Problem
from simulator.omnisend import segments
from simulator.omnisend.brand import Brand
from simulator.omnisend.contacts import contacts_of


@dataclass
class Selection:
    contact_ids: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    segment_id: str | None = None


def retag_on_clock(brand: Brand, selection: Selection, tags: list[str], add: bool, scheduler: Scheduler,
                   delay: _dt.timedelta) -> None:
    """Check the request, then add (or remove) `tags` on the selected contacts after `delay`."""
    problems = []
    if not (selection.contact_ids or selection.emails or selection.phones or selection.segment_id):
        problems.append(Problem("contactIDs", "required",
                                detail="at least one of contactIDs, emails, phones or segmentID is required"))
    if selection.segment_id and segments.segments_of(brand).find(selection.segment_id) is None:
        problems.append(Problem("segmentID", "invalid", detail=f"segment {selection.segment_id} not found"))
    if problems:
        raise Invalid(problems)
    apply = partial(_retag, brand, selection, list(tags), add, scheduler.clock)
    if delay > _dt.timedelta(0):
        scheduler.after(delay, apply, f"contact tags {'added' if add else 'removed'}")
    else:
        apply()


def _retag(brand: Brand, selection: Selection, tags: list[str], add: bool, clock) -> None:
    now = clock.now()
    book = contacts_of(brand)
    members = segments.members(brand, selection.segment_id, now) if selection.segment_id else ()
    chosen = book.select(selection.contact_ids, selection.emails, selection.phones, members)
    book.retag(chosen, tags, add, now)
