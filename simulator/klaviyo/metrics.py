"""Klaviyo metrics: created by the first event that names them, read-only through the API.

Each metric carries the integration that records it: events sent through the API make "API"
metrics; what Klaviyo itself records (Received Email, SMS, Push) belongs to "Klaviyo". The object's
shape is the one Klaviyo's get_metric reference example shows (docs/klaviyo.md)."""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

from simulator.klaviyo.account import Account
from simulator.core.records import Records


@dataclass
class Metric:
    id: str
    name: str
    created: _dt.datetime
    updated: _dt.datetime
    integration: dict | None = None


API = {"object": "integration", "id": "7FtS4J", "key": "api", "name": "API", "category": "API"}
KLAVIYO = {"object": "integration", "id": "0rG4eQ", "key": "klaviyo", "name": "Klaviyo", "category": "Internal"}


class MetricBook:
    def __init__(self, account: Account):
        self.account = account
        self.records: Records[Metric] = Records("metric")
        self._by_name: dict[str, Metric] = {}

    def named(self, name: str, now: _dt.datetime, integration: dict = API) -> Metric:
        """The metric called `name`, created on first use (names match exactly, case included)."""
        found = self._by_name.get(name)
        if found is None:
            found = Metric(self.account.ids.next("metric", "base62_6"), name, now, now, dict(integration))
            self.records.add(found.id, found)
            self._by_name[name] = found
        return found


def metrics_of(account: Account) -> MetricBook:
    return account.metrics
