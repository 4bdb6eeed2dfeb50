"""Deterministic ids: the same seed, account and sequence of creations give the same ids.

Each account numbers its own creations per kind, so one account's traffic never shifts another's
ids. The shapes follow what the vendors hand out (see docs/omnisend-v3.md)."""
from __future__ import annotations

import datetime as _dt
import hashlib
import itertools
from collections import defaultdict

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _digest(*parts: object) -> bytes:
    return hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=32).digest()


_BASE62_PAIRS = [_BASE62[n % 62] + _BASE62[n // 62] for n in range(62 * 62)]  # two digits, lowest first


def _base62(data: bytes, length: int) -> str:
    """The lowest `length` base-62 digits of `data`, lowest first (two digits a step: ids are made
    on every create)."""
    number = int.from_bytes(data, "big") % 62 ** length
    pairs = []
    while number:
        number, rem = divmod(number, 62 * 62)
        pairs.append(_BASE62_PAIRS[rem])
    return "".join(pairs)[:length].ljust(length, "0")


def _crockford(number: int, length: int) -> str:
    chars = []
    for _ in range(length):
        number, rem = divmod(number, 32)
        chars.append(_CROCKFORD[rem])
    return "".join(reversed(chars))


SHAPES = {
    "hex24": lambda d: d.hex()[:24],  # Mongo-style object id: Omnisend batch ids
    "base62_27": lambda d: _base62(d, 27),  # Omnisend contactID
    "uuid": lambda d: "{}-{}-{}-{}-{}".format(*(d.hex()[a:b] for a, b in ((0, 8), (8, 12), (12, 16), (16, 20), (20, 32)))),
    "base62_6": lambda d: _base62(d, 6),  # Klaviyo list, metric and flow ids
    "base62_11": lambda d: _base62(d, 11),  # Klaviyo event ids
    "digits_9": lambda d: str(100_000_000 + int.from_bytes(d[:8], "big") % 900_000_000),  # Klaviyo flow action ids
}
TIMED_SHAPES = {"ulid"}  # 26 Crockford base32 characters: 48 bits of milliseconds, then 80 bits from the seed


def _from_one() -> itertools.count:
    """A kind's counter (a named function, not a lambda, so a snapshot can save the factory)."""
    return itertools.count(1)


class IdFactory:
    def __init__(self, seed: int, namespace: str):
        self.seed = seed
        self.namespace = namespace
        self._counters: dict[str, itertools.count] = defaultdict(_from_one)
        self._last_ulid: dict[str, tuple[int, int]] = {}

    def next(self, kind: str, shape: str = "hex24", at: _dt.datetime | None = None) -> str:
        """The next id of `kind`; a timed shape ("ulid") takes its time part from `at`."""
        n = next(self._counters[kind])
        digest = _digest(self.seed, self.namespace, kind, n)
        if shape in TIMED_SHAPES:
            if at is None:
                raise ValueError(f"a {shape} id needs the time it is made at")
            return self._ulid(kind, digest, at)
        return SHAPES[shape](digest)

    def _ulid(self, kind: str, digest: bytes, at: _dt.datetime) -> str:
        """Monotonic within a millisecond (the ULID spec's rule), so ids of one kind sort in creation
        order even on a frozen clock."""
        millis = int(at.timestamp() * 1000)
        random = int.from_bytes(digest[:10], "big")
        last = self._last_ulid.get(kind)
        if last is not None and last[0] >= millis:
            millis, random = last[0], (last[1] + 1) % (1 << 80)
        self._last_ulid[kind] = (millis, random)
        return _crockford(millis, 10) + _crockford(random, 16)
