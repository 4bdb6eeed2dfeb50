"""v3 batches: accept up to 100 calls of one endpoint, run them later on the clock, report each.

Each item is run as the single request it stands for (`simulator.internal.call`), with the key that
sent the batch: `POST /<endpoint>` with the item as body; `PUT /<endpoint>/<the item's id>` with the item less
its id field (`productID`, ...), as the spec's batch example sends ids inside PUT items while the
single PUT takes the id in the path only; `POST /events/{eventID}` for a batch of events."""
from __future__ import annotations

import datetime as _dt
from functools import partial
from urllib.parse import quote

from flask import g, jsonify, request

from simulator import internal
from simulator.errors import Invalid, Problem
from simulator.omnisend.batches import ENDPOINTS, STATUSES, Batch, ItemResult, batches_of, run_on_clock
from simulator.surfaces import batches as shared
from simulator.surfaces.omnisend_v3 import blueprint, errors, paging
from simulator.surfaces.omnisend_v3.common import body, brand, instant, now, settings

ID_FIELD = {"contacts": "contactID", "orders": "orderID", "products": "productID", "categories": "categoryID"}


def _retention() -> _dt.timedelta:
    return _dt.timedelta(days=settings().v3_batch_retention_days)


def batch_json(batch: Batch) -> dict:
    return shared.batch_json(batch, "eventID", batch.event_id)


def item_json(item_id: str, item: dict, result: ItemResult | None) -> dict:
    return shared.item_json(item_id, item, result)


def _dispatch(sandbox, key: str, batch: Batch, index: int) -> tuple[int, dict]:
    """The batch's `Dispatch` (bound to the sandbox and key with `partial`, so a snapshot can save
    it): run item `index` through the app as the batch's key."""

    def call(method: str, path: str, body) -> tuple[int, dict]:
        return internal.call(sandbox, "/omnisend/v3", {"X-API-KEY": key}, method, path, body)

    item = batch.items[index]
    if batch.endpoint == "events":
        return call("POST", f"/events/{quote(batch.event_id, safe='')}", item)
    if batch.method == "POST":
        return call("POST", f"/{batch.endpoint}", item)
    item_id = item.get(ID_FIELD[batch.endpoint])
    if not isinstance(item_id, str) or not item_id:
        # no resource to name: the answer the single endpoint gives a body without its id
        return errors.body_of(Invalid([Problem(ID_FIELD[batch.endpoint], "required")]),
                              sandbox.settings.v3_error_status_code)
    # the id names the resource in the path; the single PUT body does not carry it
    rest = {name: value for name, value in item.items() if name != ID_FIELD[batch.endpoint]}
    return call(batch.method, f"/{batch.endpoint}/{quote(item_id, safe='')}", rest)


@blueprint.post("/batches")
def create_batch():
    data = body("POST_batches")
    batch = batches_of(brand()).create(data["method"], data["endpoint"], data.get("eventID"), data["items"], now())
    sandbox = g.sandbox
    run_on_clock(batch, sandbox.scheduler, sandbox.settings, partial(_dispatch, sandbox, request.headers["X-API-KEY"]))
    return jsonify({"batchID": batch.id, "totalCount": batch.total_count})


def _query_date(name: str, problems: list[Problem], end: bool = False):
    """`YYYY-MM-DD` (the whole day) or a full ISO-8601 instant; for `dateTo` the instant just after."""
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        if len(raw) == 10:
            day = _dt.datetime.strptime(raw, "%Y-%m-%d").replace(tzinfo=_dt.timezone.utc)
            return day + _dt.timedelta(days=1) if end else day
        moment = instant(raw, name)
        return moment + _dt.timedelta(microseconds=1) if end else moment
    except (ValueError, Invalid):
        problems.append(Problem(name, "format", expected="date", got=raw))
        return None


@blueprint.get("/batches")
def list_batches():
    problems: list[Problem] = []
    try:
        limit, offset = paging.limit_and_offset()
    except Invalid as invalid:
        problems += invalid.problems
        limit, offset = paging.DEFAULT_LIMIT, 0
    endpoint, status = request.args.get("endpoint"), request.args.get("status")
    if not endpoint:
        problems.append(Problem("endpoint", "required"))
    elif endpoint not in ENDPOINTS:
        problems.append(Problem("endpoint", "enum", expected=list(ENDPOINTS), got=endpoint))
    if status and status not in STATUSES:
        problems.append(Problem("status", "enum", expected=list(STATUSES), got=status))
    created_from = _query_date("dateFrom", problems)
    created_before = _query_date("dateTo", problems, end=True)
    if problems:
        raise Invalid(problems)
    found = batches_of(brand()).list(now(), _retention(), endpoint, status or None, created_from, created_before)
    page, page_info = paging.offset_page(found, limit, offset)
    return jsonify({"batches": [batch_json(b) for b in page], "paging": page_info})


@blueprint.get("/batches/<batch_id>")
def get_batch(batch_id: str):
    return jsonify(batch_json(batches_of(brand()).get(batch_id, now(), _retention())))


@blueprint.get("/batches/<batch_id>/items")
def list_batch_items(batch_id: str):
    batch = batches_of(brand()).get(batch_id, now(), _retention())
    done = [item_json(item_id, batch.items[i], batch.results[i])
            for i, item_id in enumerate(batch.item_ids()[:len(batch.results)])]
    return jsonify({**batch_json(batch),
                    "errors": [d for d in done if d["responseCode"] >= 400],
                    "responses": [d for d in done if d["responseCode"] < 400]})


@blueprint.get("/batches/<batch_id>/items/<item_id>")
def get_batch_item(batch_id: str, item_id: str):
    batch = batches_of(brand()).get(batch_id, now(), _retention())
    item, result = batch.result(item_id)
    head = batch_json(batch)
    out = {k: head[k] for k in ("batchID", "method", "endpoint", "eventID") if k in head}
    return jsonify({**out, **item_json(item_id, item, result)})
