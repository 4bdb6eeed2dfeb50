"""Shopper journeys per second through the whole pipeline, in-process, over 30 days, with peak memory.

Each size runs in its own process (so peak RSS is that size's): the bundled `uplift-klaviyo`
scenario's heaviest arm ("native + identity resolution": the native integration and the reference
forwarder both sending to Klaviyo, four live flows, shoppers opening, clicking and ordering) at
1k, 10k and 100k shoppers. Journey generation alone is timed in the same process, and a 20-shopper
run first warms the process up (imports, contracts), so a size's cost is its own.

Printed per size: shoppers/s end to end (target 1,500 or more on one core), the same per second of
the process's own CPU time, the cost per shopper as a ratio to the 1k run's measured in this same
invocation (target within 20%: 0.8-1.2), generation's share of the time, and peak RSS. On a machine
shared with other work, wall time also measures the neighbours: compare the CPU columns there.

Usage: python bench/journeys.py [--sizes 1000,10000,100000] [--arm "native + identity resolution"]"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from dataclasses import replace


def measure(visitors: int, arm_name: str) -> dict:
    from simulator.scenarios import journeys
    from simulator.scenarios.runner import run
    from simulator.scenarios.scenario import load
    scenario = load("uplift-klaviyo").with_overrides(visitors=visitors)
    scenario = replace(scenario, arms=[a for a in scenario.arms if a.name == arm_name], expectations=[])
    run(scenario.with_overrides(visitors=20))  # warm up: imports, contract loading, first-request setup
    params = journeys.load_parameters(scenario.parameters)
    began = time.perf_counter()
    journeys.generate(visitors, scenario.horizon_days, scenario.seed, params, journeys.load_catalog())
    generation = time.perf_counter() - began
    began, cpu = time.perf_counter(), time.process_time()
    report = run(scenario)
    elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu
    arm = report["arms"][arm_name]
    return {"visitors": visitors, "seconds": elapsed, "cpu": cpu, "generation": generation,
            "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "messages": arm["messages_sent"], "forwarded": arm["events_forwarded"], "orders": arm["orders"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--arm", default="native + identity resolution")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # a child process: measure one size
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.arm)))
        return 0
    results = []
    for size in (int(s) for s in args.sizes.split(",")):
        child = subprocess.run([sys.executable, __file__, "--one", str(size), "--arm", args.arm],
                               capture_output=True, text=True, check=True)
        results.append(json.loads(child.stdout.strip().splitlines()[-1]))
    base, base_cpu = (results[0][k] / results[0]["visitors"] for k in ("seconds", "cpu"))
    print(f"{'shoppers':>9} {'seconds':>8} {'shoppers/s':>10} {'per cpu-s':>9} {'cost ratio':>10} {'cpu ratio':>9} "
          f"{'generation':>10} {'peak MiB':>9} {'messages':>9} {'forwarded':>9}")
    for r in results:
        n = r["visitors"]
        print(f"{n:>9,} {r['seconds']:>8.1f} {n / r['seconds']:>10,.0f} {n / r['cpu']:>9,.0f} "
              f"{r['seconds'] / n / base:>10.2f} {r['cpu'] / n / base_cpu:>9.2f} "
              f"{r['generation'] / r['seconds']:>9.0%} {r['peak_mib']:>9,.0f} {r['messages']:>9,} {r['forwarded']:>9,}")
    print("targets: shoppers/s >= 1,500; cost ratio against the first size within 0.8-1.2")
    return 0


if __name__ == "__main__":
    sys.exit(main())
