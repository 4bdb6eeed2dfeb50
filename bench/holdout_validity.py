"""Does the holdout's 95% interval contain the true incremental revenue as often as it says?

Each replication is one seeded population through the bundled `uplift-klaviyo` scenario's first arm
(native) and its holdout arm (the clones with cross-flow exclusions, 10% of shoppers held out). In
each, the holdout measures the clones' incremental revenue among the shoppers the forwarder reached
as a merchant would (treated revenue minus held-out revenue per shopper from the moment the forwarder
reached them, times the treated), with a normal 95% interval from its pooled standard error; the simulation knows the truth (the same shoppers'
revenue in the native arm, the same journeys without the clones). Printed: coverage (target about
0.95), the mean estimate against the mean truth (bias), and the interval's mean width.

Usage: python bench/holdout_validity.py [--replications 50] [--visitors 2000] [--jobs N]"""
from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace

Z95 = 1.959964


def main() -> int:
    from simulator.scenarios.experiment import replicate
    from simulator.scenarios.parallel import spread
    from simulator.scenarios.scenario import load
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=50)
    parser.add_argument("--visitors", type=int, default=2000)
    parser.add_argument("--jobs", type=int)
    args = parser.parse_args()
    scenario = load("uplift-klaviyo").with_overrides(visitors=args.visitors)
    holdout_arm = next(a for a in scenario.arms if a.holdout)
    scenario = replace(scenario, arms=[scenario.arms[0], holdout_arm], expectations=[])
    began = time.perf_counter()
    runs = spread(replicate, [replace(scenario, seed=scenario.seed + i) for i in range(args.replications)], args.jobs)
    elapsed = time.perf_counter() - began
    rows = [r["holdout"][holdout_arm.name] for r in runs if r["holdout"][holdout_arm.name]["estimate"] is not None]
    covered = sum(1 for r in rows if abs(r["estimate"] - r["true"]) <= Z95 * r["standard_error"])
    n = len(rows)
    mean = lambda values: sum(values) / len(values)  # noqa: E731
    print(f"replications {n} of {args.replications} with a holdout estimate, {args.visitors:,} shoppers each, "
          f"{elapsed:.0f} s")
    print(f"coverage of the true incremental revenue by the 95% interval: {covered}/{n} = {covered / n:.2f}")
    print(f"mean estimate {mean([r['estimate'] for r in rows]):,.0f} vs mean truth {mean([r['true'] for r in rows]):,.0f}; "
          f"mean interval width {mean([2 * Z95 * r['standard_error'] for r in rows]):,.0f}; "
          f"held out per replication {mean([r['held_out'] for r in rows]):,.0f} of "
          f"{mean([r['held_out'] + r['treated'] for r in rows]):,.0f} reached")
    print("target: coverage close to 0.95 (a binomial 95% range for 50 replications is about 0.88-1.00)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
