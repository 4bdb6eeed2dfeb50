"""Schemathesis over every operation of Omnisend's published specs (the dated line's ten files and
v3's eight), positive and negative data, against a live server: no server error, and every answer
fits the spec's response schema. Examples are bounded (`EXAMPLES` per operation and mode) and
seeded, so a run is the same run each time.

Where a spec contradicts itself, the schema is mended before use, each quirk named in `QUIRKS`
with how it is checked instead. Positive data the sandbox refuses is not a failure here: the
vendors are stricter than their specs in documented ways (docs/omnisend-api.md,
docs/omnisend-v3.md), and that is checked by the surfaces' own tests."""
from __future__ import annotations

import json

import pytest
import requests
from hypothesis import HealthCheck, Phase, given, settings

from tests.conftest import SPECS

schemathesis = pytest.importorskip("schemathesis")
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import response_schema_conformance  # noqa: E402

EXAMPLES = 3
LINES = {"api-2026-03-15": "omnisend-api", "v3": "omnisend-v3"}


def _nullable_paging(document: dict) -> None:
    """v3's paging `next`/`previous` are typed string, yet its own examples end a list with `null`
    (docs/omnisend-v3.md): checked as string-or-null."""
    for name in ("paging-link", "paging-cursor"):
        for link in ("next", "previous"):
            node = document.get("components", {}).get("schemas", {}).get(name, {}).get("properties", {}).get(link)
            if node is not None:
                node["nullable"] = True


def _phone_channels(document: dict) -> None:
    """v3's identifier-output requires `channels.email` even on a phone identifier, whose only
    channel is `sms` (the spec's own phone example): checked with neither channel required."""
    node = document.get("components", {}).get("schemas", {}).get("identifier-output", {}).get("items", {})
    channels = node.get("properties", {}).get("channels")
    if channels is not None:
        channels.pop("required", None)


QUIRKS = (_nullable_paging, _phone_channels)


def spec_files() -> list:
    return [pytest.param(folder, path, id=f"{folder}/{path.stem}")
            for folder in LINES for path in sorted((SPECS / "omnisend" / folder).glob("*.json"))] \
        if SPECS.is_dir() else []


@pytest.fixture
def live(flow_sandbox_server):
    """The session's live server, emptied for each spec file: a product the dated line accepts (its
    spec sets no length on `currency`) would break v3's response schema (which does) on the shared
    catalogue; each line is checked against its own spec."""
    flow_sandbox_server.sandbox.settings.update({"api_rate_limit": 1_000_000, "v3_rate_limit": 1_000_000})
    return flow_sandbox_server


def _headers(server, surface: str) -> dict:
    key = server.sandbox.test_keys()["omnisend"]
    if surface == "omnisend-v3":
        return {"X-API-KEY": key}
    return {"Authorization": f"Omnisend-API-Key {key}", "Omnisend-Version": "2026-03-15"}


@pytest.mark.skipif(not SPECS.is_dir(), reason=f"vendor specs not found at {SPECS}")
@pytest.mark.parametrize("folder,path", spec_files())
def test_every_operation_answers_within_its_schema(live, folder, path):
    document = json.loads(path.read_text())
    for quirk in QUIRKS:
        quirk(document)
    schema = schemathesis.openapi.from_dict(document)
    surface = LINES[folder]
    base = live.base_urls()[surface]
    headers = _headers(live, surface)
    session = requests.Session()
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                      phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy(generation_mode=mode))
            def check(case):
                response = case.call(base_url=base, session=session, headers=headers)
                try:
                    case.validate_response(response, checks=[not_a_server_error, response_schema_conformance],
                                           headers=headers)
                except (AssertionError, BaseExceptionGroup) as failure:  # a group: every check that failed
                    failures.append(f"{operation.method.upper()} {operation.path} ({mode.value}): {failure}"[:1500])
            check()
    assert not failures, "\n\n".join(failures)
