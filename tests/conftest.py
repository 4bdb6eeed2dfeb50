"""Shared fixtures: sandboxes whose every response is checked against the contracts."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from simulator import Sandbox
from simulator.schemas import find

START = "2026-11-02T10:00:00Z"
SPECS = Path(__file__).resolve().parents[1].parent / "shared" / "specs"
SURFACE_PREFIXES = {"/omnisend/v3": "omnisend-v3"}


def check_contract(response: httpx.Response) -> None:
    """Fail the test when a vendor response breaks its operation's contract."""
    path = urlsplit(str(response.request.url)).path
    for prefix, surface in SURFACE_PREFIXES.items():
        if path.startswith(prefix + "/"):
            break
    else:
        return
    response.read()
    relative = path[len(prefix):]
    contract = find(surface, response.request.method, relative.rstrip("/") or "/")
    if contract is None:
        if response.status_code in (404, 405):
            return  # an unknown route: only the error body can be checked
        pytest.fail(f"no contract for {response.request.method} {relative}")
    if response.status_code == 204:
        assert response.content == b"", "a 204 carries no body"
        return
    errors = contract.response_errors(response.status_code, response.json())
    assert not errors, f"{response.request.method} {relative} -> {response.status_code} breaks its contract: {errors}"


@pytest.fixture
def sb():
    return Sandbox(seed=7, start=START)


@pytest.fixture
def v3(sb):
    """The v3 surface in-process, as the sandbox's test key's brand, with contract checks."""
    return sb.client("omnisend-v3", event_hooks={"response": [check_contract]})


@pytest.fixture
def other_brand_key():
    return "aaaaaaaaaaaaaaaaaaaaaaaa-othersecret"


def new_contact(v3, email="ann@example.com", **extra) -> str:
    body = {"identifiers": [{"type": "email", "id": email, "channels": {"email": {"status": "subscribed"}}}], **extra}
    response = v3.post("/contacts", json=body)
    assert response.status_code == 200, response.text
    return response.json()["contactID"]


@pytest.fixture
def specs_dir() -> Path:
    if not SPECS.is_dir():
        pytest.skip(f"vendor specs not found at {SPECS} (CI keeps shared/ beside the checkout)")
    return SPECS
