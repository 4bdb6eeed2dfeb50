"""Schemathesis over every operation of the vendors' published specs (Klaviyo's 2026-07-15 revision,
the Omnisend dated line's ten files and v3's eight), positive and negative data, against a live
server, with Schemathesis's own checks: no server error, every answer fits the spec's response
schema, negative data is refused and positive data accepted. Examples are bounded (`EXAMPLES` per
operation and mode) and seeded, so a run is the same run each time.

Positive data may be refused only where the vendor refuses it too: each such rule is one row of
tests/spec_allowances.py, with its evidence, and the surfaces' docs print that table (the last test
here keeps them in step). Where a spec contradicts itself, the schema is mended before use, each
quirk named in `QUIRKS` with how it is checked instead. The fields the vendors do not say they
refuse (`*_reject_unknown_fields`) are let through: the run checks the spec-faithful mode."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import requests
from hypothesis import HealthCheck, Phase, given, settings

from tests.conftest import SPECS
from tests.spec_allowances import allowance, markdown_table

schemathesis = pytest.importorskip("schemathesis")
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    negative_data_rejection, positive_data_acceptance, response_schema_conformance)

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


def _required_bodies(document: dict) -> None:
    """v3's request bodies have required fields (`categoryID`, `orderID`...) yet are not themselves
    required, so a request with no body at all would be valid: checked with every body required."""
    for item in document.get("paths", {}).values():
        for operation in item.values():
            if isinstance(operation, dict) and "requestBody" in operation:
                operation["requestBody"]["required"] = True


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


def _no_sparse_fieldsets(document: dict) -> None:
    """Klaviyo's response schemas require attributes that its own sparse fieldsets (`fields[type]`)
    leave out, so any `fields[...]` a run sends makes a faithful answer break its schema: the run
    sends none, and tests/test_klaviyo_generic.py checks sparse fieldsets (kept and refused fields)."""
    for item in document.get("paths", {}).values():
        for operation in item.values():
            if isinstance(operation, dict) and "parameters" in operation:
                operation["parameters"] = [p for p in operation["parameters"]
                                           if not str(p.get("name", "")).startswith("fields[")]


QUIRKS = {"omnisend-v3": (_nullable_paging, _phone_channels, _required_bodies), "omnisend-api": (),
          "klaviyo": (_one_of_as_any_of, _no_sparse_fieldsets)}


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
                                                 "v3_reject_unknown_fields": False, "api_reject_unknown_fields": False,
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


def refused_fields(surface: str, response) -> list[str]:
    """The fields a refusal names, as `tests/spec_allowances.py` lists them."""
    try:
        body = response.json()
    except ValueError:
        return [""]
    if surface == "klaviyo":
        sources = [e.get("source") or {} for e in body.get("errors") or []]
        return [source.get("pointer") or source.get("parameter") or "" for source in sources] or [""]
    if surface == "omnisend-api":
        return [e.get("field", "") for e in body.get("errors") or []] or [body.get("title", "")]
    fields = [entry for group in body.get("fields") or [] for entry in group]
    return [_v3_field(entry) for entry in fields] or [body.get("error", "")]


def _v3_field(entry: str) -> str:
    quoted = re.match(r"'([^']+)' can't be", entry)
    return quoted.group(1) if quoted else entry.split(":", 1)[0]


CHECKS = {GenerationMode.POSITIVE: (not_a_server_error, response_schema_conformance, positive_data_acceptance),
          GenerationMode.NEGATIVE: (not_a_server_error, response_schema_conformance, negative_data_rejection)}


@pytest.mark.skipif(not SPECS.is_dir(), reason=f"vendor specs not found at {SPECS}: set FLOW_SANDBOX_SPECS (README)")
@pytest.mark.parametrize("surface,path", spec_files())
def test_every_operation_answers_within_its_schema(live, surface, path):
    """Positive data is accepted (or refused where `spec_allowances` says the vendor refuses it),
    negative data refused, no answer is a server error and every answer fits its response schema."""
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
        label = f"{operation.method.upper()} {operation.path}"
        for mode, checks in CHECKS.items():
            @settings(max_examples=EXAMPLES[surface], deadline=None, derandomize=True, database=None,
                      phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy(generation_mode=mode))
            def check(case):
                response = case.call(base_url=base, session=session, headers=headers)
                for one in checks:
                    try:
                        case.validate_response(response, checks=[one], headers=headers)
                    except (AssertionError, BaseExceptionGroup) as failure:  # a group: every way it failed
                        refused = refused_fields(surface, response) if one is positive_data_acceptance else []
                        if refused and all(allowance(surface, label, where) for where in refused):
                            continue
                        failures.append(f"{label} ({mode.value}): refused {refused}: {failure}\n"
                                        f"{case.as_curl_command(headers)}"[:2000])
            check()
    assert not failures, "\n\n".join(failures)


@pytest.mark.parametrize("surface,doc", [("klaviyo", "klaviyo.md"), ("omnisend-api", "omnisend-api.md"),
                                         ("omnisend-v3", "omnisend-v3.md")])
def test_the_docs_list_the_allowances_the_run_makes(surface, doc):
    text = (Path(__file__).resolve().parents[1] / "docs" / doc).read_text()
    marker = f"<!-- generated from tests/spec_allowances.py by markdown_table(\"{surface}\"); tests/test_schemathesis.py keeps it in step -->\n"
    assert marker in text, f"docs/{doc} lost the marker of its generated allowance table"
    assert text.split(marker, 1)[1].split("\n\n", 1)[0] + "\n" == markdown_table(surface), (
        f"docs/{doc}'s allowance table drifted from tests/spec_allowances.py; replace it with the output of\n"
        f"  .venv/bin/python -c 'from tests.spec_allowances import markdown_table; print(markdown_table(\"{surface}\"), end=\"\")'")


def test_an_allowance_covers_its_operations_and_fields_only():
    assert allowance("klaviyo", "GET /api/campaigns", "filter")
    assert not allowance("klaviyo", "GET /api/campaigns", "sort")
    assert not allowance("klaviyo", "GET /api/lists", "filter")
    assert allowance("klaviyo", "POST /client/events", "company_id")
    assert allowance("omnisend-v3", "GET /carts", "sort") and not allowance("omnisend-api", "GET /carts", "sort")
    assert allowance("omnisend-api", "POST /contacts", "identifiers.0.id")
    assert not allowance("omnisend-api", "POST /contacts", "firstName")
