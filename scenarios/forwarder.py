"""The forwarder protocol: what the runner hands any forwarder, the reference one or a user's own.

A forwarder is an object with two methods:

    start(context: ForwarderContext) -> None     # once, before the first event
    handle(event: PixelEvent) -> None            # every event the store's pixel captures, in time order

It talks HTTP to `context.destinations` (base URLs and keys, exactly as it would to the vendors,
through `context.http`), schedules its own later work (batching, latency, retries) with
`context.schedule(at, fn)` on the run's virtual clock, and accounts for every event with
`context.record(...)`: each (event, destination) pair must end `delivered`, `deduplicated`,
`filtered` or `failed`, with a reason, and the run reports any left unaccounted as lost.

A scenario names a forwarder as `module:attribute`; the attribute is a class or factory called with
the scenario's `options` mapping, or an object that has the two methods."""
from __future__ import annotations

import hashlib
import importlib
import random
from dataclasses import dataclass, field
from typing import Callable, Protocol

import httpx

from simulator.scenarios.model import PixelEvent, Shopper

OUTCOMES = ("delivered", "deduplicated", "filtered", "failed")


@dataclass(frozen=True)
class Destination:
    """Where a connection sends: one vendor account, on one of its APIs."""
    name: str  # the scenario's name for it, e.g. "klaviyo"
    api: str  # klaviyo | omnisend-v3 | omnisend-api
    base_url: str  # e.g. http://127.0.0.1:8787/klaviyo/api
    key: str  # the private API key
    connection: str = "main"  # main | other (Opensend's two kinds)
    filters: dict = field(default_factory=dict)  # other connections: which events go (see docs/scenarios.md)
    options: dict = field(default_factory=dict)  # per API: metric_suffix, list_id, ...

    @property
    def vendor(self) -> str:
        return "klaviyo" if self.api == "klaviyo" else "omnisend"


class IdentityNetwork:
    """What an identity-resolution vendor knows before the run: the people in its graph (by email)
    and the devices it can match to them. Built by the runner from the population and the
    match-quality parameters; a forwarder asks, it never sees the population."""

    def __init__(self, profiles: dict[str, Shopper], devices: dict[str, str]):
        self._by_email = {s.email: s for s in profiles.values()}
        self._devices = devices  # device id -> email the vendor's graph ties it to (maybe wrongly)

    def device(self, device_id: str) -> Shopper | None:
        email = self._devices.get(device_id)
        return self._by_email.get(email) if email else None

    def email(self, address: str) -> Shopper | None:
        return self._by_email.get(address.strip().lower())


def hash_email(address: str) -> str:
    return hashlib.sha256(address.strip().lower().encode()).hexdigest()


@dataclass
class ForwarderContext:
    http: httpx.Client  # absolute URLs; in-process it reaches the sandbox with no socket (the
    # built-in senders get the lean `scenarios.wsgi_client.WsgiClient`: they only call `request`)
    destinations: list[Destination]
    network: IdentityNetwork
    rng: random.Random  # seeded: a forwarder's random choices must come from here
    now: Callable[[], int]  # seconds since the run's start
    iso: Callable[[int], str]  # that time as the sandbox's ISO-8601 instant
    schedule: Callable[[int, Callable[[], None]], None]  # run fn at a later virtual second
    record: Callable[[str, str, str, str], None]  # (event id, destination name, outcome, reason)
    options: dict = field(default_factory=dict)


class Forwarder(Protocol):
    def start(self, context: ForwarderContext) -> None: ...

    def handle(self, event: PixelEvent) -> None: ...


def load_forwarder(spec: str, options: dict | None = None) -> Forwarder:
    """The forwarder named `module:attribute` (a class or factory called with `options`, or an object)."""
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise ValueError(f"a forwarder is named 'module:attribute', not {spec!r}")
    target = importlib.import_module(module_name)
    for part in attribute.split("."):
        target = getattr(target, part)
    forwarder = target(**(options or {})) if callable(target) and not _is_forwarder(target) else target
    if not _is_forwarder(forwarder):
        raise TypeError(f"{spec} has no start(context) and handle(event) methods")
    return forwarder


def _is_forwarder(candidate) -> bool:
    return not isinstance(candidate, type) and callable(getattr(candidate, "start", None)) \
        and callable(getattr(candidate, "handle", None))
