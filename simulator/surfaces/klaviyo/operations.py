"""Which Klaviyo operations exist in which revision, their scopes and their rate limits.

`contracts/klaviyo/operations.json` holds the facts, written by `contracts/build_tables.py` from each
vendored revision of Klaviyo's OpenAPI spec (tests/test_klaviyo_operations.py keeps it true to them). A requested revision behaves
as the newest vendored revision at or before it; an operation that revision lacks answers 404."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from simulator.core.ratelimit import Window


@dataclass(frozen=True)
class Operation:
    id: str
    method: str
    path: str  # as the spec writes it: /api/events, /client/events
    scopes: tuple[str, ...]
    limits: dict  # vendored revision -> {"burst": n/s, "steady": n/min, "daily"?: n/day}
    facts: dict  # the whole table entry: types, attributes, filters, sorts, includes, fields, page...

    def windows(self, vendored: str, scale: float = 1.0) -> tuple[Window, ...]:
        """burst (1 s), steady (1 min) and daily windows, fixed, as that revision's spec gives them,
        each limit times `scale` (the `klaviyo_rate_limit_scale` setting)."""
        limits = self.limits[vendored]
        spans = (("burst", 1), ("steady", 60), ("daily", 86400))
        return tuple(Window(max(1, round(limits[name] * scale)), seconds, "fixed")
                     for name, seconds in spans if name in limits)


@cache
def table() -> dict:
    return json.loads(resources.files("simulator.contracts").joinpath("klaviyo", "operations.json").read_text())


@cache
def operation(operation_id: str) -> Operation:
    entry = table()["operations"][operation_id]
    return Operation(operation_id, entry["method"], entry["path"], tuple(entry["scopes"]), entry["limits"], entry)


def vendored_for(revision_date: str) -> str | None:
    """The newest vendored spec revision at or before a (resolved) revision date."""
    earlier = [r for r in table()["vendored"] if r <= revision_date]
    return earlier[-1] if earlier else None


@cache
def _paths() -> tuple[tuple[re.Pattern, dict[str, tuple[str, ...]]], ...]:
    """Every path of the table as a pattern, with its operation ids per method (`{id}` and `{job_id}`
    spellings of one path are one)."""
    by_template: dict[str, dict[str, list[str]]] = {}
    for operation_id, entry in table()["operations"].items():
        template = re.sub(r"\{[^}]*\}", "{}", entry["path"])
        by_template.setdefault(template, {}).setdefault(entry["method"], []).append(operation_id)
    return tuple((re.compile("".join("([^/]+)" if part == "{}" else re.escape(part)
                                     for part in re.split(r"(\{\})", template)) + "/?"),
                  {method: tuple(ids) for method, ids in methods.items()})
                 for template, methods in by_template.items())


def route(path: str) -> tuple[dict[str, tuple[str, ...]], tuple[str, ...]]:
    """(method -> operation ids, path parameters) of a path like `/api/tags/XYZ`; ({}, ()) for none."""
    for pattern, methods in _paths():
        found = pattern.fullmatch(path)
        if found:
            return methods, found.groups()
    return {}, ()
