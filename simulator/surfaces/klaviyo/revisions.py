"""The `revision` header: required on every Klaviyo call, `YYYY-MM-DD` with an optional `.suffix`.

Served: every published revision from the oldest in `operations.json` up to the one the official
SDK sends. A date between releases resolves to the release before it. Malformed or missing -> 400;
later than the sandbox's today -> 404 (Klaviyo: "Unable to specify a future revision date"); older
than the oldest served -> 410. docs/klaviyo.md records what is documented and what is assumed."""
from __future__ import annotations

import datetime as _dt
import re
from functools import lru_cache

from simulator.errors import DomainError, Invalid, NotFound, Problem
from simulator.surfaces.klaviyo.operations import table

_REVISION = re.compile(r"^(\d{4}-\d{2}-\d{2})(\.[A-Za-z0-9]+)?$")


class RetiredRevision(DomainError):
    status = 410

    def __init__(self, revision: str):
        super().__init__(revision)
        self.detail = f"Revision {revision} is no longer supported; use {table()['published'][0]} or later."


@lru_cache(maxsize=64)
def resolve(value: str | None, today: _dt.date, reject_future: bool = True) -> str:
    """The published revision a header names; raises the vendor's error for anything else.
    Remembered (the answer depends on its arguments only), as every request asks."""
    if value is None or not value.strip():
        raise Invalid([Problem("revision", "required", detail="The revision header is required.")])
    match = _REVISION.match(value.strip())
    date = None
    if match:
        try:
            date = _dt.date.fromisoformat(match.group(1))
        except ValueError:
            date = None
    if date is None:
        raise Invalid([Problem("revision", "format", detail=f"Invalid revision '{value}': use YYYY-MM-DD.")])
    if reject_future and date > today:
        raise NotFound("revision", "Unable to specify a future revision date")
    published = [r for r in table()["published"] if r <= date.isoformat()]
    if not published:
        raise RetiredRevision(value.strip())
    return published[-1]
