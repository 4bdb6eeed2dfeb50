"""The records of one kind in one account's store, by id and in creation order.

Every store (contacts, products, carts, orders, profiles, lists, ...) needs the same lookups and the
same 404, so they share this one class rather than each keeping its own dict, counter and `NotFound`."""
from __future__ import annotations

from typing import Generic, Iterator, TypeVar

from simulator.errors import AlreadyExists, NotFound

T = TypeVar("T")


class Records(Generic[T]):
    """Records by id; iteration yields the records oldest first (a dict keeps insertion order, and an
    id is added once). `kind` names the resource in NotFound and AlreadyExists."""

    def __init__(self, kind: str):
        self.kind = kind
        self._by_id: dict[str, T] = {}
        self._seq = 0
        self._order: list[str | None] = []  # ids in creation order; None where one was removed
        self._position: dict[str, int] = {}

    def next_seq(self) -> int:
        """1, 2, 3...: a creation number, for sorts that must keep creation order on ties."""
        self._seq += 1
        return self._seq

    def get(self, record_id: str) -> T:
        found = self._by_id.get(record_id)
        if found is None:
            raise NotFound(self.kind, record_id)
        return found

    def find(self, record_id: str | None) -> T | None:
        return self._by_id.get(record_id)

    def check_free(self, record_id: str | None) -> None:
        """Refuse an id the client chose when a record already holds it."""
        if record_id in self._by_id:
            raise AlreadyExists(self.kind, record_id)

    def add(self, record_id: str, record: T) -> T:
        if record_id not in self._by_id:
            self._position[record_id] = len(self._order)
            self._order.append(record_id)
        self._by_id[record_id] = record
        return record

    def remove(self, record_id: str) -> T:
        record = self.get(record_id)
        del self._by_id[record_id]
        self._order[self._position.pop(record_id)] = None
        return record

    def after(self, record_id: str | None, count: int) -> tuple[list[T], bool]:
        """Up to `count` records after `record_id` in creation order (from the first when None; none
        after an id it does not hold), and whether more follow. Costs what the page holds, not the
        store: list pages with no filter or sort read this way."""
        start = 0 if record_id is None else self._position.get(record_id, len(self._order) - 1) + 1
        page: list[T] = []
        position = start
        while position < len(self._order) and len(page) <= count:
            found = self._order[position]
            if found is not None:
                page.append(self._by_id[found])
            position += 1
        return page[:count], len(page) > count

    def __len__(self) -> int:
        return len(self._by_id)

    def __iter__(self) -> Iterator[T]:
        return iter(self._by_id.values())

    def __contains__(self, record_id: object) -> bool:
        return record_id in self._by_id


def trim_oldest(items: list, limit: int) -> list:
    """Retention for an append-only list: once `items` pass `limit` by a tenth (so the copy is paid
    once per many appends), drop the oldest in place back to `limit`; return what was dropped."""
    if len(items) <= limit + limit // 10:
        return []
    dropped = items[:len(items) - limit]
    del items[:len(items) - limit]
    return dropped
