"""The scenario runner: one discrete-event simulation per arm over the same seeded journeys.

Each arm gets a fresh sandbox and its own timeline. Shopper actions, the native integration's and
the forwarder's deliveries and retries, and the shoppers' opens, clicks and orders after a message
are all timeline items; before running one, the runner moves the sandbox's clock to its time, which
runs every automation delay that falls due on the way, then reads what the sandbox sent and lets
the response model decide what each recipient does. Nothing sleeps.

Arms are paired: the same seed gives the same shoppers and the same organic journeys in every arm,
and a shopper reacts the same way to the same flow's n-th message, so the difference between arms
is what the arm changed. The organic journeys alone are the run without any message (`baseline`):
recovered revenue is an arm's revenue above it; attributed revenue is what last-touch credits."""
from __future__ import annotations

import datetime as _dt
import gc
import hashlib
import random
import re
from collections import Counter, defaultdict

from scenarios import journeys
from scenarios.driver import InProcess, Remote
from scenarios.expectations import check
from scenarios.forwarder import Destination, ForwarderContext, IdentityNetwork, load_forwarder
from scenarios.model import PURCHASE, Delivered, PixelEvent
from scenarios.native import NativeIntegration
from scenarios.outcomes import Attribution, duplicates
from scenarios.pipeline import ReferenceForwarder
from scenarios.scenario import Arm, Scenario
from scenarios.setup import create_workflows, import_subscribers
from scenarios.timeline import Timeline
from simulator.core.timefmt import iso, parse_instant

SETUP_LEAD = _dt.timedelta(days=1)  # the merchant's setup (list import, flows) starts this long before the first shopper
DAY = 86400
API_PATHS = {"klaviyo": "/klaviyo/api", "omnisend-api": "/omnisend/api", "omnisend-v3": "/omnisend/v3"}
SECONDS = re.compile(r"\b\d+(\.\d+)? s\b")


def auto_key(vendor: str, seed: int) -> str:
    """A well-formed key made from the seed: the sandbox's open mode takes any, and names the account by it."""
    digest = hashlib.blake2b(f"flow-sandbox-scenario|{seed}|{vendor}".encode(), digest_size=20).hexdigest()
    return f"{digest[:24]}-{digest[24:40]}" if vendor == "omnisend" else f"pk_{digest[:34]}"


def identity_network(population, identity: dict, seed: int) -> IdentityNetwork:
    """What the identity vendor's graph knows: each device is matched to its shopper with the
    scenario's match rate, and a share of those matches point at someone else (false matches)."""
    match_rate = identity.get("match_rate", 0.35)
    false_rate = identity.get("false_match_rate", 0.0)
    emails = [s.email for s in population.shoppers.values()]
    devices = {}
    for shopper in population.shoppers.values():
        for device in shopper.devices:
            draw = random.Random(f"{seed}|network|{device.id}")
            if draw.random() < match_rate:
                devices[device.id] = emails[draw.randrange(len(emails))] if draw.random() < false_rate \
                    else shopper.email
    return IdentityNetwork(population.shoppers, devices)


class Ledger:
    """Every (event, destination) a sender accounts for, and how many it was handed."""

    def __init__(self, destinations: int):
        self.destinations = destinations
        self.handled = 0
        self.outcomes: Counter = Counter()
        self.reasons: Counter = Counter()
        self.delivered_shoppers: set[str] = set()

    def record(self, shopper_of_event, event_id: str, destination: str, outcome: str, reason: str) -> None:
        self.outcomes[outcome] += 1
        if outcome != "delivered":  # waits in seconds vary per event: grouped, they say the same thing
            self.reasons[f"{outcome}: {SECONDS.sub('N s', reason)}"] += 1
        else:
            self.delivered_shoppers.add(shopper_of_event(event_id))

    def summary(self, retries: int) -> dict:
        recorded = sum(self.outcomes.values())
        return {**{o: self.outcomes.get(o, 0) for o in ("delivered", "deduplicated", "filtered", "failed")},
                "lost": max(0, self.handled * self.destinations - recorded), "retries": retries,
                "reasons": dict(sorted(self.reasons.items()))}


class ArmRun:
    def __init__(self, scenario: Scenario, arm: Arm, population, params: dict, network: IdentityNetwork,
                 sandbox_url: str | None, progress: bool):
        self.scenario, self.arm, self.population, self.params = scenario, arm, population, params
        self.network = network
        self.calendar = parse_instant(scenario.start)  # the report's days
        self.end = scenario.horizon_days * DAY
        self.driver = Remote(sandbox_url, self.calendar - SETUP_LEAD) if sandbox_url \
            else InProcess(scenario.seed, self.calendar - SETUP_LEAD)
        self.start = self.driver.origin + SETUP_LEAD  # on the sandbox's clock (a server's may be weeks on)
        self.timeline = Timeline(self.start)
        self.keys = {v: auto_key(v, scenario.seed) if k == "auto" else k for v, k in scenario.accounts.items()}
        self.progress = progress
        self.shopper_by_address = {}
        for shopper in population.shoppers.values():
            self.shopper_by_address[shopper.email] = shopper.id
            self.shopper_by_address[shopper.phone] = shopper.id
        self.event_shopper: dict[str, str] = {}
        self.sessions: dict[str, list[int]] = defaultdict(list)
        self.responder = journeys.Responder(population, params, scenario.seed)
        self.attribution = Attribution(scenario.attribution_days, scenario.attribution_touches)
        self.sequence: dict[tuple[str, str], list[int]] = defaultdict(list)
        self.orders: dict[str, tuple[int, float, bool, str | None]] = {}  # order id -> at, revenue, induced, credit
        self.messages: list[dict] = []
        self._session_ids: set[str] = set()

    # -- senders ---------------------------------------------------------------------------

    def _context(self, ledger: Ledger, destinations: list[Destination], options: dict, name: str) -> ForwarderContext:
        return ForwarderContext(
            http=self.driver.http, destinations=destinations,
            network=self.network,
            rng=random.Random(f"{self.scenario.seed}|{name}"), now=lambda: self.timeline.now,
            iso=self.timeline.iso, schedule=self.timeline.schedule,
            record=lambda event_id, destination, outcome, reason: ledger.record(
                self.event_shopper.get, event_id, destination, outcome, reason),
            options=options)

    def _destinations(self) -> list[Destination]:
        found = []
        chosen = self.arm.destinations
        for spec in self.scenario.destinations:
            if chosen is not None and spec["name"] not in chosen:
                continue
            vendor = "klaviyo" if spec["api"] == "klaviyo" else "omnisend"
            found.append(Destination(spec["name"], spec["api"], self.driver.base_url + API_PATHS[spec["api"]],
                                     self.keys[vendor], spec.get("connection", "main"), spec.get("filters", {}),
                                     spec.get("options", {})))
        return found

    def _native_destinations(self) -> list[Destination]:
        found = []
        for vendor in sorted(self.keys):
            api = "klaviyo" if vendor == "klaviyo" else self.scenario.native_omnisend_api
            found.append(Destination(f"native {vendor}", api, self.driver.base_url + API_PATHS[api], self.keys[vendor]))
        return found

    # -- the run ---------------------------------------------------------------------------

    def run(self) -> dict:
        try:
            return self._run()
        finally:
            self.driver.close()

    def _run(self) -> dict:
        if self.scenario.settings:
            self.driver.configure(self.scenario.settings)
        setup_clock = [self.start - SETUP_LEAD]

        def wait(seconds: float) -> None:
            setup_clock[0] += _dt.timedelta(seconds=seconds)
            self.driver.advance_to(setup_clock[0])
        if "omnisend" in self.keys:
            import_subscribers(self.driver.http, self.driver.base_url, self.keys["omnisend"],
                               self.population.shoppers.values(), iso(self.start - SETUP_LEAD), wait)
        created = create_workflows(self.driver.http, self.driver.base_url, self.keys, self.scenario,
                                   self.arm.workflows, iso(setup_clock[0]), wait)
        self.purposes = {c.name: c.purpose for c in created}
        self.native_ledger = self.forward_ledger = None
        senders = []
        if self.arm.native:
            destinations = self._native_destinations()
            self.native_ledger = Ledger(len(destinations))
            devices = {d.id: d for s in self.population.shoppers.values() for d in s.devices}
            self.native = NativeIntegration(self.params, devices)
            self.native.start(self._context(self.native_ledger, destinations, {}, "native"))
            senders.append((self.native, self.native_ledger))
        if self.arm.forwarder:
            if self.arm.forwarder == "reference":
                options = {"pixel_cookie_days": self.params["pixel_cookie_days"], **self.arm.forwarder_options}
                self.forwarder = ReferenceForwarder(**options)
            else:
                self.forwarder = load_forwarder(self.arm.forwarder, self.arm.forwarder_options)
            destinations = self._destinations()
            self.forward_ledger = Ledger(len(destinations))
            self.forwarder.start(self._context(self.forward_ledger, destinations, self.arm.forwarder_options,
                                               "forwarder"))
            senders.append((self.forwarder, self.forward_ledger))
        self.senders = senders
        self.driver.advance_to(self.start)
        for event in self.population.events:
            self.timeline.schedule(event.at, lambda e=event: self._capture(e))
        self._loop()
        self.driver.advance_to(self.timeline.instant(max(self.end, self.timeline.now)))
        self._read_messages()
        return self._summary(self.driver.runs())

    def _loop(self) -> None:
        """Run the timeline dry. Past the horizon no shopper acts and no message counts, but the
        senders' deliveries and retries still run: nothing they accepted may be lost."""
        bar = _progress(self.progress, self.end, self.arm.name)
        shown = 0
        while len(self.timeline):
            at = self.timeline.next_at()
            self.driver.advance_to(self.timeline.instant(at))
            self._read_messages()
            self.timeline.pop()()
            if bar is not None and min(at, self.end) - shown >= 3600:
                bar.update(min(at, self.end) - shown)
                shown = min(at, self.end)
        if bar is not None:
            bar.update(self.end - shown)
            bar.close()

    def _capture(self, event: PixelEvent, induced: bool = False) -> None:
        """The pixel sees an event (`induced`: one a message brought about); every sender is handed
        it, and the run keeps score."""
        self.event_shopper[event.id] = event.shopper_id
        starts = self.sessions[event.shopper_id]
        if event.session_id not in self._session_ids:
            self._session_ids.add(event.session_id)
            starts.append(event.at)
        if event.name == PURCHASE and event.properties["order_id"] not in self.orders:
            self.orders[event.properties["order_id"]] = (
                event.at, event.properties["revenue"], induced, self.attribution.credit(event.shopper_id, event.at))
        for sender, ledger in self.senders:
            ledger.handled += 1
            sender.handle(event)

    def _read_messages(self) -> None:
        for message in self.driver.new_messages():
            at = int((parse_instant(message["sent_at"]) - self.start).total_seconds())
            if message["test"] or at >= self.end:
                continue
            self.messages.append(message)
            shopper_id = self.shopper_by_address.get(message["recipient"])
            if shopper_id is None:
                continue
            history = self.sequence[(shopper_id, message["workflow_name"])]
            history.append(at)
            sequence = sum(1 for t in history if at - t <= 7 * DAY)
            response = self.responder.respond(Delivered(message["id"], message["vendor"], message["channel"],
                                                        message["workflow_name"], message["recipient"], at, sequence))
            for kind, when in (("open", response.opened_at), ("click", response.clicked_at)):
                if when is not None and when < self.end:
                    self.timeline.schedule(when, lambda m=message, k=kind, s=shopper_id, w=when:
                                           self._engage(m, k, s, w))
            for event in (e for e in response.events if e.at < self.end):
                self.timeline.schedule(event.at, lambda e=event: self._capture(e, induced=True))

    def _engage(self, message: dict, kind: str, shopper_id: str, at: int) -> None:
        self.driver.engage(message["id"], kind, "https://store.example/cart" if kind == "click" else None)
        self.attribution.touch(shopper_id, at, kind, message["workflow_name"])

    # -- the arm's figures -----------------------------------------------------------------

    def _summary(self, runs: list[dict]) -> dict:
        visitors = len(self.population.shoppers)
        identified = set()
        for ledger in (self.native_ledger, self.forward_ledger):
            if ledger is not None:
                identified |= ledger.delivered_shoppers
        identified.discard(None)
        ended = iso(self.timeline.instant(self.end))  # ISO instants of one format compare as text
        runs = [r for r in runs if r["created_at"] < ended]
        entries = Counter(r["workflow_name"] for r in runs if r["entered_at"] and r["entered_at"] < ended)
        per_workflow = Counter(m["workflow_name"] for m in self.messages)
        per_shopper = Counter(m["recipient"] for m in self.messages)
        pairs = duplicates(runs, self.purposes, self.sessions, self.shopper_by_address.get, self.start,
                           self.scenario.duplicate_window_hours)
        orders = [o for o in self.orders.values() if o[0] < self.end]
        days = self.scenario.horizon_days
        by_day = [{"day": (self.calendar + _dt.timedelta(days=d)).date().isoformat(), "messages": 0, "orders": 0,
                   "revenue": 0.0, "recovered_revenue": 0.0, "attributed_revenue": 0.0} for d in range(days)]
        for message in self.messages:
            day = int((parse_instant(message["sent_at"]) - self.start).total_seconds()) // DAY
            if 0 <= day < days:
                by_day[day]["messages"] += 1
        for at, revenue, induced, credit in orders:
            row = by_day[at // DAY]
            row["orders"] += 1
            row["revenue"] += revenue
            row["recovered_revenue"] += revenue if induced else 0.0
            row["attributed_revenue"] += revenue if credit else 0.0
        for row in by_day:
            for key in ("revenue", "recovered_revenue", "attributed_revenue"):
                row[key] = round(row[key], 2)
        forwarded = self.forward_ledger.summary(getattr(self.forwarder, "retries", 0)) if self.forward_ledger \
            else None
        return {
            "description": self.arm.description,
            "visitors": visitors,
            "identified": len(identified),
            "identified_share": round(len(identified) / visitors, 4),
            "native_events": self.native_ledger.outcomes.get("delivered", 0) if self.native_ledger else 0,
            "events_forwarded": forwarded["delivered"] if forwarded else 0,
            "delivery": forwarded or {"delivered": 0, "deduplicated": 0, "filtered": 0, "failed": 0, "lost": 0,
                                      "retries": 0, "reasons": {}},
            "native_delivery": self.native_ledger.summary(self.native.retries) if self.native_ledger else None,
            "workflow_entries": {name: entries.get(name, 0) for name in self.arm.workflows},
            "messages_sent": len(self.messages),
            "messages_by_workflow": {name: per_workflow.get(name, 0) for name in self.arm.workflows},
            "messages_per_shopper": {"mean": round(sum(per_shopper.values()) / len(per_shopper), 3) if per_shopper
                                     else 0.0, "max": max(per_shopper.values(), default=0)},
            "duplicates": sum(pairs.values()),
            "duplicates_by_pair": dict(sorted(pairs.items())),
            "orders": len(orders),
            "revenue": round(sum(o[1] for o in orders), 2),
            "recovered_orders": sum(1 for o in orders if o[2]),
            "recovered_revenue": round(sum(o[1] for o in orders if o[2]), 2),
            "attributed_revenue": round(sum(o[1] for o in orders if o[3]), 2),
            "by_day": by_day,
        }


def _progress(enabled: bool, total: int, label: str):
    if not enabled:
        return None
    from tqdm import tqdm
    return tqdm(total=total, desc=label, unit="s", unit_scale=True, leave=False, disable=None)


UPLIFT_METRICS = ("identified", "workflow_entries", "messages_sent", "orders", "revenue", "recovered_revenue",
                  "attributed_revenue")


def _figure(arm: dict, metric: str) -> float:
    value = arm[metric]
    return sum(value.values()) if isinstance(value, dict) else value


def run(scenario: Scenario, sandbox_url: str | None = None, progress: bool = False) -> dict:
    """Every arm of the scenario; the report as a dict (see docs/scenarios.md)."""
    params = journeys.load_parameters(scenario.parameters)
    catalog = journeys.load_catalog() if scenario.catalog == "default" else scenario.catalog
    population = journeys.generate(scenario.visitors, scenario.horizon_days, scenario.seed, params, catalog)
    organic = {}
    for event in population.events:
        if event.name == PURCHASE:
            organic[event.properties["order_id"]] = event.properties["revenue"]
    network = identity_network(population, scenario.identity, scenario.seed)
    arms = {}
    # The population lives through every arm: frozen, the cyclic collector stops rescanning its
    # million objects on each full collection, which made the cost per shopper grow with the run.
    gc.collect()
    gc.freeze()
    try:
        for arm in scenario.arms:
            arms[arm.name] = ArmRun(scenario, arm, population, params, network, sandbox_url, progress).run()
    finally:
        gc.unfreeze()
    first = next(iter(arms.values()))
    uplift = {}
    for name, arm in list(arms.items())[1:]:
        uplift[name] = {m: (round(_figure(arm, m) / _figure(first, m) - 1, 4) if _figure(first, m) else None)
                        for m in UPLIFT_METRICS}
    report = {
        "scenario": scenario.name, "description": scenario.description.strip(), "seed": scenario.seed,
        "visitors": scenario.visitors, "horizon_days": scenario.horizon_days, "start": scenario.start,
        "currency": "USD",
        "baseline": {"orders": len(organic), "revenue": round(sum(organic.values()), 2)},
        "arms": arms, "uplift": uplift,
        "settings": {"duplicate_window_hours": scenario.duplicate_window_hours,
                     "attribution_window_days": scenario.attribution_days,
                     "attribution_touches": list(scenario.attribution_touches),
                     "identity": {"match_rate": scenario.identity.get("match_rate", 0.35),
                                  "false_match_rate": scenario.identity.get("false_match_rate", 0.0)}},
        "assumptions": journeys.describe_parameters(scenario.parameters),
    }
    report["expectations"] = check(scenario.expectations, report)
    return report
