"""`simulator run`: run a scenario, write its reports, print the summary; the exit code says how it went
(0 every expectation held, 1 one failed, 2 a bad scenario or a sandbox that cannot host it)."""
from __future__ import annotations

import sys
from pathlib import Path


def add_arguments(parser) -> None:
    parser.add_argument("scenario", nargs="?", help="a scenario YAML file, or the name of a bundled scenario")
    parser.add_argument("--list", action="store_true", help="list the bundled scenarios")
    parser.add_argument("--seed", type=int, help="override the scenario's seed")
    parser.add_argument("--visitors", type=int, help="override the scenario's number of visitors")
    parser.add_argument("--out", default="out", help="directory for report.json and report.html (default: out)")
    parser.add_argument("--sandbox-url", help="drive a running `simulator serve --clock frozen` instead of "
                                              "an in-process sandbox")
    parser.add_argument("--replications", type=int, default=1,
                        help="run N populations (seeds seed, seed+1, ...) through every arm and report 95%% "
                             "intervals (default 1: no intervals)")
    add_spread_arguments(parser)
    parser.add_argument("--store", help="a YAML file of your store's figures: calibrate the shoppers to it and "
                                        "project its monthly incremental revenue (see fixtures/stores/example.yaml)")


def add_spread_arguments(parser) -> None:
    """Where replications run: shared by `simulator run` and `simulator sweep`."""
    parser.add_argument("--jobs", type=int, help="local processes for replications (default: every core)")
    parser.add_argument("--dask", metavar="tcp://HOST:PORT",
                        help="run replications on this Dask distributed scheduler (pip install 'flow-sandbox[dask]')")


def main(args) -> int:
    # imported here, not above: `simulator serve` builds this parser and should not pay for them
    from simulator.scenarios.driver import DriverError
    from simulator.scenarios.scenario import ScenarioError, describe_bundled, load
    from simulator.scenarios.setup import SetupError
    if args.list:
        for name, summary in describe_bundled():
            print(f"{name:<26} {summary}")
        return 0
    if not args.scenario:
        print("simulator run: name a scenario (or --list)", file=sys.stderr)
        return 2
    if args.visitors is not None and args.visitors < 1:
        print("simulator run: --visitors must be 1 or more", file=sys.stderr)
        return 2
    if args.replications < 1 or (args.jobs is not None and args.jobs < 1):
        print("simulator run: --replications and --jobs must be 1 or more", file=sys.stderr)
        return 2
    from simulator.scenarios.experiment import Experiment
    from simulator.scenarios.parallel import SpreadError
    from simulator.scenarios.report import summary_table, write_reports
    from simulator.scenarios.store import StoreError, load_store
    try:
        scenario = load(args.scenario).with_overrides(seed=args.seed, visitors=args.visitors)
        store = load_store(args.store) if args.store else None
        if store is not None:
            scenario = store.calibrate(scenario)
        report = Experiment(scenario, args.replications, args.jobs, args.dask, args.sandbox_url,
                            progress=args.replications == 1, store=store).report()
    except (ScenarioError, DriverError, SetupError, StoreError, SpreadError) as exc:
        print(f"simulator run: {exc}", file=sys.stderr)
        return 2
    json_path, html_path = write_reports(report, Path(args.out))
    print(summary_table(report))
    print(f"\nreports: {json_path}  {html_path}")
    failed = [e for e in report["expectations"] if not e["passed"]]
    for expectation in failed:
        print(f"FAILED  {expectation['name']} (actual: {expectation['actual']})")
    return 1 if failed else 0
