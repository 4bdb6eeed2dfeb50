"""Omnisend batches (v3 and the dated line): many calls of one endpoint, accepted at once and run
later on the clock.

Life of a batch: `pending` when accepted; `inProgress` `v3_batch_start_seconds` later; then one item
every `v3_batch_item_seconds`; `finished` when the last item is done. Batches older than
`v3_batch_retention_days` are gone (the spec keeps them 7 days).

The model knows nothing of HTTP: running one item is a `Dispatch` handed in by the surface, which
answers (status, body) exactly as the single endpoint would.

Each line keeps its own batches (`batches_of(brand, line)`): an item is a body of that line's
endpoint and its result that line's answer, so neither line lists the other's. The dated line serves
`contacts` and `events` batches (POST: the single endpoints are creates); `products` and `categories`
batches are refused, as the sandbox does not imitate the dated catalog endpoints."""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from functools import partial
from typing import Callable

from simulator.core.scheduler import Scheduler
from simulator.errors import Invalid, NotFound, Problem
from simulator.omnisend.brand import Brand
from simulator.core.records import Records

ENDPOINTS = ("contacts", "orders", "products", "events", "categories")
STATUSES = ("pending", "inProgress", "finished", "stopped")  # "stopped" is listed by the spec; never reached here
# The methods a batch may use per endpoint: creates everywhere, replaces (PUT /<endpoint>/{id}) where
# the single endpoint has one; the spec's examples use POST and PUT.
METHODS = {"contacts": ("POST",), "orders": ("POST", "PUT"), "products": ("POST", "PUT"),
           "categories": ("POST", "PUT"), "events": ("POST",)}
# The dated line's methods per endpoint: only the endpoints it serves here.
API_METHODS = {"contacts": ("POST",), "events": ("POST",)}
MAX_ITEMS = 100


@dataclass
class ItemResult:
    response_code: int
    response: dict
    at: _dt.datetime

    @property
    def failed(self) -> bool:
        return self.response_code >= 400


@dataclass
class Batch:
    id: str
    method: str
    endpoint: str
    event_id: str | None
    items: list[dict]
    created_at: _dt.datetime
    origin: str | None = None  # the dated line's batch origin
    status: str = "pending"
    started_at: _dt.datetime | None = None
    ended_at: _dt.datetime | None = None
    results: list[ItemResult] = field(default_factory=list)  # one per item done, in item order

    @property
    def total_count(self) -> int:
        return len(self.items)

    @property
    def finished_count(self) -> int:
        return len(self.results)

    @property
    def errors_count(self) -> int:
        return sum(1 for r in self.results if r.failed)

    def item_ids(self) -> list[str]:
        """Items are numbered from "1", in the order they were sent."""
        return [str(n) for n in range(1, len(self.items) + 1)]

    def result(self, item_id: str) -> tuple[dict, ItemResult | None]:
        """The item named `item_id` and its result (None while it waits)."""
        index = int(item_id) - 1 if item_id.isdigit() else -1
        if not 0 <= index < len(self.items):
            raise NotFound("batch item", item_id)
        return self.items[index], self.results[index] if index < len(self.results) else None


# Runs one item: (batch, index of the item) -> (HTTP status, response body, {} when there is none).
Dispatch = Callable[[Batch, int], tuple[int, dict]]


class BatchBook:
    """The batches of one brand, oldest first; those past retention are dropped as they are read."""

    def __init__(self, brand: Brand):
        self.brand = brand
        self._batches: Records[Batch] = Records("batch")

    def create(self, method: str, endpoint: str, event_id: str | None, items: list[dict],
               now: _dt.datetime, methods: dict = METHODS, origin: str | None = None,
               event_ids: bool = True) -> Batch:
        """`methods` is the line's table of endpoints and their methods (v3 `METHODS`, dated `API_METHODS`);
        `event_ids`: the line names the event of a batch of events by its eventID (v3 does)."""
        problems = []
        allowed = methods.get(endpoint)
        if allowed is None:
            problems.append(Problem("endpoint", "invalid",
                                    detail=f"{endpoint} batches are not served by the sandbox on this API line; "
                                           f"it serves {', '.join(methods)}"))
        elif method not in allowed:
            problems.append(Problem("method", "enum", expected=list(allowed), got=method))
        if event_ids and endpoint == "events" and not event_id:
            problems.append(Problem("eventID", "required"))
        if endpoint != "events" and event_id is not None:
            problems.append(Problem("eventID", "invalid", detail="only a batch of events takes an eventID"))
        if not items:
            problems.append(Problem("items", "range", expected=("minItems", 1), got=0))
        if len(items) > MAX_ITEMS:
            problems.append(Problem("items", "range", expected=("maxItems", MAX_ITEMS), got=len(items)))
        if problems:
            raise Invalid(problems)
        batch = Batch(self.brand.ids.next("batch", "hex24"), method, endpoint, event_id, list(items), now, origin)
        return self._batches.add(batch.id, batch)

    def get(self, batch_id: str, now: _dt.datetime, retention: _dt.timedelta) -> Batch:
        self._expire(now, retention)
        return self._batches.get(batch_id)

    def list(self, now: _dt.datetime, retention: _dt.timedelta, endpoint: str, status: str | None = None,
             created_from: _dt.datetime | None = None, created_before: _dt.datetime | None = None) -> list[Batch]:
        """Newest first, of one endpoint, optionally in one status and created in [from, before)."""
        self._expire(now, retention)
        return [b for b in reversed(list(self._batches))
                if b.endpoint == endpoint
                and (status is None or b.status == status)
                and (created_from is None or b.created_at >= created_from)
                and (created_before is None or b.created_at < created_before)]

    def _expire(self, now: _dt.datetime, retention: _dt.timedelta) -> None:
        for batch in [b for b in self._batches if b.created_at + retention <= now]:
            self._batches.remove(batch.id)


def run_on_clock(batch: Batch, scheduler: Scheduler, settings, dispatch: Dispatch) -> None:
    """Schedule the batch's life: start after `v3_batch_start_seconds`, then one item at a time.

    The delays are read when each step is scheduled, so a settings change affects the steps after it.
    `dispatch` is a function or a `partial` of one: a job is data (core/scheduler.py)."""
    scheduler.after(_dt.timedelta(seconds=settings.v3_batch_start_seconds),
                    partial(_start, batch, scheduler, settings, dispatch), f"batch {batch.id} start")


def _start(batch: Batch, scheduler: Scheduler, settings, dispatch: Dispatch) -> None:
    batch.status, batch.started_at = "inProgress", scheduler.clock.now()
    scheduler.after(_dt.timedelta(seconds=settings.v3_batch_item_seconds),
                    partial(_step, batch, scheduler, settings, dispatch), f"batch {batch.id} item 1")


def _step(batch: Batch, scheduler: Scheduler, settings, dispatch: Dispatch) -> None:
    index = len(batch.results)
    status, body = dispatch(batch, index)
    batch.results.append(ItemResult(status, body, scheduler.clock.now()))
    if len(batch.results) == len(batch.items):
        batch.status, batch.ended_at = "finished", scheduler.clock.now()
    else:
        scheduler.after(_dt.timedelta(seconds=settings.v3_batch_item_seconds),
                        partial(_step, batch, scheduler, settings, dispatch), f"batch {batch.id} item {index + 2}")


def batches_of(brand: Brand, line: str = "v3") -> BatchBook:
    """The brand's batches of one API line: "v3" or "api" (the dated line)."""
    return brand.v3_batches if line == "v3" else brand.dated_batches
