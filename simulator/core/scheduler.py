"""Due-time queue on the virtual clock.

Jobs run in (due time, insertion order), so two runs with the same inputs execute the same jobs in
the same order. A job may schedule further jobs; those due before the target run in the same pass.

A job's action is data, not a closure: a module-level function, a bound method, or a
`functools.partial` of one with its arguments. A snapshot (core/graph.py) saves the queue as it
is, and a restored sandbox runs the same jobs at the same times; a lambda is refused when saved.
"""
from __future__ import annotations

import datetime as _dt
import heapq
import itertools
from dataclasses import dataclass, field
from typing import Any, Callable

from simulator.core.clock import Clock


@dataclass(order=True)
class Job:
    due: _dt.datetime
    seq: int
    action: Callable[[], Any] = field(compare=False)
    label: str = field(default="", compare=False)
    cancelled: bool = field(default=False, compare=False)

    def cancel(self) -> None:
        self.cancelled = True


class Scheduler:
    def __init__(self, clock: Clock):
        self.clock = clock
        clock.scheduler = self
        self._queue: list[Job] = []
        self._seq = itertools.count()
        self._horizon = clock.now()  # everything due up to here has run

    def at(self, due: _dt.datetime, action: Callable[[], Any], label: str = "") -> Job:
        """Run `action` when the clock reaches `due` (at once on the next run if already past)."""
        job = Job(due, next(self._seq), action, label)
        heapq.heappush(self._queue, job)
        return job

    def after(self, delay: _dt.timedelta, action: Callable[[], Any], label: str = "") -> Job:
        return self.at(self.clock.now() + delay, action, label)

    def pending(self) -> int:
        return sum(1 for job in self._queue if not job.cancelled)

    def upcoming(self, until: _dt.datetime | None = None) -> list[Job]:
        """The jobs waiting (due at or before `until`, if given), in the order they will run."""
        return sorted(job for job in self._queue if not job.cancelled and (until is None or job.due <= until))

    def clear(self) -> None:
        self._queue.clear()

    def restart(self, at: _dt.datetime) -> None:
        """Nothing queued, and everything up to `at` counted as run: the clock restarts there."""
        self._queue.clear()
        self._horizon = at

    def run_until(self, target: _dt.datetime) -> int:
        """Run every job due at or before `target`, each seeing its own due time as `now()`.

        A job scheduled for a moment already passed runs at the time the previous pass reached,
        so time seen by jobs never goes backwards."""
        ran = 0
        with self.clock.lock:
            while self._queue and self._queue[0].due <= target:
                job = heapq.heappop(self._queue)
                if job.cancelled:
                    continue
                self.clock.pin(max(job.due, self._horizon))
                try:
                    job.action()
                finally:
                    self.clock.pin(None)
                ran += 1
            self._horizon = max(self._horizon, target)
        return ran
