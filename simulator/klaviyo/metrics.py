"""Klaviyo metrics: created by the first event that names them, read-only through the API."""
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
    integration: dict | None = None  # None for API-created ("custom") metrics


class MetricBook:
    def __init__(self, account: Account):
        self.account = account
        self.records: Records[Metric] = Records("metric")
        self._by_name: dict[str, Metric] = {}

    def named(self, name: str, now: _dt.datetime) -> Metric:
        """The metric called `name`, created on first use (names match exactly, case included)."""
        found = self._by_name.get(name)
        if found is None:
            found = Metric(self.account.ids.next("metric", "base62_6"), name, now, now)
            self.records.add(found.id, found)
            self._by_name[name] = found
        return found


def metrics_of(account: Account) -> MetricBook:
    return account.store("metrics", MetricBook)
