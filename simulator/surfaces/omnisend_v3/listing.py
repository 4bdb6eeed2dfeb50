"""Query parameters of the offset-paged v3 lists: sort names, enum filters and date bounds.

Every bad value is named at once (400, v3 error shape). A date bound takes `YYYY-MM-DD` (the spec's
format) or a full ISO-8601 instant; a bare date starts a `...From` range at 00:00:00 UTC and ends
a `...To` range at the day's last second, so both ends are inclusive."""
from __future__ import annotations

import datetime as _dt
import re

from flask import request

from simulator.core.timefmt import UTC, parse_instant
from simulator.errors import Invalid, Problem
from simulator.omnisend.contacts import EMAIL
from simulator.surfaces.omnisend_v3 import paging

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class Query:
    """Reads parameters of the current request, collecting problems until `done()`."""

    def __init__(self):
        self.problems: list[Problem] = []

    def limit_and_offset(self) -> tuple[int, int]:
        try:
            return paging.limit_and_offset()
        except Invalid as invalid:
            self.problems += invalid.problems
            return paging.DEFAULT_LIMIT, 0

    def text(self, name: str) -> str | None:
        value = request.args.get(name)
        return value if value not in (None, "") else None

    def choice(self, name: str, allowed: dict | tuple):
        """The value (mapped through `allowed` when it is a dict) or None; an unknown value is a problem."""
        value = self.text(name)
        if value is None:
            return None
        if value not in allowed:
            self.problems.append(Problem(name, "enum", expected=list(allowed), got=value))
            return None
        return allowed[value] if isinstance(allowed, dict) else value

    def email(self, name: str = "email") -> str | None:
        value = self.text(name)
        if value is not None and not EMAIL.match(value):
            self.problems.append(Problem(name, "format", expected="email", got=value))
        return value

    def bound(self, name: str, end: bool) -> _dt.datetime | None:
        value = self.text(name)
        if value is None:
            return None
        try:
            if _DATE.match(value):
                day = _dt.datetime.combine(_dt.date.fromisoformat(value), _dt.time(), tzinfo=UTC)
                return day + _dt.timedelta(days=1, microseconds=-1) if end else day
            return parse_instant(value)
        except ValueError:
            self.problems.append(Problem(name, "format", expected="date", got=value))
            return None

    def done(self) -> None:
        if self.problems:
            raise Invalid(self.problems)
