"""The filters that v3's cart and order lists share. Both kinds belong to a contact and are listed by
owner, last update and sort, so that filter is written once here."""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Iterable, TypeVar

T = TypeVar("T")

SORTS = ("created_at", "updated_at", "total")


@dataclass(kw_only=True)
class OwnedQuery:
    email: str | None = None
    phone: str | None = None
    contact_id: str | None = None
    updated_from: _dt.datetime | None = None
    updated_to: _dt.datetime | None = None
    sort: str | None = None  # one of SORTS, each biggest first; None: creation order

    def keeps(self, record) -> bool:
        return ((self.email is None or (record.email or "").lower() == self.email.lower())
                and (self.phone is None or digits(record.phone) == digits(self.phone))
                and (self.contact_id is None or record.contact_id == self.contact_id)
                and within(record.updated_at, self.updated_from, self.updated_to))

    def select(self, records: Iterable[T]) -> list[T]:
        """The records this query keeps, in creation order or sorted (ties keep creation order)."""
        found = [record for record in records if self.keeps(record)]
        if self.sort:
            found.sort(key=lambda record: getattr(record, self.sort), reverse=True)
        return found


def digits(phone: str | None) -> str:
    return "".join(ch for ch in phone or "" if ch.isdigit())


def within(moment: _dt.datetime, start: _dt.datetime | None, end: _dt.datetime | None) -> bool:
    return (start is None or moment >= start) and (end is None or moment <= end)
