"""ISO-8601 parsing, the one output format (UTC, whole seconds, trailing Z) both vendors use, and
IANA zones by name."""
from __future__ import annotations

import datetime as _dt
import math
from email.utils import format_datetime
from zoneinfo import ZoneInfo

UTC = _dt.timezone.utc


def known_zone(name) -> _dt.tzinfo | None:
    """The IANA zone `name` names, or None when it names none (the one check of a zone a client sends)."""
    if not isinstance(name, str) or not name:
        return None
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError):  # ZoneInfoNotFoundError is a KeyError
        return None


def zone(name: str | None) -> _dt.tzinfo:
    """The named IANA zone; UTC when unnamed or unknown (an account's setting must not stop a run)."""
    return (known_zone(name) if name != "UTC" else None) or UTC


def parse_instant(value: str | _dt.datetime) -> _dt.datetime:
    """Parse an ISO-8601 instant; a naive value is taken as UTC. Raises ValueError when malformed."""
    if isinstance(value, _dt.datetime):
        moment = value
    else:
        if not isinstance(value, str) or not value:
            raise ValueError(f"not an ISO-8601 instant: {value!r}")
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        moment = _dt.datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # an offset that carries it past datetime's range
        raise ValueError(f"not a representable instant: {value!r}") from None


def iso(moment: _dt.datetime) -> str:
    """`2026-11-01T10:00:00Z`: the shape both vendors print."""
    return _texts(moment)[1]


def http_date(moment: _dt.datetime) -> str:
    """`Sun, 01 Nov 2026 10:00:00 GMT`: an HTTP `Date` (RFC 9110) of an aware instant."""
    return _texts(moment)[2]


_last: tuple[int | None, str, str] = (None, "", "")  # the last second formatted, as iso and HTTP date


def _texts(moment: _dt.datetime) -> tuple[int | None, str, str]:
    """Both whole-second texts of `moment`, formatted once per second: every request prints the
    time (its `Date`, its journal entry) and most requests of a busy second share it."""
    global _last
    second = math.floor(moment.timestamp())
    last = _last
    if last[0] != second:
        utc = moment.astimezone(UTC)
        last = _last = (second, utc.strftime("%Y-%m-%dT%H:%M:%SZ"), format_datetime(utc, usegmt=True))
    return last
