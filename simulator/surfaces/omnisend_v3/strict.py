"""Bodies read strictly where JSON Schema is lenient: an integer field must hold an integer literal.

v3 money is integer cents and quantities are whole numbers, but JSON Schema counts `10.0` and `1e3`
as integers. Omnisend's typed backend refuses them, so the sandbox does too, naming them among the
body's other problems (`body` here wraps `common.body`)."""
from __future__ import annotations

from flask import request

from simulator.errors import Invalid, MalformedBody, Problem
from simulator.http import read_json
from simulator.schemas import contract
from simulator.surfaces.omnisend_v3 import common


def body(operation_id: str) -> dict:
    """`common.body(operation_id)`, also refusing a number written with a fraction or exponent
    where the contract wants an integer."""
    try:
        data = common.body(operation_id)
    except Invalid as invalid:
        try:
            raw = read_json(request, common.settings().max_body_bytes)
        except MalformedBody:
            raise invalid from None
        named = {p.path for p in invalid.problems}
        extra = [p for p in fractional_integers(_schema(operation_id), raw) if p.path not in named]
        raise Invalid(invalid.problems + extra) from None
    extra = fractional_integers(_schema(operation_id), data)
    if extra:
        raise Invalid(extra)
    return data


def _schema(operation_id: str) -> dict:
    return contract(common.SURFACE, operation_id).request_schema or {}


def fractional_integers(schema: dict, value, path: str = "") -> list[Problem]:
    """Every place in `value` where `schema` says integer and the JSON number was a float."""
    if not isinstance(schema, dict):
        return []
    kinds = schema.get("type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    if isinstance(value, float) and "integer" in kinds and "number" not in kinds:
        return [Problem(path, "type", expected="integer", got="number")]
    found: list[Problem] = []
    if isinstance(value, dict):
        for name, sub in (schema.get("properties") or {}).items():
            if name in value:
                found += fractional_integers(sub, value[name], f"{path}.{name}" if path else name)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(value):
            found += fractional_integers(schema["items"], item, f"{path}[{index}]")
    return found
