"""The Klaviyo flow engine: processed events and list and segment joins in, runs through live flows out.

Each account's listener hears every processed non-backfill event and every list or segment
membership change. For each flow whose trigger names it (the event's metric, the list or segment
joined: klaviyo/segments.py keeps segments current) a run is
made, and entry is checked in this order: the flow is live; the trigger filter holds on the event;
re-entry (`reentry_criteria`) allows it; the flow's profile filter holds. A refusal stays in the
trace as `not_entered` with the reason. Inside, the run walks `links` from `entry_action_id`; the
profile filter is checked again before every action (a failure exits the run). Actions: time
delays, conditional and trigger splits, sends (email, SMS, push, webhook) and update-profile. A
send needs its action `live` and passes Smart Sending; each send lands in the outbox and is
recorded as the profile's "Received Email" / "Received SMS" / "Received Push" event, carrying
`$flow` and `$message` (`$flow` is the sandbox's assumption: Klaviyo does not document the property
name), so one flow's filter can exclude profiles another flow mailed. An email whose message names a
`template_id` carries that template rendered for the profile and the trigger event (`html`, `text`;
engine/klaviyo_template.py), links tagged as klaviyo/tracking.py says; a catalog lookup in it that
finds no item skips the send ("Catalog Item Unavailable"), as Klaviyo does."""
from __future__ import annotations

import datetime as _dt
from collections import defaultdict
from functools import partial

from simulator.core.timefmt import UTC, iso, zone
from simulator.engine import Engine
from simulator.engine import klaviyo_conditions as conditions
from simulator.engine.durations import on_allowed_weekday, on_local_day_at
from simulator.engine.klaviyo_template import ItemUnavailable, TemplateSyntaxError, context_of, render
from simulator.engine.klaviyo_webhooks import KlaviyoWebhooks
from simulator.engine.messages import send
from simulator.engine.runs import Run
from simulator.engine.webhooks import traced
from simulator.engine.klaviyo_campaigns import CampaignSender
from simulator.klaviyo.account import Account
from simulator.klaviyo.campaigns import CampaignDelivery
from simulator.klaviyo.account_settings import account_settings_of
from simulator.klaviyo.events import Event, events_of
from simulator.klaviyo.flows import Flow, flows_of
from simulator.klaviyo.lists import MembershipChange
from simulator.klaviyo.metrics import KLAVIYO, metrics_of
from simulator.klaviyo.profiles import Profile, ProfileChanged, profiles_of
from simulator.klaviyo.resources import resources_of
from simulator.klaviyo.segments import SegmentChange, group_joined
from simulator.klaviyo import tracking

VENDOR = "klaviyo"
CHANNEL = {"send-email": "email", "send-sms": "sms", "send-mobile-push": "push"}
RECEIVED = {"email": "Received Email", "sms": "Received SMS", "push": "Received Push"}
_DELAY_UNITS = {"minutes": 60, "hours": 3600, "days": 86400}
_REENTRY_HOURS = {"hour": 1, "day": 24, "week": 24 * 7}


class FlowState:
    """One account's run bookkeeping: entries per (flow, profile) for re-entry and
    profile-not-in-flow, live runs, and the last send per (profile, channel) for Smart Sending
    (flows' and campaigns' sends alike)."""

    def __init__(self, account: Account):
        self.entries: dict[tuple[str, str], list[Run]] = defaultdict(list)
        self.last_sent: dict[tuple[str, str], _dt.datetime] = {}


def state_of(account: Account) -> FlowState:
    return account.flow_runs


def trigger_key(happening) -> tuple[str, str] | None:
    """The (trigger type, id) a happening fires: a list or segment joined, an event's metric."""
    if isinstance(happening, MembershipChange):
        return ("list", happening.list_id) if happening.added else None
    if isinstance(happening, SegmentChange):
        return ("segment", happening.segment_id) if happening.added else None
    if isinstance(happening, Event):
        return "metric", happening.metric_id
    return None


def trigger_json(happening) -> dict:
    if isinstance(happening, MembershipChange):
        return {"type": "list", "list_id": happening.list_id, "at": iso(happening.at)}
    if isinstance(happening, SegmentChange):
        return {"type": "segment", "segment_id": happening.segment_id, "at": iso(happening.at)}
    return {"type": "metric", "id": happening.id, "metric": happening.metric_name, "metric_id": happening.metric_id,
            "at": iso(happening.time), "properties": happening.properties}


class KlaviyoRuntime:
    def __init__(self, engine: Engine, settings):
        self.engine = engine
        self.settings = settings
        self.campaigns = CampaignSender(self)
        self.webhooks = KlaviyoWebhooks(engine, settings)  # system webhooks: events out to subscribers

    def attach(self, account: Account) -> Account:
        account.listeners.append(self.on_happening)
        return self.webhooks.attach(account)

    def now(self) -> _dt.datetime:
        return self.engine.clock.now()

    # -- triggers ----------------------------------------------------------------------------

    def on_happening(self, account: Account, happening) -> None:
        if isinstance(happening, CampaignDelivery):
            self.campaigns.deliver(account, happening)
            return
        key = trigger_key(happening)
        if key is None:
            return
        for flow in list(flows_of(account)):
            triggers = flow.definition.get("triggers") or []
            if flow.archived or not triggers or (triggers[0].get("type"), triggers[0].get("id")) != key:
                continue
            self.triggered(account, flow, happening)

    def triggered(self, account: Account, flow: Flow, happening) -> None:
        profile = profiles_of(account).records.get(happening.profile_id)
        run = Run(id=account.ids.next("run", "hex24"), vendor=VENDOR, account=account.id, workflow_id=flow.id,
                  workflow_name=flow.name, contact_id=profile.id, recipient=self.recipient(profile),
                  trigger_event=trigger_json(happening), created_at=self.now(), workflow=flow,
                  trigger=happening if isinstance(happening, Event) else None)
        self.engine.runs.add(run)
        why = self.refusal(account, flow, run, profile)
        if why is not None:
            run.finish("not_entered", self.now(), why)
            return
        now = self.now()
        run.status, run.entered_at = "active", now
        state_of(account).entries[(flow.id, profile.id)].append(run)
        trigger = run.trigger_event
        what = trigger.get("metric") or (f"added to list {trigger['list_id']}" if "list_id" in trigger
                                         else f"added to segment {trigger['segment_id']}")
        run.step("trigger", "trigger", now, "entered", f"{what} at {trigger['at']}")
        self.walk(account, run, flow.definition.get("entry_action_id"))

    def refusal(self, account: Account, flow: Flow, run: Run, profile: Profile) -> str | None:
        """Why the profile may not enter now, or None."""
        if flow.status != "live":
            return f"the flow is {flow.status}, not live: nothing enters it"
        trigger = flow.definition["triggers"][0]
        if run.trigger is not None and not conditions.trigger_holds(trigger.get("trigger_filter"), run.trigger.properties,
                                                                    self.now()):
            return "the trigger event does not match the trigger filter"
        why = self.reentry_refusal(account, flow, profile.id, trigger.get("type"))
        if why is not None:
            return why
        if not self.filter_holds(account, run, profile, flow.definition.get("profile_filter")):
            return "fails flow filters: the profile does not match the flow's profile filter at entry"
        return None

    def reentry_refusal(self, account: Account, flow: Flow, profile_id: str, trigger_type: str) -> str | None:
        """`reentry_criteria` absent: metric flows take every occurrence, list and segment flows a profile once;
        `alltime` 1: never again, 0: always; N hours/days/weeks: not until N after the last entry."""
        earlier = state_of(account).entries.get((flow.id, profile_id))
        if not earlier:
            return None
        last = earlier[-1].entered_at
        criteria = flow.definition.get("reentry_criteria")
        if criteria is None:
            return None if trigger_type == "metric" else \
                f"re-entry: a {trigger_type} flow takes a profile once (entered {iso(last)})"
        duration, unit = int(criteria.get("duration") or 0), criteria.get("unit")
        if unit == "alltime":
            return f"re-entry: never allowed (alltime 1), entered at {iso(last)}" if duration else None
        again = last + _dt.timedelta(hours=duration * _REENTRY_HOURS.get(unit, 24))
        if self.now() < again:
            return f"re-entry: entered at {iso(last)}, may enter again from {iso(again)} ({duration} {unit})"
        return None

    # -- profile filters ---------------------------------------------------------------------

    def filter_holds(self, account: Account, run: Run, profile: Profile, condition_set: dict | None) -> bool:
        if not condition_set:
            return True
        book = events_of(account)
        entries = state_of(account).entries.get((run.workflow_id, profile.id), [])

        def in_flow_since(start: _dt.datetime | None) -> bool:
            return any(other is not run and (other.live or start is None or other.entered_at >= start
                                             or (other.finished_at or other.entered_at) >= start)
                       for other in entries)

        subject = conditions.Subject(
            profile=profile, now=self.now(), flow_start=run.entered_at or self.now(),
            events=lambda metric_id: book.of(profile.id, metric_id),
            in_flow_since=in_flow_since,
            joined=partial(group_joined, account, profile.id),
            skip_event=run.trigger)
        return conditions.set_holds(condition_set, lambda c: conditions.condition_holds(c, subject))

    # -- walking the actions -----------------------------------------------------------------

    def walk(self, account: Account, run: Run, action_id: str | None) -> None:
        """Run actions from `action_id` until a delay waits or the flow ends."""
        flow: Flow = run.workflow
        if flow.id not in flows_of(account).records:
            self.finish(run, "exited", "the flow was deleted")
            return
        while run.live:
            if action_id is None:
                self.finish(run, "completed", "reached the end of the flow")
                return
            action = flow.actions.get(action_id)
            if action is None:
                self.finish(run, "exited", f"action {action_id} no longer exists")
                return
            profile = profiles_of(account).records.find(run.contact_id)
            if profile is None:  # merged into another, or deleted on request
                self.finish(run, "exited", "the profile no longer exists")
                return
            if not self.filter_holds(account, run, profile, flow.definition.get("profile_filter")):
                why = "fails flow filters: the profile no longer matches the flow's profile filter"
                run.step(action.id, action.type, self.now(), "exited", why)
                self.finish(run, "exited", why)
                return
            action_id = self.act(account, run, action, profile)
            if action_id is False:  # waiting for a delay
                return

    def act(self, account: Account, run: Run, action, profile: Profile):
        """Do one action; the next action's id, or `False` when the run now waits or has ended."""
        data, links, now = action.definition.get("data") or {}, action.definition.get("links") or {}, self.now()
        kind = action.type
        if kind == "time-delay":
            if links.get("next") is None:
                run.step(action.id, kind, now, "skipped", "a delay with nothing after it: the profile leaves at once")
                return None
            due = self.delay_end(account, profile, data, now)
            run.step(action.id, kind, now, "waited", f"until {iso(due)}")
            run.job = self.engine.scheduler.at(due, partial(self.resume, account, run, links["next"]),
                                               label=f"klaviyo run {run.id}")
            return False
        if kind == "conditional-split":
            held = self.filter_holds(account, run, profile, data.get("profile_filter"))
            return self.branch(run, action, links, held, "the profile filter")
        if kind == "trigger-split":
            held = conditions.trigger_holds(data.get("trigger_filter"), (run.trigger.properties if run.trigger else {}), now)
            return self.branch(run, action, links, held, "the trigger filter")
        if action.status != "live":
            run.step(action.id, kind, now, "skipped", f"the action is {action.status}, not live")
            return links.get("next")
        if kind in CHANNEL:
            self.send_message(account, run, action, profile, CHANNEL[kind], data.get("message") or {})
        elif kind == "send-webhook":
            message = data.get("message") or {}
            headers = message.get("headers") or {}
            if isinstance(headers, list):
                headers = {h.get("key", ""): h.get("value", "") for h in headers}
            call = traced(self.engine.webhooks, message.get("url") or "",
                          {"Content-Type": "application/json", **headers}, message.get("body") or "")
            run.step(action.id, kind, now, "sent", f"POST {call['url']}", webhook=call)
        elif kind == "update-profile":
            applied = update_profile(profile, data.get("profile_operations") or [], now)
            account.notify(ProfileChanged(profile.id, now))
            run.step(action.id, kind, now, "applied", "; ".join(applied) or "no operations")
        else:
            run.step(action.id, kind, now, "skipped", f"{kind} is not simulated")
        return links.get("next")

    def branch(self, run: Run, action, links: dict, held: bool, what: str):
        run.step(action.id, action.type, self.now(), "branched", f"{what} {'holds' if held else 'does not hold'}",
                 branch="true" if held else "false")
        return links.get("next_if_true" if held else "next_if_false")

    def resume(self, account: Account, run: Run, action_id: str) -> None:
        run.job = None
        if run.live:
            self.walk(account, run, action_id)

    def finish(self, run: Run, status: str, why: str) -> None:
        run.finish(status, self.now(), why)

    def delay_end(self, account: Account, profile: Profile, data: dict, now: _dt.datetime) -> _dt.datetime:
        """Minutes and hours are elapsed time, so are plain days (N x 24 h); with `delay_until_time`
        days are calendar days in the delay's timezone, then `delay_until_weekdays` moves forward."""
        tz = self.tz(account, profile, data.get("timezone"))
        value, unit = int(data.get("value") or 0), data.get("unit", "days")
        if unit == "days" and data.get("delay_until_time"):
            due = on_local_day_at(now, value, data["delay_until_time"], tz)
        else:
            due = now + _dt.timedelta(seconds=value * _DELAY_UNITS.get(unit, 86400))
        return on_allowed_weekday(due, data.get("delay_until_weekdays"), tz)

    @staticmethod
    def tz(account: Account, profile: Profile, name: str | None) -> _dt.tzinfo:
        """`profile`: the profile's location timezone, else the account's (`GET /api/accounts`)."""
        if name in (None, "profile"):
            name = (profile.location or {}).get("timezone") or account_settings_of(account).timezone
        return zone(name) if name else UTC

    # -- sending -----------------------------------------------------------------------------

    @staticmethod
    def recipient(profile: Profile, channel: str = "email") -> str:
        """Email for email, phone for SMS; push (no device tokens in the sandbox) goes to the profile id."""
        if channel == "sms":
            return profile.get("phone_number") or ""
        if channel == "push":
            return profile.id
        return profile.get("email") or profile.get("phone_number") or profile.id

    def send_message(self, account: Account, run: Run, action, profile: Profile, channel: str, message: dict) -> None:
        now = self.now()
        to = self.recipient(profile, channel)
        if not to:
            run.step(action.id, action.type, now, "skipped", f"the profile has no {'phone number' if channel == 'sms' else 'email'}")
            return
        why = self.consent_refusal(profile, channel, message)
        if why is None and message.get("smart_sending_enabled", True) and not message.get("transactional"):
            why = self.smart_sending(account, profile.id, channel, now)
        if why is not None:
            run.step(action.id, action.type, now, "skipped", why)
            return
        html = text = None
        if channel == "email":
            try:
                html, text = self.email_body(account, run, action, profile, message)
            except ItemUnavailable as unavailable:
                run.step(action.id, action.type, now, "skipped", str(unavailable))
                return
            except TemplateSyntaxError as error:
                run.step(action.id, action.type, now, "skipped", f"the template cannot be rendered: {error}")
                return
        subject = message.get("subject_line") if channel == "email" else message.get("title") or message.get("body")
        sent = send(self.engine.outbox, account.ids, vendor=VENDOR, account=account.id, channel=channel, recipient=to,
                    workflow_id=run.workflow_id, workflow_name=run.workflow_name, step_id=action.id,
                    subject=subject, now=now, html=html, text=text)
        self.sent_to(account, profile.id, channel, now)
        run.sent[action.id] = sent.id
        run.step(action.id, action.type, now, "sent", f"{channel} to {to}", message_id=sent.id)
        self.record_received(account, profile, channel, {"$flow": run.workflow_id, "$message": message.get("id")},
                             sent.id, now)

    @staticmethod
    def email_body(account: Account, run: Run, action, profile: Profile, message: dict) -> tuple[str | None, str | None]:
        """The email's template (`template_id`) rendered for the profile and the trigger event, its
        links tagged per the message's tracking settings; (None, None) without a template. Raises
        `ItemUnavailable` when a catalog lookup finds no item: Klaviyo skips the send."""
        template = resources_of(account).of("template").find(message.get("template_id"))
        if template is None:
            return None, None
        name = action.messages[0].name if action.messages else message.get("name") or ""
        parameters = tracking.link_parameters(account, profile, "flow", message,
                                              tracking.flow_values(run.workflow, name, message, profile))
        return render(account, template.attributes.get("html") or "", context_of(profile, run.trigger),
                      text=template.attributes.get("text"), parameters=parameters)

    def smart_sending(self, account: Account, profile_id: str, channel: str, now: _dt.datetime) -> str | None:
        """Why Smart Sending holds a flow or campaign message back now, or None: one rule and one
        last-send clock per profile and channel for both."""
        last = state_of(account).last_sent.get((profile_id, channel))
        hours = getattr(self.settings, f"klaviyo_smart_sending_{channel}_hours")
        if last is not None and now < last + _dt.timedelta(hours=hours):
            return f"smart sending: a {channel} message went to the profile at {iso(last)} (window {hours} h)"
        return None

    @staticmethod
    def sent_to(account: Account, profile_id: str, channel: str, now: _dt.datetime) -> None:
        """Start the profile's Smart Sending window on `channel` (even for a message sent without it)."""
        state_of(account).last_sent[(profile_id, channel)] = now

    @staticmethod
    def consent_refusal(profile: Profile, channel: str, message: dict) -> str | None:
        """Email goes unless the profile unsubscribed or is suppressed (Profile.email_refusal);
        marketing SMS needs SMS consent."""
        if channel == "email":
            return profile.email_refusal()
        if channel == "sms" and not message.get("transactional") and not profile.consent_of("sms.marketing").subscribed:
            return "the profile has not consented to SMS marketing"
        return None

    @staticmethod
    def record_received(account: Account, profile: Profile, channel: str, origin: dict, outbox_id: str,
                        now: _dt.datetime) -> None:
        """The send as the profile's "Received ..." event (not a trigger: flows are not told);
        `origin` names what sent it (`$flow` or `$campaign`, and `$message`)."""
        metric = metrics_of(account).named(RECEIVED[channel], now, KLAVIYO)
        moment = now.replace(microsecond=0)
        properties = {**origin, "$sandbox_message": outbox_id}
        events_of(account).record(Event(account.ids.next("event", "base62_11"), account.ids.next("event-uuid", "uuid"),
                                        profile.id, metric.id, metric.name, moment, properties, None, None,
                                        outbox_id, False, now, now, "campaign" if "$campaign" in origin else "flow"))


def update_profile(profile: Profile, operations: list[dict], now: _dt.datetime) -> list[str]:
    """Apply `profile_operations` to the profile's custom properties; what was done, for the trace."""
    done = []
    for op in operations:
        key = op.get("property_key", "")
        if op.get("operator") == "delete":
            profile.properties.pop(key, None)
            done.append(f"deleted {key}")
            continue
        value = op.get("property_value")
        if op.get("property_type") == "list" and op.get("property_operation") in ("add", "remove"):
            current = [v for v in profile.properties.get(key) or [] if v != value]
            value = current + [value] if op["property_operation"] == "add" else current
        profile.properties[key] = value
        done.append(f"set {key}")
    profile.updated = now
    return done
