"""A few-second scenario for tests that run many replications (sweeps, Dask): the bundled Klaviyo
uplift scenario cut to its first arms (two by default), 200 visitors over a week, with eager
shoppers (carts and clicks that turn into orders often) so a handful of visitors still recover
revenue in both arms."""
from __future__ import annotations

from pathlib import Path

import yaml

from simulator.scenarios.scenario import BUNDLED

EAGER = {"add_to_cart_rate": 0.3, "email_click_rate_first": 0.5, "email_click_rate_later": 0.4,
         "order_after_click_rate_checkout": 0.8, "order_after_click_rate_cart": 0.8,
         "order_after_click_rate_browse": 0.5, "click_empty_cart_share": 0.1}


def write_small_scenario(folder: Path, visitors: int = 200, horizon_days: int = 7, arms: int = 2) -> Path:
    data = yaml.safe_load((BUNDLED / "uplift-klaviyo.yaml").read_text(encoding="utf-8"))
    data.pop("sensitivity", None)  # the demo's panel would run a sweep inside every replicated test run
    data.update(visitors=visitors, horizon_days=horizon_days, arms=data["arms"][:arms], expectations=[],
                parameters={**(data.get("parameters") or {}), **EAGER})
    path = folder / "small.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path
