"""An arm before its first shopper: the sandbox it drives, the merchant's setup (list import, flows
created through the vendor APIs), and the senders (the store's native integration, the forwarder)
with the ledgers that account for every event they are handed."""
from __future__ import annotations

import datetime as _dt
import hashlib
import random
import re
from collections import Counter
from dataclasses import dataclass

from simulator.scenarios.driver import InProcess, Remote
from simulator.scenarios.forwarder import Destination, ForwarderContext, load_forwarder
from simulator.scenarios.native import NativeIntegration
from simulator.scenarios.pipeline import ReferenceForwarder
from simulator.scenarios.scenario import Arm, Scenario
from simulator.scenarios.setup import create_workflows, import_subscribers
from simulator.core.timefmt import iso

SETUP_LEAD = _dt.timedelta(days=1)  # the merchant's setup (list import, flows) starts this long before the first shopper
API_PATHS = {"klaviyo": "/klaviyo/api", "omnisend-api": "/omnisend/api", "omnisend-v3": "/omnisend/v3"}
SECONDS = re.compile(r"\b\d+(\.\d+)? s\b")


def auto_key(vendor: str, seed: int) -> str:
    """A well-formed key made from the seed: the sandbox's open mode takes any, and names the account by it."""
    digest = hashlib.blake2b(f"flow-sandbox-scenario|{seed}|{vendor}".encode(), digest_size=20).hexdigest()
    return f"{digest[:24]}-{digest[24:40]}" if vendor == "omnisend" else f"pk_{digest[:34]}"


class Ledger:
    """Every (event, destination) a sender accounts for, how many it was handed, and whose events
    (shoppers, sessions) it delivered, each shopper's first delivery with its time."""

    def __init__(self, destinations: int, event_shopper: dict[str, str], event_session: dict[str, str], now):
        self.destinations = destinations
        self.handled = 0
        self.outcomes: Counter = Counter()
        self.reasons: Counter = Counter()
        self.delivered_shoppers: dict[str, int] = {}  # shopper id -> when the first of their events was delivered
        self.delivered_sessions: set[str] = set()
        self._event_shopper, self._event_session, self._now = event_shopper, event_session, now

    def record(self, event_id: str, destination: str, outcome: str, reason: str) -> None:
        self.outcomes[outcome] += 1
        if outcome != "delivered":  # waits in seconds vary per event: grouped, they say the same thing
            self.reasons[f"{outcome}: {SECONDS.sub('N s', reason)}"] += 1
        else:
            self.delivered_shoppers.setdefault(self._event_shopper.get(event_id), self._now())
            self.delivered_sessions.add(self._event_session.get(event_id))

    def summary(self, retries: int) -> dict:
        recorded = sum(self.outcomes.values())
        return {**{o: self.outcomes.get(o, 0) for o in ("delivered", "deduplicated", "filtered", "failed")},
                "lost": max(0, self.handled * self.destinations - recorded), "retries": retries,
                "reasons": dict(sorted(self.reasons.items()))}


@dataclass
class Sending:
    """One sender of the arm and its ledger."""
    name: str  # native | forwarder
    sender: object  # handle(event); retries
    ledger: Ledger


class ArmSetup:
    """Builds what an arm runs with; `timeline` gives the senders the run's clock."""

    def __init__(self, scenario: Scenario, arm: Arm, population, params: dict, network, sandbox_url: str | None,
                 start: _dt.datetime):
        self.scenario, self.arm, self.population, self.params, self.network = scenario, arm, population, params, network
        self.driver = Remote(sandbox_url, start - SETUP_LEAD) if sandbox_url else InProcess(scenario.seed,
                                                                                           start - SETUP_LEAD)
        self.start = self.driver.origin + SETUP_LEAD  # on the sandbox's clock (a server's may be weeks on)
        self.keys = {v: auto_key(v, scenario.seed) if k == "auto" else k for v, k in scenario.accounts.items()}

    def merchant(self) -> dict[str, str]:
        """The store's list import and the arm's flows, on the sandbox's clock before the first
        shopper; each flow's purpose by name."""
        # A run's figures depend on virtual time only: a 429's window frees when the run's clock
        # says so, not when the machine running it has spent the promised wall seconds.
        self.driver.configure({"rate_limit_wall_retry_after": False, **self.scenario.settings})
        if self.scenario.faults:
            self.driver.add_faults(self.scenario.faults)
        clock = [self.start - SETUP_LEAD]

        def wait(seconds: float) -> None:
            clock[0] += _dt.timedelta(seconds=seconds)
            self.driver.advance_to(clock[0])
        if "omnisend" in self.keys:
            import_subscribers(self.driver.http, self.driver.base_url, self.keys["omnisend"],
                               self.population.shoppers.values(), iso(self.start - SETUP_LEAD), wait)
        created = create_workflows(self.driver.http, self.driver.base_url, self.keys, self.scenario,
                                   self.arm.workflows, iso(clock[0]), wait, holdout=self.arm.holdout > 0)
        self.driver.advance_to(self.start)
        return {c.name: c.purpose for c in created}

    def senders(self, timeline, event_shopper: dict, event_session: dict) -> list[Sending]:
        found = []
        if self.arm.native:
            destinations = self._native_destinations()
            ledger = Ledger(len(destinations), event_shopper, event_session, lambda: timeline.now)
            devices = {d.id: d for s in self.population.shoppers.values() for d in s.devices}
            native = NativeIntegration(self.params, devices)
            native.start(self._context(timeline, ledger, destinations, {}, "native"))
            found.append(Sending("native", native, ledger))
        if self.arm.forwarder:
            if self.arm.forwarder == "reference":
                options = {"pixel_cookie_days": self.params["pixel_cookie_days"], **self.arm.forwarder_options}
                forwarder = ReferenceForwarder(**options)
            else:
                forwarder = load_forwarder(self.arm.forwarder, self.arm.forwarder_options)
            destinations = self._destinations()
            ledger = Ledger(len(destinations), event_shopper, event_session, lambda: timeline.now)
            forwarder.start(self._context(timeline, ledger, destinations, self.arm.forwarder_options, "forwarder"))
            found.append(Sending("forwarder", forwarder, ledger))
        return found

    def _context(self, timeline, ledger: Ledger, destinations: list[Destination], options: dict,
                 name: str) -> ForwarderContext:
        return ForwarderContext(
            http=self.driver.http if name == "native" or self.arm.forwarder == "reference" else self.driver.user_http,
            destinations=destinations, network=self.network,
            rng=random.Random(f"{self.scenario.seed}|{name}"), now=lambda: timeline.now,
            iso=timeline.iso, schedule=timeline.schedule, record=ledger.record, options=options)

    def _destinations(self) -> list[Destination]:
        found = []
        chosen = self.arm.destinations
        holdout = {"holdout": self.arm.holdout, "holdout_seed": self.scenario.seed} if self.arm.holdout else {}
        for spec in self.scenario.destinations:
            if chosen is not None and spec["name"] not in chosen:
                continue
            vendor = "klaviyo" if spec["api"] == "klaviyo" else "omnisend"
            found.append(Destination(spec["name"], spec["api"], self.driver.base_url + API_PATHS[spec["api"]],
                                     self.keys[vendor], spec.get("connection", "main"), spec.get("filters", {}),
                                     {**spec.get("options", {}), **holdout}))
        return found

    def _native_destinations(self) -> list[Destination]:
        found = []
        for vendor in sorted(self.keys):
            api = "klaviyo" if vendor == "klaviyo" else self.scenario.native_omnisend_api
            found.append(Destination(f"native {vendor}", api, self.driver.base_url + API_PATHS[api], self.keys[vendor]))
        return found
