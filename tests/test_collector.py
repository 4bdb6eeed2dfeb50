"""A run keeps the cyclic collector's young collections but leaves full ones to its end."""
from __future__ import annotations

import gc

from scenarios.collector import quiet_collector


def test_within_a_run_the_population_is_frozen_and_only_full_collections_wait():
    before = gc.get_threshold()
    population = [[n] for n in range(1000)]
    with quiet_collector():
        assert gc.get_freeze_count() >= len(population)  # never scanned again during the run
        young, middle, full = gc.get_threshold()
        assert (young, middle) == before[:2] and full > 10 ** 6 and gc.isenabled()
        cycle = []
        cycle.append(cycle)
        del cycle
        collected = gc.collect(1)  # what a young collection finds is still reclaimed at once
        assert collected >= 1
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
