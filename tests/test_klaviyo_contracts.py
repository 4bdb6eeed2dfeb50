"""contracts/klaviyo/<operationId>.json (the sandbox's own request schemas) against the request body
of the same operation in Klaviyo's published 2026-07-15 spec: properties, required lists, JSON types
and enums, recursively, both ways (the comparison of tests/test_contracts_vs_spec.py, with the
spec's `nullable` read as a null type first). Differences a contract means are in its `x-deviations`,
keyed as that module's docstring says. Responses are not kept in these contracts: the suite checks
every Klaviyo response against the spec itself (tests/klaviyo_spec.py)."""
from __future__ import annotations

import json
from pathlib import Path

import fastjsonschema
import jsonschema
import pytest

from simulator.schemas import load_surface, with_shared
from tests import klaviyo_spec
from tests.test_contracts_vs_spec import KEY_SYNTAX, Difference, Side, compare, resolve

FOLDER = Path(__file__).resolve().parents[1] / "contracts" / "klaviyo"
FILES = sorted(p for p in FOLDER.glob("*.json") if "operation" in json.loads(p.read_text()))
each = pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])


def _spec_operation(specs_dir: Path, operation_id: str) -> tuple[str, str, dict]:
    for route, item in klaviyo_spec._spec(specs_dir)["paths"].items():
        for method, op in item.items():
            if isinstance(op, dict) and op.get("operationId") == operation_id:
                return method.upper(), route, op
    pytest.fail(f"{operation_id} is not in the {klaviyo_spec.REVISION} spec")


def read(path: Path) -> dict:
    """The contract as the app loads it: shared shapes (`_<name>.json`) copied in."""
    return with_shared(json.loads(path.read_text()), path.parent)


def differences(document: dict, spec: dict, op: dict) -> list[Difference]:
    body = resolve(op["requestBody"], spec)
    schema = next(iter(body["content"].values()))["schema"]
    out: list[Difference] = []
    request = document["request"]
    compare(Side([request], request, (document,)), Side([schema], spec), "request", out)
    return out


@each
def test_contract_is_well_formed_and_loads(path: Path):
    document = read(path)
    op = document["operation"]
    assert path.stem == op["operationId"]
    jsonschema.Draft7Validator.check_schema(document["request"])
    fastjsonschema.compile(document["request"])
    assert load_surface("klaviyo")[op["operationId"]].status == op["status"]
    for key, reason in document.get("x-deviations", {}).items():
        assert KEY_SYNTAX.match(key) and reason.strip(), key


@each
def test_request_schema_matches_the_spec(path: Path, specs_dir: Path):
    document = read(path)
    spec = klaviyo_spec._spec(specs_dir)
    method, route, op = _spec_operation(specs_dir, document["operation"]["operationId"])
    assert (document["operation"]["method"], document["operation"]["path"]) == (method, route)
    assert str(document["operation"]["status"]) in op["responses"]
    waivers = document.get("x-deviations", {})
    found = differences(document, spec, op)
    unwaived = [d for d in found if not any(d.waived_by(key) for key in waivers)]
    assert not unwaived, "\n".join(f"{d.key}  -- {d.detail}" for d in unwaived)
    stale = [key for key in waivers if not any(d.waived_by(key) for d in found)]
    assert not stale, f"x-deviations that match no difference: {stale}"


def test_every_body_taking_operation_has_a_contract(specs_dir: Path):
    """Each Klaviyo operation a hand-written view serves that the spec gives a request body has a
    contract here (the generic view checks bodies against the operation table instead)."""
    from simulator.surfaces.klaviyo import _OPERATIONS, FORM_OPERATIONS
    spec = klaviyo_spec._spec(specs_dir)
    taking = {op["operationId"] for item in spec["paths"].values() for op in item.values()
              if isinstance(op, dict) and "requestBody" in op}
    served = {i for ids in _OPERATIONS.values() for i in ids}
    flows = {o for o in served if "flow" in o}  # the flows surface keeps its own contracts
    missing = sorted((served & taking) - flows - FORM_OPERATIONS - {p.stem for p in FILES})  # forms: their view
    assert not missing, f"no contract in contracts/klaviyo for {missing}"
