"""Klaviyo condition sets (flow profile filters, conditional splits, trigger filters) evaluated on
a profile and its events at the moment they are reached.

A condition set is `{condition_groups: [{conditions: [...]}]}`: the groups are AND-ed and the
conditions inside a group OR-ed (Klaviyo's builder: "AND" between groups, "OR" inside one). A
condition type the sandbox does not model holds, and `unknown` names it, so the trace can say so.
Klaviyo's filter operators map onto the shared ones of engine/filters.py."""
from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from typing import Callable

from simulator.engine import filters

_OPS = {"equals": "eq", "not-equals": "neq", "greater-than": "gt", "greater-than-or-equal": "gte",
        "less-than": "lt", "less-than-or-equal": "lte", "contains": "contains", "not-contains": "notContains",
        "starts-with": "startsWith", "ends-with": "endsWith", "in": "in", "not-in": "notIn",
        "is-set": "exists", "not-set": "notExists"}
_HOURS = {"hour": 1, "day": 24, "week": 24 * 7}
_PROPERTY = re.compile(r"^properties\[['\"](.+)['\"]\]$")
CONSENT_CHANNELS = {"email": "email.marketing", "sms": "sms.marketing", "push": "push.marketing"}


def filter_holds(spec: dict | None, values: list) -> bool:
    """A Klaviyo `{type, operator, value}` filter against the values found (none: missing)."""
    if not spec:
        return bool(values)
    operator = spec.get("operator", "")
    if operator in ("not-starts-with", "not-ends-with"):
        return not filter_holds({**spec, "operator": operator[4:]}, values)
    if operator in ("regex", "nregex"):
        found = any(isinstance(v, str) and re.search(spec.get("value") or "", v) for v in values)
        return found if operator == "regex" else not found
    return filters.test(_OPS.get(operator, operator), values, spec.get("value"))


def since(now: _dt.datetime, timeframe: dict | None, flow_start: _dt.datetime | None) -> _dt.datetime | None:
    """The earliest moment a timeframe counts from (None: all time)."""
    timeframe = timeframe or {}
    operator = timeframe.get("operator")
    if operator == "flow-start":
        return flow_start
    if operator == "in-the-last":
        hours = _HOURS.get(timeframe.get("unit", "day"), 24) * int(timeframe.get("quantity") or 0)
        return now - _dt.timedelta(hours=hours)
    return None


@dataclass
class Subject:
    """What a profile filter reads, gathered by the interpreter for one check."""
    profile: object  # klaviyo.profiles.Profile
    now: _dt.datetime
    flow_start: _dt.datetime  # this run's entry (now, when checked at entry)
    events: Callable[[str], list]  # metric id -> the profile's events of it, oldest first
    in_flow_since: Callable[[_dt.datetime | None], bool]  # in this flow (another entry) since a moment
    member_of: Callable[[str], bool]  # list id -> is the profile a member
    skip_event: object = None  # the trigger event, never counted "since starting this flow"


def profile_value(profile, name: str) -> list:
    """A profile property named as Klaviyo does (`properties['x']`, `first_name`, `location.city`)."""
    match = _PROPERTY.match(name)
    if match:
        return filters.values_at(profile.properties, match.group(1))
    for source in (profile.attributes, {"location": profile.location}, profile.properties):
        found = filters.values_at(source, name)
        if found:
            return found
    return []


def _metric_holds(condition: dict, subject: Subject) -> bool:
    start = since(subject.now, condition.get("timeframe_filter"), subject.flow_start)
    flow_start = (condition.get("timeframe_filter") or {}).get("operator") == "flow-start"
    counted = []
    for event in subject.events(condition.get("metric_id")):
        if event is subject.skip_event or (start is not None and (event.processed if flow_start else event.time) < start):
            continue
        if all(filter_holds(f.get("filter"), filters.values_at(event.properties, f.get("property", "")))
               for f in condition.get("metric_filters") or []):
            counted.append(event)
    if condition.get("measurement") == "sum":
        measured = sum(float(e.value if e.value is not None else e.properties.get("$value") or 0) for e in counted)
    else:
        measured = len(counted)
    return filter_holds(condition.get("measurement_filter"), [measured])


def _consent_holds(condition: dict, subject: Subject) -> bool:
    consent = condition.get("consent") or {}
    state = subject.profile.consent_of(CONSENT_CHANNELS.get(consent.get("channel"), "email.marketing"))
    if consent.get("can_receive_marketing", True):
        return state.subscribed
    wanted = (consent.get("consent_status") or {}).get("subscription", "any")
    return not state.subscribed and (wanted == "any" or state.consent == wanted.upper())


def condition_holds(condition: dict, subject: Subject) -> bool:
    kind = condition.get("type")
    if kind == "profile-metric":
        return _metric_holds(condition, subject)
    if kind == "profile-property":
        return filter_holds(condition.get("filter"), profile_value(subject.profile, condition.get("property", "")))
    if kind == "profile-not-in-flow":
        return not subject.in_flow_since(since(subject.now, condition.get("timeframe_filter"), subject.flow_start))
    if kind == "profile-marketing-consent":
        return _consent_holds(condition, subject)
    if kind in ("profile-group-membership", "profile-no-group-membership"):
        member = any(subject.member_of(group) for group in condition.get("group_ids") or [])
        return member == (condition.get("is_member", True) and kind == "profile-group-membership")
    return True


def set_holds(condition_set: dict | None, holds: Callable[[dict], bool]) -> bool:
    """Groups AND-ed, each group's conditions OR-ed; no set (or no groups) holds."""
    return all(any(holds(c) for c in group.get("conditions") or []) or not group.get("conditions")
               for group in (condition_set or {}).get("condition_groups") or [])


def unknown(condition_set: dict | None) -> list[str]:
    """Condition types in the set that the sandbox does not model (they hold)."""
    known = {"profile-metric", "profile-property", "profile-not-in-flow", "profile-marketing-consent",
             "profile-group-membership", "profile-no-group-membership"}
    return sorted({c.get("type") for g in (condition_set or {}).get("condition_groups") or []
                   for c in g.get("conditions") or [] if c.get("type") not in known})


def trigger_holds(condition_set: dict | None, properties: dict) -> bool:
    """A trigger filter (`metric-property` conditions on the trigger event's properties)."""
    return set_holds(condition_set, lambda c: filter_holds(c.get("filter"),
                                                           filters.values_at(properties, c.get("field", ""))))
