"""Request journal: what each request was and how it was answered, for `/_sim/journal`.

Bounded (oldest entries fall off) so a long simulation does not grow without end; the bound is the
`journal_limit` setting, read at each record so a change applies at once."""
from __future__ import annotations

from collections import deque
from dataclasses import asdict, dataclass
from itertools import islice
from typing import Callable


@dataclass(frozen=True)
class Entry:
    seq: int
    time: str
    vendor: str
    method: str
    path: str
    query: str
    status: int
    account: str | None
    fault: str | None = None  # the /_sim/faults rule that decided the answer


class Journal:
    def __init__(self, limit: Callable[[], int] = lambda: 50_000):
        self._entries: deque[Entry] = deque()
        self._limit = limit
        self._seq = 0

    def record(self, *, time: str, vendor: str, method: str, path: str, query: str, status: int,
               account: str | None, fault: str | None = None) -> None:
        self._seq += 1
        self._entries.append(Entry(self._seq, time, vendor, method, path, query, status, account, fault))
        limit = self._limit()
        while len(self._entries) > limit:
            self._entries.popleft()

    def clear(self) -> None:
        self._entries.clear()

    def entries(self, vendor: str | None = None, path: str | None = None, status: int | None = None,
                offset: int = 0, limit: int | None = None) -> list[dict]:
        """Entries oldest first, from the one after the `offset`-th recorded (`seq > offset`: a reader
        that polls keeps the last seq it saw), at most `limit` of them; `path` matches a prefix, so
        `/omnisend/v3/contacts` finds gets too."""
        first = self._entries[0].seq if self._entries else 0
        start = min(max(0, offset - first + 1), len(self._entries))
        matching = (e for e in islice(self._entries, start, None)
                    if (vendor is None or e.vendor == vendor)
                    and (path is None or e.path.startswith(path))
                    and (status is None or e.status == status))
        return [asdict(e) for e in islice(matching, limit)]
