"""The sandbox clock: the one place that reads wall time.

Everything else asks this clock for `now()`, so delays, rate-limit windows and timestamps all move
together when a test advances it. Two modes:

* ``frozen``: time stands still until ``advance``/``advance_to`` moves it.
* ``real``: time follows the wall clock (plus any amount it was advanced by).

The wall clock is read through ``datetime.datetime.now`` at call time, so freezegun's patching is
honoured: under ``freeze_time`` a ``real`` clock follows the frozen wall time.
"""
from __future__ import annotations

import datetime as _dt
import threading
import time
from typing import TYPE_CHECKING

from simulator.core.timefmt import parse_instant

if TYPE_CHECKING:
    from simulator.core.scheduler import Scheduler

UTC = _dt.timezone.utc
MODES = ("frozen", "real")
# The clock never moves past this: every delay, expiry and retention window added to `now()` must
# still be a datetime (year 9999 is datetime's last), so a clock near the end would break them all.
HORIZON = _dt.datetime(3000, 1, 1, tzinfo=UTC)


def wall_now() -> _dt.datetime:
    """Wall time, whole seconds are not forced. Only this module calls it, and the rate limiter, which
    must keep a 429's `Retry-After` (a wall-clock promise) however the virtual clock moves."""
    return _dt.datetime.now(UTC)


def wall_wait(seconds: float) -> None:
    """Spend real seconds: only a fault's latency or timeout for a live client, whose promise is in
    wall time (in a scenario run the same fault costs virtual seconds instead)."""
    time.sleep(seconds)


def wall_elapsed(since: float | None = None) -> float:
    """A monotonic wall reading, or the seconds since one: the server's uptime, never the sandbox's time."""
    now = time.monotonic()
    return now if since is None else now - since


class Clock:
    """Virtual clock shared by one sandbox. Advancing it runs whatever falls due, in order."""

    def __init__(self, start: str | _dt.datetime | None = None, mode: str = "frozen",
                 lock: threading.RLock | None = None):
        if mode not in MODES:
            raise ValueError(f"clock mode must be one of {MODES}, not {mode!r}")
        start_at = parse_instant(start) if start is not None else wall_now().replace(microsecond=0)
        if start_at >= HORIZON:
            raise ValueError(f"the clock cannot start at or past {HORIZON.isoformat()}")
        self.lock = lock or threading.RLock()
        self._mode = mode
        self._frozen = start_at
        self._offset = start_at - wall_now()
        self._pinned: _dt.datetime | None = None
        self.scheduler: Scheduler | None = None

    @property
    def mode(self) -> str:
        return self._mode

    def now(self) -> _dt.datetime:
        if self._pinned is not None:
            return self._pinned
        if self._mode == "frozen":
            return self._frozen
        return wall_now() + self._offset

    def set_mode(self, mode: str) -> None:
        """Switch mode without a jump in time."""
        if mode not in MODES:
            raise ValueError(f"clock mode must be one of {MODES}, not {mode!r}")
        with self.lock:
            current = self.now()
            self._mode = mode
            self._move_to(current)

    def advance(self, *, days: float = 0, hours: float = 0, minutes: float = 0,
                seconds: float = 0, weeks: float = 0) -> _dt.datetime:
        try:
            delta = _dt.timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds, weeks=weeks)
        except OverflowError:
            raise ValueError(f"the clock cannot move past {HORIZON.isoformat()}") from None
        if delta < _dt.timedelta(0):
            raise ValueError("the clock only moves forward")
        with self.lock:
            if delta >= HORIZON - self.now():
                raise ValueError(f"the clock cannot move past {HORIZON.isoformat()}")
            return self.advance_to(self.now() + delta)

    def refusal(self, target: _dt.datetime) -> str | None:
        """Why the clock cannot move to `target`, or None when it can."""
        if target < self.now():
            return "the clock only moves forward"
        if target >= HORIZON:
            return f"the clock cannot move past {HORIZON.isoformat()}"
        return None

    def advance_to(self, target: str | _dt.datetime) -> _dt.datetime:
        """Move to ``target``, running every job due on the way at its own due time."""
        target = parse_instant(target)
        with self.lock:
            refused = self.refusal(target)
            if refused:
                raise ValueError(refused)
            if self.scheduler is not None:
                self.scheduler.run_until(target)
            self._move_to(target)
            return self.now()

    def catch_up(self) -> None:
        """In real mode, run the jobs that wall time has made due since the last look."""
        if self.scheduler is not None and self._mode == "real":
            with self.lock:
                self.scheduler.run_until(self.now())

    def restart_at(self, target: str | _dt.datetime) -> None:
        """Set the time, even backwards, with nothing scheduled (a reset to a given moment)."""
        target = parse_instant(target)
        with self.lock:
            if self.scheduler is not None:
                self.scheduler.restart(target)
            self._move_to(target)

    def __getstate__(self) -> dict:
        """What a snapshot keeps (core/graph.py): the time itself, not its distance from this
        machine's wall clock, which a restore elsewhere or later recomputes."""
        return {"mode": self._mode, "now": self.now(), "pinned": self._pinned, "lock": self.lock,
                "scheduler": self.scheduler}

    def __setstate__(self, state: dict) -> None:
        self.lock, self._mode, self._pinned, self.scheduler = state["lock"], state["mode"], state["pinned"], state["scheduler"]
        self._move_to(state["now"])

    def pin(self, at: _dt.datetime | None) -> None:
        """Hold `now()` at a job's due time while the job runs (used by the scheduler)."""
        self._pinned = at

    def _move_to(self, target: _dt.datetime) -> None:
        self._frozen = target
        self._offset = target - wall_now()
