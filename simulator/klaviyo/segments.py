"""Klaviyo segments: each definition evaluated on every profile, membership kept current on the
virtual clock, and joining or leaving told to the account's listeners (a flow's "Added to segment"
trigger).

A segment record (name, definition, flags) lives in the generic store (`klaviyo/resources.py`; its
reads and writes are table operations); this module holds the rules:

* a definition's `condition_groups` are AND-ed and each group's conditions OR-ed, as Klaviyo's
  Segments API overview says (https://developers.klaviyo.com/en/reference/segments_api_overview);
  the conditions are the ones flow filters use (`engine/klaviyo_conditions.py`);
* create and update refuse, with Klaviyo's 400, a condition or operator the sandbox does not
  evaluate (`check_definition`), rather than store a segment that would silently never fill;
* a profile is re-checked against every segment whenever it changes (`ProfileChanged`: attributes,
  location, properties, consent, an event recorded for it) or joins or leaves a list; a segment is
  evaluated over every profile when it is made or its definition changes;
* conditions relative to now (`in-the-last`, `at-least`, a date property...) go stale as time
  passes: while a segment has one, every profile is re-checked every
  `klaviyo_segment_sweep_seconds` on the clock (Klaviyo does not publish how soon it moves a
  profile out of a 30-day segment; the sandbox's bound on that delay is this setting).

State: who is in each segment and since when (`joined_group_at`): the account's `segment_members`."""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from functools import partial

from simulator.engine import klaviyo_conditions as conditions
from simulator.errors import Invalid, Problem
from simulator.klaviyo.account import Account
from simulator.klaviyo.events import events_of
from simulator.klaviyo.lists import MembershipChange, lists_of
from simulator.klaviyo.profiles import ProfileChanged, profiles_of
from simulator.klaviyo.resources import resources_of

SEGMENT = "segment"
DEFINITION = "data.attributes.definition"
# what the sandbox evaluates; anything else in a definition is refused (`check_definition`)
TIMEFRAMES = {"alltime", "in-the-last", "at-least", "in-the-next", "between", "after", "before", "between-static"}
RELATIVE = {"in-the-last", "at-least", "in-the-next", "between"}  # these move with the clock: the sweep re-checks
FILTER_OPERATORS = {"equals", "not-equals", "greater-than", "greater-than-or-equal", "less-than",
                    "less-than-or-equal", "contains", "not-contains", "starts-with", "not-starts-with", "ends-with",
                    "not-ends-with", "regex", "nregex", "in", "not-in", "is-set", "not-set", "contains-all",
                    "contains-any", "not-contains-all", "not-contains-any", "contains-substring",
                    "not-contains-substring", "length-equals", "length-greater-than", "length-greater-than-or-equal",
                    "length-less-than", "length-less-than-or-equal"} | TIMEFRAMES
CONDITIONS = ("profile-metric", "profile-property", "profile-group-membership", "profile-marketing-consent",
              "profile-region")


@dataclass(frozen=True)
class SegmentChange:
    """A profile joined (`added`) or left a segment: what the listeners hear."""
    segment_id: str
    profile_id: str
    added: bool
    at: _dt.datetime


class SegmentMembers:
    """Per segment, its members (profile id -> joined at, in joining order), and the pending sweep."""

    def __init__(self, account: Account):
        self.members: dict[str, dict[str, _dt.datetime]] = {}
        self.sweep_due: _dt.datetime | None = None


def members_of(account: Account) -> SegmentMembers:
    return account.segment_members


# -- reading membership (also what campaign audiences use) ------------------------------------------

def segment_members(account: Account, segment_id: str) -> list[str]:
    """The ids of the segment's profiles, in joining order (404 for a segment that does not exist)."""
    resources_of(account).of(SEGMENT).get(segment_id)
    return list(members_of(account).members.get(segment_id, {}))


def segments_of_profile(account: Account, profile_id: str) -> list[str]:
    """The ids of the segments the profile is in, oldest segment first."""
    members = members_of(account).members
    return [s.id for s in resources_of(account).of(SEGMENT) if profile_id in members.get(s.id, {})]


def joined_at(account: Account, segment_id: str, profile_id: str) -> _dt.datetime | None:
    return members_of(account).members.get(segment_id, {}).get(profile_id)


def group_joined(account: Account, profile_id: str, group_id: str) -> _dt.datetime | None:
    """When the profile joined the list or segment `group_id` (None: it is not in it): what a
    `profile-group-membership` condition reads, in a segment or a flow filter."""
    found = lists_of(account).records.find(group_id)
    if found is not None:
        return found.members.get(profile_id)
    return joined_at(account, group_id, profile_id)


# -- checking a definition ----------------------------------------------------------------------------

def check_definition(account: Account, definition) -> None:
    """A 400 naming every condition, timeframe or filter operator the sandbox does not evaluate (the
    spec's other condition types: postal-code distance, predictive analytics, custom objects,
    permissions, funnels; anniversaries, calendar months, phone country codes; consent filters on
    method or date), and every list or segment id that names neither."""
    groups = definition.get("condition_groups") if isinstance(definition, dict) else None
    if not isinstance(groups, list) or not all(isinstance(g, dict) and isinstance(g.get("conditions"), list)
                                               for g in groups):
        raise Invalid([Problem(f"{DEFINITION}.condition_groups", "invalid",
                               detail="'condition_groups' must be a list of {conditions: [...]}.")])
    problems = []
    for g, group in enumerate(groups):
        for c, condition in enumerate(group["conditions"]):
            problems += _condition_problems(account, condition, f"{DEFINITION}.condition_groups[{g}].conditions[{c}]")
    if problems:
        raise Invalid(problems)


def _condition_problems(account: Account, condition, path: str) -> list[Problem]:
    kind = condition.get("type") if isinstance(condition, dict) else None
    if kind not in CONDITIONS:
        return [Problem(f"{path}.type", "invalid", detail=f"The sandbox does not evaluate '{kind}' conditions; it "
                                                          f"evaluates {', '.join(CONDITIONS)}.")]
    problems = [Problem(f"{path}.{where}", "invalid", detail=f"The sandbox does not evaluate the operator "
                                                             f"'{operator}'.")
                for where, operator in _operators(condition) if operator not in FILTER_OPERATORS]
    consent = condition.get("consent") or {}
    if kind == "profile-marketing-consent" and ((consent.get("consent_status") or {}).get("filters")
                                                 or consent.get("channel") not in conditions.CONSENT_CHANNELS):
        problems.append(Problem(f"{path}.consent", "invalid", detail="The sandbox evaluates consent per channel "
                                                                     "(email, sms, push) without method or date filters."))
    if kind == "profile-group-membership":
        problems += [Problem(f"{path}.group_ids[{i}]", "invalid", detail=f"No list or segment has the id {group}.")
                     for i, group in enumerate(condition.get("group_ids") or [])
                     if group not in lists_of(account).records and group not in resources_of(account).of(SEGMENT)]
    return problems


def _operators(value, where: str = "") -> list[tuple[str, str]]:
    """(path, operator) of every filter and timeframe in a condition."""
    if isinstance(value, list):
        return [found for i, item in enumerate(value) for found in _operators(item, f"{where}[{i}]")]
    if not isinstance(value, dict):
        return []
    found = [(where.lstrip(".") + ".operator", value["operator"])] if "operator" in value else []
    return found + [f for key, item in value.items() for f in _operators(item, f"{where}.{key}")]


def moves_with_time(definition: dict | None) -> bool:
    """Whether a condition counts from now (`in-the-last` 30 days...), so time alone moves members."""
    return any(operator in RELATIVE for _, operator in _operators(definition))


# -- evaluating ------------------------------------------------------------------------------------

def qualifies(account: Account, definition: dict | None, profile, now: _dt.datetime) -> bool:
    """Whether the profile meets the definition now."""
    book = events_of(account)
    subject = conditions.Subject(profile=profile, now=now, flow_start=None,
                                 events=partial(_events, book, profile.id), in_flow_since=_never,
                                 joined=partial(group_joined, account, profile.id))
    return conditions.set_holds(definition, partial(conditions.condition_holds, subject=subject))


def _events(book, profile_id: str, metric_id: str) -> list:
    return book.of(profile_id, metric_id)


def _never(start) -> bool:
    return False


def refresh(account: Account, profile_ids, now: _dt.datetime) -> None:
    """Re-check the profiles against every segment and tell the listeners who joined or left.
    Passes repeat until nothing moves (a segment may test another's membership), at most once per
    segment; the listeners hear the changes after membership has settled."""
    segments = list(resources_of(account).of(SEGMENT))
    if not segments:
        return
    state, profiles, changes = members_of(account), profiles_of(account).records, []
    for profile_id in profile_ids:
        profile = profiles.find(profile_id)
        for _ in segments:
            moved = False
            for segment in segments:
                members = state.members.setdefault(segment.id, {})
                inside = profile is not None and qualifies(account, segment.attributes.get("definition"), profile, now)
                if inside == (profile_id in members):
                    continue
                if inside:
                    members[profile_id] = now
                else:
                    del members[profile_id]
                changes.append(SegmentChange(segment.id, profile_id, inside, now))
                moved = True
            if not moved:
                break
    for change in changes:
        account.notify(change)


def refresh_all(account: Account, now: _dt.datetime) -> None:
    refresh(account, [p.id for p in profiles_of(account).records], now)


def definition_written(account: Account, segment_id: str, now: _dt.datetime | None) -> None:
    """A segment made or changed is evaluated over every profile; a deleted one has no members."""
    if now is None:
        members_of(account).members.pop(segment_id, None)
        return
    refresh_all(account, now)
    schedule_sweep(account, now)


def schedule_sweep(account: Account, now: _dt.datetime) -> None:
    """While a segment's conditions move with time, re-check every profile every
    `klaviyo_segment_sweep_seconds` on the clock (0: only on changes)."""
    state = members_of(account)
    seconds = account.settings.klaviyo_segment_sweep_seconds if account.settings else 0
    if account.scheduler is None or not seconds or state.sweep_due is not None or not any(
            moves_with_time(s.attributes.get("definition")) for s in resources_of(account).of(SEGMENT)):
        return
    state.sweep_due = due = now + _dt.timedelta(seconds=seconds)
    account.scheduler.at(due, partial(sweep, account, due), "klaviyo segment sweep")


def sweep(account: Account, due: _dt.datetime) -> None:
    state = members_of(account)
    if state.sweep_due != due:
        return
    state.sweep_due = None
    now = account.scheduler.clock.now()
    refresh_all(account, now)
    schedule_sweep(account, now)


def on_happening(account: Account, happening) -> None:
    """The listener: a changed profile, or a list joined or left, is re-checked."""
    if isinstance(happening, (ProfileChanged, MembershipChange)):
        refresh(account, [happening.profile_id], happening.at)


def keep_current(account: Account) -> Account:
    """Make the account keep its segments current (before other listeners, so a flow triggered by
    the same change already sees the new membership)."""
    account.listeners.insert(0, on_happening)
    return account
