"""Validate Klaviyo responses against Klaviyo's own published schemas (the vendored 2026-07-15
spec), so the suite catches a shape the official SDK would reject.

OpenAPI 3.0 is not quite JSON Schema: `nullable: true` is rewritten as a null type before use, and
`oneOf` is checked as `anyOf`: the spec's unions have no discriminator and overlap (an integer is
both `integer` and `number`; an email message fits FlowEmail and FlowWhatsApp alike, neither having
a required field), so a strict `oneOf` refuses bodies the SDK reads fine (it takes the first match,
or a plain dict)."""
from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import jsonschema

REVISION = "2026-07-15"


def _nullable(node):
    if isinstance(node, dict):
        node = {k: _nullable(v) for k, v in node.items()}
        if node.pop("nullable", False):
            if "type" in node:
                node["type"] = [node["type"], "null"] if isinstance(node["type"], str) else [*node["type"], "null"]
            elif "$ref" in node or "allOf" in node or "oneOf" in node or "anyOf" in node:
                node = {"anyOf": [{k: v for k, v in node.items()}, {"type": "null"}]}
            if "enum" in node:
                node["enum"] = [*node["enum"], None]
        return node
    if isinstance(node, list):
        return [_nullable(v) for v in node]
    return node


_Lenient = jsonschema.validators.extend(jsonschema.Draft4Validator,
                                       {"oneOf": jsonschema.Draft4Validator.VALIDATORS["anyOf"]})


@cache
def _spec(specs_dir: Path) -> dict:
    return _nullable(json.loads((specs_dir / "klaviyo" / f"klaviyo-openapi-stable-{REVISION}.json").read_text()))


@cache
def _routes(specs_dir: Path) -> list[tuple[str, re.Pattern, dict]]:
    out = []
    for path, ops in _spec(specs_dir)["paths"].items():
        pattern = re.compile(re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "/?")
        for method, op in ops.items():
            if isinstance(op, dict) and "responses" in op:
                out.append((method.upper(), pattern, op))
    return out


def response_errors(specs_dir: Path, method: str, path: str, status: int, body) -> list[str]:
    """Ways `body` breaks the spec's schema for (method, path, status); path as `/api/...`."""
    spec = _spec(specs_dir)
    for verb, pattern, op in _routes(specs_dir):
        if verb == method and pattern.fullmatch(path):
            break
    else:
        if status < 400:
            return [f"{method} {path} is not in the {REVISION} spec"]
        op = {"responses": {"4XX": {"$ref": "#/components/responses/ClientError"}}}  # an unknown route's error
    responses = op["responses"]
    answer = responses.get(str(status)) or responses.get(f"{str(status)[0]}XX")
    if answer is None:
        return [f"{method} {path}: the spec declares no {status}"]
    if "$ref" in answer:
        answer = spec["components"]["responses"][answer["$ref"].rsplit("/", 1)[-1]]
    content = answer.get("content")
    if not content:
        return [] if body in (None, b"", "") else [f"{method} {path} -> {status}: the spec declares no body"]
    schema = next(iter(content.values()))["schema"]
    validator = _Lenient({**schema, "components": spec["components"]})
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"[:300] for e in validator.iter_errors(body)]
