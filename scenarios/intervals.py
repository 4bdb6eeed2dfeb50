"""95% intervals over replications: a percentile bootstrap that resamples whole replications, so
every arm's figure and every paired comparison is resampled together (a replication is one seeded
population through every arm). Seeded: the same replications give the same intervals."""
from __future__ import annotations

import random

METHOD = "percentile bootstrap over replications, paired by replication (2,000 resamples, 95%)"
RESAMPLES = 2000
LEVEL = 0.95


def _resamples(n: int, seed: int) -> list[list[int]]:
    rng = random.Random(f"intervals|{seed}|{n}")
    return [[int(rng.random() * n) for _ in range(n)] for _ in range(RESAMPLES)]


def _bounds(draws: list[float]) -> tuple[float, float]:
    ordered = sorted(draws)
    tail = (1 - LEVEL) / 2
    return ordered[int(tail * (len(ordered) - 1))], ordered[int((1 - tail) * (len(ordered) - 1) + 0.5)]


def mean_interval(values: list[float], seed: int, digits: int = 2) -> dict:
    """The mean over replications with its interval."""
    n = len(values)
    draws = [sum(values[i] for i in idx) / n for idx in _resamples(n, seed)]
    low, high = _bounds(draws)
    return {"mean": round(sum(values) / n, digits), "low": round(low, digits), "high": round(high, digits)}


def ratio_interval(base: list[float], other: list[float], seed: int) -> dict | None:
    """`other` against `base` as a ratio minus 1 (like `uplift`), from the paired differences
    other - base of each replication: identical arms give exactly 0, with no width. None when the
    base is zero everywhere."""
    n = len(base)
    differences = [o - b for o, b in zip(other, base)]
    if sum(base) == 0:
        return None
    draws = []
    for idx in _resamples(n, seed):
        total = sum(base[i] for i in idx)
        if total:
            draws.append(sum(differences[i] for i in idx) / total)
    low, high = _bounds(draws)
    return {"mean": round(sum(differences) / sum(base), 4), "low": round(low, 4), "high": round(high, 4)}
