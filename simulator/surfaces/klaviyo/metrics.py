"""Metrics: list (200 a page, filter on integration name or category) and get."""
from __future__ import annotations

from flask import jsonify

from simulator.core.timefmt import iso
from simulator.klaviyo.metrics import Metric, metrics_of
from simulator.surfaces.klaviyo import api_blueprint, operation
from simulator.surfaces.klaviyo.common import account
from simulator.surfaces.klaviyo.filters import compare, parse_filter
from simulator.surfaces.klaviyo.jsonapi import collection, page_of, resource, single

PAGE = 200  # Klaviyo: "Returns a maximum of 200 results per page"; no page[size]


def metric_json(metric: Metric) -> dict:
    return resource("metric", metric.id, {"name": metric.name, "created": iso(metric.created),
                                          "updated": iso(metric.updated), "integration": metric.integration})


@api_blueprint.get("/metrics")
@operation("get_metrics")
def list_metrics():
    wanted = parse_filter({"integration.name": {"equals"}, "integration.category": {"equals"}})
    found = [m for m in metrics_of(account()).records
             if all(compare(op, (m.integration or {}).get(field.split(".", 1)[1]), value) for field, op, value in wanted)]
    page, next_position = page_of(found, lambda m: m.id, PAGE)
    return jsonify(collection([metric_json(m) for m in page], next_position))


@api_blueprint.get("/metrics/<metric_id>")
@operation("get_metric")
def get_metric(metric_id: str):
    return jsonify(single(metric_json(metrics_of(account()).records.get(metric_id))))
