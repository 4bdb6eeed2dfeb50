"""The standard Klaviyo flows of fixtures/klaviyo/flows (create_flow bodies; installed, they are in
simulator.fixtures), made ready for one account: a metric id is written there as the metric's name, `"metric:Placed Order"`, because ids
differ per account; `"metric:Started Checkout|Checkout Started"` takes the first of those names the
account has (Shopify's integration says "Checkout Started", Klaviyo's own docs "Started Checkout")."""
from __future__ import annotations

import json
from pathlib import Path

from simulator.fixtures import FOLDER
from simulator.klaviyo.account import Account
from simulator.klaviyo.metrics import metrics_of

FLOWS = FOLDER / "klaviyo" / "flows"
PREFIX = "metric:"


def standard_flow(name: str, account: Account, folder: Path = FLOWS) -> dict:
    """The body of `<folder>/<name>.json` with every metric name replaced by the account's id."""
    return with_metric_ids(flow_body(name, folder), {m.name: m.id for m in metrics_of(account).records})


def flow_body(name: str, folder: Path = FLOWS) -> dict:
    """The fixture as written, metric names and all."""
    return json.loads((folder / f"{name}.json").read_text())


def metric_names(document) -> list[str]:
    """The metric names `document` refers to, in order of first mention; of `"metric:A|B"`, the first
    (`A`): what a test creates (an event of each) before it asks for the ids."""
    if isinstance(document, dict):
        document = list(document.values())
    if isinstance(document, list):
        return list(dict.fromkeys(name for item in document for name in metric_names(item)))
    if isinstance(document, str) and document.startswith(PREFIX):
        return [document[len(PREFIX):].split("|")[0]]
    return []


def with_metric_ids(document, found: dict[str, str]):
    """A copy of `document` whose `"metric:<name>[|<name>...]"` strings are ids from `found` (name -> id)."""
    if isinstance(document, dict):
        return {k: with_metric_ids(v, found) for k, v in document.items()}
    if isinstance(document, list):
        return [with_metric_ids(v, found) for v in document]
    if isinstance(document, str) and document.startswith(PREFIX):
        names = document[len(PREFIX):].split("|")
        for name in names:
            if name in found:
                return found[name]
        raise LookupError(f"the account has no metric named {' or '.join(repr(n) for n in names)}")
    return document
