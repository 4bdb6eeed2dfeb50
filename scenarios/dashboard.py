"""What Klaviyo's own dashboard would say about an arm: at the end of the run the merchant reads the
flow-values report through the API (https://developers.klaviyo.com/en/reference/query_flow_values),
as any reporting tool would, and the run keeps its totals over the arm's flows.

The sandbox computes that report from what it sent, the opens and clicks recorded on it and the
Placed Order events it received, with Klaviyo's default attribution (last touch: 5 days after an
email open or click). So it credits orders the shopper would have placed anyway, and it never sees
orders Klaviyo did not receive or could not tie to the recipient's profile; the run's recovered
revenue is the true increment it is set beside."""
from __future__ import annotations

import datetime as _dt
from typing import Callable

from simulator.scenarios.setup import klaviyo_headers

CONVERSION_METRIC = "Placed Order"
STATISTICS = ("recipients", "opens_unique", "clicks_unique", "conversions", "conversion_value")
MAX_ATTEMPTS = 5  # a 429 or 5xx is waited out on the run's clock this many times before the figure is given up
WALL = "%Y-%m-%dT%H:%M:%S"  # the report reads a custom timeframe's wall time in the account's timezone


def empty() -> dict:
    return {name: 0 for name in STATISTICS} | {"conversion_value": 0.0}


def flow_values(http, base_url: str, key: str, start: _dt.datetime, end: _dt.datetime,
                wait: Callable[[float], None]) -> dict | None:
    """The flow-values report's totals over every flow for messages sent in [start, end): recipients,
    unique opens and clicks, conversions and conversion value (Placed Order). None when Klaviyo would
    not answer (a fault the scenario set, or a rate limit that did not clear)."""
    api, headers = f"{base_url}/klaviyo/api", klaviyo_headers(key)
    metrics = _call(http, "GET", f"{api}/metrics", headers, None, wait)
    if metrics is None:
        return None
    metric_id = next((m["id"] for m in metrics["data"] if m["attributes"]["name"] == CONVERSION_METRIC), None)
    if metric_id is None:  # no order ever reached Klaviyo: nothing to credit
        return empty()
    body = {"data": {"type": "flow-values-report", "attributes": {
        "statistics": list(STATISTICS), "conversion_metric_id": metric_id,
        "timeframe": {"start": start.strftime(WALL), "end": min(end, start + _dt.timedelta(days=365)).strftime(WALL)}}}}
    answer = _call(http, "POST", f"{api}/flow-values-reports", headers, body, wait)
    if answer is None:
        return None
    totals = empty()
    for row in answer["data"]["attributes"]["results"]:
        for name in STATISTICS:
            totals[name] += row["statistics"][name]
    totals["conversion_value"] = round(totals["conversion_value"], 2)
    return totals


def _call(http, method: str, url: str, headers: dict, body, wait: Callable[[float], None]) -> dict | None:
    for _ in range(MAX_ATTEMPTS):
        response = http.request(method, url, headers=headers, json=body)
        if response.status_code == 200:
            return response.json()
        if response.status_code != 429 and response.status_code < 500:
            return None
        wait(float(response.headers.get("Retry-After") or 1))
    return None
