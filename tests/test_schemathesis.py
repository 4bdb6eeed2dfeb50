"""Schemathesis over every operation of the vendors' published specs (Klaviyo's 2026-07-15 revision,
the Omnisend dated line's ten files and v3's eight), positive and negative data, against a live
server: no server error, and every answer fits the spec's response schema. Examples are bounded
(`EXAMPLES` per operation and mode) and seeded, so a run is the same run each time.

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

EXAMPLES = {"klaviyo": 1, "omnisend-api": 3, "omnisend-v3": 3}  # Klaviyo has 345 operations
LINES = {"api-2026-03-15": "omnisend-api", "v3": "omnisend-v3"}
KLAVIYO = "klaviyo/klaviyo-openapi-stable-2026-07-15.json"


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


def _one_of_as_any_of(node) -> None:
    """Klaviyo's unions have no discriminator and overlap (an email message fits several channel
    schemas; `{}` fits every optional-only branch), so a strict `oneOf` refuses what the official SDK
    reads fine: checked as `anyOf`, as tests/klaviyo_spec.py does."""
    if isinstance(node, dict):
        if "oneOf" in node:
            node["anyOf"] = node.pop("oneOf")
        for value in node.values():
            _one_of_as_any_of(value)
    elif isinstance(node, list):
        for value in node:
            _one_of_as_any_of(value)


QUIRKS = {"omnisend-v3": (_nullable_paging, _phone_channels), "omnisend-api": (), "klaviyo": (_one_of_as_any_of,)}


def spec_files() -> list:
    if not SPECS.is_dir():
        return []
    files = [pytest.param("omnisend-api" if folder == "api-2026-03-15" else "omnisend-v3", path,
                          id=f"{folder}/{path.stem}")
             for folder in LINES for path in sorted((SPECS / "omnisend" / folder).glob("*.json"))]
    return [pytest.param("klaviyo", SPECS / KLAVIYO, id="klaviyo/2026-07-15"), *files]


@pytest.fixture
def live(flow_sandbox_server):
    """The session's live server, emptied for each spec file: a product the dated line accepts (its
    spec sets no length on `currency`) would break v3's response schema (which does) on the shared
    catalogue; each line is checked against its own spec. Rate limits are lifted: the run measures
    answers, not budgets (tests/test_klaviyo_ratelimits.py and the v3 tests check those)."""
    flow_sandbox_server.sandbox.settings.update({"api_rate_limit": 1_000_000, "v3_rate_limit": 1_000_000,
                                                 "klaviyo_rate_limits": False,
                                                 "klaviyo_reject_future_revision": False})  # its clock is in 2026-01
    return flow_sandbox_server


def _base_and_headers(server, surface: str) -> tuple[str, dict]:
    keys = server.sandbox.test_keys()
    if surface == "klaviyo":  # the spec's paths start with /api and /client
        return (server.base_urls()["klaviyo-api"].removesuffix("/api"),
                {"Authorization": f"Klaviyo-API-Key {keys['klaviyo']}", "revision": "2026-07-15"})
    if surface == "omnisend-v3":
        return server.base_urls()[surface], {"X-API-KEY": keys["omnisend"]}
    return server.base_urls()[surface], {"Authorization": f"Omnisend-API-Key {keys['omnisend']}",
                                         "Omnisend-Version": "2026-03-15"}


@pytest.mark.skipif(not SPECS.is_dir(), reason=f"vendor specs not found at {SPECS}")
@pytest.mark.parametrize("surface,path", spec_files())
def test_every_operation_answers_within_its_schema(live, surface, path):
    document = json.loads(path.read_text())
    for quirk in QUIRKS[surface]:
        quirk(document)
    schema = schemathesis.openapi.from_dict(document)
    base, headers = _base_and_headers(live, surface)
    session = requests.Session()
    probe = {"klaviyo": "/api/accounts", "omnisend-api": "/brands/current", "omnisend-v3": "/contacts"}[surface]
    assert session.get(base + probe, headers=headers).status_code == 200, "the run's credentials are refused"
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            @settings(max_examples=EXAMPLES[surface], deadline=None, derandomize=True, database=None,
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
