"""The engine's vendor-neutral pieces: filter operators, durations on a calendar, A/B choice,
personalization, the run trace and webhook delivery."""
from __future__ import annotations

import datetime as _dt
import threading

import httpx
import pytest

from simulator.core.outbox import Message, Outbox
from simulator.core.timefmt import zone
from simulator.engine import choice, durations, filters, messages
from simulator.engine.runs import Run, RunLog
from simulator.engine.templating import render
from simulator.engine.webhooks import WebhookCall, WebhookPoster
from simulator.errors import Invalid, NotFound

UTC = _dt.timezone.utc
NY = zone("America/New_York")
ORDER = {"totalPrice": 120.5, "currency": "USD", "tags": ["vip", "gift"], "note": None,
         "cart": {"items": [{"price": 10, "title": "Red Shirt"}, {"price": 55.5, "title": "Blue Jeans"}]},
         "a.b": "dotted key"}


def at(text: str) -> _dt.datetime:
    return _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


# -- filters -----------------------------------------------------------------------------------

@pytest.mark.parametrize("field, op, value, expected", [
    ("totalPrice", "eq", 120.5, True), ("totalPrice", "eq", "120.5", False), ("totalPrice", "neq", 100, True),
    ("totalPrice", "gt", 120, True), ("totalPrice", "gte", 120.5, True), ("totalPrice", "lt", 120.5, False),
    ("totalPrice", "lte", 120.5, True), ("currency", "gt", 1, False),
    ("currency", "contains", "SD", True), ("currency", "notContains", "SD", False),
    ("currency", "startsWith", "US", True), ("currency", "endsWith", "D", True), ("currency", "eq", "usd", False),
    ("tags", "contains", "vip", True), ("tags", "contains", "vi", False), ("tags", "eq", "gift", True),
    ("tags", "notContains", "sale", True),
    ("currency", "in", ["EUR", "USD"], True), ("currency", "notIn", ["EUR", "USD"], False), ("currency", "in", "USD", False),
    ("currency", "exists", None, True), ("note", "exists", None, False), ("missing", "notExists", None, True),
    ("missing", "neq", 5, True), ("missing", "eq", None, False),
    ("cart.items.price", "gt", 50, True), ("cart.items.price", "gt", 60, False), ("cart.items.price", "eq", 10, True),
    ("cart.items.title", "contains", "Jeans", True), ("cart.items.price", "lt", 5, False),
    ("a.b", "eq", "dotted key", True), ("totalPrice", "bogus", 1, False),
])
def test_operators_on_property_paths(field, op, value, expected):
    assert filters.matches(ORDER, {"field": field, "operator": op, "value": value}) is expected


def test_booleans_are_not_numbers_and_folding_is_opt_in():
    assert filters.test("eq", [True], 1) is False and filters.test("eq", [1], 1.0) is True
    assert filters.test("gt", [True], 0) is False
    assert filters.test("eq", ["Vilnius"], "vilnius", fold=True) and not filters.test("eq", ["Vilnius"], "vilnius")


def test_groups_and_or_and_anded_groups():
    yes, no = {"field": "currency", "operator": "eq", "value": "USD"}, {"field": "currency", "operator": "eq", "value": "EUR"}
    holds = lambda rule: filters.matches(ORDER, rule)  # noqa: E731
    assert filters.group_holds({"logicalOperator": "or", "filters": [yes, no]}, holds)
    assert not filters.group_holds({"logicalOperator": "and", "filters": [yes, no]}, holds)
    assert filters.group_holds(None, holds) and filters.groups_hold([], holds)
    assert not filters.groups_hold([{"logicalOperator": "or", "filters": [yes]},
                                    {"logicalOperator": "or", "filters": [no]}], holds)


# -- durations ---------------------------------------------------------------------------------

def test_minutes_and_hours_are_elapsed_time_days_are_calendar_days():
    before_dst_end = at("2026-10-31T14:00:00Z")  # 10:00 in New York (EDT); DST ends Nov 1
    assert durations.add(before_dst_end, 24, "h", NY) == at("2026-11-01T14:00:00Z")  # 09:00 EST
    assert durations.add(before_dst_end, 1, "d", NY) == at("2026-11-01T15:00:00Z")  # still 10:00 local
    assert durations.add(before_dst_end, 1, "w", NY) == at("2026-11-07T15:00:00Z")
    assert durations.add(before_dst_end, 90, "m") == at("2026-10-31T15:30:00Z")


def test_months_clamp_to_the_end_of_the_month():
    assert durations.add(at("2026-01-31T09:00:00Z"), 1, "M") == at("2026-02-28T09:00:00Z")
    assert durations.add(at("2026-11-30T09:00:00Z"), 3, "M") == at("2027-02-28T09:00:00Z")
    assert durations.add(at("2028-01-31T09:00:00Z"), 1, "M") == at("2028-02-29T09:00:00Z")
    with pytest.raises(ValueError):
        durations.add(at("2026-01-31T09:00:00Z"), 1, "y")


def test_specific_time_today_or_tomorrow_in_the_brand_timezone():
    now = at("2026-11-02T15:00:00Z")  # 10:00 EST
    assert durations.next_time_of_day(now, "11:30", NY) == at("2026-11-02T16:30:00Z")
    assert durations.next_time_of_day(now, "09:30", NY) == at("2026-11-03T14:30:00Z")  # passed: tomorrow
    assert durations.next_time_of_day(now, "10:00", NY) == now  # not passed yet: now
    gap = durations.next_time_of_day(at("2026-03-08T05:00:00Z"), "02:30", NY)  # 02:30 does not exist that day
    assert gap == at("2026-03-08T07:30:00Z")  # 03:30 EDT


def test_allowed_weekdays_move_forward_keeping_the_time_of_day():
    saturday = at("2026-11-07T15:00:00Z")  # Saturday 10:00 EST
    assert durations.on_allowed_weekday(saturday, ["monday", "friday"], NY) == at("2026-11-09T15:00:00Z")
    assert durations.on_allowed_weekday(saturday, ["saturday"], NY) == saturday
    assert durations.on_allowed_weekday(saturday, None, NY) == saturday
    late = at("2026-11-07T03:00:00Z")  # Friday 22:00 in New York, Saturday in UTC
    assert durations.on_allowed_weekday(late, ["friday"], NY) == late


@pytest.mark.parametrize("delay, expected", [
    ({"mode": "immediate"}, "2026-11-06T20:00:00Z"),
    ({"mode": "duration", "duration": {"amount": 2, "units": "d"}}, "2026-11-08T20:00:00Z"),
    ({"mode": "duration", "duration": {"amount": 2, "units": "d"}, "allowedWeekdays": ["monday"]}, "2026-11-09T20:00:00Z"),
    ({"mode": "specificTime", "time": "09:00"}, "2026-11-07T14:00:00Z"),
    ({"mode": "specificTime", "time": "09:00", "allowedWeekdays": ["tuesday", "wednesday"]}, "2026-11-10T14:00:00Z"),
    ({"mode": "immediate", "allowedWeekdays": ["sunday"]}, "2026-11-08T20:00:00Z"),
])
def test_resolve_delay(delay, expected):
    friday_3pm_ny = at("2026-11-06T20:00:00Z")
    assert durations.resolve_delay(friday_3pm_ny, delay, NY) == at(expected)


def test_unknown_zone_falls_back_to_utc():
    assert zone("Not/AZone") is UTC and zone(None) is UTC


# -- choice, personalization --------------------------------------------------------------------

def test_ab_choice_is_fixed_per_input_and_near_the_percentage():
    picks = [choice.takes_first(7, 30, "brand", "wf", "block", f"contact{i}") for i in range(2000)]
    assert picks == [choice.takes_first(7, 30, "brand", "wf", "block", f"contact{i}") for i in range(2000)]
    assert 0.26 < sum(picks) / len(picks) < 0.34
    assert picks != [choice.takes_first(8, 30, "brand", "wf", "block", f"contact{i}") for i in range(2000)]
    assert all(choice.takes_first(7, 100, i) for i in range(100)) and not any(choice.takes_first(7, 0, i) for i in range(100))


def test_personalization_tags():
    contact = {"email": "ann@example.com", "firstName": "Ann"}
    text = "Hi [[contact.first_name]] <[[contact.email]]>, cart [[event.cartID]] [[contact.nickname]]"
    assert render(text, contact, {"cartID": "c1"}) == "Hi Ann <ann@example.com>, cart c1 [[contact.nickname]]"
    assert render(None, contact, {}) is None


# -- trace, engagement ---------------------------------------------------------------------------

def test_run_json_and_filters():
    log = RunLog()
    now = at("2026-11-02T10:00:00Z")
    run = log.add(Run("r1", "omnisend", "b1", "w1", "Welcome", "c1", "ann@example.com",
                      {"name": "placed order"}, now))
    run.step("s1", "delay", now, "waited", "until later")
    run.step("s2", "sendEmail", now, "sent", "email", message_id="m1")
    run.finish("completed", now, "end")
    log.add(Run("r2", "klaviyo", "k1", "w2", "Other", "c2", "bob@example.com", {}, now))
    [shown] = [r.to_json() for r in log.runs(vendor="omnisend", recipient="ann@example.com", workflow_id="w1")]
    assert shown["status"] == "completed" and shown["finished_at"] == "2026-11-02T10:00:00Z"
    assert shown["steps"][1] == {"step_id": "s2", "type": "sendEmail", "at": "2026-11-02T10:00:00Z",
                                 "outcome": "sent", "reason": "email", "message_id": "m1"}
    assert len(log.runs(status="pending")) == 1 and len(log) == 2
    log.clear()
    assert log.runs() == []


def test_engagement_on_a_message():
    outbox = Outbox()
    message = outbox.add(Message("m1", "omnisend", "b", "email", "a@x.io", "w", "W", "s", "Hi", "t"))
    now = at("2026-11-02T10:00:00Z")
    assert not messages.engaged(message, "open")
    messages.engage(outbox, "m1", "click", "https://shop.example/sale?x=1", now)
    assert not messages.engaged(message, "open")  # a click is not an open
    assert messages.engaged(message, "click", None) and messages.engaged(message, "click", {"operator": "any"})
    assert messages.engaged(message, "click", {"operator": "contains", "value": "/sale"})
    assert messages.engaged(message, "click", {"operator": "startsWith", "value": "https://shop"})
    assert not messages.engaged(message, "click", {"operator": "is", "value": "https://shop.example/sale"})
    assert message.engagement == [{"type": "click", "at": "2026-11-02T10:00:00Z", "url": "https://shop.example/sale?x=1"}]
    with pytest.raises(NotFound):
        messages.engage(outbox, "nope", "open", None, now)
    with pytest.raises(Invalid):
        messages.engage(outbox, "m1", "bounce", None, now)
    assert not messages.engaged(None, "open")


# -- webhooks ---------------------------------------------------------------------------------------

def test_webhook_delivery_inline_and_in_the_background():
    seen = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append((str(request.url), request.headers["X-Key"], request.content))
        return httpx.Response(204) if str(request.url).endswith("/ok") else httpx.Response(500)

    lock = threading.RLock()
    outcomes = []
    poster = WebhookPoster(lock, transport=httpx.MockTransport(answer), background=False)
    poster.submit(WebhookCall("https://hooks.example/ok", {"X-Key": "k"}, '{"a":1}', outcomes.append))
    assert outcomes == [{"state": "delivered", "status": 204}] and seen[0][2] == b'{"a":1}'

    poster.background = True
    for path in ("ok", "broken"):
        poster.submit(WebhookCall(f"https://hooks.example/{path}", {"X-Key": "k"}, "{}", outcomes.append))
    assert poster.drain(timeout=10)
    assert outcomes[1:] == [{"state": "delivered", "status": 204}, {"state": "delivered", "status": 500}]


def test_webhook_failure_is_an_outcome_not_an_exception():
    def refuse(request):
        raise httpx.ConnectError("connection refused", request=request)

    outcomes = []
    poster = WebhookPoster(threading.RLock(), transport=httpx.MockTransport(refuse), background=False)
    poster.submit(WebhookCall("https://down.example/", {}, "{}", outcomes.append))
    assert outcomes == [{"state": "failed", "error": "ConnectError: connection refused"}]
