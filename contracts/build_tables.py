"""Writes contracts/klaviyo/operations.json, the sandbox's own table of Klaviyo operations, from
Klaviyo's published OpenAPI files (https://github.com/klaviyo/openapi, `openapi/stable.json` of each
revision branch).

    python contracts/build_tables.py [SPECS_DIR] [--check]

SPECS_DIR holds `klaviyo/klaviyo-openapi-stable-<revision>.json` (default: ../shared/specs from the
repository root). `--check` writes nothing and exits 1 when the committed table differs from what
the specs give. Only facts are kept, per operation: method, path, tag, resource types, request
attributes (type, required) and relationships, filters with their operators, sorts, includes,
sparse fields, page sizes, success status, scopes and the rate limits of each revision that has it
(an operation a revision lacks has no entry for it). Where revisions differ, the newest one that has
the operation gives the facts other than limits."""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TABLE = ROOT / "contracts" / "klaviyo" / "operations.json"
# Every revision Klaviyo has published that the sandbox accepts (docs/klaviyo.md): the table keeps
# this list; only the revisions whose spec is at hand ("vendored") give operations.
PUBLISHED = ["2024-10-15", "2025-01-15", "2025-04-15", "2025-07-15", "2025-10-15", "2026-01-15",
             "2026-04-15", "2026-07-15", "2026-10-15"]
_PAGE = re.compile(r"Default: (\d+)\. Min: (\d+)\. Max: (\d+)\.")


class _Spec:
    def __init__(self, document: dict):
        self.document = document

    def resolve(self, node):
        while isinstance(node, dict) and "$ref" in node:
            node = self.document["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
        return node

    def enum_of(self, node) -> list:
        node = self.resolve(node)
        return list(node.get("enum", [])) if isinstance(node, dict) else []

    def body_schema(self, holder: dict | None) -> dict | None:
        content = (holder or {}).get("content", {})
        for media in content.values():
            return self.resolve(media.get("schema"))
        return None

    def data_type(self, schema: dict | None) -> tuple[str | None, bool]:
        """(the JSON:API `type` of a document's `data`, whether `data` is a list)."""
        if not schema:
            return None, False
        data = self.resolve(self.resolve(schema).get("properties", {}).get("data"))
        if not isinstance(data, dict):
            return None, False
        many = data.get("type") == "array"
        return self.type_of(data.get("items") if many else data), many

    def type_of(self, node) -> str | None:
        """The `type` enum of a resource object schema, looked for through allOf/oneOf/anyOf."""
        node = self.resolve(node)
        if not isinstance(node, dict):
            return None
        found = self.enum_of(node.get("properties", {}).get("type"))
        if found:
            return found[0]
        for option in node.get("allOf", []) + node.get("oneOf", []) + node.get("anyOf", []):
            found = self.type_of(option)
            if found:
                return found
        return None

    def attributes(self, schema: dict | None) -> tuple[dict, dict]:
        """A request's `data.attributes` (name -> [type, required]) and `data.relationships`
        (name -> related type, with [] around it when it is a list)."""
        if not schema:
            return {}, {}
        data = self.resolve(self.resolve(schema).get("properties", {}).get("data"))
        if not isinstance(data, dict) or data.get("type") == "array":
            return {}, {}
        props = data.get("properties", {})
        attributes = self.resolve(props.get("attributes")) or {}
        required = set(attributes.get("required", []))
        out = {name: [_type_name(self.resolve(value)), name in required]
               for name, value in attributes.get("properties", {}).items()}
        relationships = {}
        for name, value in (self.resolve(props.get("relationships")) or {}).get("properties", {}).items():
            linkage = self.resolve(self.resolve(value).get("properties", {}).get("data"))
            if not isinstance(linkage, dict):
                continue
            many = linkage.get("type") == "array"
            item = self.resolve(linkage.get("items")) if many else linkage
            kind = self.enum_of((item or {}).get("properties", {}).get("type"))
            relationships[name] = [kind[0] if kind else None] if many else (kind[0] if kind else None)
        return out, relationships


def _type_name(schema: dict) -> str:
    if not isinstance(schema, dict):
        return "any"
    if "type" in schema:
        return schema["type"]
    if "oneOf" in schema or "anyOf" in schema:
        return "any"
    return "object" if "properties" in schema else "any"


def _query_facts(op: dict) -> dict:
    facts: dict = {}
    for parameter in op.get("parameters", []):
        name, schema = parameter["name"], parameter.get("schema", {})
        items = schema.get("items", {}).get("enum") if schema.get("type") == "array" else None
        if name.startswith("fields[") and items:
            facts.setdefault("fields", {})[name[7:-1]] = items
        elif name == "include" and items:
            facts["includes"] = items
        elif name.startswith("additional-fields[") and items:
            facts.setdefault("additional_fields", {})[name[18:-1]] = items
        elif name == "sort":
            facts["sorts"] = sorted({value.lstrip("-") for value in schema.get("enum", [])})
        elif name == "page[size]":
            found = _PAGE.search(parameter.get("description", ""))
            if found:
                facts["page"] = [int(found.group(n)) for n in (1, 2, 3)]  # default, min, max
        elif name == "page[cursor]":
            facts["cursor"] = True
        elif name == "filter":
            facts["filter_required"] = bool(parameter.get("required"))
    filters = op.get("x-klaviyo-filters")
    if filters:
        facts["filters"] = {field: sorted({*rule["operators"].get("list", []), *rule["operators"].get("single", [])})
                            for field, rule in filters.items()}
    return facts


def _operation_facts(spec: _Spec, route: str, method: str, op: dict) -> dict:
    statuses = sorted(code for code in op["responses"] if code.isdigit() and code.startswith("2"))
    status = int(statuses[0]) if statuses else 200
    response_type, many = spec.data_type(spec.body_schema(op["responses"].get(str(status))))
    request = spec.body_schema(op.get("requestBody"))
    request_type, request_many = spec.data_type(request)
    attributes, relationships = spec.attributes(request)
    entry = {"method": method.upper(), "path": route, "tag": op.get("tags", ["?"])[0], "status": status}
    if response_type:
        entry["type"] = response_type
        entry["many"] = many
    if request_type:
        entry["request_type"] = request_type
        if request_many:
            entry["request_many"] = True
    if attributes:
        entry["attributes"] = attributes
    if relationships:
        entry["relationships"] = relationships
    if request is not None:
        entry["body_required"] = bool((op.get("requestBody") or {}).get("required"))
    entry.update(_query_facts(op))
    return entry


def build(specs_dir: Path) -> dict:
    folder = specs_dir / "klaviyo"
    vendored = sorted(p.name.removeprefix("klaviyo-openapi-stable-").removesuffix(".json")
                      for p in folder.glob("klaviyo-openapi-stable-*.json"))
    if not vendored:
        raise SystemExit(f"no klaviyo-openapi-stable-<revision>.json under {folder}")
    operations: dict[str, dict] = {}
    for revision in vendored:  # oldest first: the newest revision's facts win
        spec = _Spec(json.loads((folder / f"klaviyo-openapi-stable-{revision}.json").read_text()))
        for route, ops in spec.document["paths"].items():
            for method, op in ops.items():
                if not isinstance(op, dict) or "operationId" not in op:
                    continue
                limits = {name: int(value.split("/")[0]) for name, value in op["x-klaviyo-ratelimit"].items()}
                previous = operations.get(op["operationId"], {}).get("limits", {})
                entry = _operation_facts(spec, route, method, op)
                entry["scopes"] = op.get("x-klaviyo-scopes", [])
                entry["limits"] = {**previous, revision: limits}
                operations[op["operationId"]] = entry
    return {
        "$comment": "Facts from Klaviyo's published OpenAPI revisions (https://github.com/klaviyo/openapi), written "
                    "by contracts/build_tables.py; do not edit by hand. limits: per vendored revision that has the "
                    "operation (burst per second, steady per minute, daily per day); page: [default, min, max]; "
                    "attributes: name -> [type, required]; relationships: name -> type ([type] for a list).",
        "vendored": vendored,
        "published": PUBLISHED,
        "operations": dict(sorted(operations.items())),
    }


def render(table: dict) -> str:
    """One operation a line: the file stays diffable without running to tens of thousands of lines."""
    head = {k: v for k, v in table.items() if k != "operations"}
    lines = [json.dumps(head, indent=1)[:-2] + ',\n "operations": {']
    items = list(table["operations"].items())
    for i, (name, entry) in enumerate(items):
        comma = "," if i < len(items) - 1 else ""
        lines.append(f"  {json.dumps(name)}: {json.dumps(entry, separators=(',', ':'))}{comma}")
    lines.append(" }\n}\n")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    args = [a for a in argv if not a.startswith("--")]
    specs_dir = Path(args[0]) if args else ROOT.parent / "shared" / "specs"
    text = render(build(specs_dir))
    if "--check" in argv:
        same = TABLE.exists() and TABLE.read_text() == text
        print("operations.json is up to date" if same else "operations.json differs from the specs")
        return 0 if same else 1
    TABLE.write_text(text)
    print(f"wrote {TABLE.relative_to(ROOT)}: {len(json.loads(text)['operations'])} operations")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
