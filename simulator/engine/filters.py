"""Filter operators on property paths, shared by trigger filters, exit conditions and splits.

A path like `cart.items.price` walks nested objects; where it meets a list it walks every element,
so it names every item's price. A key that itself contains dots (`"a.b"`) is tried first. The
positive operators hold when any value found satisfies them; `neq`, `notContains`, `notIn` and
`notExists` are exactly their opposites (so `neq` holds when the property is missing).

`contains` on a list value means membership, on a string a substring. Numbers compare with
numbers (a boolean is not a number), strings with strings; anything else does not match.
`fold=True` compares strings case-insensitively (contact attributes, which people type)."""
from __future__ import annotations

from typing import Callable, Iterable

_MISSING = object()
OPERATORS = ("eq", "neq", "gt", "gte", "lt", "lte", "contains", "notContains", "startsWith", "endsWith",
             "exists", "notExists", "in", "notIn")
NEGATED = {"neq": "eq", "notContains": "contains", "notIn": "in", "notExists": "exists"}


def values_at(data, path: str) -> list:
    """Every value the path names in `data` (empty when none)."""
    if isinstance(data, dict) and path in data:
        return [data[path]]
    found = [data]
    for part in path.split("."):
        nxt = []
        for item in found:
            for element in (item if isinstance(item, list) else [item]):
                if isinstance(element, dict) and part in element:
                    nxt.append(element[part])
        found = nxt
    return found


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _norm(value, fold: bool):
    return value.casefold() if fold and isinstance(value, str) else value


def _equal(a, b, fold: bool) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if _is_number(a) and _is_number(b):
        return a == b
    return type(a) is type(b) and _norm(a, fold) == _norm(b, fold)


def _ordered(a, b, op: str) -> bool:
    if not ((_is_number(a) and _is_number(b)) or (isinstance(a, str) and isinstance(b, str))):
        return False
    return {"gt": a > b, "gte": a >= b, "lt": a < b, "lte": a <= b}[op]


def _scalar(op: str, value, expected, fold: bool) -> bool:
    if op == "eq":
        return _equal(value, expected, fold)
    if op in ("gt", "gte", "lt", "lte"):
        return _ordered(_norm(value, fold), _norm(expected, fold), op)
    if op == "in":
        return isinstance(expected, list) and any(_equal(value, item, fold) for item in expected)
    if not (isinstance(value, str) and isinstance(expected, str)):
        return False
    value, expected = _norm(value, fold), _norm(expected, fold)
    return {"contains": expected in value, "startsWith": value.startswith(expected),
            "endsWith": value.endswith(expected)}[op]


def _positive(op: str, value, expected, fold: bool) -> bool:
    if op == "exists":
        return value is not None
    if isinstance(value, list):
        if op == "contains":
            return any(_equal(item, expected, fold) for item in value)
        return any(_positive(op, item, expected, fold) for item in value)
    return value is not None and _scalar(op, value, expected, fold)


def test(op: str, values: Iterable, expected=None, fold: bool = False) -> bool:
    """Whether the values found at a path satisfy `op` against `expected`."""
    if op in NEGATED:
        return not test(NEGATED[op], values, expected, fold)
    if op not in OPERATORS:
        return False
    return any(_positive(op, value, expected, fold) for value in values)


def matches(data, rule: dict, fold: bool = False) -> bool:
    """One `{field, operator, value}` filter against an object's properties."""
    return test(rule.get("operator", ""), values_at(data, rule.get("field", "")), rule.get("value"), fold)


def group_holds(group: dict | None, holds: Callable[[dict], bool]) -> bool:
    """A `{logicalOperator, filters}` group: its filters combined by and/or; an empty group holds."""
    filters = (group or {}).get("filters") or []
    if not filters:
        return True
    if (group or {}).get("logicalOperator") == "or":
        return any(holds(f) for f in filters)
    return all(holds(f) for f in filters)


def groups_hold(groups: list[dict] | None, holds: Callable[[dict], bool]) -> bool:
    """Several groups AND-ed (trigger `filterGroups`)."""
    return all(group_holds(group, holds) for group in groups or [])
