"""Omnisend segments (dated Segments API) and segment membership, for every part of the sandbox.

Membership is computed from the model when asked, never stored: a contact is in a segment when it
passes the segment's conditions now (`segment_conditions`). These functions are the one place that
answers "who is in segment X":

* `members(brand, segment_id, now)` -> the ids of the contacts in it (an unknown id has none);
* `contact_in_segment(brand, segment_id, contact, now)` and `segment_ids_of(brand, contact, now)`;
* `memberships(brand, now)` -> contact id -> the segments it is in (a page of contacts at once).

Users: the dated and v3 contact lists and the v3 cart list (`segmentID` filters), contact tagging by
segment, the dated contact's `segments[]`, and the automation engine's `segmentID` audience filters.
`now` defaults to the brand's clock (relative periods such as `inTheLast` need it).

Rules (spec `segments`; choices in docs): a segment is `ready` as soon as it is created or replaced
(membership is computed on demand, so there is nothing to build); `building` and `archived` are never
reached, so the documented 409 for a segment being built never happens."""
from __future__ import annotations

import datetime as _dt
from collections import defaultdict
from dataclasses import dataclass

from simulator.errors import Invalid, Problem
from simulator.omnisend import segment_conditions
from simulator.omnisend.brand import Brand
from simulator.omnisend.contacts import Contact, contacts_of
from simulator.core.records import Records

STATUSES = ("ready", "building", "archived")
SORTS = ("createdAt", "name")
MAX_NAME = 256


@dataclass
class Segment:
    id: str
    seq: int
    name: str
    condition_groups: list[dict]  # as the client sent them (checked)
    created_at: _dt.datetime
    updated_at: _dt.datetime
    status: str = "ready"
    is_starred: bool = False
    archived_at: _dt.datetime | None = None


class SegmentBook:
    """The segments of one brand."""

    def __init__(self, brand: Brand):
        self.brand = brand
        self._segments: Records[Segment] = Records("segment")

    def get(self, segment_id: str) -> Segment:
        return self._segments.get(segment_id)

    def find(self, segment_id: str | None) -> Segment | None:
        return self._segments.find(segment_id)

    def all(self) -> list[Segment]:
        return list(self._segments)

    def list(self, sort: str = "createdAt", descending: bool = True) -> list[Segment]:
        """By creation or by name (case-sensitive, as the spec says); ties keep creation order."""
        key = (lambda s: (s.name, s.seq)) if sort == "name" else (lambda s: (s.created_at, s.seq))
        return sorted(self._segments, key=key, reverse=descending)

    def create(self, name: str, groups: list[dict], now: _dt.datetime) -> Segment:
        self._check(name, groups)
        segment = Segment(self.brand.ids.next("segment", "hex24"), self._segments.next_seq(), name,
                          groups, now, now)
        return self._segments.add(segment.id, segment)

    def replace(self, segment_id: str, name: str, groups: list[dict], now: _dt.datetime) -> Segment:
        segment = self.get(segment_id)
        self._check(name, groups)
        segment.name, segment.condition_groups, segment.updated_at = name, groups, now
        return segment

    def delete(self, segment_id: str) -> None:
        self._segments.remove(segment_id)

    def _check(self, name: str, groups: list[dict]) -> None:
        problems: list[Problem] = []
        if not name.strip():
            problems.append(Problem("name", "required", detail="name must not be empty"))
        problems += segment_conditions.problems(groups, lambda event: _origins(self.brand, event))
        if problems:
            raise Invalid(problems)


def _origins(brand: Brand, event_name: str) -> set[str]:
    return {e.origin for e in brand.activity if e.name == event_name}


def segments_of(brand: Brand) -> SegmentBook:
    return brand.segments


# -- membership ---------------------------------------------------------------------------------

def _events_by_contact(brand: Brand) -> dict[str, list]:
    found = defaultdict(list)
    for event in brand.activity:
        found[event.contact_id].append(event)
    return found


def members(brand: Brand, segment_id: str | None, now: _dt.datetime | None = None) -> frozenset[str]:
    """The ids of the contacts in the segment now; none for an unknown segment."""
    segment = segments_of(brand).find(segment_id)
    if segment is None:
        return frozenset()
    now = now or brand.now()
    events = _events_by_contact(brand)
    return frozenset(c.id for c in contacts_of(brand).all()
                     if segment_conditions.matches(segment.condition_groups,
                                                   segment_conditions.Facts(c, events.get(c.id, []), now)))


def contact_in_segment(brand: Brand, segment_id: str, contact: Contact, now: _dt.datetime | None = None) -> bool:
    segment = segments_of(brand).find(segment_id)
    if segment is None:
        return False
    facts = segment_conditions.Facts(contact, brand.events_of(contact.id), now or brand.now())
    return segment_conditions.matches(segment.condition_groups, facts)


def segment_ids_of(brand: Brand, contact: Contact, now: _dt.datetime | None = None) -> list[str]:
    """The segments the contact is in, oldest segment first."""
    return [s.id for s in segments_of(brand).all() if contact_in_segment(brand, s.id, contact, now)]


def memberships(brand: Brand, now: _dt.datetime | None = None) -> dict[str, list[str]]:
    """Contact id -> the segments it is in (oldest first), for listing many contacts at once."""
    now = now or brand.now()
    out: dict[str, list[str]] = defaultdict(list)
    for segment in segments_of(brand).all():
        for contact_id in members(brand, segment.id, now):
            out[contact_id].append(segment.id)
    return out
