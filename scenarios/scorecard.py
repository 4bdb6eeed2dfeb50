"""What an arm's run counts, and the arm's figures made from it: orders (organic or induced, and who
last-touch attribution credits), the messages that counted, the sessions that start episodes, and
which events each sender delivered."""
from __future__ import annotations

import datetime as _dt
from collections import Counter, defaultdict
from dataclasses import dataclass

from simulator.scenarios.outcomes import duplicates
from simulator.core.timefmt import iso, parse_instant

DAY = 86400


@dataclass(frozen=True, slots=True)
class Order:
    id: str
    at: int  # seconds since the run's start
    shopper_id: str
    revenue: float
    induced: bool  # a message brought it about: the journeys without messages have no such order
    credited_to: str | None  # the workflow last-touch attribution credits, or None


class Scorecard:
    def __init__(self, start: _dt.datetime, end: int):
        self.start, self.end = start, end
        self.orders: dict[str, Order] = {}
        self.messages: list[dict] = []
        self.sessions: dict[str, list[int]] = defaultdict(list)  # shopper id -> session starts
        self._session_ids: set[str] = set()

    def session(self, shopper_id: str, session_id: str, at: int) -> None:
        if session_id not in self._session_ids:
            self._session_ids.add(session_id)
            self.sessions[shopper_id].append(at)

    def order(self, order: Order) -> None:
        self.orders.setdefault(order.id, order)

    def counted_orders(self) -> list[Order]:
        return [o for o in self.orders.values() if o.at < self.end]

    def figures(self, runs: list[dict], workflows: tuple[str, ...], purposes: dict[str, str], shopper_of,
                calendar: _dt.datetime, days: int, window_hours: float) -> dict:
        """The arm's headline figures, its per-flow and per-day counts (see docs/scenarios.md)."""
        ended = iso(self.start + _dt.timedelta(seconds=self.end))  # ISO instants of one format compare as text
        runs = [r for r in runs if r["created_at"] < ended]
        entries = Counter(r["workflow_name"] for r in runs if r["entered_at"] and r["entered_at"] < ended)
        per_workflow = Counter(m["workflow_name"] for m in self.messages)
        per_shopper = Counter(m["recipient"] for m in self.messages)
        pairs = duplicates(runs, purposes, self.sessions, shopper_of, self.start, window_hours)
        orders = self.counted_orders()
        by_day = [{"day": (calendar + _dt.timedelta(days=d)).date().isoformat(), "messages": 0, "orders": 0,
                   "revenue": 0.0, "recovered_revenue": 0.0, "attributed_revenue": 0.0} for d in range(days)]
        for message in self.messages:
            day = int((parse_instant(message["sent_at"]) - self.start).total_seconds()) // DAY
            if 0 <= day < days:
                by_day[day]["messages"] += 1
        for order in orders:
            row = by_day[order.at // DAY]
            row["orders"] += 1
            row["revenue"] += order.revenue
            row["recovered_revenue"] += order.revenue if order.induced else 0.0
            row["attributed_revenue"] += order.revenue if order.credited_to else 0.0
        for row in by_day:
            for key in ("revenue", "recovered_revenue", "attributed_revenue"):
                row[key] = round(row[key], 2)
        return {
            "workflow_entries": {name: entries.get(name, 0) for name in workflows},
            "messages_sent": len(self.messages),
            "messages_by_workflow": {name: per_workflow.get(name, 0) for name in workflows},
            "messages_per_shopper": {"mean": round(sum(per_shopper.values()) / len(per_shopper), 3) if per_shopper
                                     else 0.0, "max": max(per_shopper.values(), default=0)},
            "duplicates": sum(pairs.values()),
            "duplicates_by_pair": dict(sorted(pairs.items())),
            "orders": len(orders),
            "revenue": round(sum(o.revenue for o in orders), 2),
            "recovered_orders": sum(1 for o in orders if o.induced),
            "recovered_revenue": round(sum(o.revenue for o in orders if o.induced), 2),
            "attributed_revenue": round(sum(o.revenue for o in orders if o.credited_to), 2),
            "by_day": by_day,
        }

    def flow_benchmarks(self, purposes: dict[str, str]) -> dict:
        """What a vendor's benchmark report reads per flow purpose: distinct recipients, messages
        delivered (a benchmark's "recipients": one per message), and the orders and revenue
        last-touch credits to those flows."""
        found: dict[str, dict] = {}
        recipients: dict[str, set] = defaultdict(set)
        for message in self.messages:
            purpose = purposes.get(message["workflow_name"])
            recipients[purpose].add(message["recipient"])
            row = found.setdefault(purpose, {"recipients": 0, "messages": 0, "orders": 0, "revenue": 0.0})
            row["messages"] += 1
        for order in self.counted_orders():
            if order.credited_to is not None:
                row = found.setdefault(purposes.get(order.credited_to),
                                       {"recipients": 0, "messages": 0, "orders": 0, "revenue": 0.0})
                row["orders"] += 1
                row["revenue"] += order.revenue
        for purpose, row in found.items():
            row["recipients"] = len(recipients.get(purpose, ()))
        return found
