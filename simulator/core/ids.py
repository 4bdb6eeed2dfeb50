"""Deterministic ids: the same seed, account and sequence of creations give the same ids.

Each account numbers its own creations per kind, so one account's traffic never shifts another's
ids. The shapes follow what the vendors hand out (see docs/omnisend-v3.md)."""
from __future__ import annotations

import hashlib
import itertools
from collections import defaultdict

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _digest(*parts: object) -> bytes:
    return hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=32).digest()


def _base62(data: bytes, length: int) -> str:
    number = int.from_bytes(data, "big")
    chars = []
    for _ in range(length):
        number, rem = divmod(number, 62)
        chars.append(_BASE62[rem])
    return "".join(chars)


SHAPES = {
    "hex24": lambda d: d.hex()[:24],  # Mongo-style object id: Omnisend batch ids
    "base62_27": lambda d: _base62(d, 27),  # Omnisend contactID
    "uuid": lambda d: "{}-{}-{}-{}-{}".format(*(d.hex()[a:b] for a, b in ((0, 8), (8, 12), (12, 16), (16, 20), (20, 32)))),
    "base62_6": lambda d: _base62(d, 6),  # Klaviyo list, metric and flow ids
}


class IdFactory:
    def __init__(self, seed: int, namespace: str):
        self.seed = seed
        self.namespace = namespace
        self._counters: dict[str, itertools.count] = defaultdict(lambda: itertools.count(1))

    def next(self, kind: str, shape: str = "hex24") -> str:
        n = next(self._counters[kind])
        return SHAPES[shape](_digest(self.seed, self.namespace, kind, n))
