"""Sensitivity sweeps (`simulator sweep`): which assumptions move the headline, and how far.

One-at-a-time variation around the scenario as it stands (the tornado design): each point is the
scenario with one parameter set to one value, run for the same N replications (the same seeds, so
points differ only by the parameter) through every arm. Every (point, replication) task goes to
`spread` at once, so local jobs and Dask workers stay busy however few values each parameter has.

The headline is the last arm's recovered revenue against the first's, as a ratio minus 1, with its
95% interval over the replications (the report's `intervals.uplift.<last arm>.recovered_revenue`)."""
from __future__ import annotations

import math
import re
from dataclasses import replace

from simulator.scenarios import journeys
from simulator.scenarios.experiment import Experiment, replicate
from simulator.scenarios.parallel import spread
from simulator.scenarios.scenario import Scenario

HEADLINE = "recovered_revenue"
IDENTITY = ("identity.match_rate", "identity.false_match_rate")
PROBABILITY = re.compile(r"^identity\.|_(rate|share|probability)(_\w+)?$")  # names of chances (0 to 1)
NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


class SweepError(Exception):
    """A `--vary` the sweep cannot run; the message says which and why."""


def parse_varies(texts: list[str], scenario: Scenario) -> dict[str, list]:
    """`NAME=V1,V2,...` options as {name: [values]}, each value checked the way a run would take it."""
    params = journeys.load_parameters(scenario.parameters)
    varies: dict[str, list] = {}
    for text in texts:
        name, sep, values_text = text.partition("=")
        name = name.strip()
        if not sep or not name or not values_text.strip():
            raise SweepError(f"--vary {text!r}: expected NAME=V1,V2,... (e.g. identity.match_rate=0.2,0.5)")
        if name in varies:
            raise SweepError(f"--vary {name}: given twice; list all its values in one --vary")
        _check_name(name, params)
        values = []
        for item in values_text.split(","):
            value = _value(scenario, name, item.strip())
            if value in values:
                raise SweepError(f"--vary {name}: {item.strip()} is given twice")
            values.append(value)
        varies[name] = values
    if not varies:
        raise SweepError("give at least one --vary NAME=V1,V2,...")
    return varies


def _check_name(name: str, params: dict) -> None:
    if name in IDENTITY:
        return
    if name not in params:
        raise SweepError(f"--vary {name}: no such parameter (a journeys parameter, see fixtures/journeys.yaml, "
                         f"or one of {', '.join(IDENTITY)})")
    if name.endswith("_target"):
        raise SweepError(f"--vary {name}: a calibration target the run is checked against, not an input "
                         "to it; vary the parameters that produce it")
    if isinstance(params[name], bool) or not isinstance(params[name], (int, float)):
        raise SweepError(f"--vary {name}: only a numeric parameter can be varied")


def _value(scenario: Scenario, name: str, item: str) -> int | float:
    """One value of `--vary name=...` as the run would take it, or a SweepError saying why not."""
    if not NUMBER.fullmatch(item):
        raise SweepError(f"--vary {name}: {item!r} is not a number")
    value = float(item) if any(c in item for c in ".eE") else int(item)
    if PROBABILITY.search(name) and not 0 <= value <= 1:
        raise SweepError(f"--vary {name}: {item} is not a probability (0 to 1)")
    if value < 0 or not math.isfinite(value):
        raise SweepError(f"--vary {name}: {item} is negative or too large")
    try:
        journeys.load_parameters(with_value(scenario, name, value).parameters)
    except ValueError as exc:
        raise SweepError(f"--vary {name}={item}: {exc}") from None
    return value


def with_value(scenario: Scenario, name: str, value) -> Scenario:
    """The scenario with one parameter (a journeys parameter or `identity.<setting>`) overridden."""
    if name in IDENTITY:
        return replace(scenario, identity={**scenario.identity, name.split(".", 1)[1]: value})
    return replace(scenario, parameters={**scenario.parameters, name: value})


def _at_base(scenario: Scenario, name: str, value) -> bool:
    """Whether the scenario already has this value (an identity setting: when the scenario names it)."""
    if name in IDENTITY:
        return scenario.identity.get(name.split(".", 1)[1]) == value
    return journeys.load_parameters(scenario.parameters)[name] == value


def base_value(report: dict, scenario: Scenario, name: str):
    """A parameter's value in the scenario as it stands (the identity ones as the run reports them)."""
    if name in IDENTITY:
        return report["settings"]["identity"][name.split(".", 1)[1]]
    return journeys.load_parameters(scenario.parameters)[name]


def headline(point: dict, arm: str):
    """The point's headline uplift interval, None when the first arm recovered nothing."""
    return point["intervals"]["uplift"][arm][HEADLINE]


def run_sweep(scenario: Scenario, varies: dict[str, list], replications: int, jobs: int | None = None,
              dask: str | None = None, base_runs: list[dict] | None = None) -> dict:
    """Every point of the sweep with its intervals, and the tornado's bars (widest first).
    `base_runs`: the scenario's own replications when already run (`Experiment.run()`), not run again."""
    if replications < 2:
        raise SweepError("a sweep needs --replications 2 or more: its figures are intervals")
    if len(scenario.arms) < 2:
        raise SweepError(f"{scenario.name} has one arm: a sweep's headline compares the last arm with the first")
    scenario = replace(scenario, sensitivity={})  # a sweep's points carry no panel of their own
    points = [(name, value) for name, values in varies.items() for value in values]
    moved = [(n, v) for n, v in points if not _at_base(scenario, n, v)]  # a point at the base value is the base
    experiments = [Experiment(scenario, replications)] + [Experiment(with_value(scenario, n, v), replications)
                                                          for n, v in moved]
    if base_runs is not None and [r["seed"] for r in base_runs] != [s.seed for s in experiments[0].scenarios()]:
        raise ValueError("base_runs are not this scenario's replications (seed, seed+1, ...)")
    todo = experiments[1:] if base_runs is not None else experiments
    runs = (base_runs or []) + spread(replicate, [s for e in todo for s in e.scenarios()], jobs, dask)
    reports = [e.report(runs[i * replications:(i + 1) * replications]) for i, e in enumerate(experiments)]
    base, by_point = reports[0], dict(zip(moved, reports[1:]))
    arms = list(base["arms"])
    found = {
        "scenario": scenario.name, "seed": scenario.seed, "replications": replications, "currency": base["currency"],
        "version": base["version"],
        "visitors": scenario.visitors, "horizon_days": scenario.horizon_days,
        "headline": {"figure": HEADLINE, "arm": arms[-1], "against": arms[0]},
        "base": {"values": {name: base_value(base, scenario, name) for name in varies},
                 "intervals": base["intervals"]},
        "points": [{"parameter": name, "value": value, "base_value": base_value(base, scenario, name),
                    "intervals": by_point.get((name, value), base)["intervals"]} for name, value in points],
    }
    found["tornado"] = tornado(found)
    return found


def tornado(sweep: dict) -> list[dict]:
    """One bar per parameter: the lowest and the highest headline over its values (each with the
    value that gave it and its interval), widest first; parameters with no headline go last."""
    arm = sweep["headline"]["arm"]
    bars = []
    for name in sweep["base"]["values"]:
        ends = [(headline(p, arm), p["value"]) for p in sweep["points"] if p["parameter"] == name]
        known = [(h, v) for h, v in ends if h is not None]
        if len(known) < len(ends):
            bars.append({"parameter": name, "low": None, "high": None, "width": None})
            continue
        # ties go to the lowest value at the low end and the highest at the high end
        low, high = min(known, key=lambda e: (e[0]["mean"], e[1])), max(known, key=lambda e: (e[0]["mean"], e[1]))
        bars.append({"parameter": name, "low": {"value": low[1], "uplift": low[0]},
                     "high": {"value": high[1], "uplift": high[0]},
                     "width": round(high[0]["mean"] - low[0]["mean"], 4)})
    return sorted(bars, key=lambda b: (b["width"] is None, -(b["width"] or 0)))


def sensitivity(scenario: Scenario, varies: dict[str, list], replications: int, jobs: int | None = None,
                dask: str | None = None, base_runs: list[dict] | None = None) -> dict:
    """The headline uplift interval per parameter and value, as plain data in the shape of a report's
    `sensitivity` panel, parameters widest first. A report that has run the scenario passes its
    runs as `base_runs`."""
    sweep = run_sweep(scenario, varies, replications, jobs, dask, base_runs)
    h = sweep["headline"]
    return {
        "description": f"The recovered revenue of {h['arm']} against {h['against']} when one assumption moves and "
                       f"every other stays as the scenario has it; 95% intervals over {replications} replications.",
        "headline": h, "replications": replications, "base": headline(sweep["base"], h["arm"]),
        "parameters": [{"name": bar["parameter"], "base_value": sweep["base"]["values"][bar["parameter"]],
                        "points": [{"value": p["value"], "uplift": headline(p, h["arm"])}
                                   for p in sweep["points"] if p["parameter"] == bar["parameter"]]}
                       for bar in sweep["tornado"]],
    }
