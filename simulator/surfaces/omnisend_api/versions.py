"""The `Omnisend-Version` header of the dated API.

`2026-03-15` and `2026-preview` are served. A date between releases resolves to the nearest earlier
release; a date before the first release names a line that no longer exists and is retired (410);
a missing or malformed header is a 400 (Omnisend documents neither case: docs/omnisend-api.md)."""
from __future__ import annotations

import datetime as _dt
import re

from simulator.errors import DomainError, Invalid, Problem

RELEASES = ("2026-03-15",)  # dated releases, oldest first
PREVIEW = "2026-preview"
HEADER = "Omnisend-Version"
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class RetiredVersion(DomainError):
    status = 410

    def __init__(self, version: str):
        super().__init__(version)
        self.detail = f"API version '{version}' has been retired."


def resolve(value: str | None) -> str:
    """The release a header value asks for."""
    if value is None or not value.strip():
        raise Invalid([Problem(HEADER, "required", detail=f"the {HEADER} header is required")])
    value = value.strip()
    if value == PREVIEW:
        return PREVIEW
    if not _DATE.match(value):
        raise Invalid([Problem(HEADER, "format", expected=f"YYYY-MM-DD or {PREVIEW}", got=value)])
    try:
        _dt.date.fromisoformat(value)
    except ValueError:
        raise Invalid([Problem(HEADER, "format", expected=f"YYYY-MM-DD or {PREVIEW}", got=value)]) from None
    earlier = [release for release in RELEASES if release <= value]
    if not earlier:
        raise RetiredVersion(value)
    return earlier[-1]
