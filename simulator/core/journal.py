"""Request journal: what each request was and how it was answered, for `/_sim/journal`.

Bounded (oldest entries fall off) so a long simulation does not grow without end; the bound is a
sandbox setting."""
from __future__ import annotations

from collections import deque
from dataclasses import asdict, dataclass


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


class Journal:
    def __init__(self, limit: int = 50_000):
        self._entries: deque[Entry] = deque(maxlen=limit)
        self._seq = 0

    def record(self, *, time: str, vendor: str, method: str, path: str, query: str, status: int,
               account: str | None) -> None:
        self._seq += 1
        self._entries.append(Entry(self._seq, time, vendor, method, path, query, status, account))

    def clear(self) -> None:
        self._entries.clear()

    def entries(self, vendor: str | None = None, path: str | None = None,
                status: int | None = None) -> list[dict]:
        """Entries oldest first; `path` matches a prefix, so `/omnisend/v3/contacts` finds gets too."""
        return [asdict(e) for e in self._entries
                if (vendor is None or e.vendor == vendor)
                and (path is None or e.path.startswith(path))
                and (status is None or e.status == status)]
