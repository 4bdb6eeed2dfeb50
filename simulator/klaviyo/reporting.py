"""Klaviyo's reports, computed from what the sandbox really sent and earned: the flow and campaign
values reports, the flow series report and metric aggregates.

What they read: the account's messages in the outbox (flow sends carry the flow's id, campaign sends
their `campaign_id`), the opens and clicks recorded on them (`/_sim/engagement`), and the account's
events of the conversion metric (e.g. Placed Order, with its `value`).

Attribution (https://help.klaviyo.com/hc/en-us/articles/28413442705435): a conversion is credited to
one message, the one with its profile's latest touch before it that is still within that touch's
window: an email opened or clicked (5 days each), an SMS clicked (5 days) or delivered (12 hours), a
push opened (24 hours). Each window is a setting (`klaviyo_attribution_*_hours`; 0 turns the touch
off). A window runs from the touch itself (the sandbox's reading; Klaviyo's help does not say).

The Reporting API counts by send date ("performance in the Klaviyo UI is calculated based on send
date", https://developers.klaviyo.com/en/reference/reporting_api_overview): a message sent inside
the timeframe brings its opens, clicks and credited conversions, whenever they happened. Metric
aggregates count events by their own time. Timeframes and intervals are read in the account's
timezone (`zone_of`)."""
from __future__ import annotations

import bisect
import calendar
import datetime as _dt
from collections import defaultdict
from dataclasses import dataclass

from simulator.core.outbox import Message
from simulator.core.timefmt import parse_instant, zone
from simulator.errors import Invalid, NotFound, Problem
from simulator.klaviyo.account import Account
from simulator.klaviyo.account_settings import account_settings_of
from simulator.klaviyo.events import Event, events_of
from simulator.klaviyo.flows import flows_of
from simulator.klaviyo.profiles import profiles_of

SEND_CHANNEL = {"email": "email", "sms": "sms", "push": "push-notification"}
# The touches each channel's messages give, and the setting that holds each one's window.
TOUCHES = {("email", "open"): "klaviyo_attribution_email_open_hours",
           ("email", "click"): "klaviyo_attribution_email_click_hours",
           ("sms", "click"): "klaviyo_attribution_sms_click_hours",
           ("sms", "delivery"): "klaviyo_attribution_sms_delivery_hours",
           ("push", "open"): "klaviyo_attribution_push_open_hours"}
DAY = _dt.timedelta(days=1)
MAX_TIMEFRAME = _dt.timedelta(days=366)  # "Max length: 1 year"
SERIES_SPANS = {"hourly": _dt.timedelta(days=7), "daily": _dt.timedelta(days=60), "monthly": _dt.timedelta(weeks=52)}
UNITS = {"hourly": "hour", "daily": "day", "weekly": "week", "monthly": "month"}  # a series interval's unit
TIMEFRAME_KEYS = ("last_12_months", "last_30_days", "last_365_days", "last_3_months", "last_7_days", "last_90_days",
                  "last_month", "last_week", "last_year", "this_month", "this_week", "this_year", "today", "yesterday")


def zone_of(account: Account) -> _dt.tzinfo:
    """The account's timezone (`GET /api/accounts`, UTC unless set through `/_sim/klaviyo/account`)."""
    return zone(account_settings_of(account).timezone)


# -- timeframes and intervals -------------------------------------------------------------------------

def _midnight(moment: _dt.datetime) -> _dt.datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def _months_back(day: _dt.datetime, months: int) -> _dt.datetime:
    month = day.month - 1 - months
    year, month = day.year + month // 12, month % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def timeframe(value, now: _dt.datetime, tz: _dt.tzinfo, path: str = "data.attributes.timeframe"
              ) -> tuple[_dt.datetime, _dt.datetime]:
    """[start, end) of a `{key}` or `{start, end}` timeframe, in `tz`. Keys are calendar periods in
    the account's timezone; `last_N_days` are the N days ending with today, `last_N_months` the
    months back to the same day, weeks start on Monday. A custom range's offsets are ignored: its
    wall times are read in the account's timezone, as the spec says."""
    today = _midnight(now.astimezone(tz))
    if isinstance(value, dict) and set(value) == {"key"}:
        key = value["key"]
        if key not in TIMEFRAME_KEYS:
            raise Invalid([Problem(f"{path}.key", "enum", expected=list(TIMEFRAME_KEYS), got=key)])
        tomorrow, week = today + DAY, today - (today.weekday()) * DAY
        month, year = today.replace(day=1), today.replace(month=1, day=1)
        span = {"today": (today, tomorrow), "yesterday": (today - DAY, today),
                "last_7_days": (tomorrow - 7 * DAY, tomorrow), "last_30_days": (tomorrow - 30 * DAY, tomorrow),
                "last_90_days": (tomorrow - 90 * DAY, tomorrow), "last_365_days": (tomorrow - 365 * DAY, tomorrow),
                "this_week": (week, week + 7 * DAY), "last_week": (week - 7 * DAY, week),
                "this_month": (month, _months_back(month, -1)), "last_month": (_months_back(month, 1), month),
                "last_3_months": (_months_back(tomorrow, 3), tomorrow),
                "last_12_months": (_months_back(tomorrow, 12), tomorrow),
                "this_year": (year, year.replace(year=year.year + 1)), "last_year": (year.replace(year=year.year - 1), year)}
        return tuple(_local(moment, tz) for moment in span[key])
    if not isinstance(value, dict) or set(value) != {"start", "end"}:
        raise Invalid([Problem(path, "invalid", detail="A timeframe is {\"key\": ...} or {\"start\": ..., \"end\": ...}.")])
    bounds = []
    for name in ("start", "end"):
        try:
            wall = _dt.datetime.fromisoformat(str(value[name]).replace("Z", "+00:00")).replace(tzinfo=None)
        except ValueError:
            raise Invalid([Problem(f"{path}.{name}", "format", expected="date-time", got=value[name])]) from None
        bounds.append(_local(wall, tz))
    start, end = bounds
    if end <= start:
        raise Invalid([Problem(path, "invalid", detail="The timeframe's end must be after its start.")])
    if end - start > MAX_TIMEFRAME:
        raise Invalid([Problem(path, "invalid", detail="The timeframe may be at most one year long.")])
    return start, end


def _local(wall: _dt.datetime, tz: _dt.tzinfo) -> _dt.datetime:
    """A wall time in `tz` as an instant."""
    return wall.replace(tzinfo=None).replace(tzinfo=tz)


def buckets(start: _dt.datetime, end: _dt.datetime, unit: str, tz: _dt.tzinfo) -> list[_dt.datetime]:
    """The starts of the intervals (`unit`: hour, day, week from Monday, month) that cover [start, end)."""
    local = start.astimezone(tz)
    first = {"hour": local.replace(minute=0, second=0, microsecond=0), "day": _midnight(local),
             "week": _midnight(local) - local.weekday() * DAY, "month": _midnight(local).replace(day=1)}[unit]
    found, wall = [], first.replace(tzinfo=None)
    while _local(wall, tz) < end:
        found.append(_local(wall, tz))
        wall = (_months_back(wall, -1) if unit == "month" else
                wall + {"hour": _dt.timedelta(hours=1), "day": DAY, "week": 7 * DAY}[unit])
    return found


def stamp(moment: _dt.datetime, tz: _dt.tzinfo) -> str:
    """`2024-01-05T00:00:00+00:00`: the spec's date-time shape, in the account's timezone."""
    return moment.astimezone(tz).isoformat(timespec="seconds")


# -- sends, touches and attribution ------------------------------------------------------------------

@dataclass(frozen=True)
class Send:
    """One message sent, with the profile it went to and the groupings a report reads."""
    message: Message
    profile_id: str | None
    sent: _dt.datetime
    groupings: dict


def sends(account: Account, messages: list[Message]) -> list[Send]:
    """The account's real sends (no test sends), flow and campaign alike."""
    profiles, flows = profiles_of(account), flows_of(account)
    found = []
    for message in messages:
        if message.test or message.account != account.id or message.vendor != "klaviyo":
            continue
        profile = (profiles.records.find(message.recipient) or profiles.holder("email", message.recipient)
                   or profiles.holder("phone_number", message.recipient))
        channel = SEND_CHANNEL.get(message.channel, message.channel)
        campaign_id = getattr(message, "campaign_id", None)
        if campaign_id:
            groupings = {"campaign_id": campaign_id, "campaign_message_id": message.step_id,
                         "campaign_message_name": message.subject, "send_channel": channel}
        else:
            flow_message = _flow_message(flows, message.step_id)
            groupings = {"flow_id": message.workflow_id, "flow_name": message.workflow_name,
                         "flow_message_id": flow_message.id if flow_message else message.step_id,
                         "flow_message_name": flow_message.name if flow_message else message.subject,
                         "send_channel": channel}
        found.append(Send(message, profile.id if profile else None, parse_instant(message.sent_at), groupings))
    return found


def _flow_message(flows, action_id: str):
    """The message of the send action `action_id`, or None once the flow is gone."""
    try:
        messages = flows.action(action_id).messages
    except NotFound:
        return None
    return messages[0] if messages else None


def windows(settings) -> dict[tuple[str, str], _dt.timedelta]:
    return {touch: _dt.timedelta(hours=getattr(settings, name)) for touch, name in TOUCHES.items()}


def credit(sent: list[Send], conversions: list[Event], spans: dict[tuple[str, str], _dt.timedelta]
           ) -> dict[str, tuple[Send, _dt.datetime, str]]:
    """Each credited conversion's event id -> (the message credited, the touch's time, its kind):
    last touch wins among the touches whose window holds the conversion; ties go to the later send."""
    touches: dict[str, list[tuple[_dt.datetime, int, str, Send]]] = defaultdict(list)
    for order, send in enumerate(sent):
        if send.profile_id is None:
            continue
        channel = send.message.channel
        moments = [(send.sent, "delivery")] + [(parse_instant(e["at"]), e["type"]) for e in send.message.engagement]
        for moment, kind in moments:
            if spans.get((channel, kind)):
                touches[send.profile_id].append((moment, order, kind, send))
    for listed in touches.values():
        listed.sort(key=lambda t: (t[0], t[1]))
    credited = {}
    for event in conversions:
        for moment, _, kind, send in reversed(touches.get(event.profile_id, ())):
            if moment <= event.time and event.time - moment <= spans[(send.message.channel, kind)]:
                credited[event.id] = (send, moment, kind)
                break
    return credited


def value_of(event: Event) -> float:
    """The conversion's value: `value`, else the `$value` property, else 0."""
    value = event.value if event.value is not None else event.properties.get("$value")
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0


# -- statistics ---------------------------------------------------------------------------------------

STATISTICS = ("average_order_value", "bounce_rate", "bounced", "bounced_or_failed", "bounced_or_failed_rate",
              "click_rate", "click_to_open_rate", "clicks", "clicks_unique", "conversion_rate", "conversion_uniques",
              "conversion_value", "conversions", "delivered", "delivery_rate", "failed", "failed_rate",
              "message_segment_count_sum", "open_rate", "opens", "opens_unique", "recipients", "revenue_per_recipient",
              "spam_complaint_rate", "spam_complaints", "text_message_credit_usage_amount", "text_message_roi",
              "text_message_spend", "unsubscribe_rate", "unsubscribe_uniques", "unsubscribes")
MONEY = ("average_order_value", "conversion_value", "revenue_per_recipient")


def _ratio(a: float, b: float) -> float:
    return a / b if b else 0.0


def statistics(group: list[Send], conversions: dict[str, list[Event]], wanted: list[str]) -> dict:
    """The wanted statistics of these sends. Every message is delivered (the sandbox has no bounces,
    failures, spam complaints, unsubscribes from a message or SMS costs: those count 0); uniques
    count profiles (a recipient no profile holds counts by address)."""
    def who(send: Send) -> str:
        return send.profile_id or send.message.recipient

    def engaged(kind: str) -> list[Send]:
        return [s for s in group for e in s.message.engagement if e["type"] == kind]
    credited = [(s, e) for s in group for e in conversions.get(s.message.id, ())]
    delivered = len(group)
    opens, clicks = engaged("open"), engaged("click")
    opened, clicked = {who(s) for s in opens}, {who(s) for s in clicks}
    converted = {who(s) for s, _ in credited}
    value = sum(value_of(e) for _, e in credited)
    found = {"recipients": delivered, "delivered": delivered, "delivery_rate": _ratio(delivered, delivered),
             "opens": len(opens), "opens_unique": len(opened), "open_rate": _ratio(len(opened), delivered),
             "clicks": len(clicks), "clicks_unique": len(clicked), "click_rate": _ratio(len(clicked), delivered),
             "click_to_open_rate": _ratio(len(clicked), len(opened)),
             "conversions": len(credited), "conversion_uniques": len(converted),
             "conversion_rate": _ratio(len(converted), delivered), "conversion_value": value,
             "revenue_per_recipient": _ratio(value, delivered), "average_order_value": _ratio(value, len(credited))}
    return {name: round(found[name], 2) if name in MONEY else found.get(name, 0) for name in wanted}


# -- the reports --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ReportQuery:
    """A values or series report's request, checked: which sends (flow or campaign), how grouped and
    filtered, the conversion metric and the timeframe."""
    kind: str  # flow | campaign
    statistics: list[str]
    start: _dt.datetime
    end: _dt.datetime
    conversion_metric_id: str
    group_by: list[str]
    conditions: list[tuple[str, str, object]]
    interval: str | None = None


def _matches(groupings: dict, conditions) -> bool:
    for field, op, wanted in conditions:
        actual = groupings.get(field)
        if op == "equals" and actual != wanted:
            return False
        if op == "contains-any" and actual not in wanted:
            return False
    return True


def report(account: Account, messages: list[Message], query: ReportQuery, tz: _dt.tzinfo) -> dict:
    """`{"results": [{"groupings", "statistics"}]}` (values), with `date_times` and a list per
    statistic when the query has an interval (series); groups in order of their groupings."""
    every = sends(account, messages)
    conversions = events_of(account).of(metric_id=query.conversion_metric_id)
    by_message: dict[str, list[Event]] = defaultdict(list)
    for event_id, (send, _, _) in credit(every, conversions, windows(account.settings)).items():
        by_message[send.message.id].append(events_of(account).records.get(event_id))
    id_field = f"{query.kind}_id"
    chosen = [s for s in every if id_field in s.groupings and query.start <= s.sent < query.end
              and _matches(s.groupings, query.conditions)]
    groups: dict[tuple, list[Send]] = defaultdict(list)
    for send in chosen:
        groups[tuple(send.groupings.get(name) for name in query.group_by)].append(send)
    starts = buckets(query.start, query.end, UNITS[query.interval], tz) if query.interval else None
    results = []
    for key in sorted(groups, key=lambda k: tuple(str(v) for v in k)):
        group = groups[key]
        if starts is None:
            figures = statistics(group, by_message, query.statistics)
        else:
            columns = [statistics([s for s in group if _bucket(starts, s.sent) == i], by_message, query.statistics)
                       for i in range(len(starts))]
            figures = {name: [column[name] for column in columns] for name in query.statistics}
        results.append({"groupings": dict(zip(query.group_by, key)), "statistics": figures})
    found = {"results": results}
    if starts is not None:
        found["date_times"] = [stamp(moment, tz) for moment in starts]
    return found


def _bucket(starts: list[_dt.datetime], moment: _dt.datetime) -> int:
    """The index of the interval `moment` falls in (the last one starting at or before it)."""
    return bisect.bisect_right(starts, moment) - 1


# -- metric aggregates --------------------------------------------------------------------------------

def aggregate(account: Account, messages: list[Message], metric_id: str, measurements: list[str],
              start: _dt.datetime, end: _dt.datetime, interval: str, by: list[str],
              conditions: list[tuple[str, str, object]], tz: _dt.tzinfo) -> tuple[list[str], list[dict]]:
    """(dates, rows) of `query_metric_aggregates`: the metric's events in [start, end) by their own
    time, per interval, one row per combination of the `by` dimensions. A dimension is the event's
    property of that name; `$attributed_flow`, `$attributed_message` and `$attributed_channel` are
    the flow (or campaign), message and channel the event is credited to (see `credit`)."""
    events = [e for e in events_of(account).of(metric_id=metric_id) if start <= e.time < end]
    attributed = {}
    if any(d.startswith("$attributed_") for d in by) or any(f.startswith("$attributed_") for f, _, _ in conditions):
        attributed = credit(sends(account, messages), events, windows(account.settings))
    starts = buckets(start, end, interval, tz)

    def dimension(event: Event, name: str):
        if name.startswith("$attributed_"):
            send = attributed.get(event.id, (None,))[0]
            if send is None:
                return None
            g = send.groupings
            return {"$attributed_flow": g.get("flow_id") or g.get("campaign_id"),
                    "$attributed_message": g.get("flow_message_id") or g.get("campaign_message_id"),
                    "$attributed_channel": g.get("send_channel")}.get(name)
        value = event.properties.get(name)
        if name == "$value_currency" and value is None:
            value = event.value_currency
        return value
    kept = [e for e in events if _matches({f: dimension(e, f) for f, _, _ in conditions}, conditions)]
    rows: dict[tuple, list[list[Event]]] = {}
    for event in kept:
        key = tuple("" if dimension(event, d) is None else str(dimension(event, d)) for d in by)
        rows.setdefault(key, [[] for _ in starts])[_bucket(starts, event.time)].append(event)
    data = []
    for key in sorted(rows):
        figures = {"count": [len(b) for b in rows[key]],
                   "sum_value": [round(sum(value_of(e) for e in b), 2) for b in rows[key]],
                   "unique": [len({e.profile_id for e in b}) for b in rows[key]]}
        data.append({"dimensions": list(key), "measurements": {m: figures[m] for m in measurements}})
    return [stamp(moment, tz) for moment in starts], data
