"""Klaviyo condition sets (flow profile filters, conditional splits, trigger filters, segment
definitions) evaluated on a profile and its events at the moment they are reached.

A condition set is `{condition_groups: [{conditions: [...]}]}`: the groups are AND-ed and the
conditions inside a group OR-ed, as Klaviyo's Segments API overview says of segment definitions
(https://developers.klaviyo.com/en/reference/segments_api_overview) and its builder shows for flow
filters. A condition type the sandbox does not model holds, and `unknown` names it, so the trace
can say so (segments refuse such definitions instead: klaviyo/segments.py). Klaviyo's filter
operators map onto the shared ones of engine/filters.py."""
from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from typing import Callable

from simulator.core.timefmt import parse_instant
from simulator.engine import filters

_OPS = {"equals": "eq", "not-equals": "neq", "greater-than": "gt", "greater-than-or-equal": "gte",
        "less-than": "lt", "less-than-or-equal": "lte", "contains": "contains", "not-contains": "notContains",
        "starts-with": "startsWith", "ends-with": "endsWith", "in": "in", "not-in": "notIn",
        "is-set": "exists", "not-set": "notExists"}
_LENGTH = {"length-equals": "eq", "length-greater-than": "gt", "length-greater-than-or-equal": "gte",
           "length-less-than": "lt", "length-less-than-or-equal": "lte"}
_HOURS = {"hour": 1, "day": 24, "week": 24 * 7}
_BRACKETED = re.compile(r"^(properties|location)\[['\"](.+)['\"]\]$")
CONSENT_CHANNELS = {"email": "email.marketing", "sms": "sms.marketing", "push": "push.marketing"}
# profile-region: the member states of the European Union (https://european-union.europa.eu/principles-
# countries-history/eu-countries_en), matched on `location.country` by ISO code or English name
EU = {"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU",
      "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "austria", "belgium", "bulgaria", "croatia", "cyprus",
      "czechia", "czech republic", "denmark", "estonia", "finland", "france", "germany", "greece", "hungary",
      "ireland", "italy", "latvia", "lithuania", "luxembourg", "malta", "netherlands", "poland", "portugal",
      "romania", "slovakia", "slovenia", "spain", "sweden"}
US = {"US", "USA", "united states", "united states of america"}


def window(now: _dt.datetime, timeframe: dict | None,
           flow_start: _dt.datetime | None = None) -> tuple[_dt.datetime | None, _dt.datetime | None]:
    """The (earliest, latest) moments a Klaviyo date filter or timeframe admits, both inclusive
    (None: unbounded): `in-the-last`, `at-least` (that long ago or more), `in-the-next`,
    `between` (N to M units ago), `after`, `before`, `between-static`, `alltime`, `flow-start`."""
    timeframe = timeframe or {}
    operator = timeframe.get("operator")

    def ago(quantity) -> _dt.timedelta:
        return _dt.timedelta(hours=_HOURS.get(timeframe.get("unit", "day"), 24) * int(quantity or 0))

    if operator == "flow-start":
        return flow_start, None
    if operator == "in-the-last":
        return now - ago(timeframe.get("quantity")), None
    if operator == "at-least":
        return None, now - ago(timeframe.get("quantity"))
    if operator == "in-the-next":
        return now, now + ago(timeframe.get("quantity"))
    if operator == "between":
        return now - ago(timeframe.get("end")), now - ago(timeframe.get("start"))
    if operator == "after":
        return parse_instant(timeframe["date"]), None
    if operator == "before":
        return None, parse_instant(timeframe["date"])
    if operator == "between-static":
        return parse_instant(timeframe["start"]), parse_instant(timeframe["end"])
    return None, None


def since(now: _dt.datetime, timeframe: dict | None, flow_start: _dt.datetime | None) -> _dt.datetime | None:
    """The earliest moment a timeframe counts from (None: all time)."""
    return window(now, timeframe, flow_start)[0]


def within(moment: _dt.datetime | None, bounds: tuple[_dt.datetime | None, _dt.datetime | None]) -> bool:
    start, end = bounds
    return moment is not None and (start is None or moment >= start) and (end is None or moment <= end)


def _instant(value) -> _dt.datetime | None:
    try:
        return parse_instant(value)
    except (TypeError, ValueError):
        return None


def filter_holds(spec: dict | None, values: list, now: _dt.datetime | None = None) -> bool:
    """A Klaviyo `{type, operator, value}` filter against the values found (none: missing); a
    date filter reads the values as instants, relative to `now` (none given: it does not hold)."""
    if not spec:
        return bool(values)
    operator = spec.get("operator", "")
    if operator in ("not-starts-with", "not-ends-with", "not-contains-all", "not-contains-any",
                    "not-contains-substring"):
        return not filter_holds({**spec, "operator": operator[4:]}, values, now)
    if operator in ("regex", "nregex"):
        found = any(isinstance(v, str) and re.search(spec.get("value") or "", v) for v in values)
        return found if operator == "regex" else not found
    if spec.get("type") == "date" and operator not in ("is-set", "not-set"):
        return now is not None and any(within(_instant(v), window(now, spec)) for v in values)
    items = [item for v in values if isinstance(v, list) for item in v]
    wanted = spec.get("value")
    if operator in ("contains-all", "contains-any"):
        test = all if operator == "contains-all" else any
        return bool(wanted) and test(w in items for w in wanted)
    if operator == "contains-substring":
        return any(isinstance(i, str) and isinstance(wanted, str) and wanted in i for i in items)
    if operator in _LENGTH:
        return any(filters.test(_LENGTH[operator], [len(v)], wanted) for v in values if isinstance(v, list))
    return filters.test(_OPS.get(operator, operator), values, wanted)


@dataclass
class Subject:
    """What a profile filter reads, gathered by the interpreter for one check."""
    profile: object  # klaviyo.profiles.Profile
    now: _dt.datetime
    flow_start: _dt.datetime | None  # this run's entry (now, when checked at entry); None outside a flow
    events: Callable[[str], list]  # metric id -> the profile's events of it, oldest first
    in_flow_since: Callable[[_dt.datetime | None], bool]  # in this flow (another entry) since a moment
    joined: Callable[[str], _dt.datetime | None]  # list or segment id -> when the profile joined it (None: not in it)
    skip_event: object = None  # the trigger event, never counted "since starting this flow"


def profile_value(profile, name: str) -> list:
    """A profile field named as Klaviyo does (`properties['x']`, `location['city']`, `first_name`,
    `location.city`)."""
    match = _BRACKETED.match(name)
    if match:
        source = profile.properties if match.group(1) == "properties" else profile.location
        return filters.values_at(source, match.group(2))
    for source in (profile.attributes, {"location": profile.location}, profile.properties):
        found = filters.values_at(source, name)
        if found:
            return found
    return []


def _metric_holds(condition: dict, subject: Subject) -> bool:
    timeframe = condition.get("timeframe_filter")
    bounds = window(subject.now, timeframe, subject.flow_start)
    flow_start = (timeframe or {}).get("operator") == "flow-start"
    counted = []
    for event in subject.events(condition.get("metric_id")):
        if event is subject.skip_event or not within(event.processed if flow_start else event.time, bounds):
            continue
        if all(filter_holds(f.get("filter"), filters.values_at(event.properties, f.get("property", "")), subject.now)
               for f in condition.get("metric_filters") or []):
            counted.append(event)
    if condition.get("measurement") == "sum":
        measured = sum(float(e.value if e.value is not None else e.properties.get("$value") or 0) for e in counted)
    else:
        measured = len(counted)
    return filter_holds(condition.get("measurement_filter"), [measured])


def _consent_holds(condition: dict, subject: Subject) -> bool:
    """Email marketing reaches the subscribed and the never subscribed (everyone but the
    unsubscribed); SMS and push marketing only the subscribed. `consent_status.subscription` then
    narrows to one state (`any` for all)."""
    consent = condition.get("consent") or {}
    channel = consent.get("channel", "email")
    state = subject.profile.consent_of(CONSENT_CHANNELS.get(channel, "email.marketing"))
    can_receive = state.consent != "UNSUBSCRIBED" if channel == "email" else state.subscribed
    wanted = (consent.get("consent_status") or {}).get("subscription", "any")
    return can_receive == consent.get("can_receive_marketing", True) and wanted in ("any", state.consent.lower())


def _region_holds(condition: dict, subject: Subject) -> bool:
    country = (subject.profile.location or {}).get("country")
    names = EU if condition.get("region") == "european_union" else US
    inside = isinstance(country, str) and (country.strip().upper() in names or country.strip().lower() in names)
    return inside == bool(condition.get("in_region", True))


def _group_holds(condition: dict, subject: Subject) -> bool:
    """In any of the lists or segments named (joined within the timeframe, if one is given), or in none."""
    bounds = window(subject.now, condition.get("timeframe_filter"))
    member = any(within(subject.joined(group), bounds) for group in condition.get("group_ids") or [])
    return member == (condition.get("is_member", True) and condition.get("type") == "profile-group-membership")


def condition_holds(condition: dict, subject: Subject) -> bool:
    kind = condition.get("type")
    if kind == "profile-metric":
        return _metric_holds(condition, subject)
    if kind == "profile-property":
        return filter_holds(condition.get("filter"), profile_value(subject.profile, condition.get("property", "")),
                            subject.now)
    if kind == "profile-not-in-flow":
        return not subject.in_flow_since(since(subject.now, condition.get("timeframe_filter"), subject.flow_start))
    if kind == "profile-marketing-consent":
        return _consent_holds(condition, subject)
    if kind == "profile-region":
        return _region_holds(condition, subject)
    if kind in ("profile-group-membership", "profile-no-group-membership"):
        return _group_holds(condition, subject)
    return True


KNOWN = ("profile-metric", "profile-property", "profile-not-in-flow", "profile-marketing-consent", "profile-region",
         "profile-group-membership", "profile-no-group-membership")


def set_holds(condition_set: dict | None, holds: Callable[[dict], bool]) -> bool:
    """Groups AND-ed, each group's conditions OR-ed; no set (or no groups) holds."""
    return all(any(holds(c) for c in group.get("conditions") or []) or not group.get("conditions")
               for group in (condition_set or {}).get("condition_groups") or [])


def unknown(condition_set: dict | None) -> list[str]:
    """Condition types in the set that the sandbox does not model (they hold)."""
    return sorted({c.get("type") for g in (condition_set or {}).get("condition_groups") or []
                   for c in g.get("conditions") or [] if c.get("type") not in KNOWN})


def trigger_holds(condition_set: dict | None, properties: dict, now: _dt.datetime | None = None) -> bool:
    """A trigger filter (`metric-property` conditions on the trigger event's properties)."""
    return set_holds(condition_set, lambda c: filter_holds(c.get("filter"),
                                                           filters.values_at(properties, c.get("field", "")), now))
