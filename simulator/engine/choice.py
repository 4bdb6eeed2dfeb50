"""Per-contact choices that look random but repeat: the same seed and inputs pick the same side.

An A/B block assigns each contact independently; hashing (seed, account, workflow, block, contact)
gives a uniform bucket 0..99 without a random generator whose state would depend on the order in
which contacts arrive."""
from __future__ import annotations

import hashlib


def bucket(seed: int, *parts: object) -> int:
    """A bucket in 0..99, uniform over inputs, fixed for given inputs."""
    digest = hashlib.blake2b("|".join(map(str, (seed, *parts))).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % 100


def takes_first(seed: int, percentage: int, *parts: object) -> bool:
    """Whether this contact falls in the first `percentage` percent (100 -> always, 0 -> never)."""
    return bucket(seed, *parts) < percentage
