"""Query strings of the dated API's lists: every bad parameter named at once, then offset paging.

`Query` reads the current request's parameters and collects problems until `done()` raises them
together (a 400 ValidationProblem). Cursor lists check `after`/`before` here (never both, each a
cursor this API issued), so `common.cursor_page` finds them valid. Offset lists (batches) answer
`paging {limit, offset, next, previous}`, `next`/`previous` being absolute URLs of the same list
with the other parameters kept; the one missing at either end is left out (the spec types both as
plain strings, not nullable)."""
from __future__ import annotations

import datetime as _dt
import re
from urllib.parse import urlencode

from flask import request

from simulator.errors import Invalid, Problem
from simulator.surfaces import query
from simulator.surfaces.omnisend_api.common import decode_cursor

_DIGITS = re.compile(r"[0-9]{1,9}")


class Query(query.Query):
    """The current request's query string. `known`: the only parameters accepted (others -> 400)."""

    DATE_EXPECTED = "RFC 3339 date-time"

    def __init__(self, known: tuple[str, ...] | None = None):
        super().__init__()
        if known is not None:
            self.problems += [Problem(name, "unknown", detail=f"unknown query parameter {name}")
                              for name in request.args if name not in known]

    def integer(self, name: str, default: int, low: int, high: int | None = None) -> int:
        raw = request.args.get(name)
        if raw is None:
            return default
        if not _DIGITS.fullmatch(raw) or int(raw) < low or (high is not None and int(raw) > high):
            bound = f"{low} and {high}" if high is not None else f"{low} or more"
            self.problems.append(Problem(name, "range", expected=("between", bound) if high is not None
                                         else ("minimum", low), got=raw))
            return default
        return int(raw)

    def window(self) -> tuple[int, int]:
        """`limit` (1-250, default 100) and `offset` (from 0): the offset-paged lists' bounds."""
        return self.integer("limit", 100, 1, 250), self.integer("offset", 0, 0)

    def choices(self, name: str, allowed) -> tuple[str, ...]:
        """A repeatable parameter (`?status=a&status=b`): OR of its values."""
        return tuple(value for value in request.args.getlist(name) if self._allowed(name, value, allowed))

    def instant(self, name: str, end_of_day: bool = False) -> _dt.datetime | None:
        """An RFC 3339 instant, or a bare `YYYY-MM-DD` (its first instant, or its last for an end)."""
        return self.bound(name, end=end_of_day)

    def cursors(self) -> dict | None:
        """Check `after`/`before`; the decoded cursor sent (or None)."""
        found = {}
        for name in ("after", "before"):
            try:
                found[name] = decode_cursor(name)
            except Invalid as invalid:
                self.problems += invalid.problems
        if found.get("after") is not None and found.get("before") is not None:
            self.problems.append(Problem("after", "invalid", detail="after and before cannot be combined"))
        return found.get("after") or found.get("before")


def offset_page(items: list, limit: int, offset: int) -> tuple[list, dict]:
    page = items[offset:offset + limit]
    paging: dict = {"limit": limit, "offset": offset}
    if offset + limit < len(items):
        paging["next"] = _link(offset + limit, limit)
    if offset > 0:
        paging["previous"] = _link(max(0, offset - limit), limit)
    return page, paging


def _link(offset: int, limit: int) -> str:
    query = [(k, v) for k, v in request.args.items(multi=True) if k not in ("offset", "limit")]
    return f"{request.base_url}?{urlencode(query + [('limit', limit), ('offset', offset)])}"
