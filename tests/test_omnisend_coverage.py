"""Every operation of Omnisend's published specs (the 2026-03-15 dated files, v3) is routed: its
method and path match a rule of the app, and a probe of it (made-up ids, an empty body) gets an
answer from the operation, never a 405 or a server error."""
from __future__ import annotations

import json
import re

import pytest
from werkzeug.exceptions import MethodNotAllowed, NotFound

from simulator import Sandbox
from tests.conftest import START

LINES = {"api-2026-03-15": ("omnisend-api", "/omnisend/api"), "v3": ("omnisend-v3", "/omnisend/v3")}
METHODS = ("get", "post", "put", "patch", "delete")


def spec_operations(specs_dir, folder: str) -> list[tuple[str, str, str]]:
    """(file, METHOD, path) of every operation of a line's spec files."""
    out = []
    for file in sorted((specs_dir / "omnisend" / folder).glob("*.json")):
        document = json.loads(file.read_text())
        out += [(file.name, method.upper(), path) for path, item in document["paths"].items()
                for method in item if method in METHODS]
    return out


@pytest.mark.parametrize("folder", sorted(LINES))
def test_every_operation_of_the_spec_is_routed(specs_dir, folder):
    surface, prefix = LINES[folder]
    sandbox = Sandbox(seed=1, start=START)
    adapter = sandbox.app.url_map.bind("sandbox.local")
    operations = spec_operations(specs_dir, folder)
    assert len(operations) == {"api-2026-03-15": 60, "v3": 45}[folder]
    unrouted = []
    with sandbox.client(surface) as client:
        for file, method, path in operations:
            concrete = re.sub(r"\{[^}]+\}", "probe-id", path)
            try:
                adapter.match(prefix + concrete, method)
            except (NotFound, MethodNotAllowed) as miss:
                unrouted.append(f"{file}: {method} {path} ({type(miss).__name__})")
                continue
            response = client.request(method, concrete, json={} if method in ("POST", "PUT", "PATCH") else None)
            assert response.status_code < 500 and response.status_code != 405, (method, path, response.text)
    assert not unrouted, "\n".join(unrouted)
