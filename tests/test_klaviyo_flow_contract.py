"""contracts/klaviyo/create_flow.json against `create_flow`'s request body in Klaviyo's 2026-07-15
spec, branch by branch.

A flow definition is unions all the way down (triggers, actions, conditions, filters), each branch
told apart by a discriminator (`type`, `operator`, `channel`...). The generic comparison of
tests/test_klaviyo_contracts.py merges a union's branches into one object, which makes nonsense of
them, so that test waives `request.data.attributes.definition` and this one does the comparison:

* a union on either side is read as its list of branches (`oneOf`/`anyOf`, `$ref`s followed; the
  spec's `nullable` already rewritten as a null branch by tests/klaviyo_spec.py);
* each branch of the contract is paired with the spec branches whose enum-valued properties it
  shares with overlapping values (its discriminators); an open object with no discriminator takes
  every spec branch. A spec branch no contract branch takes is
  `missing`, a contract branch that takes none is `extra`, a spec branch two contract branches take
  is `ambiguous` (the contract's `oneOf` would refuse a valid body);
* a paired branch is compared with the spec branch (or the union of the several spec branches it
  takes, for a branch accepted structurally): properties both ways (a spec property is `missing`
  only where the contract's object is closed with `additionalProperties: false`; an open object
  accepts it), `required` lists (equal for a closed object; an open one may require only what the
  spec requires), JSON types, enums, array items.

Differences the contract means are in its `x-deviations-by-branch`: key = location [":" aspect],
a location being `request` then `.property`, `[]` (array items) and `<branch>` steps (the contract's
definition name, or the spec's component name for a missing branch); a key without an aspect waives
everything at and below its location. A key matching nothing fails too."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests import klaviyo_spec
from tests import test_contracts_vs_spec as contracts_vs_spec

CONTRACT = Path(__file__).resolve().parents[1] / "contracts" / "klaviyo" / "create_flow.json"
ASPECTS = ("type", "enum", "required", "items", "missing", "extra", "ambiguous")


class Difference(contracts_vs_spec.Difference):
    def waived_by(self, key: str) -> bool:
        """As there, and a key without an aspect also covers the branches below its location."""
        return super().waived_by(key) or (":" not in key and self.location.startswith(key + "<"))


@dataclass(frozen=True)
class Branch:
    schema: dict
    label: str


class Side:
    """One document's schemas, with `$ref`s resolved against its root."""

    def __init__(self, root: dict):
        self.root = root

    def resolve(self, schema: dict) -> tuple[dict, str | None]:
        name = None
        while "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            target = self.root
            for part in schema["$ref"][2:].split("/"):
                target = target[part]
            schema = target
        return schema, name

    def branches(self, schema: dict, name: str | None = None) -> list[Branch]:
        schema, named = self.resolve(schema)
        for combinator in ("oneOf", "anyOf"):
            if combinator in schema:
                return [b for sub in schema[combinator] for b in self.branches(sub)]
        return [Branch(schema, named or name or _label(schema))]


def _label(schema: dict) -> str:
    found = [f"{p}={'|'.join(map(str, s['enum']))}" for p, s in schema.get("properties", {}).items() if "enum" in s]
    return ",".join(found) or "+".join(_types(schema) or ["any"])


def _types(schema: dict) -> list[str] | None:
    kind = schema.get("type")
    if kind is None:
        return None
    return [kind] if isinstance(kind, str) else list(kind)


def _is_null(branch: Branch) -> bool:
    return _types(branch.schema) == ["null"]


def _type_set(branches: list[Branch]) -> frozenset | None:
    found: set = set()
    for branch in branches:
        kinds = _types(branch.schema)
        if kinds is None:
            return None
        found |= set(kinds)
    return frozenset(found)


def _enum_set(branches: list[Branch]) -> frozenset | None:
    values: set = set()
    for branch in branches:
        if _is_null(branch):
            values.add("null")
        elif "enum" in branch.schema:
            values |= {json.dumps(v) for v in branch.schema["enum"]}
        else:
            return None
    return frozenset(values)


def _discriminators(schema: dict, side: Side) -> dict[str, set]:
    out = {}
    for name, sub in schema.get("properties", {}).items():
        sub, _ = side.resolve(sub)
        if "enum" in sub:
            out[name] = {json.dumps(v) for v in sub["enum"] if v is not None}
    return out


def _pairs(ours: Branch, theirs: Branch, our_side: Side, their_side: Side) -> bool:
    mine, spec = _discriminators(ours.schema, our_side), _discriminators(theirs.schema, their_side)
    shared = mine.keys() & spec.keys()
    return bool(shared) and all(mine[p] & spec[p] for p in shared)


def _accepts_any_object(branch: Branch, side: Side) -> bool:
    """An open object with no discriminator: it takes every spec branch (accepted structurally)."""
    return branch.schema.get("additionalProperties") is not False and not _discriminators(branch.schema, side)


class Comparison:
    def __init__(self, ours: Side, theirs: Side):
        self.ours, self.theirs = ours, theirs
        self.found: list[Difference] = []

    def note(self, location: str, aspect: str, detail: str) -> None:
        self.found.append(Difference(location, aspect, detail))

    def schemas(self, ours: list[dict], theirs: list[dict], where: str) -> None:
        mine = [b for s in ours for b in self.ours.branches(s)]
        spec = [b for s in theirs for b in self.theirs.branches(s)]
        if _type_set(mine) != _type_set(spec):
            self.note(where, "type",
                      f"contract {sorted(_type_set(mine) or ['any'])}, spec {sorted(_type_set(spec) or ['any'])}")
        if _enum_set(mine) != _enum_set(spec):
            self.note(where, "enum", f"contract {sorted(_enum_set(mine) or [])}, spec {sorted(_enum_set(spec) or [])}")
        self.items([b for b in mine if "items" in b.schema or _types(b.schema) == ["array"]],
                   [b for b in spec if "items" in b.schema], where)
        mine = [b for b in mine if "properties" in b.schema or "object" in (_types(b.schema) or [])]
        spec = [b for b in spec if "properties" in b.schema]
        if len(mine) == 1 and len(spec) == 1:
            self.objects(mine[0], spec, where)
        elif mine and spec:
            self.union(mine, spec, where)

    def items(self, mine: list[Branch], spec: list[Branch], where: str) -> None:
        ours = [b.schema["items"] for b in mine if "items" in b.schema]
        theirs = [b.schema["items"] for b in spec]
        if ours and theirs:
            self.schemas(ours, theirs, where + "[]")
        elif ours or theirs:
            self.note(where, "items", f"only the {'contract' if ours else 'spec'} describes the items")

    def union(self, mine: list[Branch], spec: list[Branch], where: str) -> None:
        taken: dict[int, list[str]] = {}
        for branch in mine:
            if _accepts_any_object(branch, self.ours):
                matched = list(range(len(spec)))
            else:
                matched = [i for i, theirs in enumerate(spec) if _pairs(branch, theirs, self.ours, self.theirs)]
            if not matched:
                self.note(f"{where}<{branch.label}>", "extra", "no spec branch has these discriminator values")
                continue
            for i in matched:
                taken.setdefault(i, []).append(branch.label)
            self.objects(branch, [spec[i] for i in matched], f"{where}<{branch.label}>")
        for i, theirs in enumerate(spec):
            if i not in taken:
                self.note(f"{where}<{theirs.label}>", "missing", "no contract branch takes this spec branch")
            elif len(taken[i]) > 1:
                self.note(f"{where}<{theirs.label}>", "ambiguous", f"taken by {taken[i]}")

    def objects(self, mine: Branch, spec: list[Branch], where: str) -> None:
        ours = mine.schema.get("properties", {})
        theirs: dict[str, list[dict]] = {}
        for branch in spec:
            for name, sub in branch.schema.get("properties", {}).items():
                theirs.setdefault(name, []).append(sub)
        closed = mine.schema.get("additionalProperties") is False
        for name in sorted(ours.keys() | theirs.keys()):
            if name not in theirs:
                self.note(f"{where}.{name}", "extra", "the spec has no such property")
            elif name not in ours:
                if closed:
                    self.note(f"{where}.{name}", "missing", "the contract's closed object refuses it")
            else:
                self.schemas([ours[name]], theirs[name], f"{where}.{name}")
        required = set.intersection(*(set(b.schema.get("required", [])) for b in spec))
        wanted = set(mine.schema.get("required", []))
        if wanted != required if closed else not wanted <= required:
            self.note(where, "required", f"contract {sorted(wanted)}, spec {sorted(required)}")


def _differences(specs_dir: Path) -> tuple[list[Difference], dict]:
    document = json.loads(CONTRACT.read_text())
    spec = klaviyo_spec._spec(specs_dir)
    body = spec["paths"]["/api/flows"]["post"]["requestBody"]["content"]["application/vnd.api+json"]["schema"]
    comparison = Comparison(Side(document["request"]), Side(spec))
    comparison.schemas([document["request"]], [body], "request")
    return comparison.found, document.get("x-deviations-by-branch", {})


def test_create_flow_request_matches_the_spec_branch_by_branch(specs_dir: Path):
    found, waivers = _differences(specs_dir)
    unwaived = [d for d in found if not any(d.waived_by(key) for key in waivers)]
    assert not unwaived, "\n".join(f"{d.key}  -- {d.detail}" for d in unwaived)
    stale = [key for key in waivers if not any(d.waived_by(key) for d in found)]
    assert not stale, f"x-deviations-by-branch keys that match no difference: {stale}"


def test_deviation_keys_are_well_formed():
    waivers = json.loads(CONTRACT.read_text()).get("x-deviations-by-branch", {})
    for key, reason in waivers.items():
        location, _, aspect = key.partition(":")
        assert location.startswith("request") and (not aspect or aspect in ASPECTS), key
        assert reason.strip(), key


@pytest.mark.parametrize("revision", ["2025-10-15", "2026-07-15"])
def test_the_spec_revisions_differ_only_by_reentry_criteria(specs_dir: Path, revision):
    """The contract is written from 2026-07-15; 2025-10-15 lacks only `reentry_criteria`, which the
    surface refuses for older revisions."""
    spec = json.loads((specs_dir / "klaviyo" / f"klaviyo-openapi-stable-{revision}.json").read_text())
    definition = spec["components"]["schemas"]["FlowDefinition"]["properties"]
    assert ("reentry_criteria" in definition) == (revision >= "2026-07-15")
    assert set(definition) - {"reentry_criteria"} == {"triggers", "profile_filter", "actions", "entry_action_id"}
