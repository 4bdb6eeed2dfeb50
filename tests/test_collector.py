"""A run keeps the cyclic collector's young collections, leaves the population out of every scan,
and makes full collections only when the runner asks (after each arm)."""
from __future__ import annotations

import gc

from simulator.scenarios.collector import quiet_collector


def _cycle() -> None:
    cycle = []
    cycle.append(cycle)


def test_within_a_run_the_population_is_frozen_and_full_collections_wait_to_be_asked():
    before = gc.get_threshold()
    population = [[n] for n in range(1000)]
    with quiet_collector() as collect:
        assert gc.get_freeze_count() >= len(population)  # never scanned again during the run
        young, middle, full = gc.get_threshold()
        assert (young, middle) == before[:2] and full > 10 ** 6 and gc.isenabled()
        _cycle()
        assert gc.collect(1) >= 1  # what a young collection finds is still reclaimed at once
        _cycle()
        assert collect() >= 1  # an arm's leftovers, on request
        assert gc.get_freeze_count() >= len(population)
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
