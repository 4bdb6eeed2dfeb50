"""Loads the contracts (`contracts/<surface>/<operationId>.json`) and checks bodies against them.

A contract file holds one operation: `operation` (method, path, success status), `request` (a JSON
Schema of the body, absent when the operation takes none) and `responses` (a schema per status).
`_error.json` in the same folder is the schema of every error body of that surface. A shape several
contracts share is defined once, in a `_<name>.json` file of the folder (`definitions`), and named
as `{"$ref": "_<name>.json#/definitions/<Name>"}`: loading copies it, with what it refers to, into
the schema that names it, so every validator sees one self-contained schema. `x-deviations`
names each place where a contract knowingly differs from the vendor's spec, with the reason; its key
syntax is in `tests/test_contracts_vs_spec.py`, which compares every contract with the spec.

Requests are checked twice over: a compiled `fastjsonschema` validator answers the common case (a
valid body) in microseconds; only when it fails does `jsonschema` walk the body to name every
problem at once, which is what the vendors report."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from typing import TYPE_CHECKING

import fastjsonschema
from fastjsonschema.draft04 import CodeGeneratorDraft04

from simulator.errors import Invalid, Problem

if TYPE_CHECKING:
    import jsonschema


@cache
def _formats() -> "jsonschema.FormatChecker":
    """Draft-7's format checker, with `date-time`, `email` and `uri` checked by the patterns the
    compiled validator uses: jsonschema leaves the first and last to optional packages, so without
    this a bad URL would be reported alone instead of among every other problem of the body.
    (jsonschema is imported only here, when a body fails or a test checks a response: it is slow
    to import and a server start should not pay for it.)"""
    import jsonschema
    checker = jsonschema.FormatChecker(formats=list(jsonschema.Draft7Validator.FORMAT_CHECKER.checkers))
    for name in ("date-time", "email", "uri"):
        pattern = re.compile(CodeGeneratorDraft04.FORMAT_REGEXS[name])
        checker.checks(name)(lambda value, pattern=pattern: not isinstance(value, str) or bool(pattern.match(value)))
    return checker



@dataclass
class Contract:
    surface: str
    operation_id: str
    method: str
    path: str
    status: int
    document: dict

    @property
    def request_schema(self) -> dict | None:
        return self.document.get("request")

    def check_request(self, body, unknown_fields: bool = True) -> None:
        """Raise `Invalid` naming every problem of `body`, or return when it conforms. With
        `unknown_fields` false, fields the contract does not name are let through (the surfaces'
        `*_reject_unknown_fields` settings: the vendors do not say they refuse them)."""
        if self.request_schema is None:
            return
        try:
            _compiled(self.surface, self.operation_id)(body)
            return
        except fastjsonschema.JsonSchemaException as fast_error:
            problems = problems_of(self.request_schema, body)
            if not problems:  # the two validators disagree on a format: report what the fast one saw
                problems = [Problem(_fast_path(fast_error), "invalid", detail=fast_error.message)]
            if not unknown_fields:
                problems = [problem for problem in problems if problem.kind != "unknown"]
            if problems:
                raise Invalid(problems) from None

    def response_errors(self, status: int, body) -> list[str]:
        """Messages for each way `body` breaks this operation's schema for `status` (tests use it)."""
        schemas = self.document.get("responses", {})
        schema = schemas.get(str(status))
        if schema is None and status >= 400:
            schema = load_error_schema(self.surface)
        if schema is None:
            return [f"{self.method} {self.path}: no response schema for status {status}"]
        validator = _validator(schema)
        return [f"{_path(e.absolute_path)}: {e.message}" for e in validator.iter_errors(body)]

    def matches(self, method: str, path: str) -> bool:
        return method == self.method and _template(self.path).fullmatch(path) is not None


def problems_of(schema: dict, body) -> list[Problem]:
    """Every problem jsonschema finds in `body`, as domain problems, in document order."""
    validator = _validator(schema)
    problems: list[Problem] = []
    for error in sorted(validator.iter_errors(body), key=lambda e: (list(map(str, e.absolute_path)), e.validator)):
        problems.extend(_to_problems(error, schema))
    return problems


def _validator(schema: dict) -> "jsonschema.Draft7Validator":
    from jsonschema import Draft7Validator
    return Draft7Validator(schema, format_checker=_formats())


def _to_problems(error: jsonschema.ValidationError, root: dict | None = None) -> list[Problem]:
    where = _path(error.absolute_path)
    kind = error.validator
    if kind == "required":
        missing = re.match(r"'(.+)' is a required property", error.message)
        name = missing.group(1) if missing else "?"
        return [Problem(_join(where, name), "required")]
    if kind == "additionalProperties":
        extras = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        return [Problem(_join(where, name), "unknown") for name in extras]
    if kind == "type":
        return [Problem(where, "type", expected=error.validator_value, got=_json_type(error.instance))]
    if kind == "enum":
        return [Problem(where, "enum", expected=error.validator_value, got=error.instance)]
    if kind == "format":
        return [Problem(where, "format", expected=error.validator_value, got=error.instance)]
    if kind in ("minimum", "maximum", "minLength", "maxLength", "minItems", "maxItems",
                "exclusiveMinimum", "exclusiveMaximum"):
        return [Problem(where, "range", expected=(kind, error.validator_value), got=error.instance)]
    if kind in ("anyOf", "oneOf") and error.context:
        inner = _nullable_branch_errors(error)
        if inner:
            return [problem for e in inner for problem in _to_problems(e, root)]
        chosen = _discriminated_branch_problems(error, root or {})
        if chosen is not None:
            return chosen
        return [Problem(where, "invalid", detail=error.message)]
    return [Problem(where, "invalid", detail=error.message)]


def _nullable_branch_errors(error: "jsonschema.ValidationError") -> list:
    """For `anyOf: [<schema>, {"type": "null"}]` (a nullable object) and a non-null value: the
    problems inside <schema>, so they are named one by one instead of as one failed `anyOf`."""
    branches = error.validator_value
    real = [i for i, branch in enumerate(branches) if branch != {"type": "null"}]
    if error.instance is None or len(real) != 1 or len(branches) != 2:
        return []
    return _branch_errors(error, real[0])


def _branch_errors(error: "jsonschema.ValidationError", branch: int) -> list:
    """The errors a union's `branch` (its index) found, in document order."""
    return sorted((e for e in error.context if e.relative_schema_path and e.relative_schema_path[0] == branch),
                  key=lambda e: (list(map(str, e.absolute_path)), e.validator))


def _discriminated_branch_problems(error: "jsonschema.ValidationError", root: dict) -> list[Problem] | None:
    """For a union of objects told apart by enum-valued properties present in every branch (a
    flow action's `type`, a filter's `type` and `operator`): the problems of the one branch the
    value's discriminators pick, or the discriminator itself when it picks none. None when the
    branches cannot be told apart that way."""
    if not isinstance(error.instance, dict):
        return None
    branches = [_local(branch, root) for branch in error.validator_value]
    if any(not isinstance(b, dict) or "properties" not in b for b in branches):
        return None
    where, candidates = _path(error.absolute_path), list(range(len(branches)))
    while len(candidates) > 1:
        enums = [{p: _local(s, root).get("enum") for p, s in branches[i]["properties"].items()} for i in candidates]
        shared = [p for p in enums[0] if all(e.get(p) is not None for e in enums)]
        if not shared:
            return None
        for name in shared:
            if name not in error.instance:
                return [Problem(_join(where, name), "required")]
        picked = list(zip(candidates, enums))
        for name in shared:  # narrowed one discriminator at a time, so the one that picks nothing is named
            narrowed = [(i, e) for i, e in picked if error.instance[name] in e[name]]
            if not narrowed:
                allowed = sorted({json.dumps(v) for _, e in picked for v in e[name]})
                return [Problem(_join(where, name), "enum", expected=[json.loads(v) for v in allowed],
                                got=error.instance[name])]
            picked = narrowed
        picked = [i for i, _ in picked]
        if picked == candidates:
            return None
        candidates = picked
    return [problem for e in _branch_errors(error, candidates[0]) for problem in _to_problems(e, root)] or None


def _local(schema, root: dict):
    """`schema` with local `$ref`s (`#/definitions/x`) followed within `root`."""
    while isinstance(schema, dict) and "$ref" in schema and schema["$ref"].startswith("#/"):
        target = root
        for part in schema["$ref"][2:].split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        schema = target
    return schema


def _join(base: str, name: str) -> str:
    return f"{base}.{name}" if base else name


def _path(parts) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _fast_path(error: fastjsonschema.JsonSchemaException) -> str:
    name = getattr(error, "name", "data") or "data"
    return name.removeprefix("data").lstrip(".").replace("}", "]").replace("{", "[")


def _json_type(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


@cache
def _template(path: str) -> re.Pattern:
    return re.compile(re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "/?")


@cache
def load_surface(surface: str) -> dict[str, Contract]:
    """Every contract of `surface`, keyed by operationId. A file without an `operation` block is
    not a contract (Klaviyo's folder also holds `operations.json`, its table of scopes and limits)."""
    folder = resources.files("simulator.contracts").joinpath(surface)
    contracts = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".json") or entry.name.startswith("_"):
            continue
        document = json.loads(entry.read_text())
        op = document.get("operation")
        document = with_shared(document, folder)
        if op is None:
            continue
        contracts[op["operationId"]] = Contract(surface, op["operationId"], op["method"], op["path"],
                                                op["status"], document)
    return contracts


_SHARED_REF = re.compile(r"(_[\w-]+\.json)#/definitions/([^/]+)")


def with_shared(document: dict, folder) -> dict:
    """The contract `document` (of the folder `folder`, a Path or package resource) with each
    shared shape it names copied into its request or response schema's `definitions` and named
    there by a local `$ref`. A schema's own definitions may not share a name with a shared one."""
    out = dict(document)
    if isinstance(out.get("request"), dict):
        out["request"] = _localised(out["request"], folder)
    if "responses" in out:
        out["responses"] = {status: _localised(schema, folder) if isinstance(schema, dict) else schema
                            for status, schema in out["responses"].items()}
    return out


def _localised(schema: dict, folder) -> dict:
    copied: dict[str, dict | None] = {}

    def local(ref: str, source: str | None) -> str:
        found = _SHARED_REF.fullmatch(ref)
        if found:
            source, name = found.groups()
        elif source is not None and ref.startswith("#/definitions/"):  # a reference inside a shared file
            name = ref.removeprefix("#/definitions/")
        else:
            return ref
        if name not in copied:
            copied[name] = None  # a shape that holds itself (a block of blocks) is copied once
            definitions = _shared_file(folder, source).get("definitions", {})
            if name not in definitions:
                raise LookupError(f"{source} defines no {name!r}")
            copied[name] = walk(definitions[name], source)
        return f"#/definitions/{name}"

    def walk(node, source: str | None):
        if isinstance(node, list):
            return [walk(item, source) for item in node]
        if not isinstance(node, dict):
            return node
        return {key: local(value, source) if key == "$ref" and isinstance(value, str) else walk(value, source)
                for key, value in node.items()}

    out = walk(schema, None)
    if list(out) == ["$ref"] and out["$ref"].removeprefix("#/definitions/") in copied:
        out = dict(copied[out["$ref"].removeprefix("#/definitions/")])  # draft-07 reads nothing beside a $ref
    if copied:
        own = out.get("definitions", {})
        if own.keys() & copied.keys():
            raise LookupError(f"definitions {sorted(own.keys() & copied.keys())} are both local and shared")
        out["definitions"] = {**own, **copied}
    return out


@cache
def _shared_file(folder, name: str) -> dict:
    return json.loads(folder.joinpath(name).read_text())


@cache
def load_error_schema(surface: str) -> dict:
    return json.loads(resources.files("simulator.contracts").joinpath(surface, "_error.json").read_text())


def contract(surface: str, operation_id: str) -> Contract:
    return load_surface(surface)[operation_id]


def find(surface: str, method: str, path: str) -> Contract | None:
    """The contract whose method and path template match a request path relative to the surface."""
    for candidate in load_surface(surface).values():
        if candidate.matches(method, path):
            return candidate
    return None


@cache
def _compiled(surface: str, operation_id: str):
    return fastjsonschema.compile(contract(surface, operation_id).request_schema)
