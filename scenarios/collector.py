"""Python's cyclic garbage collector during a run, kept to the collections that pay.

A run holds a population of about a million objects for all its arms, and each arm's sandbox grows
with every event. A full collection rescans everything that survived, so each cost in proportion to
the heap, and the larger the run the more of them fell inside it: at 20k shoppers they were a sixth
of the time, which made the cost per shopper grow with the run's size. So for the run the population
is frozen (never scanned again), and full collections happen only where the caller says, once per
arm, when that arm's sandbox has become garbage (it is full of reference cycles, so only a full
collection frees it, and the next arm should not be built beside it). Young collections still run,
so the short-lived cycles a request leaves behind are reclaimed as they go."""
from __future__ import annotations

import gc
from contextlib import contextmanager

NEVER = 1 << 30  # collections of the middle generation before a full one: none on its own


@contextmanager
def quiet_collector():
    """Yields `collect()`, a full collection that leaves the frozen population out of its scan."""
    gc.collect()
    gc.freeze()
    young, middle, full = gc.get_threshold()
    gc.set_threshold(young, middle, NEVER)
    try:
        yield gc.collect
    finally:
        gc.collect()  # whatever is left, before the population rejoins the scan
        gc.set_threshold(young, middle, full)
        gc.unfreeze()
