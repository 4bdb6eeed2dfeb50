"""The Klaviyo flow engine end to end: flows created and set live through /klaviyo/api/flows, events
sent through /klaviyo/api/events, the virtual clock advanced, then the outbox and /_sim/runs read."""
from __future__ import annotations

import pytest

from simulator import Sandbox
from simulator.klaviyo.fixtures import standard_flow
from simulator.klaviyo.flows import flows_of
from simulator.klaviyo.metrics import metrics_of
from tests.conftest import START
from tests.klaviyo_bodies import account, event, members, new_list, profile  # noqa: F401 (fixture)

PLACED_ORDER_SINCE_START = {"type": "profile-metric", "measurement": "count",
                            "measurement_filter": {"type": "numeric", "operator": "equals", "value": 0},
                            "timeframe_filter": {"type": "date", "operator": "flow-start"}}


@pytest.fixture
def kl(sb):
    """The API five seconds apart on the clock (create_flow allows 15 a minute); each step also
    processes the events sent before it."""
    return sb.client("klaviyo-api", event_hooks={"request": [lambda request: sb.clock.advance(seconds=5)]})


@pytest.fixture
def metric(sb, account):
    """Metric name -> id, made on first use (a flow definition names existing metrics)."""
    return lambda name: metrics_of(account).named(name, sb.clock.now()).id


def email(subject: str = "Come back", key: str = "mail", nxt: str | None = None, **message) -> dict:
    return {"temporary_id": key, "type": "send-email", "links": {"next": nxt},
            "data": {"message": {"subject_line": subject, **message}}}


def wait(key: str, nxt: str | None, value: int = 1, unit: str = "hours", **more) -> dict:
    return {"temporary_id": key, "type": "time-delay", "links": {"next": nxt}, "data": {"value": value, "unit": unit, **more}}


def flow_def(trigger: dict, actions: list[dict], **more) -> dict:
    return {"triggers": [trigger], "actions": actions, "entry_action_id": actions[0]["temporary_id"], **more}


def metric_flow(metric_id: str, **more) -> dict:
    """Wait 1 h, then an email."""
    return flow_def({"type": "metric", "id": metric_id}, [wait("wait", "mail"), email()], **more)


def create(kl, definition: dict, name: str = "Flow", status: str | None = "live") -> str:
    answer = kl.post("/flows", json={"data": {"type": "flow", "attributes": {"name": name, "definition": definition}}})
    assert answer.status_code == 201, answer.text
    flow_id = answer.json()["data"]["id"]
    if status:
        patched = kl.patch(f"/flows/{flow_id}", json={"data": {"type": "flow", "id": flow_id, "attributes": {"status": status}}})
        assert patched.status_code == 200, patched.text
    return flow_id


def send(kl, who: str = "ann@example.com", metric: str = "Started Checkout", properties: dict | None = None, **profile):
    answer = kl.post("/events", json=event(who, metric, profile_attributes=profile or None,
                                           properties=properties if properties is not None else {"$value": 10}))
    assert answer.status_code == 202, answer.text


def mail(sb, **filters) -> list[dict]:
    return sb.outbox(vendor="klaviyo", **filters)


def steps(run: dict) -> list[tuple[str, str]]:
    return [(s["type"], s["outcome"]) for s in run["steps"]]


# -- statuses ------------------------------------------------------------------------------------


def test_a_live_flow_sends_after_its_delay_and_a_draft_one_records_why_not(sb, kl, metric):
    live = create(kl, metric_flow(metric("Started Checkout")), "Live")
    draft = create(kl, metric_flow(metric("Started Checkout")), "Draft", status=None)
    manual = create(kl, metric_flow(metric("Started Checkout")), "Manual", status="manual")
    send(kl)
    sb.clock.advance(minutes=59)
    assert mail(sb) == []
    sb.clock.advance(minutes=2)
    [sent] = mail(sb)
    assert (sent["workflow_id"], sent["recipient"], sent["subject"], sent["channel"]) == (live, "ann@example.com",
                                                                                          "Come back", "email")
    runs = {r["workflow_id"]: r for r in sb.runs(vendor="klaviyo")}
    assert runs[live]["status"] == "completed" and steps(runs[live]) == [
        ("trigger", "entered"), ("time-delay", "waited"), ("send-email", "sent")]
    assert runs[draft]["status"] == "not_entered" and "draft, not live" in runs[draft]["reason"]
    assert "manual, not live" in runs[manual]["reason"]


def test_a_draft_action_in_a_live_flow_is_skipped(sb, kl, account, metric):
    flow_id = create(kl, metric_flow(metric("Started Checkout")))
    mail_action = next(a for a in flows_of(account).get(flow_id).actions.values() if a.type == "send-email")
    mail_action.set_status("draft", sb.clock.now())
    send(kl)
    sb.clock.advance(hours=2)
    assert mail(sb) == []
    [run] = sb.runs(vendor="klaviyo")
    assert run["steps"][-1]["outcome"] == "skipped" and "draft, not live" in run["steps"][-1]["reason"]


# -- triggers --------------------------------------------------------------------------------------


def test_trigger_filter_reads_the_event(sb, kl, metric):
    checkout = metric("Started Checkout")
    big = {"condition_groups": [{"conditions": [{"type": "metric-property", "metric_id": checkout, "field": "$value",
                                                 "filter": {"type": "numeric", "operator": "greater-than", "value": 50}}]}]}
    create(kl, metric_flow(checkout) | {"triggers": [{"type": "metric", "id": checkout, "trigger_filter": big}]})
    send(kl, "small@example.com", properties={"$value": 20})
    send(kl, "big@example.com", properties={"$value": 80})
    sb.clock.advance(hours=2)
    assert [m["recipient"] for m in mail(sb)] == ["big@example.com"]
    refused = sb.runs(vendor="klaviyo", recipient="small@example.com")[0]
    assert refused["status"] == "not_entered" and "trigger filter" in refused["reason"]


def test_list_trigger_enters_a_profile_added_to_the_list_once(sb, kl):
    list_id = new_list(kl)
    create(kl, flow_def({"type": "list", "id": list_id}, [email("Welcome")]))
    ann = kl.post("/profiles", json=profile("ann@example.com")).json()["data"]["id"]
    assert kl.post(f"/lists/{list_id}/relationships/profiles", json=members(ann)).status_code == 204
    assert [m["subject"] for m in mail(sb)] == ["Welcome"]
    kl.request("DELETE", f"/lists/{list_id}/relationships/profiles", json=members(ann))
    kl.post(f"/lists/{list_id}/relationships/profiles", json=members(ann))
    assert len(mail(sb)) == 1
    again = sb.runs(vendor="klaviyo")[-1]
    assert again["status"] == "not_entered" and "list flow takes a profile once" in again["reason"]


# -- profile filters --------------------------------------------------------------------------------


def test_placed_order_since_flow_start_exits_a_buyer_before_the_email(sb, kl, metric):
    order = metric("Placed Order")
    send(kl, "old-buyer@example.com", "Placed Order")  # an order before entering does not count
    create(kl, metric_flow(metric("Started Checkout"), profile_filter={"condition_groups": [{"conditions": [
        {**PLACED_ORDER_SINCE_START, "metric_id": order}]}]}))
    send(kl, "buyer@example.com")
    send(kl, "old-buyer@example.com")
    sb.clock.advance(minutes=10)
    send(kl, "buyer@example.com", "Placed Order")
    sb.clock.advance(hours=2)
    assert [m["recipient"] for m in mail(sb)] == ["old-buyer@example.com"]
    [run] = sb.runs(vendor="klaviyo", recipient="buyer@example.com")
    assert run["status"] == "exited" and "fails flow filters" in run["reason"]
    assert run["steps"][-1]["type"] == "send-email" and run["steps"][-1]["outcome"] == "exited"


def test_profile_filter_at_entry_property_consent_and_list_membership(sb, kl, metric):
    vip = new_list(kl, "VIP")
    conditions = [
        {"type": "profile-property", "property": "properties['tier']", "filter": {"type": "string", "operator": "equals", "value": "gold"}},
        {"type": "profile-group-membership", "is_member": True, "group_ids": [vip]}]
    create(kl, metric_flow(metric("Started Checkout"), profile_filter={"condition_groups": [{"conditions": conditions}]}))
    kl.post("/profiles", json=profile("gold@example.com", properties={"tier": "gold"}))
    member = kl.post("/profiles", json=profile("member@example.com")).json()["data"]["id"]
    kl.post(f"/lists/{vip}/relationships/profiles", json=members(member))
    for who in ("gold@example.com", "member@example.com", "nobody@example.com"):
        send(kl, who)
    sb.clock.advance(hours=2)
    assert sorted(m["recipient"] for m in mail(sb)) == ["gold@example.com", "member@example.com"]
    [refused] = sb.runs(vendor="klaviyo", recipient="nobody@example.com")
    assert refused["status"] == "not_entered" and "profile filter at entry" in refused["reason"]


def test_marketing_consent_condition(sb, kl, metric):
    consent = {"type": "profile-marketing-consent", "consent": {"channel": "email", "can_receive_marketing": True,
                                                                "consent_status": {"subscription": "subscribed"}}}
    create(kl, metric_flow(metric("Started Checkout"), profile_filter={"condition_groups": [{"conditions": [consent]}]}))
    answer = kl.post("/profile-subscription-bulk-create-jobs", json={"data": {
        "type": "profile-subscription-bulk-create-job", "attributes": {"profiles": {"data": [
            {"type": "profile", "attributes": {"email": "yes@example.com",
                                               "subscriptions": {"email": {"marketing": {"consent": "SUBSCRIBED"}}}}}]}}}})
    assert answer.status_code == 202, answer.text
    sb.clock.advance(seconds=5)
    send(kl, "yes@example.com")
    send(kl, "no@example.com")
    sb.clock.advance(hours=2)
    assert [m["recipient"] for m in mail(sb)] == ["yes@example.com"]


def test_not_in_flow_recently_keeps_a_profile_out_for_the_window(sb, kl, metric):
    not_in = {"type": "profile-not-in-flow", "timeframe_filter": {"type": "date", "operator": "in-the-last",
                                                                 "unit": "day", "quantity": 2}}
    create(kl, metric_flow(metric("Started Checkout"), profile_filter={"condition_groups": [{"conditions": [not_in]}]}))
    send(kl)
    sb.clock.advance(hours=3)
    send(kl)
    sb.clock.advance(days=3)
    send(kl)
    sb.clock.advance(hours=2)
    assert [r["status"] for r in sb.runs(vendor="klaviyo")] == ["completed", "not_entered", "completed"]
    assert len(mail(sb)) == 2


# -- re-entry --------------------------------------------------------------------------------------


def test_reentry_alltime_one_means_never_and_a_window_means_not_yet(sb, kl, metric):
    checkout = metric("Started Checkout")
    never = create(kl, metric_flow(checkout, reentry_criteria={"duration": 1, "unit": "alltime"}), "Never")
    window = create(kl, metric_flow(checkout, reentry_criteria={"duration": 6, "unit": "hour"}), "Window")
    every = create(kl, metric_flow(checkout), "Every")
    for gap in (2, 5):
        send(kl)
        sb.clock.advance(hours=gap)
    send(kl)
    sb.clock.advance(hours=2)
    status = lambda flow_id: [r["status"] for r in sb.runs(workflow_id=flow_id)]
    assert status(never) == ["completed", "not_entered", "not_entered"]
    assert status(window) == ["completed", "not_entered", "completed"]
    assert status(every) == ["completed"] * 3
    reasons = [r["reason"] for r in sb.runs(workflow_id=never) + sb.runs(workflow_id=window) if r["status"] == "not_entered"]
    assert all(reason.startswith("re-entry:") for reason in reasons)


# -- delays, splits, actions ---------------------------------------------------------------------


def test_days_until_a_time_on_allowed_weekdays_in_the_profile_timezone(sb, kl, metric):
    # START is Monday 2026-11-02 10:00 UTC; 1 day until 09:00 New York on Thu/Fri -> Thursday 09:00 EST (14:00 UTC)
    create(kl, flow_def({"type": "metric", "id": metric("Started Checkout")}, [
        wait("wait", "mail", 1, "days", delay_until_time="09:00", delay_until_weekdays=["thursday", "friday"]), email()]))
    send(kl, location={"timezone": "America/New_York"})
    sb.clock.advance(days=5)
    [sent] = mail(sb)
    assert sent["sent_at"].startswith("2026-11-05T14:00:00")


def test_minutes_delay_and_utc_when_the_profile_has_no_timezone(sb, kl, metric):
    create(kl, flow_def({"type": "metric", "id": metric("Started Checkout")}, [
        wait("w1", "w2", 30, "minutes"), wait("w2", "mail", 0, "days", delay_until_time="18:00"), email()]))
    send(kl)
    sb.clock.advance(days=1)
    assert mail(sb)[0]["sent_at"].startswith("2026-11-02T18:00:00")


def test_conditional_and_trigger_splits_follow_their_branch(sb, kl, metric):
    checkout = metric("Started Checkout")
    big = {"condition_groups": [{"conditions": [{"type": "metric-property", "metric_id": checkout, "field": "$value",
                                                 "filter": {"type": "numeric", "operator": "greater-than", "value": 50}}]}]}
    gold = {"condition_groups": [{"conditions": [{"type": "profile-property", "property": "first_name",
                                                  "filter": {"type": "string", "operator": "equals", "value": "Ann"}}]}]}
    create(kl, flow_def({"type": "metric", "id": checkout}, [
        {"temporary_id": "size", "type": "trigger-split", "links": {"next_if_true": "who", "next_if_false": "small"},
         "data": {"trigger_filter": big, "trigger_id": checkout, "trigger_type": "metric"}},
        {"temporary_id": "who", "type": "conditional-split", "links": {"next_if_true": "ann", "next_if_false": "big"},
         "data": {"profile_filter": gold}},
        email("Big cart, Ann", "ann"), email("Big cart", "big"), email("Small cart", "small")]))
    send(kl, "ann@example.com", properties={"$value": 90}, first_name="Ann")
    send(kl, "bob@example.com", properties={"$value": 90}, first_name="Bob")
    send(kl, "cy@example.com", properties={"$value": 5})
    sb.clock.advance(seconds=5)
    assert {m["recipient"]: m["subject"] for m in mail(sb)} == {
        "ann@example.com": "Big cart, Ann", "bob@example.com": "Big cart", "cy@example.com": "Small cart"}
    ann = sb.runs(vendor="klaviyo", recipient="ann@example.com")[0]
    assert [s.get("branch") for s in ann["steps"] if s["outcome"] == "branched"] == ["true", "true"]


def test_sms_push_webhook_and_update_profile(sb, kl, account, metric):
    calls = []
    import httpx
    sb.engine.webhooks.transport = httpx.MockTransport(lambda request: calls.append(request) or httpx.Response(200))
    sb.engine.webhooks.background = False
    create(kl, flow_def({"type": "metric", "id": metric("Started Checkout")}, [
        {"temporary_id": "sms", "type": "send-sms", "links": {"next": "push"},
         "data": {"message": {"body": "Your cart", "transactional": True}}},
        {"temporary_id": "push", "type": "send-mobile-push", "links": {"next": "hook"},
         "data": {"message": {"title": "Cart", "body": "Come back"}}},
        {"temporary_id": "hook", "type": "send-webhook", "links": {"next": "tag"},
         "data": {"message": {"url": "https://hooks.example.com/x", "headers": {"X-Key": "1"}, "body": "{\"a\": 1}"}}},
        {"temporary_id": "tag", "type": "update-profile", "links": {"next": None},
         "data": {"profile_operations": [{"operator": "update", "property_type": "string", "property_key": "stage",
                                          "property_value": "nudged"}]}}]))
    send(kl, "ann@example.com", phone_number="+15005550006")
    sb.clock.advance(seconds=5)
    assert [(m["channel"], m["subject"]) for m in mail(sb)] == [("sms", "Your cart"), ("push", "Cart")]
    assert mail(sb)[0]["recipient"] == "+15005550006"
    assert [str(c.url) for c in calls] == ["https://hooks.example.com/x"] and calls[0].headers["X-Key"] == "1"
    [run] = sb.runs(vendor="klaviyo")
    assert steps(run)[-2:] == [("send-webhook", "sent"), ("update-profile", "applied")]
    assert run["steps"][-2]["webhook"]["delivery"] == {"state": "delivered", "status": 200}
    profile_id = run["contact_id"]
    got = kl.get(f"/profiles/{profile_id}").json()["data"]["attributes"]["properties"]
    assert got["stage"] == "nudged"


def test_marketing_sms_needs_consent(sb, kl, metric):
    create(kl, flow_def({"type": "metric", "id": metric("Started Checkout")}, [
        {"temporary_id": "sms", "type": "send-sms", "links": {"next": None}, "data": {"message": {"body": "Hi"}}}]))
    send(kl, "ann@example.com", phone_number="+15005550006")
    sb.clock.advance(seconds=5)
    assert mail(sb) == []
    assert "consented to SMS" in sb.runs(vendor="klaviyo")[0]["steps"][-1]["reason"]


# -- Smart Sending and received events ---------------------------------------------------------------


def test_smart_sending_skips_a_second_email_within_16_hours_from_any_flow(sb, kl, metric):
    checkout = metric("Started Checkout")
    first = create(kl, flow_def({"type": "metric", "id": checkout}, [email("First")]), "First")
    second = create(kl, metric_flow(checkout), "Second")
    unsmart = create(kl, metric_flow(checkout) | {"actions": [wait("wait", "mail"), email("Always", smart_sending_enabled=False)]},
                     "Unsmart")
    send(kl)
    sb.clock.advance(hours=2)
    assert sorted(m["subject"] for m in mail(sb)) == ["Always", "First"]
    [skipped] = sb.runs(workflow_id=second)
    assert skipped["status"] == "completed" and skipped["steps"][-1]["outcome"] == "skipped"
    assert skipped["steps"][-1]["reason"].startswith("smart sending: a email message went to the profile")
    sb.settings.update({"klaviyo_smart_sending_email_hours": 1})
    send(kl)
    sb.clock.advance(hours=2)
    assert len(sb.runs(workflow_id=first)) == 2 and len(mail(sb, workflow_id=second)) == 1
    assert len(mail(sb, workflow_id=unsmart)) == 2


def test_sends_are_received_events_of_the_profile(sb, kl, metric):
    flow_id = create(kl, metric_flow(metric("Started Checkout")))
    send(kl)
    sb.clock.advance(hours=2)
    found = kl.get("/events", params={"filter": 'equals(metric_id,"%s")' % metric("Received Email")}).json()["data"]
    assert len(found) == 1
    properties = found[0]["attributes"]["event_properties"]
    message_id = flows_of(sb.klaviyo_account(sb.company_id())).get(flow_id).definition["actions"][1]["data"]["message"]["id"]
    assert properties["$flow"] == flow_id and properties["$message"] == message_id


def cloned_pair(kl, metric, exclusion: bool) -> tuple[str, str]:
    """The main abandoned-checkout flow and a cloned backup on the forwarded metric; with
    `exclusion`, the backup skips profiles the main flow mailed in the last 3 days."""
    main = create(kl, metric_flow(metric("Started Checkout")), "Main")
    backup = metric_flow(metric("Started Checkout (Forwarded)"))
    backup["actions"] = [wait("wait", "mail", 2), email("Come back")]
    if exclusion:
        backup["profile_filter"] = {"condition_groups": [{"conditions": [{
            "type": "profile-metric", "metric_id": metric("Received Email"), "measurement": "count",
            "measurement_filter": {"type": "numeric", "operator": "equals", "value": 0},
            "timeframe_filter": {"type": "date", "operator": "in-the-last", "unit": "day", "quantity": 3},
            "metric_filters": [{"property": "$flow", "filter": {"type": "string", "operator": "equals", "value": main}}]}]}]}
    return main, create(kl, backup, "Backup")


@pytest.mark.parametrize("exclusion", [False, True])
def test_cross_flow_exclusion_removes_the_duplicate_from_a_cloned_flow(sb, kl, metric, exclusion):
    sb.settings.update({"klaviyo_smart_sending_email_hours": 0})  # show the duplicate itself, not Smart Sending
    main, backup = cloned_pair(kl, metric, exclusion)
    send(kl, "ann@example.com", "Started Checkout")
    send(kl, "ann@example.com", "Started Checkout (Forwarded)")
    sb.clock.advance(hours=3)
    sent = mail(sb, recipient="ann@example.com")
    assert [m["workflow_id"] for m in sent] == ([main] if exclusion else [main, backup])
    if exclusion:
        [run] = sb.runs(workflow_id=backup)
        assert run["status"] == "exited" and "fails flow filters" in run["reason"]


# -- trace, engagement, determinism --------------------------------------------------------------------


def test_runs_and_engagement_through_the_control_api(sb, kl, metric):
    flow_id = create(kl, metric_flow(metric("Started Checkout")))
    send(kl)
    sb.clock.advance(hours=2)
    control = sb.client("sim")
    [run] = control.get("/runs", params={"vendor": "klaviyo"}).json()["runs"]
    assert run["vendor"] == "klaviyo" and run["workflow_id"] == flow_id and run["status"] == "completed"
    message_id = run["steps"][-1]["message_id"]
    answer = control.post("/engagement", json={"message_id": message_id, "type": "open"})
    assert answer.status_code == 200, answer.text
    assert mail(sb)[0]["engagement"][0]["type"] == "open"


def scenario(seed: int) -> tuple[list, list]:
    sb = Sandbox(seed=seed, start=START)
    kl = sb.client("klaviyo-api", event_hooks={"request": [lambda request: sb.clock.advance(seconds=5)]})
    account = sb.klaviyo_account(sb.company_id())
    metric = lambda name: metrics_of(account).named(name, sb.clock.now()).id
    cloned_pair(kl, metric, False)
    for who in ("a@example.com", "b@example.com"):
        send(kl, who, "Started Checkout")
        send(kl, who, "Started Checkout (Forwarded)")
    sb.clock.advance(hours=3)
    return sb.runs(), sb.outbox()


def test_same_seed_same_runs_and_outbox():
    assert scenario(7) == scenario(7)


# -- the standard flows ----------------------------------------------------------------------------


def standard(sb, kl, account, name: str) -> str:
    body = standard_flow(name, account)
    flow_id = kl.post("/flows", json=body).json()["data"]["id"]
    kl.patch(f"/flows/{flow_id}", json={"data": {"type": "flow", "id": flow_id, "attributes": {"status": "live"}}})
    return flow_id


@pytest.mark.parametrize("checkout", ["Started Checkout", "Checkout Started"])
def test_standard_flows_end_to_end_with_a_shopper_in_more_than_one(sb, kl, account, metric, checkout):
    for name in ("Viewed Product", "Added to Cart", checkout, "Placed Order"):
        metric(name)
    cart, browse, post = (standard(sb, kl, account, n) for n in ("abandoned-cart", "browse-abandonment", "post-purchase"))
    send(kl, "ann@example.com", "Viewed Product")  # ann browses, then abandons a checkout: both flows
    send(kl, "ann@example.com", checkout)
    send(kl, "bob@example.com", "Viewed Product")  # bob browses, checks out and buys within the hour
    send(kl, "bob@example.com", checkout)
    sb.clock.advance(minutes=20)
    send(kl, "bob@example.com", "Placed Order")
    sb.clock.advance(days=10)
    got = {(m["recipient"], m["workflow_id"], m["subject"]) for m in mail(sb)}
    assert got == {("ann@example.com", cart, "You left something behind"),
                   ("ann@example.com", cart, "Still thinking it over?"),
                   ("bob@example.com", post, "Thank you for your order"),
                   ("bob@example.com", post, "How did we do?")}
    ann = {r["workflow_id"]: r for r in sb.runs(recipient="ann@example.com")}
    # ann entered both; her checkout after entering browse abandonment fails its "Started Checkout zero times" filter
    assert ann[browse]["status"] == "exited" and "fails flow filters" in ann[browse]["reason"]
    bob = {r["workflow_id"]: r for r in sb.runs(recipient="bob@example.com")}
    assert bob[cart]["status"] == "exited" and bob[browse]["status"] == "exited"


def test_a_waiting_run_skips_sends_once_the_flow_is_drafted_and_exits_once_it_is_deleted(sb, kl, metric):
    drafted = create(kl, metric_flow(metric("Started Checkout")), "Drafted")
    deleted = create(kl, metric_flow(metric("Started Checkout")), "Deleted")
    send(kl)
    kl.patch(f"/flows/{drafted}", json={"data": {"type": "flow", "id": drafted, "attributes": {"status": "draft"}}})
    assert kl.delete(f"/flows/{deleted}").status_code == 204
    sb.clock.advance(hours=2)
    assert mail(sb) == []
    [kept] = sb.runs(workflow_id=drafted)
    assert kept["steps"][-1]["outcome"] == "skipped" and "draft, not live" in kept["steps"][-1]["reason"]
    [gone] = sb.runs(workflow_id=deleted)
    assert (gone["status"], gone["reason"]) == ("exited", "the flow was deleted")
