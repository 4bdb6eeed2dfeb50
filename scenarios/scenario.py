"""Reading a scenario: a YAML file (or a bundled one by name) checked against `schema.json` and for
consistency, with every error naming the file, the line and the field."""
from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path

import jsonschema
import yaml

from simulator.errors import Invalid
from simulator.klaviyo.fixtures import FLOWS as KLAVIYO_FLOWS

BUNDLED = Path(__file__).resolve().parent / "bundled"
OMNISEND_AUTOMATIONS = KLAVIYO_FLOWS.parents[1] / "omnisend" / "automations"
SCHEMA = json.loads((Path(__file__).resolve().parent / "schema.json").read_text())
ONE_OF = {"catalog": "`default` or a list of products", "workflows": "give exactly one of `fixture` or `body`"}
DEFAULTS = {"seed": 0, "visitors": 2000, "horizon_days": 30, "start": "2026-11-01T00:00:00Z", "catalog": "default"}


class ScenarioError(Exception):
    """A scenario the runner cannot run; the message is `file:line: field: what is wrong`."""


@dataclass(frozen=True)
class Workflow:
    name: str
    vendor: str
    fixture: str | None = None
    body: dict | None = None
    metric_suffix: str = ""
    first_delay_minutes: int | None = None
    exclude: tuple[str, ...] = ()
    exclusion_days: int = 7  # Upstack's and Instant's recipe: "zero times in the last 7 days"


@dataclass(frozen=True)
class Arm:
    name: str
    workflows: tuple[str, ...]
    description: str = ""
    native: bool = True
    forwarder: str | None = None
    forwarder_options: dict = field(default_factory=dict)
    destinations: tuple[str, ...] | None = None  # None: every destination
    holdout: float = 0.0  # share of shoppers the forwarder's clones keep out (scenarios/holdout.py)


@dataclass(frozen=True)
class Scenario:
    name: str
    path: str
    description: str
    seed: int
    visitors: int
    horizon_days: int
    start: str
    catalog: str | list
    parameters: dict
    identity: dict
    accounts: dict  # vendor -> key ("auto": made from the seed)
    settings: dict
    native_omnisend_api: str
    destinations: list[dict]
    workflows: dict[str, Workflow]
    arms: list[Arm]
    duplicate_window_hours: float
    attribution_days: float
    attribution_touches: tuple[str, ...]
    expectations: list[dict]
    sensitivity: dict = field(default_factory=dict)  # {replications, vary: {name: [values]}}; empty: no panel
    faults: list[dict] = field(default_factory=list)  # /_sim/faults rules set before the run

    def with_overrides(self, seed: int | None = None, visitors: int | None = None) -> "Scenario":
        return replace(self, seed=self.seed if seed is None else seed,
                       visitors=self.visitors if visitors is None else visitors)


def bundled_names() -> list[str]:
    return sorted(p.stem for p in BUNDLED.glob("*.yaml"))


def describe_bundled() -> list[tuple[str, str]]:
    """Each bundled scenario's name and the first sentence of its description."""
    found = []
    for name in bundled_names():
        description = " ".join(load(name).description.split())
        found.append((name, description.split(". ")[0].rstrip(".")))
    return found


def load(reference: str) -> Scenario:
    """The scenario in the YAML file `reference`, or the bundled scenario of that name."""
    path = Path(reference)
    if not path.is_file():
        bundled = BUNDLED / f"{reference}.yaml"
        if not bundled.is_file():
            raise ScenarioError(f"{reference}: no such file, and no bundled scenario of that name "
                                f"(bundled: {', '.join(bundled_names())})")
        path = bundled
    return parse(path.read_text(encoding="utf-8"), str(path))


def parse(text: str, filename: str = "<scenario>") -> Scenario:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{filename}:{mark.line + 1}" if mark else filename
        raise ScenarioError(f"{where}: not valid YAML: {getattr(exc, 'problem', None) or exc}") from None
    if not isinstance(data, dict):
        raise ScenarioError(f"{filename}:1: a scenario is a mapping of fields")
    errors = sorted(jsonschema.Draft202012Validator(SCHEMA).iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        error = max(errors, key=lambda e: len(e.absolute_path))  # the deepest says the most
        raise ScenarioError(_located(filename, node, list(error.absolute_path), _message(error)))
    return _build(data, filename, node)


def _message(error: jsonschema.ValidationError) -> str:
    if error.validator == "additionalProperties":
        return error.message.replace("Additional properties are not allowed", "unknown field")
    if error.validator == "oneOf":
        return ONE_OF.get(str(error.absolute_path[0]), error.message)
    return error.message


def _located(filename: str, node, path: list, message: str) -> str:
    line = _line(node, path)
    dotted = ".".join(str(p) for p in path) or "(top level)"
    return f"{filename}:{line}: {dotted}: {message}"


def _line(node, path: list) -> int:
    """The line of the YAML node at `path` (the nearest parent found)."""
    line = node.start_mark.line + 1 if node is not None else 1
    for part in path:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == str(part):
                    node = value
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            return line
        line = node.start_mark.line + 1
    return line


def _destination_problem(spec: dict) -> str | None:
    """What the reference forwarder would refuse in a destination (an unknown option or filter)."""
    from simulator.scenarios.forwarder import Destination
    from simulator.scenarios.pipeline.connections import Connection
    from simulator.scenarios.pipeline.mappings import mapping_for
    destination = Destination(spec["name"], spec["api"], "http://check", "key", spec.get("connection", "main"),
                              spec.get("filters", {}), spec.get("options", {}))
    try:
        Connection(destination)
        mapping_for(destination, str)
    except ValueError as exc:
        return str(exc)
    return None


def _build(data: dict, filename: str, node) -> Scenario:
    def fail(path: list, message: str):
        raise ScenarioError(_located(filename, node, path, message))

    values = {**DEFAULTS, **data}
    workflows: dict[str, Workflow] = {}
    for i, spec in enumerate(data["workflows"]):
        if spec["name"] in workflows:
            fail(["workflows", i, "name"], f"a second workflow named {spec['name']!r}")
        if spec["vendor"] not in data["accounts"]:
            fail(["workflows", i, "vendor"], f"no {spec['vendor']} account under `accounts`")
        folder = KLAVIYO_FLOWS if spec["vendor"] == "klaviyo" else OMNISEND_AUTOMATIONS
        if "fixture" in spec and not (folder / f"{spec['fixture']}.json").is_file():
            known = ", ".join(sorted(p.stem for p in folder.glob("*.json")))
            fail(["workflows", i, "fixture"], f"no {spec['vendor']} fixture {spec['fixture']!r} (known: {known})")
        for j, other in enumerate(spec.get("exclude", [])):
            if other not in workflows:
                fail(["workflows", i, "exclude", j], f"{other!r} is not a workflow declared above this one "
                     "(an exclusion needs the other flow's id, so it must exist first)")
        if spec["vendor"] == "omnisend" and any(k in spec for k in ("exclude", "metric_suffix", "first_delay_minutes")):
            fail(["workflows", i], "exclude, metric_suffix and first_delay_minutes apply to Klaviyo flows only")
        workflows[spec["name"]] = Workflow(
            spec["name"], spec["vendor"], spec.get("fixture"), spec.get("body"), spec.get("metric_suffix", ""),
            spec.get("first_delay_minutes"), tuple(spec.get("exclude", ())), spec.get("exclusion_days", 7))
    destinations = data.get("destinations", [])
    names = set()
    for i, destination in enumerate(destinations):
        vendor = "klaviyo" if destination["api"] == "klaviyo" else "omnisend"
        if vendor not in data["accounts"]:
            fail(["destinations", i, "api"], f"no {vendor} account under `accounts`")
        problem = _destination_problem(destination)
        if problem:
            fail(["destinations", i], problem)
        if destination["name"] in names:
            fail(["destinations", i, "name"], f"a second destination named {destination['name']!r}")
        names.add(destination["name"])
    arms = []
    for i, spec in enumerate(data["arms"]):
        if spec["name"] in {a.name for a in arms}:
            fail(["arms", i, "name"], f"a second arm named {spec['name']!r}")
        for j, name in enumerate(spec["workflows"]):
            if name not in workflows:
                fail(["arms", i, "workflows", j], f"no workflow named {name!r}")
            missing = [other for other in workflows[name].exclude if other not in spec["workflows"]]
            if missing:
                fail(["arms", i, "workflows", j], f"{name!r} excludes {missing[0]!r}, which this arm does not create")
        forwarder = spec.get("forwarder")
        if forwarder and forwarder != "reference" and ":" not in forwarder:
            fail(["arms", i, "forwarder"], "`reference` or an importable `module:attribute`")
        if forwarder and not destinations:
            fail(["arms", i, "forwarder"], "a forwarder needs `destinations`")
        if forwarder and forwarder != "reference":
            from simulator.scenarios.forwarder import load_forwarder
            try:
                load_forwarder(forwarder, spec.get("forwarder_options", {}))
            except (ImportError, AttributeError, TypeError, ValueError) as exc:
                fail(["arms", i, "forwarder"], f"cannot load {forwarder}: {exc}")
        for j, name in enumerate(spec.get("destinations", [])):
            if name not in names:
                fail(["arms", i, "destinations", j], f"no destination named {name!r}")
        if spec.get("holdout"):
            clones = [name for name in spec["workflows"] if workflows[name].metric_suffix]
            apis = {d["api"] for d in destinations if d["name"] in spec.get("destinations", names)}
            if not forwarder or apis != {"klaviyo"} or not clones:
                fail(["arms", i, "holdout"], "a holdout needs a forwarder sending to Klaviyo and the cloned flows "
                     "(workflows with a metric_suffix) whose profile filter keeps held-out shoppers out")
        arms.append(Arm(spec["name"], tuple(spec["workflows"]), spec.get("description", ""), spec.get("native", True),
                        forwarder, spec.get("forwarder_options", {}),
                        tuple(spec["destinations"]) if "destinations" in spec else None, spec.get("holdout", 0.0)))
    arm_names = {a.name for a in arms}
    for i, expectation in enumerate(data.get("expectations", [])):
        if expectation["arm"] not in arm_names:
            fail(["expectations", i, "arm"], f"no arm named {expectation['arm']!r}")
        kind = expectation["type"]
        needs = {"entries": "workflow", "uplift": "metric", "metric": "path"}.get(kind)
        if needs and needs not in expectation:
            fail(["expectations", i], f"a `{kind}` expectation needs `{needs}`")
        if kind == "entries" and expectation["workflow"] not in workflows:
            fail(["expectations", i, "workflow"], f"no workflow named {expectation['workflow']!r}")
        if kind == "uplift" and expectation["arm"] == arms[0].name:
            fail(["expectations", i, "arm"], "uplift compares an arm with the first; the first has none")
    if data.get("settings"):
        from simulator.settings import Settings
        problems = Settings().update(dict(data["settings"]))
        if problems:
            fail(["settings"], "; ".join(problems))
    for i, rule in enumerate(data.get("faults", [])):  # each checked as POST /_sim/faults would check it
        from simulator.control import check
        from simulator.control.faults import RULE_SCHEMA, Faults
        try:
            Faults().add(check(RULE_SCHEMA, rule))
        except Invalid as exc:
            problem = exc.problems[0]
            expected = f": one of {', '.join(map(str, problem.expected))}" if problem.expected else ""
            fail(["faults", i, *([problem.path] if problem.path else [])], problem.detail or problem.kind + expected)
    from simulator.scenarios.journeys import load_parameters
    try:
        load_parameters(data.get("parameters") or {})
    except KeyError as exc:
        fail(["parameters"], f"no journey parameter named {exc.args[0]!r} (see fixtures/journeys.yaml)")
    except ValueError as exc:
        fail(["parameters"], str(exc))
    accounts = {vendor: (spec or {}).get("key", "auto") for vendor, spec in data["accounts"].items()}
    scenario = Scenario(
        name=data["name"], path=filename, description=data.get("description", ""), seed=values["seed"],
        visitors=values["visitors"], horizon_days=values["horizon_days"], start=values["start"],
        catalog=values["catalog"], parameters=data.get("parameters") or {}, identity=data.get("identity") or {},
        accounts=accounts, settings=data.get("settings") or {}, native_omnisend_api=(data.get("native") or {}).get("omnisend_api", "omnisend-api"),
        destinations=destinations, workflows=workflows, arms=arms,
        duplicate_window_hours=(data.get("duplicates") or {}).get("window_hours", 168),
        attribution_days=(data.get("attribution") or {}).get("window_days", 5),
        attribution_touches=tuple((data.get("attribution") or {}).get("touches", ("open", "click"))),
        expectations=data.get("expectations", []), sensitivity=data.get("sensitivity") or {},
        faults=data.get("faults", []))
    if scenario.sensitivity:
        from simulator.scenarios.sweep import SweepError, parse_varies
        texts = [f"{name}={','.join(str(v) for v in values)}" for name, values in scenario.sensitivity["vary"].items()]
        try:
            parse_varies(texts, scenario)
        except SweepError as exc:
            fail(["sensitivity", "vary"], str(exc).replace("--vary ", ""))
    return scenario
