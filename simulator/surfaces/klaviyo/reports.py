"""The Reporting API (flow values and series, campaign values) and metric aggregates: the request
checked against its contract (contracts/klaviyo/<operationId>.json, the spec's request schema) and
the rules the spec states in words, the figures computed by `simulator.klaviyo.reporting` from the
sandbox's own sends, engagement and conversions.

Their rate limits (values and series reports 1/s, 2/m, 225/d; metric aggregates 3/s, 60/m) are the
operation table's, spent on admission like every other operation's."""
from __future__ import annotations

import datetime as _dt

from flask import g, jsonify, request

from simulator.core.timefmt import known_zone
from simulator.errors import Invalid, MissingReferences, Problem
from simulator.klaviyo import reporting
from simulator.klaviyo.metrics import metrics_of
from simulator.surfaces.klaviyo import api_blueprint, operation
from simulator.surfaces.klaviyo.common import account, checked_body, now
from simulator.surfaces.klaviyo.filters import parse_filter

ATTRIBUTES = "data.attributes"
# group_by per report kind: what it allows, what it must include, what it is when not given
GROUP_BY = {
    "flow": (("flow_id", "flow_message_id", "flow_message_name", "flow_name", "send_channel", "tag_id", "tag_name",
              "text_message_format", "variation", "variation_name"),
             ("flow_id", "flow_message_id"), ("flow_id", "flow_message_id", "send_channel")),
    "campaign": (("campaign_id", "campaign_message_id", "campaign_message_name", "group", "group_name", "send_channel",
                  "tag_id", "tag_name", "text_message_format", "variation", "variation_name"),
                 ("campaign_id", "campaign_message_id"), ("campaign_id", "campaign_message_id", "send_channel")),
}
LIST_ATTRIBUTES = ("tag_id", "tag_name")  # filtered with contains-any / contains-all; the rest with equals / contains-any
SEND_CHANNELS = ("email", "sms", "push-notification", "whatsapp")
MAX_FILTER_ITEMS = 100
MEASUREMENTS = ("count", "sum_value", "unique")
AGGREGATE_INTERVALS = ("day", "hour", "month", "week")
DIMENSIONS = ("$attributed_channel", "$attributed_flow", "$attributed_message", "$attributed_variation",
              "$campaign_channel", "$flow", "$flow_channel", "$message", "$message_send_cohort", "$usage_amount",
              "$value_currency", "$variation", "$variation_send_cohort", "Bot Click", "Bounce Type", "Campaign Name",
              "Client Canonical", "Client Name", "Client Type", "Email Domain", "Failure Source", "Failure Type",
              "From Number", "From Phone Region", "Inbox Provider", "List", "Message Format", "Message Name",
              "Message Type", "Method", "Segment Count", "Subject", "To Number", "To Phone Region", "URL", "form_id")


def _problem(name: str, kind: str = "invalid", **details) -> Invalid:
    return Invalid([Problem(f"{ATTRIBUTES}.{name}", kind, **details)])


def _strings(attributes: dict, name: str, allowed: tuple[str, ...], required: bool = True) -> list[str] | None:
    value = attributes.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise _problem(name, "type", expected="a non-empty array of strings")
    wrong = [v for v in value if v not in allowed]
    if wrong:
        raise _problem(name, "enum", expected=list(allowed), got=wrong[0])
    return value


def _metric(metric_id, name: str) -> str:
    if not isinstance(metric_id, str) or not metric_id:
        raise _problem(name, "required")
    if metric_id not in metrics_of(account()).records:
        raise MissingReferences([Problem(f"{ATTRIBUTES}.{name}", "invalid",
                                         detail=f"A metric with id {metric_id} does not exist.")])
    return metric_id


def _report_filter(kind: str, text: str | None) -> list[tuple[str, str, object]]:
    """A report's `filter`: equals / contains-any on scalar attributes, contains-any / contains-all
    on tags, one filter per attribute, AND only, at most 100 items a list, known send channels."""
    if not text:
        return []
    allowed = {name: ({"contains-any", "contains-all"} if name in LIST_ATTRIBUTES else {"equals", "contains-any"})
               for name in GROUP_BY[kind][0] if name not in ("group", "group_name")}
    try:
        conditions = parse_filter(allowed, text)
    except Invalid as refused:
        raise Invalid([Problem(f"{ATTRIBUTES}.filter", p.kind, p.expected, p.got, p.detail)
                       for p in refused.problems]) from None
    fields = [field for field, _, _ in conditions]
    repeated = next((f for f in fields if fields.count(f) > 1), None)
    if repeated:
        raise _problem("filter", detail=f"Only one filter can be used per attribute: '{repeated}' has more.")
    for field, op, value in conditions:
        values = value if isinstance(value, list) else [value]
        if len(values) > MAX_FILTER_ITEMS:
            raise _problem("filter", detail=f"At most {MAX_FILTER_ITEMS} items per list filter.")
        if field == "send_channel" and any(v not in SEND_CHANNELS for v in values):
            raise _problem("filter", detail=f"send_channel may be one of {', '.join(SEND_CHANNELS)}.")
    return conditions


def _report_query(kind: str, series: bool) -> reporting.ReportQuery:
    attributes = checked_body(g.operation.id)["data"]["attributes"]
    statistics = _strings(attributes, "statistics", reporting.STATISTICS)
    tz = reporting.zone_of(account())
    start, end = reporting.timeframe(attributes["timeframe"], now(), tz)
    interval = None
    if series:
        interval = attributes["interval"]
        if interval not in reporting.UNITS:
            raise _problem("interval", "enum", expected=list(reporting.UNITS), got=interval)
        longest = reporting.SERIES_SPANS.get(interval)
        if longest is not None and end - start > longest:
            raise _problem("interval", detail=f"A {interval} series covers at most {longest.days} days.")
    allowed, required, default = GROUP_BY[kind]
    group_by = _strings(attributes, "group_by", allowed, required=False) or list(default)
    missing = [name for name in required if name not in group_by]
    if missing:
        raise _problem("group_by", "required", detail=f"group_by must include {' and '.join(required)}.")
    metric_id = attributes["conversion_metric_id"]
    return reporting.ReportQuery(kind, statistics, start, end, _metric(metric_id, "conversion_metric_id"),
                                 list(dict.fromkeys(group_by)), _report_filter(kind, attributes.get("filter")),
                                 interval)


def _answer(kind: str, series: bool):
    query = _report_query(kind, series)
    sandbox = g.sandbox
    figures = reporting.report(account(), sandbox.messages.messages(vendor="klaviyo", account=g.account_id), query,
                               reporting.zone_of(account()))
    related = {f"{kind}s": sorted({r["groupings"][f"{kind}_id"] for r in figures["results"]})}
    if kind == "flow":  # the campaign report's relationships name only its campaigns
        related["flow-messages"] = sorted({r["groupings"]["flow_message_id"] for r in figures["results"]})
    relationships = {name: {"data": [{"type": name.rstrip("s"), "id": i} for i in ids]} for name, ids in related.items()}
    return jsonify({"data": {"type": g.operation.facts["request_type"], "attributes": figures,
                             "relationships": relationships}, "links": {"self": request.base_url}})


@api_blueprint.post("/flow-values-reports")
@operation("query_flow_values")
def query_flow_values():
    return _answer("flow", series=False)


@api_blueprint.post("/flow-series-reports")
@operation("query_flow_series")
def query_flow_series():
    return _answer("flow", series=True)


@api_blueprint.post("/campaign-values-reports")
@operation("query_campaign_values")
def query_campaign_values():
    return _answer("campaign", series=False)


# -- metric aggregates -------------------------------------------------------------------------------

def _aggregate_window(filters, tz) -> tuple:
    """[start, end) from the required `greater-or-equal(datetime,...)` and `less-than(datetime,...)`
    (wall times in `timezone`), and the other conditions (on `by` dimensions)."""
    if not isinstance(filters, list) or not all(isinstance(f, str) for f in filters):
        raise _problem("filter", "type", expected="an array of strings")
    allowed = {name: {"equals", "contains-any"} for name in DIMENSIONS}
    allowed["datetime"] = {"greater-or-equal", "less-than"}
    bounds, conditions = {}, []
    for text in filters:
        try:
            parsed = parse_filter(allowed, text)
        except Invalid as refused:
            raise Invalid([Problem(f"{ATTRIBUTES}.filter", p.kind, p.expected, p.got, p.detail)
                           for p in refused.problems]) from None
        for field, op, value in parsed:
            if field == "datetime":
                if not hasattr(value, "tzinfo"):
                    raise _problem("filter", "format", expected="date-time", got=value)
                bounds[op] = value.replace(tzinfo=None).replace(tzinfo=tz)
            else:
                conditions.append((field, op, value))
    if set(bounds) != {"greater-or-equal", "less-than"}:
        raise _problem("filter", "required", detail="The filter must give a time range: greater-or-equal(datetime,...) "
                                                    "and less-than(datetime,...).")
    start, end = bounds["greater-or-equal"], bounds["less-than"]
    if end <= start or end - start > reporting.MAX_TIMEFRAME:
        raise _problem("filter", detail="The time range must end after it starts, at most one year later.")
    return start, end, conditions


def _zone(name) -> _dt.tzinfo:
    found = known_zone(name)
    if found is None:
        raise _problem("timezone", detail=f"'{name}' is not a known IANA timezone.")
    return found


def _sorted(rows: list[dict], key: str | None, by: list[str]) -> list[dict]:
    """Rows by a dimension or a measurement's total (`-` first: descending)."""
    if not key:
        return rows
    name = key.lstrip("-")
    if name in by:
        index = by.index(name)
        return sorted(rows, key=lambda r: r["dimensions"][index], reverse=key.startswith("-"))
    if name in MEASUREMENTS and all(name in r["measurements"] for r in rows):
        return sorted(rows, key=lambda r: sum(r["measurements"][name]), reverse=key.startswith("-"))
    raise _problem("sort", detail=f"Cannot sort by '{name}': sort by a `by` dimension or a requested measurement.")


@api_blueprint.post("/metric-aggregates")
@operation("query_metric_aggregates")
def query_metric_aggregates():
    attributes = checked_body(g.operation.id)["data"]["attributes"]
    metric_id = _metric(attributes["metric_id"], "metric_id")
    measurements = _strings(attributes, "measurements", MEASUREMENTS)
    interval = attributes.get("interval") or "day"
    if interval not in AGGREGATE_INTERVALS:
        raise _problem("interval", "enum", expected=list(AGGREGATE_INTERVALS), got=interval)
    by = _strings(attributes, "by", DIMENSIONS, required=False) or []
    tz = _zone(attributes.get("timezone") or "UTC")
    start, end, conditions = _aggregate_window(attributes["filter"], tz)
    size = attributes.get("page_size") or 500
    dates, rows = reporting.aggregate(account(), g.sandbox.messages.messages(vendor="klaviyo", account=g.account_id),
                                      metric_id, measurements, start, end, interval, by, conditions, tz)
    rows = _sorted(rows, attributes.get("sort"), by)[:max(1, size)]
    data = {"type": "metric-aggregate", "id": account().ids.next("metric-aggregate", "uuid"),
            "attributes": {"dates": dates, "data": rows}, "links": {"self": request.base_url}}
    return jsonify({"data": data, "links": {"self": request.base_url}})
