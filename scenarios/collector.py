"""Python's cyclic garbage collector during a run, kept to the collections that pay.

A run holds a population of about a million objects for all its arms, and the sandbox's state grows
with every event. A full collection rescans everything that survived, so each cost in proportion to
the heap, and the larger the run the more of them fell inside it: at 20k shoppers they were a sixth
of the time, which made the cost per shopper grow with the run's size. So for the run the population
is frozen (never scanned again) and full collections wait until it ends. Young collections still
run, so the short-lived cycles a request leaves behind are reclaimed as before; the few that live
long enough to reach the oldest generation wait for the end (a few hundred objects per full
collection, measured)."""
from __future__ import annotations

import gc
from contextlib import contextmanager

NEVER = 1 << 30  # collections of the middle generation before a full one: none within a run


@contextmanager
def quiet_collector():
    gc.collect()
    gc.freeze()
    young, middle, full = gc.get_threshold()
    gc.set_threshold(young, middle, NEVER)
    try:
        yield
    finally:
        gc.collect()  # the arms' sandboxes, while the population is still out of the scan
        gc.set_threshold(young, middle, full)
        gc.unfreeze()
