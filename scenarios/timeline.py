"""The run's own due-time queue: shopper actions, forwarder deliveries and retries, opens and clicks.

The runner pops the next item, moves the sandbox's clock to its time (which runs the automation
delays that fall due on the way) and then runs it, so every part of a run shares one virtual clock
and nothing sleeps. Items due at the same second run in the order they were scheduled."""
from __future__ import annotations

import datetime as _dt
import heapq
from typing import Callable

from simulator.core.timefmt import iso


class Timeline:
    def __init__(self, start: _dt.datetime):
        self.start = start
        self.now = 0  # seconds since start of the item running (or last run)
        self._queue: list[tuple[int, int, Callable[[], None]]] = []
        self._seq = 0

    def schedule(self, at: int, action: Callable[[], None]) -> None:
        """Run `action` at `at` seconds since the start (never before the item now running)."""
        self._seq += 1
        heapq.heappush(self._queue, (max(int(at), self.now), self._seq, action))

    def instant(self, at: int) -> _dt.datetime:
        return self.start + _dt.timedelta(seconds=at)

    def iso(self, at: int) -> str:
        return iso(self.instant(at))

    def next_at(self) -> int | None:
        return self._queue[0][0] if self._queue else None

    def pop(self) -> Callable[[], None]:
        at, _, action = heapq.heappop(self._queue)
        self.now = at
        return action

    def __len__(self) -> int:
        return len(self._queue)
