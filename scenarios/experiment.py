"""The experiment layer: a scenario run as N replications (seeds seed, seed+1, ...), each one
population through every arm, spread over local processes or a Dask cluster, and put together
into one report with 95% intervals, the holdout's measurement, and the calibration table.

A replication returns only plain data, and the report is built from the replications in seed
order, so the same seed and N give a byte-identical report however the work was spread."""
from __future__ import annotations

import math
from dataclasses import replace

from simulator import __version__
from simulator.scenarios import calibration, intervals, journeys
from simulator.scenarios.expectations import check
from simulator.scenarios.scenario import Scenario

HEADLINE_FIGURES = ("identified", "workflow_entries", "messages_sent", "duplicates", "orders", "recovered_revenue",
                    "attributed_revenue")
UPLIFT_METRICS = ("identified", "workflow_entries", "messages_sent", "orders", "revenue", "recovered_revenue",
                  "attributed_revenue")
Z95 = 1.959964


def figure(arm: dict, metric: str) -> float:
    value = arm[metric]
    return sum(value.values()) if isinstance(value, dict) else value


def replicate(scenario: Scenario, sandbox_url: str | None = None, progress: bool = False) -> dict:
    """One replication as plain data: every arm's figures, the baseline, and what the experiment
    layer scores (calibration measures, the holdout's estimate and the truth it estimates)."""
    from simulator.scenarios.runner import run_arms
    population, results = run_arms(scenario, sandbox_url, progress)
    organic = [e.properties["revenue"] for e in population.events if e.name == "Purchase"]
    first = next(iter(results.values()))
    funnel = calibration.population_measures(population)
    return {
        "seed": scenario.seed,
        "baseline": {"orders": len(organic), "revenue": round(sum(organic), 2)},
        "arms": {name: result.figures for name, result in results.items()},
        "calibration": calibration.measures(funnel, results),
        "holdout": {name: _holdout(result, first) for name, result in results.items() if result.held_out},
        "sessions": funnel["sessions"],
    }


def _holdout(result, first) -> dict:
    """What the holdout measures among the shoppers the forwarder reached, as a merchant would: the
    treated shoppers' revenue from the moment they were reached against the held-out shoppers',
    scaled to the treated (orders before it are the same in both groups: counting them adds only
    noise); and the truth it estimates, the treated shoppers' revenue against the same shoppers'
    in the first arm (the same journeys without the clones)."""
    reached = result.forwarded_to
    eligible = sorted(reached)  # sums in a fixed order, whatever the process's hash seed
    treated = [s for s in eligible if s not in result.held_out]
    held = [s for s in eligible if s in result.held_out]
    if len(treated) < 2 or len(held) < 2:
        return {"treated": len(treated), "held_out": len(held), "estimate": None, "standard_error": None,
                "true": None}
    after = result.revenue(reached)
    a = [after.get(s, 0.0) for s in treated]
    b = [after.get(s, 0.0) for s in held]
    mean_a, mean_b = sum(a) / len(a), sum(b) / len(b)
    # Pooled variance: a small held-out group with few buyers says little about its own spread
    # (its variance estimate is often near zero), and the clones barely change revenue's spread.
    pooled = (sum((x - mean_a) ** 2 for x in a) + sum((x - mean_b) ** 2 for x in b)) / (len(a) + len(b) - 2)
    n = len(treated)
    mine, theirs = result.revenue(), first.revenue()
    return {"treated": n, "held_out": len(held), "estimate": round((mean_a - mean_b) * n, 2),
            "standard_error": round(n * math.sqrt(pooled * (1 / len(a) + 1 / len(b))), 2),
            "true": round(sum(mine.get(s, 0.0) - theirs.get(s, 0.0) for s in treated), 2)}


class Experiment:
    def __init__(self, scenario: Scenario, replications: int = 1, jobs: int | None = None, dask: str | None = None,
                 sandbox_url: str | None = None, progress: bool = False, store=None):
        if replications < 1:
            raise ValueError("replications must be 1 or more")
        self.scenario, self.replications, self.jobs, self.dask = scenario, replications, jobs, dask
        self.sandbox_url, self.progress, self.store = sandbox_url, progress, store

    def scenarios(self) -> list[Scenario]:
        return [replace(self.scenario, seed=self.scenario.seed + i) for i in range(self.replications)]

    def run(self) -> list[dict]:
        from simulator.scenarios.parallel import spread
        if self.replications == 1 or self.sandbox_url:  # a remote sandbox hosts one arm at a time
            return [replicate(s, self.sandbox_url, self.progress) for s in self.scenarios()]
        return spread(replicate, self.scenarios(), self.jobs, self.dask)

    def report(self, runs: list[dict] | None = None) -> dict:
        runs = runs if runs is not None else self.run()
        report = build_report(self.scenario, runs, self.store)
        if self.scenario.sensitivity and len(runs) > 1 and not self.sandbox_url:
            report["sensitivity"] = self.sensitivity(runs)
        return report

    def sensitivity(self, runs: list[dict]) -> dict:
        """The scenario's built-in panel: the first and the last arm (the headline's) with each
        listed assumption varied alone, on the first replications' seeds (their base runs reused)."""
        from simulator.scenarios.sweep import sensitivity
        count = min(self.scenario.sensitivity.get("replications", 3), len(runs))
        arms = [self.scenario.arms[0], self.scenario.arms[-1]]
        scenario = replace(self.scenario, arms=arms, expectations=[], sensitivity={})
        base = [{**run, "arms": {a.name: run["arms"][a.name] for a in arms}} for run in runs[:count]]
        return sensitivity(scenario, self.scenario.sensitivity["vary"], count, self.jobs, self.dask, base)


def build_report(scenario: Scenario, runs: list[dict], store=None) -> dict:
    """The report of replications `runs` (in seed order): with one, the figures as they are; with
    more, each arm's figures are the first replication's and `intervals` says how far they move."""
    first_run = runs[0]
    arms = first_run["arms"]
    names = list(arms)
    uplift = {}
    for name in names[1:]:
        uplift[name] = {m: (round(figure(arms[name], m) / figure(arms[names[0]], m) - 1, 4)
                            if figure(arms[names[0]], m) else None) for m in UPLIFT_METRICS}
    targets = journeys.targets(scenario.parameters)
    report = {
        "scenario": scenario.name, "description": scenario.description.strip(), "seed": scenario.seed,
        "visitors": scenario.visitors, "horizon_days": scenario.horizon_days, "start": scenario.start,
        "currency": "USD", "replications": len(runs), "version": __version__,
        "baseline": first_run["baseline"], "arms": arms, "uplift": uplift,
    }
    if len(runs) > 1:
        report["intervals"] = _intervals(scenario.seed, runs, names)
    if len(names) > 1:
        report["headline"] = _headline(scenario, runs, names)
    holdouts = _holdouts(scenario.seed, runs)
    for name, holdout in holdouts.items():
        report.setdefault("holdout", {})[name] = holdout
    report["calibration"] = calibration.table(targets, [r["calibration"] for r in runs],
                                              lambda values: intervals.mean_interval(values, scenario.seed, 4))
    if store is not None:
        report["projection"] = store.projection(scenario, runs, names)
    report["settings"] = {"duplicate_window_hours": scenario.duplicate_window_hours,
                          "attribution_window_days": scenario.attribution_days,
                          "attribution_touches": list(scenario.attribution_touches),
                          "identity": {"match_rate": scenario.identity.get("match_rate", 0.35),
                                       "false_match_rate": scenario.identity.get("false_match_rate", 0.0)}}
    report["assumptions"] = journeys.describe_parameters(scenario.parameters)
    report["expectations"] = check(scenario.expectations, report)
    return report


def _spread(values: list[float], seed: int, digits: int = 2) -> dict:
    """The mean with its interval; with one replication there is no interval to give."""
    found = intervals.mean_interval(values, seed, digits)
    return found if len(values) > 1 else {**found, "low": None, "high": None}


def _headline(scenario: Scenario, runs: list[dict], names: list[str]) -> dict:
    """The last arm against the first, as three separate numbers a stakeholder reads: the extra
    flow entries, the extra revenue the vendor's last touch credits, and the true incremental
    revenue (orders that happen only because of a message), per run and per 30 days."""
    first, last = names[0], names[-1]
    month = 30 / scenario.horizon_days

    def differences(metric: str, scale: float = 1.0) -> list[float]:
        return [(figure(r["arms"][last], metric) - figure(r["arms"][first], metric)) * scale for r in runs]
    base = [figure(r["arms"][first], "recovered_revenue") for r in runs]
    other = [figure(r["arms"][last], "recovered_revenue") for r in runs]
    uplift = intervals.ratio_interval(base, other, scenario.seed) if len(runs) > 1 else None
    if uplift is None:
        point = sum(other) / sum(base) - 1 if sum(base) else None
        uplift = {"mean": round(point, 4) if point is not None else None, "low": None, "high": None}
    return {"arm": last, "against": first, "recovered_revenue_uplift": uplift,
            "extra_workflow_entries": _spread(differences("workflow_entries"), scenario.seed),
            "extra_attributed_revenue": _spread(differences("attributed_revenue"), scenario.seed),
            "incremental_revenue": _spread(differences("recovered_revenue"), scenario.seed),
            "monthly_incremental_revenue": _spread(differences("recovered_revenue", month), scenario.seed)}


def _intervals(seed: int, runs: list[dict], names: list[str]) -> dict:
    values = {name: {m: [figure(r["arms"][name], m) for r in runs] for m in UPLIFT_METRICS + ("duplicates",)}
              for name in names}
    found = {"method": intervals.METHOD, "level": intervals.LEVEL, "arms": {}, "uplift": {}}
    for name in names:
        found["arms"][name] = {m: intervals.mean_interval(values[name][m], seed) for m in HEADLINE_FIGURES}
    for name in names[1:]:
        found["uplift"][name] = {m: intervals.ratio_interval(values[names[0]][m], values[name][m], seed)
                                 for m in UPLIFT_METRICS}
    return found


def _holdouts(seed: int, runs: list[dict]) -> dict:
    """Per holdout arm: its share, and the incremental revenue it measures against the truth, each
    with its interval (over replications; with one, the estimate's own normal interval)."""
    found = {}
    for name in runs[0]["holdout"]:
        rows = [r["holdout"][name] for r in runs if r["holdout"][name]["estimate"] is not None]
        share = runs[0]["arms"][name]["holdout_share"]
        entry = {"share": share, "treated": runs[0]["holdout"][name]["treated"],
                 "held_out": runs[0]["holdout"][name]["held_out"]}
        if not rows:
            found[name] = {**entry, "measured": None, "true": None}
        elif len(rows) == 1:
            estimate, error = rows[0]["estimate"], rows[0]["standard_error"]
            found[name] = {**entry, "measured": {"mean": estimate, "low": round(estimate - Z95 * error, 2),
                                                 "high": round(estimate + Z95 * error, 2)},
                           "true": {"mean": rows[0]["true"], "low": rows[0]["true"], "high": rows[0]["true"]}}
        else:
            found[name] = {**entry,
                           "measured": intervals.mean_interval([r["estimate"] for r in rows], seed),
                           "true": intervals.mean_interval([r["true"] for r in rows], seed)}
    return found
