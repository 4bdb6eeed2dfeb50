"""A merchant's own store (`--store store.yaml`): its figures calibrate the shopper generator, and
the report projects its monthly incremental revenue from the run's per-session increment.

How each figure maps onto the journey parameters (each is a plain proportion, so the mapping is
easy to check by hand; the calibration table then says how close the run came):
* average_order_value: `price_scale` = AOV / the default catalog's AOV (measured on a population);
* visit_purchase_rate and cart_abandonment: `add_to_cart_rate` = purchase / (1 - abandonment), and
  `checkout_start_rate` scaled by the ratio of the carts bought (1 - abandonment) to the default's;
* native_identified_share: `account_share` scaled by its ratio to the default target;
* list_size: `subscriber_share` = list size / monthly visitors (sessions / sessions per visitor);
* monthly_sessions: the projection's scale."""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import yaml

from simulator.scenarios import intervals, journeys

FIELDS = {"monthly_sessions": (1, None), "average_order_value": (0.01, None), "visit_purchase_rate": (0.0001, 0.5),
          "cart_abandonment": (0.01, 0.99), "list_size": (0, None), "native_identified_share": (0.001, 0.9)}
PROBE_VISITORS = 3000  # a population this size measures the default catalog's AOV and sessions per visitor


class StoreError(Exception):
    """A store file the runner cannot use; the message names the field."""


def load_store(path: str) -> "Store":
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise StoreError(f"{path}: cannot read the store's figures: {exc}") from None
    if not isinstance(data, dict):
        raise StoreError(f"{path}: a mapping of the store's figures")
    for name, value in data.items():
        if name not in FIELDS:
            raise StoreError(f"{path}: {name}: unknown field (known: {', '.join(FIELDS)})")
        low, high = FIELDS[name]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < low \
                or (high is not None and value > high):
            raise StoreError(f"{path}: {name}: a number from {low}" + (f" to {high}" if high else " up"))
    return Store(path, data)


@dataclass
class Store:
    path: str
    figures: dict

    def calibrate(self, scenario):
        """The scenario with the journey parameters that reproduce this store."""
        params = journeys.load_parameters(scenario.parameters)
        probe = _probe(scenario, params)
        overrides = dict(scenario.parameters)
        f = self.figures
        if "average_order_value" in f:
            overrides["price_scale"] = round(params["price_scale"] * f["average_order_value"] / probe["aov"], 4)
        abandonment = f.get("cart_abandonment", params["cart_abandonment_target"])
        if "visit_purchase_rate" in f or "cart_abandonment" in f:
            purchase = f.get("visit_purchase_rate", params["visit_purchase_target"])
            overrides["add_to_cart_rate"] = round(min(params["product_view_rate"], purchase / (1 - abandonment)), 5)
            overrides["visit_purchase_target"] = purchase
            overrides["cart_abandonment_target"] = abandonment
        if "cart_abandonment" in f:
            bought = (1 - abandonment) / (1 - params["cart_abandonment_target"])
            overrides["checkout_start_rate"] = round(min(1.0, params["checkout_start_rate"] * bought), 5)
        if "native_identified_share" in f:
            ratio = f["native_identified_share"] / params["native_identified_share_target"]
            overrides["account_share"] = round(min(1.0, params["account_share"] * ratio), 5)
            overrides["native_identified_share_target"] = f["native_identified_share"]
        if "list_size" in f and "monthly_sessions" in f:
            visitors = f["monthly_sessions"] / probe["sessions_per_visitor"]
            overrides["subscriber_share"] = round(min(1.0, f["list_size"] / visitors), 5)
        return replace(scenario, parameters=overrides)

    def projection(self, scenario, runs: list[dict], names: list[str]) -> dict:
        """The headline arm's incremental revenue over the first arm, per session of the run, times
        this store's monthly sessions; its interval over the replications."""
        sessions = self.figures.get("monthly_sessions")
        first, last = names[0], names[-1]
        values = []
        for run in runs:
            gain = run["arms"][last]["recovered_revenue"] - run["arms"][first]["recovered_revenue"]
            values.append(gain / run["sessions"] * sessions if sessions and run["sessions"] else 0.0)
        spread = intervals.mean_interval(values, scenario.seed)
        if len(values) == 1:
            spread = {**spread, "low": None, "high": None}
        return {"monthly_sessions": sessions, "arm": last, "against": first,
                "monthly_incremental_revenue": spread, "store": dict(self.figures)}


def _probe(scenario, params: dict) -> dict:
    catalog = journeys.load_catalog() if scenario.catalog == "default" else scenario.catalog
    population = journeys.generate(PROBE_VISITORS, scenario.horizon_days, scenario.seed, params, catalog)
    orders = [e.properties["revenue"] for e in population.events if e.name == "Purchase"]
    sessions = sum(len(v) for v in population.visits.values())
    return {"aov": sum(orders) / len(orders) if orders else 1.0, "sessions_per_visitor": sessions / PROBE_VISITORS}
