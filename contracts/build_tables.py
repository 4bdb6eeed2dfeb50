"""Writes the sandbox's own operation tables from the vendors' published OpenAPI files:

* contracts/klaviyo/operations.json, every Klaviyo operation, from Klaviyo's specs
  (https://github.com/klaviyo/openapi, `openapi/stable.json` of each revision branch);
* contracts/omnisend-api/<operationId>.json for each operation of Omnisend's dated line that has no
  hand-written contract (https://api-docs.omnisend.com, the 2026-03-15 files): method, path, scopes,
  success status and the request and response shapes, with descriptions and examples left out.
  A file this script wrote says so in `$comment` and is rewritten; any other file is left alone.

    python contracts/build_tables.py [SPECS_DIR] [--check]

SPECS_DIR holds `klaviyo/klaviyo-openapi-stable-<revision>.json` and `omnisend/api-2026-03-15/`
(default: ../shared/specs from the repository root). `--check` writes nothing and exits 1 when a
committed file differs from what the specs give. Only facts are kept; for Klaviyo, per operation: method, path, tag, resource types, request
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


    def defaults(self, schema: dict | None) -> dict:
        """For a response's `data.attributes`: each attribute that may not be null -> the least value
        its schema takes (what a stored resource answers for an attribute it was never given)."""
        data = self.resolve((self.resolve(schema) or {}).get("properties", {}).get("data")) if schema else None
        if isinstance(data, dict) and data.get("type") == "array":
            data = self.resolve(data.get("items"))
        attributes = self._merged(data).get("properties", {}).get("attributes") if isinstance(data, dict) else None
        properties = self._merged(self.resolve(attributes) or {}).get("properties", {})
        return {name: self.least(value) for name, value in properties.items()
                if not self._merged(self.resolve(value)).get("nullable")}

    def _merged(self, node) -> dict:
        """`node` with its allOf members' properties, required and other keys folded in."""
        node = self.resolve(node)
        if not isinstance(node, dict) or "allOf" not in node:
            return node if isinstance(node, dict) else {}
        out = {k: v for k, v in node.items() if k != "allOf"}
        for part in node["allOf"]:
            part = self._merged(part)
            out.setdefault("properties", {}).update(part.get("properties", {}))
            out["required"] = [*out.get("required", []), *part.get("required", [])]
            out.update({k: v for k, v in part.items() if k not in ("properties", "required")})
        return out

    def least(self, node, depth: int = 0):
        """The least value a schema takes: null where nullable, the first enum value, an empty string,
        list or zero, an object of its required members."""
        node = self._merged(node)
        if node.get("nullable") or depth > 8:
            return None
        if "enum" in node:
            return node["enum"][0]
        for key in ("oneOf", "anyOf"):
            if node.get(key):
                return self.least(node[key][0], depth + 1)
        kind = node.get("type")
        if kind == "string":
            return "1970-01-01T00:00:00+00:00" if node.get("format") == "date-time" else ""
        if kind in ("integer", "number"):
            return node.get("minimum", 0)
        if kind == "boolean":
            return False
        if kind == "array":
            return []
        properties = node.get("properties", {})
        return {name: self.least(properties.get(name, {}), depth + 1) for name in node.get("required", [])}


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
        defaults = spec.defaults(spec.body_schema(op["responses"].get(str(status))))
        if defaults:
            entry["defaults"] = defaults
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
                    "attributes: name -> [type, required]; relationships: name -> type ([type] for a list); "
                    "defaults: what a response attribute that may not be null holds when never given.",
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


# -- Omnisend's dated line -------------------------------------------------------------------------

DATED = ROOT / "contracts" / "omnisend-api"
GENERATED = "Written by contracts/build_tables.py from Omnisend's published 2026-03-15 spec; do not edit by hand."
# The dated spec names no operationIds: the sandbox's names for the operations it generates.
DATED_NAMES = {
    ("GET", "/campaigns"): "listCampaigns", ("GET", "/campaigns/{id}"): "getCampaign",
    ("POST", "/campaigns"): "createCampaign", ("PATCH", "/campaigns/{id}"): "updateCampaign",
    ("DELETE", "/campaigns/{id}"): "deleteCampaign", ("POST", "/campaigns/{id}/copy"): "copyCampaign",
    ("POST", "/campaigns/{id}/send"): "sendCampaign", ("POST", "/campaigns/{id}/cancel"): "cancelCampaign",
    ("POST", "/campaigns/{id}/test-email"): "sendCampaignTestEmail",
    ("GET", "/campaigns/{id}/utm"): "getCampaignUtm", ("PUT", "/campaigns/{id}/utm"): "putCampaignUtm",
    ("POST", "/campaigns/{id}/ab-test/stop"): "stopCampaignAbTest",
    ("POST", "/campaigns/{id}/ab-test/resume"): "resumeCampaignAbTest",
    ("POST", "/campaigns/{id}/ab-test/winner"): "selectCampaignAbTestWinner",
    ("POST", "/event-metadata"): "createEventMetadata", ("PUT", "/event-metadata"): "replaceEventMetadata",
    ("POST", "/event-metadata/query"): "queryEventMetadata",
    ("GET", "/products"): "listProducts", ("POST", "/products"): "createProduct",
    ("GET", "/products/{productID}"): "getProduct", ("PUT", "/products/{productID}"): "replaceProduct",
    ("DELETE", "/products/{productID}"): "deleteProduct",
    ("GET", "/product-categories"): "listProductCategories", ("POST", "/product-categories"): "createProductCategory",
    ("GET", "/product-categories/{categoryID}"): "getProductCategory",
    ("PATCH", "/product-categories/{categoryID}"): "updateProductCategory",
    ("DELETE", "/product-categories/{categoryID}"): "deleteProductCategory",
}
_PROSE = {"description", "example", "examples", "title", "readOnly", "writeOnly", "deprecated", "xml",
          "externalDocs", "discriminator", "summary"}


def _plain(node, document: dict, seen: tuple[str, ...] = ()):
    """A spec schema as plain draft-07 JSON Schema: references resolved, `allOf` merged, `nullable`
    as a null type, prose and vendor extensions left out. A reference back into itself (a tree of
    conditions) is left as any value."""
    if isinstance(node, list):
        return [_plain(item, document, seen) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        if node["$ref"] in seen:
            return {}
        target = document
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        return _plain({**target, **{k: v for k, v in node.items() if k != "$ref"}}, document, (*seen, node["$ref"]))
    out: dict = {}
    for part in node.get("allOf", []):
        merged = _plain(part, document, seen)
        out.update({k: v for k, v in merged.items() if k not in ("properties", "required")})
        out.setdefault("properties", {}).update(merged.get("properties", {}))
        out["required"] = sorted({*out.get("required", []), *merged.get("required", [])})
    for key, value in node.items():
        if key in _PROSE or key.startswith("x-") or key in ("allOf", "nullable"):
            continue
        if key == "properties":
            out.setdefault("properties", {}).update({name: _plain(v, document, seen) for name, v in value.items()})
        elif key == "required":
            out["required"] = sorted({*out.get("required", []), *value})
        else:
            out[key] = _plain(value, document, seen)
    if not out.get("required"):
        out.pop("required", None)
    if not out.get("properties") and "properties" in out and out.get("type") != "object":
        out.pop("properties")
    if node.get("nullable"):
        if "type" in out:
            out["type"] = [out["type"], "null"] if isinstance(out["type"], str) else [*out["type"], "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    return out


def _json_schema(holder: dict | None, document: dict) -> dict | None:
    for media in ((holder or {}).get("content") or {}).values():
        return _plain(media.get("schema"), document)
    return None


def dated_contracts(specs_dir: Path) -> dict[str, dict]:
    """operationId -> the contract document, for each named dated operation with no hand-written file."""
    out = {}
    for file in sorted((specs_dir / "omnisend" / "api-2026-03-15").glob("omnisend-*-api-*.json")):
        document = json.loads(file.read_text())
        spec = re.match(r"omnisend-(.+)-api-", file.name).group(1)
        for route, item in document["paths"].items():
            for method, op in item.items():
                name = DATED_NAMES.get((method.upper(), route))
                if name is None or not isinstance(op, dict):
                    continue
                existing = DATED / f"{name}.json"
                if existing.exists() and json.loads(existing.read_text()).get("$comment") != GENERATED:
                    continue
                status = min(int(code) for code in op["responses"] if code.startswith("2"))
                scopes = sorted({scope for rule in op.get("security", []) for scope in rule.get("Bearer", [])})
                contract = {"$schema": "http://json-schema.org/draft-07/schema#", "$comment": GENERATED,
                            "title": f"{method.upper()} {route}",
                            "operation": {"method": method.upper(), "path": route, "operationId": name,
                                          "status": status, "scopes": scopes, "spec": spec}}
                request = _json_schema(op.get("requestBody"), document)
                if request is not None:
                    contract["request"] = request
                response = _json_schema(op["responses"][str(status)], document)
                contract["responses"] = {str(status): response} if response is not None else {}
                out[name] = contract
    return out


def main(argv: list[str]) -> int:
    args = [a for a in argv if not a.startswith("--")]
    specs_dir = Path(args[0]) if args else ROOT.parent / "shared" / "specs"
    files = {TABLE: render(build(specs_dir))}
    files.update({DATED / f"{name}.json": json.dumps(doc, indent=1) + "\n"
                  for name, doc in dated_contracts(specs_dir).items()})
    stale = [path for path, text in files.items() if not path.exists() or path.read_text() != text]
    if "--check" in argv:
        for path in stale:
            print(f"{path.relative_to(ROOT)} differs from the specs")
        return 1 if stale else 0
    for path in stale:
        path.write_text(files[path])
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
