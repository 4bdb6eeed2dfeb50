"""Query parameters of the offset-paged v3 lists: sort names, enum filters and date bounds.

Every bad value is named at once (400, v3 error shape). A date bound takes `YYYY-MM-DD` (the spec's
format) or a full ISO-8601 instant; a bare date starts a `...From` range at 00:00:00 UTC and ends
a `...To` range at the day's last second, so both ends are inclusive."""
from __future__ import annotations

from simulator.errors import Invalid
from simulator.surfaces import query
from simulator.surfaces.omnisend_v3 import paging


class Query(query.Query):
    """The shared reader plus v3's `limit`/`offset` paging."""

    def limit_and_offset(self) -> tuple[int, int]:
        try:
            return paging.limit_and_offset()
        except Invalid as invalid:
            self.problems += invalid.problems
            return paging.DEFAULT_LIMIT, 0

    def owned(self, sorts: dict) -> dict:
        """The `OwnedQuery` filters carts and orders both start with, read in their problem order."""
        return {"sort": self.choice("sort", sorts), "email": self.email(), "phone": self.text("phone"),
                "contact_id": self.text("contactID")}
