"""The reference forwarder: the seeds' pipeline, pixel capture -> identity resolution -> enrichment
-> destinations (docs.upstackdata.com, seeds 000-002), behind the forwarder protocol.

Each event is gated (`gate`, shared with the native integration: a pixel double-fire is
`deduplicated`, a page view `filtered`), resolved (`identity`), gated again per destination
(anonymous, the connection's filter, an API with no equivalent: `filtered`), and sent `latency_seconds` later (Opensend syncs about a minute
after, Upstack within five) as each destination's requests (`mappings`), retried until they land
or fail (`delivery`). Scenario name: `simulator.scenarios.pipeline:ReferenceForwarder`."""
from __future__ import annotations

from collections import Counter

from simulator.scenarios.forwarder import ForwarderContext
from simulator.scenarios.model import PixelEvent
from simulator.scenarios.pipeline.connections import Connection
from simulator.scenarios.pipeline.delivery import Job, Sender
from simulator.scenarios.pipeline.gate import DOUBLE_FIRE, Gate
from simulator.scenarios.pipeline.identity import IdentityResolver, Resolution
from simulator.scenarios.pipeline.mappings import mapping_for


class ReferenceForwarder:
    def __init__(self, latency_seconds: int = 60, max_attempts: int = 8, pixel_cookie_days: float | None = None,
                 dedup_window_seconds: int = 86400):
        """`pixel_cookie_days` overrides the run's identity option of that name; a pixel event id is
        remembered for `dedup_window_seconds` (a double-fire comes seconds apart; a day, like
        Segment's look-back, keeps memory flat over a long run)."""
        self.latency_seconds = latency_seconds
        self.max_attempts = max_attempts
        self.pixel_cookie_days = pixel_cookie_days
        self.dedup_window_seconds = dedup_window_seconds
        self.identified: set[str] = set()  # emails of the people resolved at least once
        self.resolved_by: Counter[str] = Counter()  # events (double-fires once) by resolution method

    @property
    def retries(self) -> int:
        """Requests sent again after a 429, 5xx or transport error, over the whole run."""
        return self._sender.retries

    def start(self, context: ForwarderContext) -> None:
        self.context = context
        params = dict(context.options)
        if self.pixel_cookie_days is not None:
            params["pixel_cookie_days"] = self.pixel_cookie_days
        self._resolver = IdentityResolver(context.network, params)
        self._sender = Sender(context, self.max_attempts)
        self._routes = [(d, Connection(d), mapping_for(d, context.iso)) for d in context.destinations]
        self._gate = Gate(self.dedup_window_seconds)

    def handle(self, event: PixelEvent) -> None:
        record = self.context.record
        if self._gate.repeated(event):
            for destination, _, _ in self._routes:
                record(event.id, destination.name, "deduplicated", DOUBLE_FIRE)
            return
        resolution = self._resolver.resolve(event, event.at)
        if resolution is not None:
            self.resolved_by[resolution.method] += 1
            self.identified.add(resolution.profile.email)
        sends = []
        for route in self._routes:
            reason = self._refusal(event, resolution, route)
            if reason is None:
                sends.append(route)
            else:
                record(event.id, route[0].name, "filtered", reason)
        if sends:
            self.context.schedule(event.at + self.latency_seconds, lambda: self._deliver(event, resolution, sends))

    @staticmethod
    def _refusal(event: PixelEvent, resolution: Resolution | None, route) -> str | None:
        _, connection, mapping = route
        refused = Gate.refusal(event)
        if refused:
            return refused
        if resolution is None:
            return "anonymous: no identity for this device"
        return mapping.skips.get(event.name) or connection.refuses(event)

    def _deliver(self, event: PixelEvent, resolution: Resolution, routes) -> None:
        for destination, _, mapping in routes:
            calls = mapping.calls(event, resolution.profile)
            self._sender.send(Job(event.id, destination.name, mapping.headers, calls))
