"""The contracts against the vendor's own OpenAPI export, both ways, and against the served routes.

For every contract file (iterated, so a resource added later is covered without editing this file)
its operation is looked up in the vendor spec -- a v3 contract by its operationId; a dated-API
contract (`contracts/omnisend-api`, whose spec has no operationIds) by `operation.spec` (the spec
file's short name: `contacts` for `omnisend-contacts-api-2026-03-15.json`) + method + path, its
`operation.scopes` being the spec's OAuth scopes -- and its request body and success-response
schemas are compared with the contract's, recursively through object properties and array items,
in both directions:

* a property the contract names that the spec lacks is `extra`; one the spec names that the
  contract lacks is `missing`;
* the JSON types must be the same set (`integer` and `number` are different types; an OpenAPI
  `nullable: true` adds `null`; a schema with no `type` is "no type", which differs from any type);
* enums must be the same set of values (absent on one side only is a difference too);
* `required` lists must name the same properties (absent counts as empty);
* an array's `items` must be given on both sides or on neither.

`$ref` (in the spec also to `components/responses` and `components/requestBodies`) and `allOf`
are resolved first; `anyOf`/`oneOf` are read as the union of their branches. `format`, lengths,
bounds and `additionalProperties` are not compared.

Deviations
----------
A contract may differ from the spec only where its top-level `"x-deviations"` object says so, one
entry per allowed difference, the value being the reason (a non-empty string). A key names a
*location* and optionally an *aspect*::

    location := ("request" | "responses.<status>") ( ".<property>" | "[]" )*
    key      := location [ ":" aspect ]
    aspect   := type | enum | required | items | missing | extra

`.<property>` steps into an object property, `[]` into an array's items. Examples:

* `responses.200.identifiers[].channels:required` -- the `required` list of the `channels` object
  of each identifier differs;
* `request.identifiers[].channels.email.status:enum` -- that enum differs;
* `responses.200.phone:extra` -- the contract has `phone`, the spec does not
  (`missing` is the reverse; both are named at the property's own location);
* `request.customProperties` -- no aspect: every difference at that location and below it.

A key that matches no difference fails the suite too, so a deviation that has been fixed (in the
contract or the spec) cannot linger.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import fastjsonschema
import jsonschema
import pytest

from simulator import Sandbox
from simulator.schemas import with_shared

CONTRACTS = Path(__file__).resolve().parents[1] / "contracts"
# contracts/<surface>/ -> the folder of its vendor spec in the specs folder (tests/conftest.py SPECS)
SPEC_FOLDERS = {"omnisend-v3": "omnisend/v3", "omnisend-api": "omnisend/api-2026-03-15"}
ROUTE_PREFIXES = {"omnisend-v3": "/omnisend/v3", "omnisend-api": "/omnisend/api"}
MATCHED_BY_PATH = {"omnisend-api"}  # surfaces whose spec has no operationIds: spec + method + path
ERROR_KEY = {"omnisend-v3": "error", "omnisend-api": "type"}  # a member every error body of the surface has
SPEC_NAME = re.compile(r"^omnisend-(.+)-api-\d{4}-\d{2}-\d{2}\.json$")
DRAFT7 = "http://json-schema.org/draft-07/schema#"
TOP_LEVEL_KEYS = {"$schema", "$comment", "title", "description", "operation", "request", "responses", "x-deviations"}
METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}
ASPECTS = ("type", "enum", "required", "items", "missing", "extra")
KEY_SYNTAX = re.compile(r"^(request|responses\.[1-5][0-9][0-9])(\.[^.\[\]:]+|\[\])*(:(%s))?$" % "|".join(ASPECTS))


def contract_files() -> list[Path]:
    return sorted(p for surface in SPEC_FOLDERS for p in (CONTRACTS / surface).glob("*.json")
                  if not p.name.startswith("_"))


def _id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


CONTRACT_FILES = contract_files()
each_contract = pytest.mark.parametrize("path", CONTRACT_FILES, ids=[_id(p) for p in CONTRACT_FILES])


@cache
def load(path: Path) -> dict:
    """The contract as the app loads it: shared shapes (`_<name>.json`) copied in."""
    return with_shared(json.loads(path.read_text(encoding="utf-8")), path.parent)


# -- the vendor spec ---------------------------------------------------------------------------

@dataclass(frozen=True)
class SpecOperation:
    file: Path
    method: str
    path: str
    operation: dict
    document: dict


@cache
def spec_operations(folder: Path) -> dict[str, SpecOperation]:
    """Every operation of every spec file in `folder`, keyed by operationId."""
    found: dict[str, SpecOperation] = {}
    for file in sorted(folder.glob("*.json")):
        document = json.loads(file.read_text(encoding="utf-8"))
        for path, item in document.get("paths", {}).items():
            for method, operation in item.items():
                if method.upper() in METHODS and isinstance(operation, dict) and "operationId" in operation:
                    found[operation["operationId"]] = SpecOperation(file, method.upper(), path, operation, document)
    return found


@cache
def spec_operations_by_path(folder: Path) -> dict[tuple[str, str, str], SpecOperation]:
    """Every operation of every spec file in `folder`, keyed by (spec short name, method, path)."""
    found: dict[tuple[str, str, str], SpecOperation] = {}
    for file in sorted(folder.glob("*.json")):
        name = SPEC_NAME.match(file.name)
        if name is None:
            continue
        document = json.loads(file.read_text(encoding="utf-8"))
        for path, item in document.get("paths", {}).items():
            for method, operation in item.items():
                if method.upper() in METHODS and isinstance(operation, dict):
                    found[(name.group(1), method.upper(), path)] = SpecOperation(file, method.upper(), path,
                                                                                 operation, document)
    return found


def spec_operation_for(specs: Path, path: Path) -> SpecOperation | None:
    op = load(path).get("operation", {})
    folder = specs / SPEC_FOLDERS[path.parent.name]
    if path.parent.name in MATCHED_BY_PATH:
        return spec_operations_by_path(folder).get((op.get("spec"), op.get("method"), op.get("path")))
    return spec_operations(folder).get(op.get("operationId"))


def spec_scopes(spec: SpecOperation) -> set[str]:
    """The OAuth scopes the spec operation's `security` names (any one of them is enough)."""
    return {scope for requirement in spec.operation.get("security", []) for scope in requirement.get("Bearer", [])}


# -- schema flattening -------------------------------------------------------------------------

def resolve(schema, root: dict, roots: tuple[dict, ...] = ()):
    """Follow `$ref` chains (local JSON pointers), trying `root` then each of `roots`."""
    for _ in range(64):
        if not isinstance(schema, dict) or "$ref" not in schema:
            return schema
        ref = schema["$ref"]
        if not isinstance(ref, str) or not ref.startswith("#/"):
            raise LookupError(f"unsupported $ref {ref!r}")
        for base in (root, *roots):
            target = base
            try:
                for part in ref[2:].split("/"):
                    target = target[part.replace("~1", "/").replace("~0", "~")]
            except (KeyError, TypeError, IndexError):
                continue
            schema = target
            break
        else:
            raise LookupError(f"$ref {ref!r} does not resolve")
    raise LookupError("a $ref chain loops")


@dataclass
class Flat:
    """What the comparison looks at in one schema, with `$ref`/`allOf`/`anyOf`/`oneOf` folded in."""
    types: frozenset | None = None  # None: the schema gives no type
    enum: frozenset | None = None  # JSON texts of the values; None: no enum
    required: frozenset = frozenset()
    properties: dict[str, list] = field(default_factory=dict)  # name -> the raw subschemas naming it
    items: list = field(default_factory=list)  # the raw subschemas of the array items


def _types(schema: dict) -> frozenset | None:
    kind = schema.get("type")
    if kind is None:
        return None
    kinds = set(kind) if isinstance(kind, list) else {kind}
    if schema.get("nullable") is True:
        kinds.add("null")
    return frozenset(kinds)


def _meet(a: frozenset | None, b: frozenset | None) -> frozenset | None:
    """Both constraints at once (allOf): None means unconstrained."""
    if a is None:
        return b
    if b is None:
        return a
    return a & b


def _join(a: frozenset | None, b: frozenset | None) -> frozenset | None:
    """Either constraint (anyOf/oneOf): unconstrained if either is."""
    return None if a is None or b is None else a | b


def flatten(schemas: list, root: dict, roots: tuple[dict, ...] = ()) -> Flat:
    """The allOf-combination of `schemas` (each resolved against `root`, then `roots`)."""
    flat = Flat()
    work = list(schemas)
    while work:
        schema = resolve(work.pop(0), root, roots)
        if not isinstance(schema, dict):
            continue
        work.extend(schema.get("allOf", []))
        flat.types = _meet(flat.types, _types(schema))
        if "enum" in schema:
            values = frozenset(json.dumps(v, sort_keys=True) for v in schema["enum"])
            flat.enum = values if flat.enum is None else flat.enum & values
        flat.required = flat.required | frozenset(schema.get("required", []))
        for name, sub in schema.get("properties", {}).items():
            flat.properties.setdefault(name, []).append(sub)
        if "items" in schema:
            flat.items.append(schema["items"])
        for combinator in ("anyOf", "oneOf"):
            if combinator in schema:
                branches = [flatten([b], root, roots) for b in schema[combinator]]
                union = Flat(types=branches[0].types, enum=branches[0].enum, required=branches[0].required)
                for branch in branches:
                    union.types = _join(union.types, branch.types)
                    union.enum = None if union.enum is None or branch.enum is None else union.enum | branch.enum
                    union.required = union.required & branch.required
                    for name, subs in branch.properties.items():
                        union.properties.setdefault(name, []).extend(subs)
                    union.items.extend(branch.items)
                flat.types = _meet(flat.types, union.types)
                if union.enum is not None:
                    flat.enum = union.enum if flat.enum is None else flat.enum & union.enum
                flat.required |= union.required
                for name, subs in union.properties.items():
                    flat.properties.setdefault(name, []).extend(subs)
                flat.items.extend(union.items)
    return flat


# -- the comparison ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Difference:
    location: str
    aspect: str
    detail: str

    @property
    def key(self) -> str:
        return f"{self.location}:{self.aspect}"

    def waived_by(self, key: str) -> bool:
        if ":" in key:
            return key == self.key
        return self.location == key or self.location.startswith((key + ".", key + "[]"))


def _show_types(types: frozenset | None) -> str:
    return "no type" if types is None else " or ".join(sorted(types))


def _show_values(values) -> str:
    return "[" + ", ".join(sorted(values)) + "]"


@dataclass
class Side:
    """One schema with what its `$ref`s resolve against."""
    schemas: list
    root: dict
    roots: tuple[dict, ...] = ()

    def flat(self) -> Flat:
        return flatten(self.schemas, self.root, self.roots)

    def child(self, schemas: list) -> "Side":
        return Side(schemas, self.root, self.roots)


def _identity(side: Side) -> tuple[int, ...]:
    return tuple(id(resolve(schema, side.root, side.roots)) for schema in side.schemas)


def compare(contract: Side, spec: Side, location: str, out: list[Difference], depth: int = 0,
            path: frozenset = frozenset()) -> None:
    """Compare two schemas. `path` holds the (contract, spec) schema pairs being compared above this
    one: meeting a pair again is a recursive `$ref` on both sides (a block holding blocks), already
    being compared, so it stops there."""
    pair = (_identity(contract), _identity(spec))
    if pair in path:
        return
    path = path | {pair}
    if depth > 40:
        out.append(Difference(location, "type", "schemas nest deeper than 40 levels (a recursive $ref?)"))
        return
    c, s = contract.flat(), spec.flat()
    if c.types != s.types:
        out.append(Difference(location, "type", f"contract says {_show_types(c.types)}, spec says {_show_types(s.types)}"))
    if c.enum != s.enum:
        if c.enum is None or s.enum is None:
            which, values = ("spec", s.enum) if c.enum is None else ("contract", c.enum)
            out.append(Difference(location, "enum", f"only the {which} has an enum: {_show_values(values)}"))
        else:
            out.append(Difference(location, "enum", f"values only in the contract: {_show_values(c.enum - s.enum)}; "
                                                    f"only in the spec: {_show_values(s.enum - c.enum)}"))
    if c.required != s.required:
        out.append(Difference(location, "required", f"required only in the contract: {sorted(c.required - s.required)}; "
                                                    f"only in the spec: {sorted(s.required - c.required)}"))
    for name in sorted(c.properties.keys() | s.properties.keys()):
        where = f"{location}.{name}"
        if name not in s.properties:
            out.append(Difference(where, "extra", "the contract names this property, the spec does not"))
        elif name not in c.properties:
            out.append(Difference(where, "missing", "the spec names this property, the contract does not"))
        else:
            compare(contract.child(c.properties[name]), spec.child(s.properties[name]), where, out, depth + 1, path)
    if c.items and s.items:
        compare(contract.child(c.items), spec.child(s.items), f"{location}[]", out, depth + 1, path)
    elif c.items or s.items:
        which = "contract" if c.items else "spec"
        out.append(Difference(location, "items", f"only the {which} describes the array's items"))


def _spec_body_schema(holder: dict | None, document: dict):
    """The application/json schema of a request body or a response (after `$ref`s), or None."""
    holder = resolve(holder, document) if holder is not None else None
    if not holder:
        return None
    content = holder.get("content") or {}
    media = content.get("application/json") or next(iter(content.values()), None)
    return (media or {}).get("schema")


def differences(path: Path, spec: SpecOperation) -> list[Difference]:
    """Every way the contract at `path` differs from the spec operation, deviations not applied."""
    document = load(path)
    out: list[Difference] = []
    spec_request = _spec_body_schema(spec.operation.get("requestBody"), spec.document)
    contract_request = document.get("request")
    if contract_request is not None and spec_request is not None:
        compare(Side([contract_request], contract_request, (document,)), Side([spec_request], spec.document),
                "request", out)
    elif contract_request is not None:
        out.append(Difference("request", "extra", "the contract takes a body, the spec operation has none"))
    elif spec_request is not None:
        out.append(Difference("request", "missing", "the spec operation takes a body, the contract has no request schema"))

    contract_responses = document.get("responses", {})
    statuses = sorted({str(document["operation"]["status"]), *contract_responses})
    for status in statuses:
        location = f"responses.{status}"
        theirs = spec.operation.get("responses", {}).get(status)
        ours = contract_responses.get(status)
        if theirs is None:
            out.append(Difference(location, "extra", f"the spec operation declares no {status} response"))
            continue
        spec_schema = _spec_body_schema(theirs, spec.document)
        if ours is not None and spec_schema is not None:
            compare(Side([ours], ours, (document,)), Side([spec_schema], spec.document), location, out)
        elif ours is not None:
            out.append(Difference(location, "extra", "the contract gives a body schema, the spec response has no body"))
        elif spec_schema is not None:
            out.append(Difference(location, "missing", "the spec response has a body schema, the contract has none"))
    return out


def deviations(path: Path) -> dict:
    return load(path).get("x-deviations", {})


def _spec_or_fail(specs_dir: Path, path: Path) -> SpecOperation:
    spec = spec_operation_for(specs_dir, path)
    if spec is None:
        op = load(path)["operation"]
        wanted = (f"spec {op.get('spec')!r} has no {op.get('method')} {op.get('path')}"
                  if path.parent.name in MATCHED_BY_PATH else f"operationId {op.get('operationId')!r} is in no spec")
        pytest.fail(f"{_id(path)}: {wanted} under {specs_dir / SPEC_FOLDERS[path.parent.name]}")
    return spec


# -- the tests ---------------------------------------------------------------------------------

@each_contract
def test_contract_is_well_formed(path: Path):
    name = _id(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        pytest.fail(f"{name}: not JSON: {exc}")
    assert isinstance(document, dict), f"{name}: the file must hold a JSON object"
    try:
        document = with_shared(document, path.parent)
    except LookupError as exc:
        pytest.fail(f"{name}: a shared shape does not resolve: {exc}")
    unknown = set(document) - TOP_LEVEL_KEYS
    assert not unknown, f"{name}: unknown top-level keys {sorted(unknown)} (allowed: {sorted(TOP_LEVEL_KEYS)})"
    assert document.get("$schema", DRAFT7) == DRAFT7, f"{name}: $schema must be {DRAFT7}"

    op = document.get("operation")
    assert isinstance(op, dict), f"{name}: no 'operation' block"
    for key, kind in (("method", str), ("path", str), ("operationId", str), ("status", int)):
        assert isinstance(op.get(key), kind), f"{name}: operation.{key} must be a {kind.__name__}"
    assert op["method"] in METHODS, f"{name}: operation.method {op['method']!r} is not one of {sorted(METHODS)}"
    assert op["path"].startswith("/") and " " not in op["path"], f"{name}: operation.path {op['path']!r}"
    assert 200 <= op["status"] < 300, f"{name}: operation.status {op['status']} is not a success status"
    assert path.stem == op["operationId"], f"{name}: the file must be named after operationId {op['operationId']!r}"
    if path.parent.name in MATCHED_BY_PATH:
        assert isinstance(op.get("spec"), str) and op["spec"], f"{name}: operation.spec must name the spec file"
        assert isinstance(op.get("scopes"), list) and all(isinstance(s, str) for s in op["scopes"]), (
            f"{name}: operation.scopes must be a list of OAuth scopes")

    schemas = {}
    if "request" in document:
        schemas["request"] = document["request"]
    responses = document.get("responses", {})
    assert isinstance(responses, dict), f"{name}: 'responses' must be an object of status -> schema"
    for status, schema in responses.items():
        assert re.fullmatch(r"[1-5][0-9][0-9]", status), f"{name}: responses key {status!r} is not a status code"
        schemas[f"responses.{status}"] = schema
    if op["status"] not in (202, 204):  # these may answer with no body (compared with the spec below)
        assert str(op["status"]) in responses, f"{name}: no response schema for the success status {op['status']}"
    for where, schema in schemas.items():
        try:
            jsonschema.Draft7Validator.check_schema(schema)
        except jsonschema.SchemaError as exc:
            pytest.fail(f"{name}: {where} is not a valid draft-07 schema: {exc.message} at {list(exc.absolute_path)}")
        for ref in _refs(schema):
            try:
                resolve({"$ref": ref}, schema)  # the validators resolve against this schema as root
            except LookupError as exc:
                pytest.fail(f"{name}: {where}: {exc}")
    if "request" in schemas:
        try:
            fastjsonschema.compile(schemas["request"])  # what the app compiles at the first request
        except fastjsonschema.JsonSchemaDefinitionException as exc:
            pytest.fail(f"{name}: request does not compile with fastjsonschema: {exc}")

    waivers = document.get("x-deviations", {})
    assert isinstance(waivers, dict), f"{name}: x-deviations must be an object of key -> reason"
    for key, reason in waivers.items():
        assert KEY_SYNTAX.match(key), (f"{name}: x-deviations key {key!r} does not fit "
                                       "'request|responses.<status>' + ('.<property>' | '[]')* + [':' + aspect], "
                                       f"aspect one of {', '.join(ASPECTS)}")
        assert isinstance(reason, str) and reason.strip(), f"{name}: x-deviations[{key!r}] must give a reason"


def _refs(schema) -> list[str]:
    found = []
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key == "$ref" and isinstance(value, str):
                found.append(value)
            else:
                found.extend(_refs(value))
    elif isinstance(schema, list):
        for value in schema:
            found.extend(_refs(value))
    return found


def test_operation_ids_are_unique():
    seen: dict[str, str] = {}
    for path in CONTRACT_FILES:
        op_id = load(path).get("operation", {}).get("operationId")
        key = f"{path.parent.name}/{op_id}"
        assert key not in seen, f"operationId {op_id!r} in both {seen.get(key)} and {path.name}"
        seen[key] = path.name


@pytest.mark.parametrize("surface", sorted(SPEC_FOLDERS))
def test_error_schema_is_well_formed(surface):
    path = CONTRACTS / surface / "_error.json"
    assert path.is_file(), f"{surface}: no _error.json (the schema of every error body)"
    document = json.loads(path.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(document)
    key = ERROR_KEY[surface]
    assert key in document.get("required", []), f"{surface}: an error body must require {key!r}"


@each_contract
def test_contract_names_a_spec_operation(path: Path, specs_dir: Path):
    spec = _spec_or_fail(specs_dir, path)
    op = load(path)["operation"]
    where = f"{_id(path)} vs {spec.file.name} {spec.operation.get('operationId') or spec.method + ' ' + spec.path}"
    assert (op["method"], op["path"]) == (spec.method, spec.path), (
        f"{where}: contract says {op['method']} {op['path']}, spec says {spec.method} {spec.path}")
    spec_success = sorted(s for s in spec.operation.get("responses", {}) if s.startswith("2"))
    assert str(op["status"]) in spec_success, (
        f"{where}: contract success status {op['status']}, spec success statuses {spec_success}")


@each_contract
def test_contract_scopes_are_the_specs(path: Path, specs_dir: Path):
    if path.parent.name not in MATCHED_BY_PATH:
        pytest.skip("v3 has no OAuth scopes")
    spec = _spec_or_fail(specs_dir, path)
    ours = set(load(path)["operation"].get("scopes", []))
    assert ours == spec_scopes(spec), (f"{_id(path)}: operation.scopes {sorted(ours)}, "
                                       f"spec security {sorted(spec_scopes(spec))}")


@each_contract
def test_contract_matches_spec(path: Path, specs_dir: Path):
    spec = _spec_or_fail(specs_dir, path)
    waivers = deviations(path)
    found = [d for d in differences(path, spec) if not any(d.waived_by(key) for key in waivers)]
    if found:
        op = load(path)["operation"]
        lines = "\n".join(f"  {d.key}  -- {d.detail}" for d in found)
        pytest.fail(f"{op['operationId']} ({op['method']} {op['path']}) differs from {spec.file.name} in "
                    f"{len(found)} place(s) that its x-deviations do not declare:\n{lines}\n"
                    "Fix the contract, or add the key (left of '--') to x-deviations with the reason.",
                    pytrace=False)


@each_contract
def test_no_stale_deviations(path: Path, specs_dir: Path):
    spec = _spec_or_fail(specs_dir, path)
    found = differences(path, spec)
    stale = [key for key in deviations(path) if not any(d.waived_by(key) for d in found)]
    if stale:
        lines = "\n".join(f"  {key}{_suggestion(key, found)}" for key in stale)
        pytest.fail(f"{_id(path)}: x-deviations keys that match no difference from the spec (remove them, or fix "
                    f"the key; syntax in {Path(__file__).name}'s docstring):\n{lines}", pytrace=False)


def _suggestion(key: str, found: list[Difference]) -> str:
    """A hint for a key written with a dotted aspect (`a.b.required`) or a `.properties` step."""
    if ":" in key or "." not in key:
        return ""
    parent, last = key.rsplit(".", 1)
    candidates = [f"{parent}:{last}"] if last in ASPECTS else [parent] if last == "properties" else []
    # a path step into an array is written `[]`: try it after each step of the parent
    steps = parent.split(".")
    for i in range(1, len(steps)):
        arrayed = ".".join(steps[:i]) + "[]." + ".".join(steps[i:])
        candidates += [f"{arrayed}:{last}"] if last in ASPECTS else [f"{arrayed}.{last}"]
    for candidate in candidates:
        if any(d.waived_by(candidate) for d in found):
            return f"  -> did you mean {candidate!r}?"
    return ""


def _template(path: str) -> str:
    """`/contacts/<contact_id>` and `/contacts/{contactID}` both as `/contacts/{}`."""
    return re.sub(r"<[^>]+>|\{[^}]+\}", "{}", path).rstrip("/") or "/"


@pytest.mark.parametrize("surface", sorted(ROUTE_PREFIXES))
def test_every_route_has_a_contract(surface):
    sb = Sandbox()
    prefix = ROUTE_PREFIXES[surface]
    contracted = {(load(p)["operation"]["method"], _template(load(p)["operation"]["path"]))
                  for p in CONTRACT_FILES if p.parent.name == surface}
    served, missing = set(), []
    for rule in sb.app.url_map.iter_rules():
        if not rule.rule.startswith(prefix + "/"):
            continue
        for method in sorted((rule.methods or set()) & METHODS):
            route = (method, _template(rule.rule[len(prefix):]))
            served.add(route)
            if route not in contracted:
                missing.append(f"{method} {rule.rule[len(prefix):]}  (view {rule.endpoint})")
    assert served, f"{surface}: the app serves no route under {prefix}"
    assert not missing, (f"{surface}: {len(missing)} served route(s) have no contract in contracts/{surface}/:\n  "
                         + "\n  ".join(missing))


@pytest.mark.parametrize("surface", sorted([*SPEC_FOLDERS, "klaviyo"]))
def test_shared_shapes_are_defined_once(surface):
    """A definition two contracts of a surface both hold belongs in a shared `_<name>.json` of the
    folder, named from both by `$ref` (simulator/schemas.py copies it in on loading)."""
    holders: dict[str, list[str]] = {}
    for path in sorted((CONTRACTS / surface).glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        schemas = [document.get("request"), *(document.get("responses") or {}).values(), document]
        for schema in schemas:
            for name, definition in (schema or {}).get("definitions", {}).items():
                holders.setdefault(json.dumps([name, definition], sort_keys=True), []).append(path.name)
    twins = {json.loads(key)[0]: files for key, files in holders.items() if len(files) > 1}
    assert not twins, f"contracts/{surface}: definitions copied into several files: {twins}"


def test_a_shared_shape_is_copied_in_once_with_what_it_refers_to():
    loaded = load(CONTRACTS / "omnisend-api" / "getAutomation.json")["responses"]["200"]
    assert "blocks" in loaded["properties"], "a response that is only a shared $ref is the shape itself"
    assert loaded["properties"]["blocks"]["items"] == {"$ref": "#/definitions/Block"}
    assert {"Block", "Action", "Split", "Delay"} <= set(loaded["definitions"])
    with pytest.raises(LookupError):
        with_shared({"request": {"$ref": "_automation.json#/definitions/Nothing"}}, CONTRACTS / "omnisend-api")
