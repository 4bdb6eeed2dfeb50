"""contracts/klaviyo/operations.json against the vendored Klaviyo specs: every served operation's
method, path, scopes and rate limits per revision, and its absence where a revision lacks it."""
from __future__ import annotations

import json

from simulator.surfaces.klaviyo.operations import table


def test_operation_table_matches_every_vendored_revision(specs_dir):
    served = table()["operations"]
    for revision in table()["vendored"]:
        path = specs_dir / "klaviyo" / f"klaviyo-openapi-stable-{revision}.json"
        spec = json.loads(path.read_text())
        found = {op["operationId"]: (method.upper(), route, op)
                 for route, ops in spec["paths"].items() for method, op in ops.items()
                 if isinstance(op, dict) and "operationId" in op}
        for operation_id, entry in served.items():
            if revision not in entry["limits"]:
                assert operation_id not in found, f"{operation_id} exists in {revision} but the table says not"
                continue
            assert operation_id in found, f"{operation_id} is not in the {revision} spec"
            method, route, op = found[operation_id]
            assert (entry["method"], entry["path"]) == (method, route), operation_id
            limits = {name: int(value.split("/")[0]) for name, value in op["x-klaviyo-ratelimit"].items()}
            assert entry["limits"][revision] == limits, (operation_id, revision)
            if revision == table()["vendored"][-1]:
                assert entry["scopes"] == op.get("x-klaviyo-scopes", []), operation_id


def test_published_revisions_cover_the_vendored_ones_and_the_sdk():
    published = table()["published"]
    assert published == sorted(published)
    assert set(table()["vendored"]) <= set(published)
    assert published[-1] == "2026-10-15"
