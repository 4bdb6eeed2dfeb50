"""Replications spread over local processes: the speed-up of `--jobs 2` over `--jobs 1`.

Runs the bundled `uplift-klaviyo` scenario's replications at the demo's size (every arm; its
sensitivity panel left out, since that is a sweep of its own) once on one process and once on two,
and prints both times and the ratio (target: at least 1.8 on a quiet 2-core machine). The two
reports must be byte-identical, which it checks too.

Usage: python bench/replications.py [--replications 4] [--visitors 5000]"""
from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace


def main() -> int:
    from simulator.scenarios.experiment import Experiment
    from simulator.scenarios.scenario import load
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=4)
    parser.add_argument("--visitors", type=int, default=5000)
    args = parser.parse_args()
    scenario = replace(load("uplift-klaviyo").with_overrides(visitors=args.visitors), sensitivity={})  # replications only
    seconds, reports = {}, {}
    for jobs in (1, 2):
        began = time.perf_counter()
        reports[jobs] = json.dumps(Experiment(scenario, args.replications, jobs=jobs).report(), sort_keys=True)
        seconds[jobs] = time.perf_counter() - began
    print(f"{args.replications} replications of {args.visitors:,} shoppers x {len(scenario.arms)} arms")
    print(f"1 job {seconds[1]:.1f} s, 2 jobs {seconds[2]:.1f} s: speed-up {seconds[1] / seconds[2]:.2f} "
          f"(target >= 1.8); reports identical: {reports[1] == reports[2]}")
    return 0 if reports[1] == reports[2] else 1


if __name__ == "__main__":
    sys.exit(main())
