"""Klaviyo's reports computed from the sandbox's own sends, engagement and orders.

End to end through the official Python SDK: a live flow mails four shoppers, the opens and clicks are
recorded through the engagement control, orders arrive as Placed Order events, and the flow-values
report says what the outbox and the orders say, an order outside the 5-day window included (not
counted). Then the series report, metric aggregates, the campaign report (unit level: campaign sends
are outbox messages carrying `campaign_id`), the request checks and the rate limits (1/s, 2/m, 225/d)."""
from __future__ import annotations

import datetime as _dt

import pytest

from simulator import Sandbox
from simulator.core.outbox import Message
from simulator.engine.messages import send as send_message
from simulator.klaviyo import reporting
from simulator.klaviyo.metrics import metrics_of
from simulator.server import LiveServer
from tests.conftest import START

klaviyo_api = pytest.importorskip("klaviyo_api", reason="the test extras install klaviyo-api")

HOUR = 3600
DAY = 24 * HOUR
STATISTICS = ["recipients", "delivered", "opens", "opens_unique", "clicks", "clicks_unique", "conversions",
              "conversion_uniques", "conversion_value", "open_rate", "click_rate", "conversion_rate",
              "revenue_per_recipient", "average_order_value"]


@pytest.fixture
def server():
    running = LiveServer(Sandbox(seed=7, start=START)).start()
    yield running
    running.stop()


def sdk(server: LiveServer) -> "klaviyo_api.KlaviyoAPI":
    return klaviyo_api.KlaviyoAPI(server.sandbox.test_keys()["klaviyo"], max_delay=0.2, max_retries=0,
                                  test_host=f"{server.url}/klaviyo")


def event(email: str, metric: str, **attributes) -> dict:
    return {"data": {"type": "event", "attributes": {
        "properties": {}, "metric": {"data": {"type": "metric", "attributes": {"name": metric}}},
        "profile": {"data": {"type": "profile", "attributes": {"email": email}}}, **attributes}}}


def order(k, server, email: str, value: float, number: str) -> None:
    k.Events.create_event(event(email, "Placed Order", value=value, unique_id=number))
    server.sandbox.clock.advance(seconds=1)


def values_body(metric_id: str, start: str, end: str, statistics=STATISTICS, **more) -> dict:
    return {"data": {"type": "flow-values-report", "attributes": {
        "statistics": statistics, "timeframe": {"start": start, "end": end}, "conversion_metric_id": metric_id,
        **more}}}


@pytest.fixture
def mailed(server):
    """A live flow (Started Checkout, 1 h, an email) has mailed ann, bob, cid and dee. ann opens;
    bob opens and clicks twice; dee opens. ann orders 50 a day later; bob 30 and 20 (two orders);
    cid, who never opened, orders 40; dee orders 70 six days after her open: out of the window."""
    k, sandbox = sdk(server), server.sandbox
    people = ["ann@example.com", "bob@example.com", "cid@example.com", "dee@example.com"]
    k.Events.create_event(event("owner@example.com", "Started Checkout"))
    k.Events.create_event(event("owner@example.com", "Placed Order", value=0))
    sandbox.clock.advance(seconds=1)
    metrics = {m.attributes.name: m.id for m in k.Metrics.get_metrics().data}
    definition = {"triggers": [{"type": "metric", "id": metrics["Started Checkout"]}],
                  "actions": [{"temporary_id": "wait", "type": "time-delay", "links": {"next": "mail"},
                               "data": {"value": 1, "unit": "hours"}},
                              {"temporary_id": "mail", "type": "send-email", "links": {"next": None},
                               "data": {"message": {"subject_line": "Come back", "smart_sending_enabled": False}}}],
                  "entry_action_id": "wait"}
    flow = k.Flows.create_flow({"data": {"type": "flow", "attributes": {"name": "Checkout", "definition": definition}}})
    k.Flows.update_flow(flow.data.id, {"data": {"type": "flow", "id": flow.data.id, "attributes": {"status": "live"}}})
    sent_from = sandbox.clock.now()
    for person in people:
        k.Events.create_event(event(person, "Started Checkout"))
    sandbox.clock.advance(seconds=HOUR + 2)
    mail = {m["recipient"]: m for m in sandbox.outbox(vendor="klaviyo")}
    assert sorted(mail) == people
    sandbox.clock.advance(seconds=HOUR)
    for who, kind in (("ann", "open"), ("bob", "open"), ("bob", "click"), ("bob", "click"), ("dee", "open")):
        sandbox.engage(mail[f"{who}@example.com"]["id"], kind, "https://store.example/cart" if kind == "click" else None)
    sandbox.clock.advance(seconds=DAY)
    order(k, server, "ann@example.com", 50.0, "o-ann")
    order(k, server, "bob@example.com", 30.0, "o-bob-1")
    sandbox.clock.advance(seconds=DAY)
    order(k, server, "bob@example.com", 20.0, "o-bob-2")
    order(k, server, "cid@example.com", 40.0, "o-cid")
    sandbox.clock.advance(seconds=4 * DAY)  # dee's open was 6 days ago: past the 5-day window
    order(k, server, "dee@example.com", 70.0, "o-dee")
    return {"k": k, "flow_id": flow.data.id, "metric": metrics["Placed Order"], "mail": mail,
            "start": sent_from.strftime("%Y-%m-%dT%H:%M:%S"),
            "end": (sent_from + _dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%S")}


def test_the_flow_values_report_says_what_the_outbox_and_the_orders_say(server, mailed):
    k, sandbox = mailed["k"], server.sandbox
    answer = k.Reporting.query_flow_values(values_body(mailed["metric"], mailed["start"], mailed["end"]))
    (row,) = answer.data.attributes.results
    flow = reporting.flows_of(sandbox.klaviyo_account(sandbox.company_id())).get(mailed["flow_id"])
    (flow_message,) = [m for action in flow.actions.values() for m in action.messages]
    assert row.groupings == {"flow_id": mailed["flow_id"], "flow_message_id": row.groupings["flow_message_id"],
                             "send_channel": "email"}
    assert [r.id for r in answer.data.relationships.flows.data] == [mailed["flow_id"]]

    # what the outbox says: every message, every open and click recorded on them
    outbox = sandbox.outbox(vendor="klaviyo")
    engagement = [(m["recipient"], e["type"]) for m in outbox for e in m["engagement"]]
    opens = [who for who, kind in engagement if kind == "open"]
    clicks = [who for who, kind in engagement if kind == "click"]
    # what the orders say: ann's and bob's two follow an open or click within 5 days; cid never
    # opened; dee's came 6 days after her open
    credited = [50.0, 30.0, 20.0]
    statistics = row.statistics
    assert statistics["recipients"] == statistics["delivered"] == len(outbox) == 4
    assert (statistics["opens"], statistics["opens_unique"]) == (len(opens), len(set(opens))) == (3, 3)
    assert (statistics["clicks"], statistics["clicks_unique"]) == (len(clicks), len(set(clicks))) == (2, 1)
    assert (statistics["conversions"], statistics["conversion_uniques"]) == (len(credited), 2)
    assert statistics["conversion_value"] == sum(credited) == 100.0
    assert statistics["open_rate"] == 3 / 4 and statistics["click_rate"] == 1 / 4
    assert statistics["conversion_rate"] == 2 / 4
    assert statistics["revenue_per_recipient"] == 25.0 and statistics["average_order_value"] == round(100 / 3, 2)
    assert flow_message.id == row.groupings["flow_message_id"]


def test_a_longer_window_credits_the_late_order_and_sms_delivery_credits_nothing_for_email(server, mailed):
    server.sandbox.settings.update({"klaviyo_attribution_email_open_hours": 7 * 24})
    server.sandbox.clock.advance(seconds=60)
    answer = mailed["k"].Reporting.query_flow_values(
        values_body(mailed["metric"], mailed["start"], mailed["end"], ["conversions", "conversion_value"]))
    assert answer.data.attributes.results[0].statistics == {"conversions": 4, "conversion_value": 170.0}


def test_series_group_by_filter_and_the_send_date(server, mailed):
    k, sandbox = mailed["k"], server.sandbox
    body = values_body(mailed["metric"], mailed["start"], mailed["end"], ["recipients", "conversion_value"],
                       interval="daily", group_by=["flow_id", "flow_message_id", "flow_name"])
    body["data"]["type"] = "flow-series-report"
    series = k.Reporting.query_flow_series(body).data.attributes
    day = START[:10]
    assert [d.isoformat() for d in series.date_times] == [f"{day}T00:00:00+00:00", "2026-11-03T00:00:00+00:00",
                                                          "2026-11-04T00:00:00+00:00"]  # two days from 10:00
    (row,) = series.results
    assert row.groupings["flow_name"] == "Checkout"
    assert row.statistics == {"recipients": [4, 0, 0], "conversion_value": [100.0, 0.0, 0.0]}  # counted on the send's day

    sandbox.clock.advance(seconds=60)
    other = values_body(mailed["metric"], mailed["start"], mailed["end"], ["recipients"],
                        filter='and(equals(flow_id,"nope"),contains-any(send_channel,["email","sms"]))')
    assert k.Reporting.query_flow_values(other).data.attributes.results == []
    sandbox.clock.advance(seconds=60)
    later = values_body(mailed["metric"], mailed["end"], "2026-11-20T00:00:00", ["recipients"])
    assert k.Reporting.query_flow_values(later).data.attributes.results == []  # sent before the timeframe


def test_series_days_are_the_accounts_days(server, mailed):
    """The account's timezone (`GET /api/accounts`) is the reports' calendar: at UTC+14 the sends of
    11:00 UTC fall on the next local day, and a custom range's wall times are read there too."""
    k, sandbox = mailed["k"], server.sandbox
    assert sandbox.client("sim").post("/klaviyo/account", json={"timezone": "Pacific/Kiritimati"}).status_code == 200
    body = values_body(mailed["metric"], mailed["start"], mailed["end"], ["recipients"], interval="daily")
    body["data"]["type"] = "flow-series-report"
    series = k.Reporting.query_flow_series(body).data.attributes
    assert [d.isoformat() for d in series.date_times] == ["2026-11-02T00:00:00+14:00", "2026-11-03T00:00:00+14:00",
                                                          "2026-11-04T00:00:00+14:00"]
    assert series.results[0].statistics == {"recipients": [0, 4, 0]}


def test_metric_aggregates_count_sum_and_unique_by_day_and_attribution(server, mailed):
    k = mailed["k"]
    body = {"data": {"type": "metric-aggregate", "attributes": {
        "metric_id": mailed["metric"], "measurements": ["count", "sum_value", "unique"], "interval": "day",
        "filter": ["greater-or-equal(datetime,2026-11-02T00:00:00)", "less-than(datetime,2026-11-10T00:00:00)"],
        "timezone": "UTC"}}}
    answer = k.Metrics.query_metric_aggregates(body).data
    dates = [d.date().isoformat() for d in answer.attributes.dates]
    assert dates == [f"2026-11-{d:02}" for d in range(2, 10)]
    (row,) = answer.attributes.data
    by_day = dict(zip(dates, zip(row.measurements["count"], row.measurements["sum_value"], row.measurements["unique"])))
    assert by_day["2026-11-02"] == (1, 0.0, 1)  # the owner's order that made the metric
    assert by_day["2026-11-03"] == (2, 80.0, 2) and by_day["2026-11-04"] == (2, 60.0, 2)
    assert by_day["2026-11-08"] == (1, 70.0, 1)
    assert sum(row.measurements["count"]) == 6

    body["data"]["attributes"].update({"by": ["$attributed_flow"], "measurements": ["sum_value"], "sort": "-sum_value"})
    rows = k.Metrics.query_metric_aggregates(body).data.attributes.data
    totals = {tuple(r.dimensions): sum(r.measurements["sum_value"]) for r in rows}
    assert totals == {(mailed["flow_id"],): 100.0, ("",): 110.0}
    assert [tuple(r.dimensions) for r in rows] == [("",), (mailed["flow_id"],)]

    body["data"]["attributes"]["filter"].append(f'equals($attributed_flow,"{mailed["flow_id"]}")')
    (only,) = k.Metrics.query_metric_aggregates(body).data.attributes.data
    assert sum(only.measurements["sum_value"]) == 100.0


def test_metric_aggregates_refuse_a_missing_time_range_and_an_unknown_zone(sb):
    kl = sb.client("klaviyo-api")
    metric = metrics_of(sb.klaviyo_account(sb.company_id())).named("Placed Order", sb.clock.now()).id

    def ask(**attributes):
        sb.clock.advance(seconds=1)
        return kl.post("/metric-aggregates", json={"data": {"type": "metric-aggregate", "attributes": {
            "metric_id": metric, "measurements": ["count"], **attributes}}})
    missing = ask(filter=["greater-or-equal(datetime,2026-11-01T00:00:00)"])
    assert missing.status_code == 400
    assert missing.json()["errors"][0]["source"] == {"pointer": "/data/attributes/filter"}
    window = ["greater-or-equal(datetime,2026-11-01T00:00:00)", "less-than(datetime,2026-11-02T00:00:00)"]
    assert ask(filter=window, timezone="Mars/Olympus").status_code == 400
    assert ask(filter=window, measurements=["median"]).status_code == 400
    hours = ask(filter=window, interval="hour", timezone="America/New_York")
    assert hours.status_code == 200 and len(hours.json()["data"]["attributes"]["dates"]) == 24
    assert hours.json()["data"]["attributes"]["dates"][0] == "2026-11-01T00:00:00-04:00"


def test_report_requests_are_checked(sb):
    kl = sb.client("klaviyo-api")
    metric = metrics_of(sb.klaviyo_account(sb.company_id())).named("Placed Order", sb.clock.now()).id

    def ask(path="/flow-values-reports", kind="flow-values-report", **attributes):
        sb.clock.advance(seconds=60)
        body = {"statistics": ["recipients"], "timeframe": {"key": "last_30_days"}, "conversion_metric_id": metric}
        return kl.post(path, json={"data": {"type": kind, "attributes": {**body, **attributes}}})
    assert ask().status_code == 200
    assert ask(statistics=["revenue"]).status_code == 400
    assert ask(timeframe={"key": "last_decade"}).status_code == 400
    assert ask(timeframe={"start": "2026-01-01T00:00:00", "end": "2027-06-01T00:00:00"}).status_code == 400
    assert ask(group_by=["flow_id", "send_channel"]).status_code == 400  # flow_message_id is required
    assert ask(filter='equals(flow_id,"a"),equals(flow_id,"b")').status_code == 400  # one filter per attribute
    assert ask(filter='contains-any(send_channel,["fax"])').status_code == 400
    assert ask(conversion_metric_id="NOPE12").status_code == 404
    assert ask("/flow-series-reports", "flow-series-report", interval="hourly").status_code == 400  # 30 days > 7
    assert ask("/flow-series-reports", "flow-series-report", interval="weekly").status_code == 200
    assert ask("/campaign-values-reports", "campaign-values-report", group_by=["campaign_id"]).status_code == 400


def test_values_reports_keep_their_limits_1_a_second_2_a_minute_225_a_day(sb):
    kl = sb.client("klaviyo-api")
    metric = metrics_of(sb.klaviyo_account(sb.company_id())).named("Placed Order", sb.clock.now()).id
    body = {"data": {"type": "flow-values-report", "attributes": {
        "statistics": ["recipients"], "timeframe": {"key": "today"}, "conversion_metric_id": metric}}}
    first, burst = kl.post("/flow-values-reports", json=body), kl.post("/flow-values-reports", json=body)
    assert first.status_code == 200 and first.headers["RateLimit-Limit"] == "2"
    assert burst.status_code == 429 and burst.headers["Retry-After"] == "1"
    sb.clock.advance(seconds=1)
    assert kl.post("/flow-values-reports", json=body).status_code == 200
    sb.clock.advance(seconds=1)
    steady = kl.post("/flow-values-reports", json=body)
    assert steady.status_code == 429 and steady.json()["errors"][0]["code"] == "throttled"
    sb.clock.advance(seconds=60)
    answered = 2
    while answered < 225:
        assert kl.post("/flow-values-reports", json=body).status_code == 200
        answered += 1
        sb.clock.advance(seconds=30)
    daily = kl.post("/flow-values-reports", json=body)
    assert daily.status_code == 429
    assert int(daily.headers["Retry-After"]) > 3600  # the day's budget frees at midnight, not in a minute
    # the series report and metric aggregates keep budgets of their own
    series = {"data": {"type": "flow-series-report", "attributes": {**body["data"]["attributes"], "interval": "hourly"}}}
    assert kl.post("/flow-series-reports", json=series).status_code == 200


def test_campaign_values_count_the_sends_that_carry_a_campaign_id(sb):
    """Campaign sends are outbox messages with `campaign_id` (their step is the campaign message);
    the flow report leaves them out and the campaign report counts them, credited the same way."""
    account = sb.klaviyo_account(sb.company_id())
    kl = sb.client("klaviyo-api")
    kl.post("/events", json=event("eve@example.com", "Placed Order", value=1.0, unique_id="setup"))
    sb.clock.advance(seconds=1)
    metric = metrics_of(account).named("Placed Order", sb.clock.now()).id
    sent = send_message(sb.messages, account.ids, vendor="klaviyo", account=account.id, channel="email",
                        recipient="eve@example.com", workflow_id="", workflow_name="Black Friday", step_id="CM1",
                        subject="Sale", now=sb.clock.now())
    sent.campaign_id = "01CAMPAIGN"
    sb.clock.advance(seconds=HOUR)
    sb.engage(sent.id, "click", "https://store.example/")
    sb.clock.advance(seconds=HOUR)
    kl.post("/events", json=event("eve@example.com", "Placed Order", value=42.0, unique_id="o-eve"))
    sb.clock.advance(seconds=60)
    attributes = {"statistics": ["recipients", "clicks", "conversions", "conversion_value"],
                  "timeframe": {"key": "today"}, "conversion_metric_id": metric}
    campaign = kl.post("/campaign-values-reports", json={"data": {"type": "campaign-values-report",
                                                                  "attributes": attributes}})
    assert campaign.status_code == 200, campaign.text
    assert campaign.json()["data"]["attributes"]["results"] == [{
        "groupings": {"campaign_id": "01CAMPAIGN", "campaign_message_id": "CM1", "send_channel": "email"},
        "statistics": {"recipients": 1, "clicks": 1, "conversions": 1, "conversion_value": 42.0}}]
    sb.clock.advance(seconds=60)
    flows = kl.post("/flow-values-reports", json={"data": {"type": "flow-values-report", "attributes": attributes}})
    assert flows.json()["data"]["attributes"]["results"] == []


def test_last_touch_across_channels_and_sms_delivery_window():
    """Unit level: an SMS delivered 10 h before an order is its last touch (12 h window) even after an
    email open; at 13 h nothing is credited."""
    from simulator.klaviyo.events import Event
    from simulator.settings import Settings
    at = _dt.datetime(2026, 11, 2, 10, tzinfo=_dt.timezone.utc)

    def message(channel, hours, engagement=()):
        m = Message(f"m-{channel}", "klaviyo", "acct", channel, "x", "F1", "Flow", "A1", None,
                    (at + _dt.timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    [{"type": t, "at": (at + _dt.timedelta(hours=h)).strftime("%Y-%m-%dT%H:%M:%SZ")} for t, h in engagement])
        return reporting.Send(m, "P1", reporting.parse_instant(m.sent_at), {})
    email, sms = message("email", 0, [("open", 1)]), message("sms", 2)

    def conversion(hours):
        return Event("E1", "u", "P1", "M", "Placed Order", at + _dt.timedelta(hours=hours), {}, 10.0, None, "k",
                     False, at, at, "api")
    spans = reporting.windows(Settings())
    assert reporting.credit([email, sms], [conversion(12)], spans)["E1"][0] is sms
    assert reporting.credit([email, sms], [conversion(15)], spans)["E1"][0] is email  # SMS window over: the open
    assert reporting.credit([email, sms], [conversion(1 + 121)], spans) == {}
