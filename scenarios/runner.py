"""One replication of a scenario: a discrete-event simulation per arm over the same seeded journeys.

Each arm gets a fresh sandbox and its own timeline (`arm_setup` builds both). Shopper actions, the
native integration's and the forwarder's deliveries and retries, and the shoppers' opens, clicks
and orders after a message are all timeline items; before running one, the loop moves the
sandbox's clock to its time, which runs every automation delay that falls due on the way, then
reads what the sandbox sent and lets the response model decide what each recipient does. Nothing
sleeps. What the arm counts is the `scorecard`'s.

Arms are paired (common random numbers): the same seed gives the same shoppers and the same
organic journeys in every arm, and a shopper answers a message according to what they experience
(the message's purpose, its position among their messages of that purpose in the episode, the
channel), never to a flow's name, so the difference between arms is only what the arm changed. The
organic journeys alone are the run without any message (`baseline`): recovered revenue is an arm's
revenue above it; attributed revenue is what last-touch credits."""
from __future__ import annotations

import datetime as _dt
import random
from dataclasses import dataclass

from simulator.scenarios import dashboard, journeys
from simulator.scenarios.arm_setup import ArmSetup
from simulator.scenarios.collector import quiet_collector
from simulator.scenarios.forwarder import IdentityNetwork
from simulator.scenarios.holdout import held_out
from simulator.scenarios.lateness import lateness
from simulator.scenarios.model import PURCHASE, Delivered, PixelEvent
from simulator.scenarios.outcomes import Attribution
from simulator.scenarios.scenario import Arm, Scenario
from simulator.scenarios.scorecard import Order, Scorecard
from simulator.scenarios.timeline import Timeline
from simulator.core.timefmt import parse_instant

DAY = 86400


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


@dataclass
class ArmResult:
    """An arm's figures, and what the experiment layer scores across arms (never in a report)."""

    def revenue(self, since: dict[str, int] | None = None) -> dict[str, float]:
        """Revenue per shopper, counting only orders at or after `since[shopper]` when given."""
        found: dict[str, float] = {}
        for order in self.orders:
            if since is None or order.at >= since.get(order.shopper_id, order.at + 1):
                found[order.shopper_id] = found.get(order.shopper_id, 0.0) + order.revenue
        return found

    figures: dict
    orders: list  # scenarios.scorecard.Order: every order in the horizon
    forwarded_to: dict[str, int]  # shopper id -> when the forwarder first delivered one of their events
    held_out: set[str]  # shoppers the arm's holdout keeps out of the clones (ground truth)
    flows: dict  # purpose -> recipients, messages, orders and revenue credited (benchmark view)
    abandoned_known: tuple[int, int]  # (abandoned carts whose session the native integration delivered, all)
    messages: list[dict]  # the outbox messages that counted, in the order sent


class ArmRun:
    def __init__(self, scenario: Scenario, arm: Arm, population, params: dict, network: IdentityNetwork,
                 sandbox_url: str | None, progress: bool):
        self.scenario, self.arm, self.population = scenario, arm, population
        self.calendar = parse_instant(scenario.start)  # the report's days
        self.end = scenario.horizon_days * DAY
        self.setup = ArmSetup(scenario, arm, population, params, network, sandbox_url, self.calendar)
        self.driver, self.start = self.setup.driver, self.setup.start
        self.timeline = Timeline(self.start)
        self.progress = progress
        self.event_shopper: dict[str, str] = {}
        self.event_session: dict[str, str] = {}
        self.responder = journeys.Responder(population, params, scenario.seed)
        self.attribution = Attribution(scenario.attribution_days, scenario.attribution_touches)
        self.score = Scorecard(self.start, self.end)

    def run(self) -> ArmResult:
        try:
            self.purposes = self.setup.merchant()
            self.senders = self.setup.senders(self.timeline, self.event_shopper, self.event_session)
            for event in self.population.events:
                self.timeline.schedule(event.at, lambda e=event: self._capture(e))
            self._loop()
            finished = self.timeline.instant(max(self.end, self.timeline.now))
            self.driver.advance_to(finished)
            self._read_messages()
            return self._result(self.driver.runs(), self._dashboard(finished))
        finally:
            self.driver.close()

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
        self.event_session[event.id] = event.session_id
        self.score.session(event.shopper_id, event.session_id, event.at)
        if event.name == PURCHASE:
            self.score.order(Order(event.properties["order_id"], event.at, event.shopper_id,
                                   event.properties["revenue"], induced,
                                   self.attribution.credit(event.shopper_id, event.at)))
        for sending in self.senders:
            sending.ledger.handled += 1
            sending.sender.handle(event)

    def _read_messages(self) -> None:
        for message in self.driver.new_messages():
            at = int((parse_instant(message["sent_at"]) - self.start).total_seconds())
            if message["test"] or at >= self.end:
                continue
            self.score.messages.append(message)
            shopper_id = self.population.recipients.get(message["recipient"])
            if shopper_id is None:
                continue
            response = self.responder.respond(Delivered(
                message["id"], message["vendor"], message["channel"], message["workflow_name"], message["recipient"],
                at, self.purposes.get(message["workflow_name"], "cart")))
            for kind, when in (("open", response.opened_at), ("click", response.clicked_at)):
                if when is not None and when < self.end:
                    self.timeline.schedule(when, lambda m=message, k=kind, s=shopper_id, w=when:
                                           self._engage(m, k, s, w))
            for event in (e for e in response.events if e.at < self.end):
                self.timeline.schedule(event.at, lambda e=event: self._capture(e, induced=True))

    def _engage(self, message: dict, kind: str, shopper_id: str, at: int) -> None:
        self.driver.engage(message["id"], kind, "https://store.example/cart" if kind == "click" else None)
        self.attribution.touch(shopper_id, at, kind, message["workflow_name"])

    def _dashboard(self, finished: _dt.datetime) -> dict | None:
        """Klaviyo's flow-values report for the messages the run counted (None without a Klaviyo
        account); a 429 waits on the sandbox's clock, after the run's end."""
        key = self.setup.keys.get("klaviyo")
        if key is None:
            return None
        clock = [finished]

        def wait(seconds: float) -> None:
            clock[0] += _dt.timedelta(seconds=seconds)
            self.driver.advance_to(clock[0])
        return dashboard.flow_values(self.driver.http, self.driver.base_url, key, self.start,
                                     self.timeline.instant(self.end), wait)

    def _result(self, runs: list[dict], klaviyo_dashboard: dict | None) -> ArmResult:
        visitors = len(self.population.shoppers)
        by_name = {s.name: s for s in self.senders}
        native, forwarder = by_name.get("native"), by_name.get("forwarder")
        identified = set().union(*(set(s.ledger.delivered_shoppers) for s in self.senders))
        identified.discard(None)
        forwarded = forwarder.ledger.summary(getattr(forwarder.sender, "retries", 0)) if forwarder else None
        figures = {
            "description": self.arm.description,
            "visitors": visitors,
            "identified": len(identified),
            "identified_share": round(len(identified) / visitors, 4),
            "native_events": native.ledger.outcomes.get("delivered", 0) if native else 0,
            "events_forwarded": forwarded["delivered"] if forwarded else 0,
            "delivery": forwarded or {"delivered": 0, "deduplicated": 0, "filtered": 0, "failed": 0, "lost": 0,
                                      "retries": 0, "reasons": {}},
            "native_delivery": native.ledger.summary(native.sender.retries) if native else None,
            "lateness": lateness(runs),  # delivery delays and flows that fired late (scenarios/lateness.py)
            **self.score.figures(runs, self.arm.workflows, self.purposes, self.population.recipients.get,
                                 self.calendar, self.scenario.horizon_days, self.scenario.duplicate_window_hours),
        }
        if "klaviyo" in self.setup.keys:
            figures["klaviyo_dashboard"] = klaviyo_dashboard  # None: Klaviyo would not answer the report
        if self.arm.holdout:
            figures["holdout_share"] = self.arm.holdout
        abandoned = [v.session_id for visits in self.population.visits.values() for v in visits
                     if v.items and v.purchased_at is None]
        known = native.ledger.delivered_sessions if native else set()
        shoppers = self.population.shoppers.values()
        return ArmResult(
            figures, self.score.counted_orders(),
            {s: at for s, at in forwarder.ledger.delivered_shoppers.items() if s} if forwarder else {},
            {s.id for s in shoppers if held_out(s.email, self.arm.holdout, self.scenario.seed)},
            self.score.flow_benchmarks(self.purposes),
            (sum(1 for session in abandoned if session in known), len(abandoned)), self.score.messages)


def _progress(enabled: bool, total: int, label: str):
    if not enabled:
        return None
    from tqdm import tqdm
    return tqdm(total=total, desc=label, unit="s", unit_scale=True, leave=False, disable=None)


def run_arms(scenario: Scenario, sandbox_url: str | None = None, progress: bool = False):
    """One replication: every arm over the scenario's seeded population; (population, results by arm)."""
    params = journeys.load_parameters(scenario.parameters)
    catalog = journeys.load_catalog() if scenario.catalog == "default" else scenario.catalog
    population = journeys.generate(scenario.visitors, scenario.horizon_days, scenario.seed, params, catalog)
    network = identity_network(population, scenario.identity, scenario.seed)
    results = {}
    with quiet_collector() as collect:  # the population lives through every arm: no full collection rescans it
        for arm in scenario.arms:
            results[arm.name] = ArmRun(scenario, arm, population, params, network, sandbox_url, progress).run()
            collect()  # the arm's sandbox, before the next arm builds its own
    return population, results


def run(scenario: Scenario, sandbox_url: str | None = None, progress: bool = False) -> dict:
    """Every arm of the scenario, one replication; the report as a dict (see docs/scenarios.md)."""
    from simulator.scenarios.experiment import Experiment
    return Experiment(scenario, replications=1, sandbox_url=sandbox_url, progress=progress).report()
