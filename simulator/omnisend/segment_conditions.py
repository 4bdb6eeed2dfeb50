"""Segment conditions of the dated Segments API: the kinds the sandbox understands, their checks, and
how one contact is tested against them.

Shape (spec `segments`): `conditionGroups[]` are OR-ed; the `conditions[]` of a group are AND-ed;
a condition `{entity: contact|event, junction: and|or (default and), filters[>=1]}` joins its
filters with its junction. Understood filters:

* contact, text properties (`email`, `phoneNumber`, `firstName`, `lastName`, `gender`, `country`,
  `state`, `city`, `address`, `postalCode`): `anyOf`, `noneOf`, `contains` (value: list of strings),
  `exists`, `doesNotExist`. Case-insensitive; `country` matches the ISO code or the country name.
* contact `tags`: `anyOf`, `noneOf`, `exists`, `doesNotExist` (any tag at all).
* contact `subscriptionStatus`: `equals` a status on every one of `channels` (`email`, `sms`,
  `browserPush`; the sandbox keeps no push channel, so push is never subscribed).
* contact `dateAdded`, and `custom` (with `name` and `valueType` text|number|bool|date): the date
  operators below, text operators, `equals`, `moreThan`, `lessThan`, `between`, `exists`, `doesNotExist`.
* event `{name, operator: has|hasNot, count: atLeast|equals, value: n, origin?, period?, filters?,
  junction?}`: counts the contact's events of that name (and origin) in the period whose
  properties pass `filters` (`property` is a dot path, `[]` stepping into every item of a list).
* dates: `inTheLast` / `notInTheLast` {value, unit: days|weeks|months|years}; `equals`, `before`,
  `after` {value: YYYY-MM-DD}; `between` {valueFrom, valueTo} (inclusive). Days are UTC days.

Every other property or operator is refused with a 400 naming it: a segment the sandbox cannot
evaluate would otherwise match the wrong contacts without a word."""
from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from typing import Callable

from simulator.errors import Problem
from simulator.omnisend.brand import ContactEvent
from simulator.omnisend.contacts import Contact

TEXT = {"email": lambda c: c.email, "phoneNumber": lambda c: c.phone, "country": None,
        **{name: (lambda c, name=name: c.profile.get(name))
           for name in ("firstName", "lastName", "gender", "state", "city", "address", "postalCode")}}
TEXT_OPERATORS = ("anyOf", "noneOf", "contains", "exists", "doesNotExist")
TAG_OPERATORS = ("anyOf", "noneOf", "exists", "doesNotExist")
DATE_OPERATORS = ("inTheLast", "notInTheLast", "equals", "before", "after", "between")
CUSTOM_OPERATORS = {"text": TEXT_OPERATORS + ("equals",),
                    "number": ("equals", "moreThan", "lessThan", "between", "exists", "doesNotExist"),
                    "bool": ("equals", "exists", "doesNotExist"),
                    "date": DATE_OPERATORS + ("exists", "doesNotExist")}
PROPERTY_OPERATORS = ("equals", "notEquals", "anyOf", "noneOf", "contains", "moreThan", "lessThan", "exists",
                      "doesNotExist")
STATUSES = ("subscribed", "unsubscribed", "nonSubscribed")
CHANNELS = {"email": "email", "sms": "sms", "browserPush": None}
UNITS = ("days", "weeks", "months", "years")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass
class Facts:
    """What evaluation reads about one contact."""
    contact: Contact
    events: list[ContactEvent]
    now: _dt.datetime


# -- checks -------------------------------------------------------------------------------------

def problems(groups: list, origins_of: Callable[[str], set[str]]) -> list[Problem]:
    """Every problem of `conditionGroups` at once. `origins_of(name)` is the set of origins the
    brand has seen the event under (an event seen under several needs its `origin`)."""
    out: list[Problem] = []
    if not groups:
        out.append(Problem("conditionGroups", "range", expected=("minItems", 1), got=0))
    for g, group in enumerate(groups):
        conditions = group.get("conditions") or []
        if not conditions:
            out.append(Problem(f"conditionGroups[{g}].conditions", "range", expected=("minItems", 1), got=0))
        for c, condition in enumerate(conditions):
            where = f"conditionGroups[{g}].conditions[{c}]"
            entity = condition.get("entity")
            if condition.get("junction", "and") not in ("and", "or"):
                out.append(Problem(f"{where}.junction", "enum", expected=["and", "or"], got=condition["junction"]))
            if entity not in ("contact", "event"):
                out.append(Problem(f"{where}.entity", "enum", expected=["contact", "event"], got=entity))
                continue
            check = _contact_problems if entity == "contact" else _event_problems
            for f, item in enumerate(condition.get("filters") or []):
                if not isinstance(item, dict):
                    out.append(Problem(f"{where}.filters[{f}]", "type", expected="object", got=type(item).__name__))
                    continue
                out += check(item, f"{where}.filters[{f}]", origins_of)
    return out


def _contact_problems(item: dict, where: str, _origins) -> list[Problem]:
    prop, op = item.get("property"), item.get("operator")
    if prop in TEXT:
        return _operator(op, TEXT_OPERATORS, where) or _text_value(item, op, where)
    if prop == "tags":
        return _operator(op, TAG_OPERATORS, where) or _text_value(item, op, where)
    if prop == "subscriptionStatus":
        out = _operator(op, ("equals",), where)
        if item.get("value") not in STATUSES:
            out.append(Problem(f"{where}.value", "enum", expected=list(STATUSES), got=item.get("value")))
        channels = item.get("channels")
        if not isinstance(channels, list) or not channels or any(ch not in CHANNELS for ch in channels):
            out.append(Problem(f"{where}.channels", "enum", expected=list(CHANNELS), got=channels))
        return out
    if prop == "dateAdded":
        return _operator(op, DATE_OPERATORS, where) or _date_value(item, op, where)
    if prop == "custom":
        kind = item.get("valueType")
        out = [] if isinstance(item.get("name"), str) and item["name"] else [Problem(f"{where}.name", "required")]
        if kind not in CUSTOM_OPERATORS:
            return out + [Problem(f"{where}.valueType", "enum", expected=list(CUSTOM_OPERATORS), got=kind)]
        return out + (_operator(op, CUSTOM_OPERATORS[kind], where) or _typed_value(item, op, kind, where))
    if prop is None:
        return [Problem(f"{where}.property", "required")]
    return [Problem(f"{where}.property", "invalid",
                    detail=f"contact property '{prop}' is not supported by the sandbox")]


def _event_problems(item: dict, where: str, origins_of) -> list[Problem]:
    out = []
    name = item.get("name")
    if not isinstance(name, str) or not name:
        out.append(Problem(f"{where}.name", "required"))
    out += _operator(item.get("operator"), ("has", "hasNot"), where)
    if item.get("count") not in ("atLeast", "equals"):
        out.append(Problem(f"{where}.count", "enum", expected=["atLeast", "equals"], got=item.get("count")))
    if not _whole(item.get("value")) or item["value"] < 0:
        out.append(Problem(f"{where}.value", "type", expected="integer >= 0", got=_kind(item.get("value"))))
    origin = item.get("origin")
    if origin is not None and not isinstance(origin, str):
        out.append(Problem(f"{where}.origin", "type", expected="string", got=_kind(origin)))
    elif origin is None and isinstance(name, str):
        seen = origins_of(name)
        if len(seen) > 1:
            out.append(Problem(f"{where}.origin", "required",
                               detail=f"event '{name}' exists under several origins: {', '.join(sorted(seen))}"))
    period = item.get("period")
    if period is not None:
        if not isinstance(period, dict):
            out.append(Problem(f"{where}.period", "type", expected="object", got=_kind(period)))
        else:
            out += (_operator(period.get("operator"), DATE_OPERATORS, f"{where}.period")
                    or _date_value(period, period["operator"], f"{where}.period"))
    if item.get("junction", "and") not in ("and", "or"):
        out.append(Problem(f"{where}.junction", "enum", expected=["and", "or"], got=item.get("junction")))
    subs = item.get("filters") or []
    if not isinstance(subs, list):
        return out + [Problem(f"{where}.filters", "type", expected="array", got=_kind(subs))]
    for s, sub in enumerate(subs):
        at = f"{where}.filters[{s}]"
        if not isinstance(sub, dict) or not isinstance(sub.get("property"), str) or not sub["property"]:
            out.append(Problem(f"{at}.property", "required"))
            continue
        out += _operator(sub.get("operator"), PROPERTY_OPERATORS, at)
        if sub.get("operator") not in ("exists", "doesNotExist") and "value" not in sub:
            out.append(Problem(f"{at}.value", "required"))
    return out


def _operator(op, allowed, where: str) -> list[Problem]:
    return [] if op in allowed else [Problem(f"{where}.operator", "enum", expected=list(allowed), got=op)]


def _text_value(item: dict, op: str, where: str) -> list[Problem]:
    if op in ("exists", "doesNotExist"):
        return []
    value = item.get("value")
    if isinstance(value, str) or (isinstance(value, list) and value and all(isinstance(v, str) for v in value)):
        return []
    return [Problem(f"{where}.value", "type", expected="non-empty array of strings", got=_kind(value))]


def _date_value(item: dict, op: str, where: str) -> list[Problem]:
    if op in ("inTheLast", "notInTheLast"):
        out = [] if _whole(item.get("value")) and item["value"] > 0 else [
            Problem(f"{where}.value", "type", expected="integer > 0", got=_kind(item.get("value")))]
        if item.get("unit") not in UNITS:
            out.append(Problem(f"{where}.unit", "enum", expected=list(UNITS), got=item.get("unit")))
        return out
    names = ("valueFrom", "valueTo") if op == "between" else ("value",)
    return [Problem(f"{where}.{name}", "format", expected="date (YYYY-MM-DD)", got=item.get(name))
            for name in names if _day(item.get(name)) is None]


def _typed_value(item: dict, op: str, kind: str, where: str) -> list[Problem]:
    if op in ("exists", "doesNotExist"):
        return []
    if kind == "date":
        return _date_value(item, op, where)
    if kind == "text" and op != "equals":
        return _text_value(item, op, where)
    names = ("valueFrom", "valueTo") if op == "between" else ("value",)
    test = {"text": lambda v: isinstance(v, str), "bool": lambda v: isinstance(v, bool),
            "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)}[kind]
    return [Problem(f"{where}.{name}", "type", expected=kind, got=_kind(item.get(name)))
            for name in names if not test(item.get(name))]


# -- evaluation ---------------------------------------------------------------------------------

def matches(groups: list, facts: Facts) -> bool:
    return any(all(_condition(condition, facts) for condition in group.get("conditions") or [])
               for group in groups)


def _condition(condition: dict, facts: Facts) -> bool:
    test = _contact_filter if condition.get("entity") == "contact" else _event_filter
    results = (test(item, facts) for item in condition.get("filters") or [])
    return any(results) if condition.get("junction") == "or" else all(results)


def _contact_filter(item: dict, facts: Facts) -> bool:
    contact, prop, op = facts.contact, item["property"], item["operator"]
    if prop == "country":
        return _text([contact.profile.get("countryCode"), contact.profile.get("country")], op, item.get("value"))
    if prop in TEXT:
        return _text([TEXT[prop](contact)], op, item.get("value"))
    if prop == "tags":
        return _text(list(contact.tags), op, item.get("value"))
    if prop == "subscriptionStatus":
        return all(_status(contact, CHANNELS[ch]) == item["value"] for ch in item["channels"])
    if prop == "dateAdded":
        return _date(contact.created_at, item, facts.now)
    value = (contact.custom_properties or {}).get(item["name"])
    return _custom(value, item, facts.now)


def _status(contact: Contact, channel: str | None) -> str:
    return (contact.status(channel) if channel else None) or "nonSubscribed"


def _text(found: list, op: str, wanted) -> bool:
    present = [str(v).lower() for v in found if v not in (None, "")]
    if op == "exists":
        return bool(present)
    if op == "doesNotExist":
        return not present
    wanted = [w.lower() for w in ([wanted] if isinstance(wanted, str) else wanted)]
    if op == "contains":
        return any(w in v for v in present for w in wanted)
    hit = any(v in wanted for v in present)
    return not hit if op == "noneOf" else hit


def _custom(value, item: dict, now: _dt.datetime) -> bool:
    op, kind = item["operator"], item["valueType"]
    if op in ("exists", "doesNotExist"):
        return (value is not None) == (op == "exists")
    if value is None:
        return False
    if kind == "date":
        moment = _instant(value)
        return moment is not None and _date(moment, item, now)
    if kind == "text" and op != "equals":
        return _text([value], op, item["value"])
    if kind == "number" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return _compare(value, op, item)
    return op == "equals" and value == item["value"]


def _compare(number, op: str, item: dict) -> bool:
    if op == "between":
        return item["valueFrom"] <= number <= item["valueTo"]
    return {"equals": number == item["value"], "moreThan": number > item["value"],
            "lessThan": number < item["value"]}[op]


def _date(moment: _dt.datetime, item: dict, now: _dt.datetime) -> bool:
    op = item["operator"]
    if op in ("inTheLast", "notInTheLast"):
        inside = moment >= _back(now, item["value"], item["unit"])
        return inside if op == "inTheLast" else not inside
    day = moment.astimezone(_dt.timezone.utc).date()
    if op == "between":
        return _day(item["valueFrom"]) <= day <= _day(item["valueTo"])
    other = _day(item["value"])
    return {"equals": day == other, "before": day < other, "after": day > other}[op]


def _event_filter(item: dict, facts: Facts) -> bool:
    count = sum(1 for event in facts.events
                if event.name == item["name"]
                and (item.get("origin") is None or event.origin == item["origin"])
                and (item.get("period") is None or _date(event.at, item["period"], facts.now))
                and _properties(event.properties, item.get("filters") or [], item.get("junction")))
    hit = count >= item["value"] if item["count"] == "atLeast" else count == item["value"]
    return hit if item["operator"] == "has" else not hit


def _properties(properties: dict, filters: list, junction: str | None) -> bool:
    if not filters:
        return True
    results = (_property(_values(properties, f["property"].split(".")), f) for f in filters)
    return any(results) if junction == "or" else all(results)


def _values(data, path: list[str]) -> list:
    """Every value at a dot path; a `[]` step fans out over a list's items."""
    if not path:
        return [data]
    head, rest = path[0], path[1:]
    if head == "[]":
        return [v for item in data for v in _values(item, rest)] if isinstance(data, list) else []
    return _values(data[head], rest) if isinstance(data, dict) and head in data else []


def _property(found: list, item: dict) -> bool:
    op = item["operator"]
    present = [v for v in found if v is not None]
    if op in ("exists", "doesNotExist"):
        return bool(present) == (op == "exists")
    wanted = item["value"] if isinstance(item["value"], list) else [item["value"]]
    if op in ("moreThan", "lessThan"):
        return any(isinstance(v, (int, float)) and not isinstance(v, bool)
                   and isinstance(w, (int, float)) and (v > w if op == "moreThan" else v < w)
                   for v in present for w in wanted)
    if op == "contains":
        return any(str(w).lower() in str(v).lower() for v in present for w in wanted)
    hit = any(v == w or (isinstance(v, str) and isinstance(w, str) and v.lower() == w.lower())
              for v in present for w in wanted)
    return not hit if op in ("noneOf", "notEquals") else hit


# -- small helpers ------------------------------------------------------------------------------

def _back(now: _dt.datetime, amount: int, unit: str) -> _dt.datetime:
    """`amount` units before `now`; months and years are calendar ones (the 31st clamps to month end)."""
    if unit in ("days", "weeks"):
        return now - _dt.timedelta(days=amount * (7 if unit == "weeks" else 1))
    months = amount * (12 if unit == "years" else 1)
    year, month = divmod(now.year * 12 + now.month - 1 - months, 12)
    month += 1
    last = (_dt.date(year + month // 12, month % 12 + 1, 1) - _dt.timedelta(days=1)).day
    return now.replace(year=year, month=month, day=min(now.day, last))


def _day(value) -> _dt.date | None:
    if not isinstance(value, str) or not _DAY.match(value):
        return None
    try:
        return _dt.date.fromisoformat(value)
    except ValueError:
        return None


def _instant(value) -> _dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=_dt.timezone.utc)


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _kind(value) -> str:
    return {bool: "boolean", int: "integer", float: "number", str: "string", list: "array",
            dict: "object"}.get(type(value), "null")
