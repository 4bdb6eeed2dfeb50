"""Rate limiting on the virtual clock, per account and bucket.

Two window kinds, because the vendors use both: a *fixed* window counts requests in calendar-aligned
periods (all requests in 10:00:00-10:00:59 share one budget); a *sliding* window counts the requests
of the last `period` seconds. A rejected request does not spend budget.

Windows move with the virtual clock. But a 429's `Retry-After` is a promise in wall seconds, and on a
frozen clock the window would never move: a client that waits as told would be refused forever. So
a refusal also notes, in wall time, when its window was promised to free up; once that wall moment
has passed, the window starts afresh. Counts within a window stay exact: only a refused request,
and then the wall time it was told to wait, gives budget back early.
"""
from __future__ import annotations

import datetime as _dt
import math
from collections import deque
from dataclasses import dataclass
from typing import Callable

_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int  # whole seconds until budget frees up (end of period, or oldest hit expiring)

    @property
    def retry_after(self) -> int:
        return max(1, self.reset_seconds)


@dataclass(frozen=True)
class Window:
    limit: int
    period_seconds: int
    kind: str = "fixed"  # or "sliding"

    def __post_init__(self):
        if self.kind not in ("fixed", "sliding"):
            raise ValueError(f"window kind must be fixed or sliding, not {self.kind!r}")
        if self.limit < 1 or self.period_seconds < 1:
            raise ValueError("a window needs a positive limit and period")


def _seconds(moment: _dt.datetime) -> float:
    return (moment - _EPOCH).total_seconds()


class RateLimiter:
    """Budgets keyed by (account, bucket); each bucket may have several windows, all must allow.
    `wall`: the wall clock, for keeping `Retry-After` promises (None, or a clock that answers None:
    windows move on virtual time only)."""

    def __init__(self, wall: Callable[[], _dt.datetime] | None = None):
        self._fixed: dict[tuple, tuple[float, int]] = {}
        self._sliding: dict[tuple, deque] = {}
        self._wall = wall
        self._promised: dict[tuple, float] = {}  # (key, window) -> wall second its refusal said it frees up

    def reset(self) -> None:
        self._fixed.clear()
        self._sliding.clear()
        self._promised.clear()

    def forget(self, account: str) -> None:
        """Drop every budget whose key names `account` (a dropped account's budgets go with it)."""
        for table in (self._fixed, self._sliding):
            for key in [k for k in table if account in k[0]]:
                del table[key]

    def hit(self, key: tuple, windows: tuple[Window, ...], now: _dt.datetime) -> Decision:
        """Spend one request against every window of `key`, or none if any window is full.

        The returned decision describes the tightest window (fewest remaining)."""
        t = _seconds(now)
        if self._promised:
            wall = self._wall_seconds()
            if wall is not None:
                self._keep_promises(key, windows, wall)
        looks = [self._look(key, w, t) for w in windows]
        allowed = all(remaining > 0 for remaining, _ in looks)
        if allowed:
            for w in windows:
                self._spend(key, w, t)
            looks = [(remaining - 1, reset) for remaining, reset in looks]
        else:
            wall = self._wall_seconds()
            for w, (remaining, reset) in zip(windows, looks):
                if wall is not None and remaining <= 0:
                    self._promised.setdefault((key, w), wall + max(1, reset))
        index = min(range(len(windows)), key=lambda i: (looks[i][0], -looks[i][1]))
        remaining, reset = looks[index]
        return Decision(allowed, windows[index].limit, max(0, remaining), reset)

    def _wall_seconds(self) -> float | None:
        """Wall seconds now, or None when promises are off just now (read only when a promise is
        made or pending: most requests need neither)."""
        moment = self._wall() if self._wall is not None else None
        return _seconds(moment) if moment is not None else None

    def budgets(self, now: _dt.datetime) -> list[dict]:
        """Every (key, window) spent from so far, with what is left of it now: for the console."""
        t = _seconds(now)
        seen = sorted({*self._fixed, *self._sliding}, key=repr)
        return [{"key": list(key), "limit": w.limit, "period_seconds": w.period_seconds, "kind": w.kind,
                 "remaining": max(0, remaining), "reset_seconds": reset}
                for key, w in seen for remaining, reset in [self._look(key, w, t)]]

    def _keep_promises(self, key: tuple, windows: tuple[Window, ...], wall: float) -> None:
        """Start afresh each window of `key` whose promised wall moment has come."""
        for w in windows:
            due = self._promised.get((key, w))
            if due is not None and wall >= due:
                del self._promised[(key, w)]
                (self._fixed if w.kind == "fixed" else self._sliding).pop((key, w), None)

    def peek(self, key: tuple, window: Window, now: _dt.datetime) -> tuple[int, int]:
        """(remaining, reset seconds) of one window of `key`, spending nothing: for headers that
        describe a window other than the tightest."""
        return self._look(key, window, _seconds(now))

    def _look(self, key, w: Window, t: float) -> tuple[int, int]:
        if w.kind == "fixed":
            start = math.floor(t / w.period_seconds) * w.period_seconds
            seen_start, count = self._fixed.get((key, w), (start, 0))
            if seen_start != start:
                count = 0
            return w.limit - count, max(1, math.ceil(start + w.period_seconds - t))
        hits = self._sliding.get((key, w))
        if hits is None:
            return w.limit, w.period_seconds
        while hits and hits[0] <= t - w.period_seconds:
            hits.popleft()
        oldest = hits[0] if hits else t
        return w.limit - len(hits), max(1, math.ceil(oldest + w.period_seconds - t))

    def _spend(self, key, w: Window, t: float) -> None:
        if w.kind == "fixed":
            start = math.floor(t / w.period_seconds) * w.period_seconds
            seen_start, count = self._fixed.get((key, w), (start, 0))
            self._fixed[(key, w)] = (start, (count if seen_start == start else 0) + 1)
        else:
            self._sliding.setdefault((key, w), deque()).append(t)
