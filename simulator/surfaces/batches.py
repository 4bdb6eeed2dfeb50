"""Batch and batch-item bodies shared by both Omnisend lines (v3 and the dated API).

The lines print the same batch model; they differ only in one line-specific field (v3's `eventID`,
the dated line's `origin`) and the order of an item's response keys, so those are parameters."""
from __future__ import annotations

from simulator.core.timefmt import iso
from simulator.omnisend.batches import Batch, ItemResult


def batch_json(batch: Batch, line_field: str, line_value) -> dict:
    """`line_field` (left out when `line_value` is None) follows `endpoint`, as each line's spec lists it."""
    out = {"batchID": batch.id, "method": batch.method, "endpoint": batch.endpoint}
    if line_value is not None:
        out[line_field] = line_value
    out.update({"status": batch.status, "createdAt": iso(batch.created_at)})
    if batch.started_at is not None:
        out["startedAt"] = iso(batch.started_at)
    if batch.ended_at is not None:
        out["endedAt"] = iso(batch.ended_at)
    out.update({"totalCount": batch.total_count, "finishedCount": batch.finished_count,
                "errorsCount": batch.errors_count})
    return out


def item_json(item_id: str, item, result: ItemResult | None,
              order: tuple[str, str] = ("responseCode", "response")) -> dict:
    """An item not run yet is `pending`; `order`: the response keys in the line's own order."""
    out = {"itemID": item_id, "request": item}
    if result is None:
        out["status"] = "pending"
        return out
    values = {"responseCode": result.response_code, "response": result.response}
    out.update({key: values[key] for key in order})
    out["status"] = "finished"
    return out
