"""Query-string reading shared by the Omnisend surfaces (v3 and the dated API).

Both collect every bad parameter before answering, so the problem kinds, paths and the
`YYYY-MM-DD`-or-instant date bound live here once; each surface's `listing.Query` adds only its
own parameters (v3: limit/offset; dated: unknown names, integers, cursors, repeatable choices)."""
from __future__ import annotations

import datetime as _dt
import re

from flask import request

from simulator.core.timefmt import UTC, parse_instant
from simulator.errors import Invalid, Problem
from simulator.omnisend.contacts import EMAIL

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class Query:
    """Reads parameters of the current request, collecting problems until `done()`."""

    DATE_EXPECTED = "date"  # the `expected` of a bad date bound's problem

    def __init__(self):
        self.problems: list[Problem] = []

    def text(self, name: str, max_length: int | None = None) -> str | None:
        value = request.args.get(name)
        if value is not None and max_length is not None and len(value) > max_length:
            self.problems.append(Problem(name, "range", expected=("maxLength", max_length), got=len(value)))
        return value or None

    def _choice_value(self, name: str) -> str | None:
        """The raw value `choice` checks: a blank one is a value (and refused), not an absent one."""
        return request.args.get(name)

    def choice(self, name: str, allowed: dict | tuple, default=None):
        """The value (mapped through `allowed` when it is a dict) or `default`; an unknown value is a problem."""
        value = self._choice_value(name)
        if value is None:
            return default
        if not self._allowed(name, value, allowed):
            return default
        return allowed[value] if isinstance(allowed, dict) else value

    def _allowed(self, name: str, value: str, allowed) -> bool:
        if value in allowed:
            return True
        self.problems.append(Problem(name, "enum", expected=list(allowed), got=value))
        return False

    def email(self, name: str = "email") -> str | None:
        value = request.args.get(name)
        if value is not None and not EMAIL.match(value):  # `?email=` too: blank is no email
            self.problems.append(Problem(name, "format", expected="email", got=value))
        return value

    def bound(self, name: str, end: bool) -> _dt.datetime | None:
        """An ISO-8601 instant, or a bare `YYYY-MM-DD`: its first instant, or its last for an `end`."""
        value = request.args.get(name)  # a blank bound is a malformed one, not an absent one
        if value is None:
            return None
        try:
            if _DATE.match(value):
                day = _dt.datetime.combine(_dt.date.fromisoformat(value), _dt.time(), tzinfo=UTC)
                return day + _dt.timedelta(days=1, microseconds=-1) if end else day
            return parse_instant(value)
        except ValueError:
            self.problems.append(Problem(name, "format", expected=self.DATE_EXPECTED, got=value))
            return None

    def done(self) -> None:
        if self.problems:
            raise Invalid(self.problems)
