"""Klaviyo's official Node SDK (npm `klaviyo-api`, pinned in tests/node/package.json) against a live
sandbox: profiles, events, lists, flows, campaigns and catalog items, paging by `links.next`.

Needs `node` and `npm install --prefix tests/node` (.ci/run does both); skips, saying so, without."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

NODE = Path(__file__).resolve().parent / "node"


@pytest.fixture
def node():
    found = shutil.which("node")
    if found is None:
        pytest.skip("node is not installed (.ci/run installs it)")
    if not (NODE / "node_modules" / "klaviyo-api").is_dir():
        pytest.skip("the Node SDK is not installed: npm install --prefix tests/node")
    return found


def test_the_node_sdk_creates_pages_and_reads_back(node, flow_sandbox_server):
    sandbox = flow_sandbox_server.sandbox
    sandbox.settings.update({"klaviyo_reject_future_revision": False})  # the SDK sends 2026-07-15
    base = flow_sandbox_server.base_urls()["klaviyo-api"].removesuffix("/api")
    run = subprocess.run([node, str(NODE / "sdk_probe.js"), base, sandbox.test_keys()["klaviyo"]],
                         capture_output=True, text=True, timeout=120, cwd=NODE)
    assert run.returncode == 0, run.stderr
    seen = json.loads(run.stdout)
    assert seen["pagedProfiles"] == {"ids": seen["profiles"], "pages": 3}  # 5 profiles, 2 a page
    assert seen["eventStatus"] == 202
    assert seen["members"] == {"ids": seen["profiles"][:3], "pages": 2}
    assert seen["listsOfProfile"] == [seen["list"]]
    assert seen["flows"] == 0
    assert seen["campaign"]["status"] == "Draft" and seen["campaigns"] == [seen["campaign"]["id"]]
    assert seen["items"]["ids"] == [f"$custom:::$default:::SKU-{i}" for i in range(3)]
