"""Duration arithmetic for delays, inactivity and limiters, on a timezone's calendar.

Minutes and hours are elapsed time. Days, weeks and months are calendar steps in the account's
timezone, so "1 d" keeps the time of day across a DST change and "1 M" from Jan 31 lands on the
last day of February. A local time that does not exist (spring-forward gap) resolves to the same
wall-clock distance after the gap (02:30 -> 03:30), which is what zoneinfo's fold=0 gives."""
from __future__ import annotations

import calendar
import datetime as _dt

from simulator.core.timefmt import UTC

UNITS = ("m", "h", "d", "w", "M")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")  # date.weekday()


def _utc(local_naive: _dt.datetime, tz: _dt.tzinfo) -> _dt.datetime:
    return local_naive.replace(tzinfo=tz).astimezone(UTC)


def _local(moment: _dt.datetime, tz: _dt.tzinfo) -> _dt.datetime:
    return moment.astimezone(tz).replace(tzinfo=None)


def add_months(day: _dt.datetime, months: int) -> _dt.datetime:
    """Same day of month `months` later, clamped to the month's last day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def add(moment: _dt.datetime, amount: int, units: str, tz: _dt.tzinfo = UTC) -> _dt.datetime:
    """`moment` plus `amount` `units` (m h d w M)."""
    if units == "m":
        return moment + _dt.timedelta(minutes=amount)
    if units == "h":
        return moment + _dt.timedelta(hours=amount)
    local = _local(moment, tz)
    if units in ("d", "w"):
        local += _dt.timedelta(days=amount * (7 if units == "w" else 1))
    elif units == "M":
        local = add_months(local, amount)
    else:
        raise ValueError(f"unknown duration unit {units!r}")
    return _utc(local, tz)


def next_time_of_day(moment: _dt.datetime, hhmm: str, tz: _dt.tzinfo = UTC) -> _dt.datetime:
    """The first `HH:MM` in `tz` at or after `moment` (today if not yet passed, else tomorrow)."""
    hours, minutes = (int(part) for part in hhmm.split(":"))
    local = _local(moment, tz)
    target = local.replace(hour=hours, minute=minutes, second=0, microsecond=0)
    if target < local:
        target += _dt.timedelta(days=1)
    return _utc(target, tz)


def on_local_day_at(moment: _dt.datetime, days: int, hhmm: str, tz: _dt.tzinfo = UTC) -> _dt.datetime:
    """`days` calendar days after `moment`'s local date, at `HH:MM[:SS]` in `tz`; a moment already
    passed moves to the next day (a Klaviyo "N days, until 3 PM" delay)."""
    parts = [int(float(part)) for part in hhmm.split(":")] + [0]
    local = (_local(moment, tz) + _dt.timedelta(days=days)).replace(hour=parts[0], minute=parts[1], second=parts[2],
                                                                    microsecond=0)
    if local < _local(moment, tz):
        local += _dt.timedelta(days=1)
    return _utc(local, tz)


def on_allowed_weekday(moment: _dt.datetime, weekdays: list[str] | None, tz: _dt.tzinfo = UTC) -> _dt.datetime:
    """`moment` moved forward, day by day at the same local time, to the first allowed weekday."""
    allowed = {WEEKDAYS.index(day) for day in weekdays or [] if day in WEEKDAYS}
    if not allowed:
        return moment
    local = _local(moment, tz)
    for _ in range(7):
        if local.weekday() in allowed:
            break
        local += _dt.timedelta(days=1)
    return _utc(local, tz) if local != _local(moment, tz) else moment


def resolve_delay(start: _dt.datetime, delay: dict, tz: _dt.tzinfo = UTC) -> _dt.datetime:
    """When a delay block `{mode, duration?, time?, allowedWeekdays?}` reached at `start` ends."""
    mode = delay.get("mode")
    if mode == "duration":
        duration = delay.get("duration") or {}
        due = add(start, int(duration.get("amount", 0)), duration.get("units", "m"), tz)
    elif mode == "specificTime":
        due = next_time_of_day(start, delay.get("time") or "00:00", tz)
    else:  # immediate
        due = start
    return on_allowed_weekday(due, delay.get("allowedWeekdays"), tz)

