"""Shared fixtures: sandboxes whose every response is checked against the contracts."""
from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import httpcore  # noqa: F401  (below)
import httpx
import jsonschema
import pytest

from simulator import Sandbox
from simulator.schemas import find, load_error_schema
from tests import klaviyo_spec

# httpx imports httpcore on first use and caches its exception map then; a pytester run in this
# process drops the modules it imported, so an httpcore first imported there would leave httpx
# mapping the old module's exceptions and raising raw httpcore errors ever after. Loaded here, it stays.

START = "2026-11-02T10:00:00Z"
# The vendors' published OpenAPI files (README, "Spec-driven tests"): FLOW_SANDBOX_SPECS names their
# folder; by default the suite looks beside the checkout, where CI keeps them.
SPECS = Path(os.environ.get("FLOW_SANDBOX_SPECS") or Path(__file__).resolve().parents[1].parent / "shared" / "specs")
SURFACE_PREFIXES = {"/omnisend/v3": "omnisend-v3", "/omnisend/api": "omnisend-api"}


def check_contract(response: httpx.Response) -> None:
    """Fail the test when a vendor response breaks its operation's contract (for Klaviyo: the
    vendor's own published schema, when the specs are at hand)."""
    path = urlsplit(str(response.request.url)).path
    if path.startswith("/klaviyo/"):
        if SPECS.is_dir() and response.request.method != "OPTIONS":
            response.read()
            relative = path[len("/klaviyo"):]
            body = response.json() if response.content else None
            errors = klaviyo_spec.response_errors(SPECS, response.request.method, relative, response.status_code, body)
            assert not errors, f"{response.request.method} {relative} -> {response.status_code} breaks Klaviyo's schema: {errors}"
        return
    for prefix, surface in SURFACE_PREFIXES.items():
        if path.startswith(prefix + "/"):
            break
    else:
        return
    response.read()
    relative = path[len(prefix):]
    contract = find(surface, response.request.method, relative.rstrip("/") or "/")
    if contract is None:
        if response.status_code < 400:
            pytest.fail(f"no contract for {response.request.method} {relative}")
        errors = [e.message for e in jsonschema.Draft7Validator(load_error_schema(surface)).iter_errors(response.json())]
        assert not errors, f"{response.request.method} {relative} -> {response.status_code}: error body {errors}"
        return
    bodiless = str(response.status_code) not in contract.document.get("responses", {})
    if response.status_code == 204 or (response.status_code == 202 and bodiless):
        assert response.content == b"", f"a {response.status_code} without a response schema carries no body"
        return
    errors = contract.response_errors(response.status_code, response.json())
    assert not errors, f"{response.request.method} {relative} -> {response.status_code} breaks its contract: {errors}"


class CheckedSandbox(Sandbox):
    """A sandbox whose in-process clients check every vendor response against its contract."""

    def client(self, surface: str = "omnisend-v3", key: str | None = None, **kwargs) -> httpx.Client:
        hooks = kwargs.pop("event_hooks", None) or {}
        hooks = {**hooks, "response": [*hooks.get("response", []), check_contract]}
        return super().client(surface, key, event_hooks=hooks, **kwargs)


@pytest.fixture
def sb():
    return CheckedSandbox(seed=7, start=START)


@pytest.fixture
def v3(sb):
    """The v3 surface in-process, as the sandbox's test key's brand."""
    return sb.client("omnisend-v3")


@pytest.fixture
def api(sb):
    """The dated API in-process (`Omnisend-Version: 2026-03-15`), as the test key's brand."""
    return sb.client("omnisend-api")


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
        pytest.skip(f"vendor specs not found at {SPECS}: set FLOW_SANDBOX_SPECS (README, Spec-driven tests)")
    return SPECS
