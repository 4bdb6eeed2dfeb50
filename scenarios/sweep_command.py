"""`simulator sweep`: vary a scenario's assumptions one at a time (scenarios/sweep.py) and write
sweep.json, sweep.csv and sweep.html (scenarios/sweep_report.py); exit 0, or 2 for a bad scenario or
`--vary`. Light to import: `simulator serve` builds this parser too."""
from __future__ import annotations

import sys
from pathlib import Path

from simulator.scenarios.command import add_spread_arguments


def add_arguments(parser) -> None:
    parser.add_argument("scenario", help="a scenario YAML file, or the name of a bundled scenario")
    parser.add_argument("--vary", action="append", default=[], metavar="NAME=V1,V2,...",
                        help="a journeys parameter (fixtures/journeys.yaml), identity.match_rate or "
                             "identity.false_match_rate, and the values to run it at; repeat for more parameters")
    parser.add_argument("--replications", type=int, default=5,
                        help="populations (seeds seed, seed+1, ...) per point, for its 95%% interval (default 5)")
    parser.add_argument("--out", default="out/sweep", help="directory for sweep.json, sweep.csv and sweep.html "
                                                           "(default: out/sweep)")
    parser.add_argument("--seed", type=int, help="override the scenario's seed")
    parser.add_argument("--visitors", type=int, help="override the scenario's number of visitors")
    add_spread_arguments(parser)


def main(args) -> int:
    from simulator.scenarios.driver import DriverError
    from simulator.scenarios.parallel import SpreadError
    from simulator.scenarios.scenario import ScenarioError, load
    from simulator.scenarios.setup import SetupError
    from simulator.scenarios.sweep import SweepError, parse_varies, run_sweep
    from simulator.scenarios.sweep_report import summary, write_sweep
    if (args.visitors is not None and args.visitors < 1) or (args.jobs is not None and args.jobs < 1):
        print("simulator sweep: --visitors and --jobs must be 1 or more", file=sys.stderr)
        return 2
    try:
        scenario = load(args.scenario).with_overrides(seed=args.seed, visitors=args.visitors)
        sweep = run_sweep(scenario, parse_varies(args.vary, scenario), args.replications, args.jobs, args.dask)
    except (ScenarioError, DriverError, SetupError, SpreadError, SweepError) as exc:
        print(f"simulator sweep: {exc}", file=sys.stderr)
        return 2
    paths = write_sweep(sweep, Path(args.out))
    print(summary(sweep))
    print(f"\nfiles: {'  '.join(str(p) for p in paths)}")
    return 0
