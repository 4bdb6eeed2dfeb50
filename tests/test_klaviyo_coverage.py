"""Every operation of every vendored Klaviyo revision is routed, and only in the revisions that have
it: a probe of each (method, path) with a made-up id gets an answer from the operation (a 2xx, or a
4xx about the request or the record), never a route-level 404 or 405."""
from __future__ import annotations

import json
import re

import pytest

from simulator import Sandbox
from tests.conftest import START

ROUTE_MISSES = ("Not found.", "No valid revisions found for method")


def _spec_operations(specs_dir, revision: str) -> dict[tuple[str, str], str]:
    spec = json.loads((specs_dir / "klaviyo" / f"klaviyo-openapi-stable-{revision}.json").read_text())
    return {(method.upper(), re.sub(r"\{[^}]*\}", "{}", route)): op["operationId"]
            for route, ops in spec["paths"].items() for method, op in ops.items()
            if isinstance(op, dict) and "operationId" in op}


def _probe(sandbox: Sandbox, revision: str, method: str, path: str):
    surface = "klaviyo-client" if path.startswith("/client") else "klaviyo-api"
    with sandbox.client(surface, headers={"revision": revision}) as client:
        url = path.split("/", 2)[2].replace("{}", "PROBEID")
        kwargs = {"json": {"data": {}}} if method in ("POST", "PATCH") else {}
        return client.request(method, "/" + url, **kwargs)


def _route_missed(response) -> bool:
    if response.status_code == 405:
        return True
    if response.status_code != 404:
        return False
    return any(e["detail"] in ROUTE_MISSES for e in response.json()["errors"])


@pytest.mark.parametrize("revision", ["2024-10-15", "2025-10-15", "2026-07-15"])
def test_every_operation_of_a_revision_is_routed_and_no_other(specs_dir, revision):
    sandbox = Sandbox(seed=1, start=START)
    have = _spec_operations(specs_dir, revision)
    missed = []
    for (method, path), operation_id in sorted(have.items()):
        response = _probe(sandbox, revision, method, path)
        assert response.status_code < 500, (operation_id, response.text)
        if _route_missed(response):
            missed.append(f"{operation_id}: {method} {path} -> {response.status_code}")
    assert not missed, "\n".join(missed)
    newest = _spec_operations(specs_dir, "2026-07-15")
    for (method, path), operation_id in sorted(newest.items()):
        if (method, path) not in have:  # added later: this revision must not serve it
            response = _probe(sandbox, revision, method, path)
            assert response.status_code == 404 and _route_missed(response), (revision, operation_id, response.status_code)
