"""Dated batches: accept up to 100 calls of one endpoint, run them later on the clock, report each.

The v3 batch model (`simulator.omnisend.batches`), kept apart per line. Each item runs as the single
dated request it stands for (`simulator.internal.call`), with the credentials and version header of
the batch request: `POST /contacts` or `POST /events` with the item as body; an event item without
its own `origin` takes the batch's. A batch needs its endpoint's scope (products and categories:
`products.*`), `write` to create and `read` to list or read."""
from __future__ import annotations

import datetime as _dt
from functools import partial

from flask import g, jsonify, request

from simulator import internal
from simulator.errors import Problem
from simulator.omnisend.batches import API_METHODS, STATUSES, Batch, ItemResult, batches_of, run_on_clock
from simulator.surfaces import batches as shared
from simulator.surfaces.omnisend_api import blueprint, operation, versions
from simulator.surfaces.omnisend_api.common import body, brand, now, require_scope
from simulator.surfaces.omnisend_api.listing import Query, offset_page

SCOPE_OF = {"contacts": "contacts", "events": "events", "products": "products", "categories": "products"}
LISTED = ("products", "contacts", "events")  # the spec's `endpoint` values for GET /batches


def _retention() -> _dt.timedelta:
    return _dt.timedelta(days=g.sandbox.settings.v3_batch_retention_days)


def batch_json(batch: Batch) -> dict:
    return shared.batch_json(batch, "origin", batch.origin)


def item_json(item_id: str, item, result: ItemResult) -> dict:
    return shared.item_json(item_id, item, result, order=("response", "responseCode"))


def _dispatch(sandbox, headers: dict, batch: Batch, index: int) -> tuple[int, dict]:
    """The batch's `Dispatch`, bound to the sandbox and headers with `partial` (a snapshot saves it)."""
    item = batch.items[index]
    if batch.endpoint == "events" and batch.origin and isinstance(item, dict) and "origin" not in item:
        item = {**item, "origin": batch.origin}
    return internal.call(sandbox, "/omnisend/api", headers, batch.method, f"/{batch.endpoint}", item)


@blueprint.post("/batches")
@operation("createBatch")
def create_batch():
    data = body("createBatch")
    require_scope(f"{SCOPE_OF[data['endpoint']]}.write")
    batch = batches_of(brand(), "api").create(data["method"], data["endpoint"], None, data["items"], now(),
                                              methods=API_METHODS, origin=data.get("origin"), event_ids=False)
    sandbox = g.sandbox
    headers = {"Authorization": request.headers["Authorization"], versions.HEADER: g.version}
    run_on_clock(batch, sandbox.scheduler, sandbox.settings, partial(_dispatch, sandbox, headers))
    response = jsonify({"batchID": batch.id, "totalCount": batch.total_count})
    response.status_code = 201
    return response


@blueprint.get("/batches")
@operation("listBatches")
def list_batches():
    query = Query()
    limit, offset = query.window()
    endpoint = query.choice("endpoint", LISTED)
    if "endpoint" not in request.args:
        query.problems.append(Problem("endpoint", "required"))
    status = query.choice("status", STATUSES)
    created_from, created_to = query.instant("dateFrom"), query.instant("dateTo", end_of_day=True)
    query.done()
    require_scope(f"{SCOPE_OF[endpoint]}.read")
    found = batches_of(brand(), "api").list(now(), _retention(), endpoint, status,
                                            created_from, created_to + _dt.timedelta(microseconds=1)
                                            if created_to else None)
    page, paging = offset_page(found, limit, offset)
    return jsonify({"batches": [batch_json(b) for b in page], "paging": paging})


def _readable(batch_id: str) -> Batch:
    batch = batches_of(brand(), "api").get(batch_id, now(), _retention())
    require_scope(f"{SCOPE_OF[batch.endpoint]}.read")
    return batch


@blueprint.get("/batches/<batch_id>")
@operation("getBatch")
def get_batch(batch_id: str):
    return jsonify(batch_json(_readable(batch_id)))


@blueprint.get("/batches/<batch_id>/items")
@operation("listBatchItems")
def list_batch_items(batch_id: str):
    batch = _readable(batch_id)
    done = [item_json(item_id, batch.items[i], batch.results[i])
            for i, item_id in enumerate(batch.item_ids()[:len(batch.results)])]
    return jsonify({**batch_json(batch), "errors": [d for d in done if d["responseCode"] >= 400],
                    "responses": [d for d in done if d["responseCode"] < 400]})

