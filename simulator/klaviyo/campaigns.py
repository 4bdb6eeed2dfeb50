"""Klaviyo campaigns: who they go to and when, as Klaviyo sends them. Each rule is one function here;
the generic resource store (`resources.py`) holds the records and the flow engine delivers each
batch (`engine/klaviyo_campaigns.py`: Smart Sending, rendering, the outbox).

- A new campaign is a `Draft`, not archived; its `campaign-messages` become campaign-message
  records linked to it, and its recipient estimate is counted at once (create_campaign reference).
- The audience is computed when the send starts, not at creation (or when the send job is made:
  local-time sends, and the `klaviyo_campaign_recipients_at` setting): the members of every
  included list or segment, less the members of every excluded one, who can receive the
  campaign's channel (`can_receive`), in the order the profiles were created. Audience ids must
  name lists or segments of the account.
- A send job (`POST /campaign-send-jobs`, id = the campaign's) is `queued` until its start, then
  `processing` while batches go out, then `complete`; the campaign goes `Scheduled` (or `Preparing
  to send`), `Sending`, `Sent`. `cancel` stops what has not gone out (`Cancelled`), `revert` takes a
  campaign that has not started back to `Draft`.
- Strategies: `immediate` (at once), `static` (at `datetime`, or with `options.is_local` at that
  wall-clock time in each recipient's timezone), `throttled` (`throttle_percentage` of the
  recipients each hour), `smart_send_time` (assumed: static at midnight UTC of its `date`)."""
from __future__ import annotations

import datetime as _dt
import math
from copy import deepcopy
from dataclasses import dataclass
from functools import partial

from simulator.core.timefmt import UTC, iso, parse_instant, zone
from simulator.errors import Invalid, NotFound, Problem
from simulator.klaviyo.account import Account
from simulator.klaviyo.lists import lists_of
from simulator.klaviyo.profiles import Profile, profiles_of
from simulator.klaviyo.resources import (Resource, ResourceStore, acted_on, on_create, on_operation, on_write,
                                         resources_of)
from simulator.klaviyo.segments import segment_members

STRATEGIES = ("static", "throttled", "immediate", "smart_send_time")
THROTTLE_PERCENTAGES = (1, 2, 5, 10, 11, 13, 14, 17, 20, 25, 33, 50)
LATEST_OFFSET = _dt.timedelta(hours=14)  # UTC+14: the first zone to reach a local send time
CHANNELS = {"email": "email.marketing", "sms": "sms.marketing", "mobile_push": "push.marketing"}


@dataclass(frozen=True)
class CampaignDelivery:
    """Recipients of a campaign due now: what the account's listeners (the flow engine) deliver."""
    campaign_id: str
    profile_ids: tuple[str, ...]


def campaigns_of(account: Account) -> ResourceStore:
    """Campaigns live in the generic store; one accessor, should they move."""
    return resources_of(account)


# -- creating ------------------------------------------------------------------------------------

@on_create("campaign")
def campaign_with_its_messages(store: ResourceStore, type_: str, attributes: dict, now: _dt.datetime) -> str:
    """A draft, its messages as campaign-message records linked to it (what `GET
    /campaigns/{id}/campaign-messages` reads and `messages.channel` filters on) and a first recipient
    estimate: https://developers.klaviyo.com/en/reference/create_campaign."""
    attributes.setdefault("status", "Draft")
    attributes.setdefault("archived", False)
    attributes["send_strategy"] = attributes.get("send_strategy") or {"method": "immediate"}  # "Defaults to 'Immediate'"
    attributes.setdefault("scheduled_at", None)
    attributes.setdefault("send_time", None)
    campaign_id = store.account.ids.next(type_, "ulid", at=now)
    messages = attributes.pop("campaign-messages", None) or {}
    for message in messages.get("data", []) if isinstance(messages, dict) else []:
        if isinstance(message, dict):
            store.create("campaign-message", dict(message.get("attributes") or {}),
                         {"campaign": (type_, campaign_id)}, now, ("created_at", "updated_at"))
    count = len(recipients(store.account, attributes.get("audiences"), _channel_in(store, campaign_id)))
    store.create("campaign-recipient-estimation", {"estimated_recipient_count": count}, {}, now, (), campaign_id)
    return campaign_id


@on_write("campaign")
def campaign_checks(store: ResourceStore, type_: str, attributes: dict, links: dict, now: _dt.datetime) -> None:
    """A new or updated campaign's strategy and audiences (create_campaign's request schema)."""
    check_send_strategy(attributes.get("send_strategy"))
    check_audiences(store.account, attributes.get("audiences"))


def check_send_strategy(strategy) -> None:
    """The strategy's method and its required members (create_campaign's request schema)."""
    if strategy is None:
        return
    method = strategy.get("method") if isinstance(strategy, dict) else None
    if method not in STRATEGIES:
        raise Invalid([Problem("data.attributes.send_strategy.method", "enum", expected=list(STRATEGIES), got=method)])
    needed = {"static": ("datetime",), "throttled": ("datetime", "throttle_percentage"),
              "smart_send_time": ("date",)}.get(method, ())
    problems = [Problem(f"data.attributes.send_strategy.{name}", "required") for name in needed if name not in strategy]
    if method == "throttled" and "throttle_percentage" in strategy and \
            strategy["throttle_percentage"] not in THROTTLE_PERCENTAGES:
        problems.append(Problem("data.attributes.send_strategy.throttle_percentage", "enum",
                                expected=list(THROTTLE_PERCENTAGES), got=strategy["throttle_percentage"]))
    for name in ("datetime", "date"):
        if name in needed and name in strategy:
            try:
                parse_instant(strategy[name])
            except (TypeError, ValueError):
                problems.append(Problem(f"data.attributes.send_strategy.{name}", "format", expected="date-time"))
    if problems:
        raise Invalid(problems)


# -- the audience --------------------------------------------------------------------------------

def members(account: Account, audience_id: str) -> set[str] | None:
    """The profile ids in a list or a segment (a segment's as its definition stands now); None when
    the id names neither (one deleted since contributes nobody)."""
    found = lists_of(account).records.find(audience_id)
    if found is not None:
        return set(found.members)
    if audience_id in resources_of(account).of("segment"):
        return set(segment_members(account, audience_id))
    return None


def check_audiences(account: Account, audiences) -> None:
    """Every included and excluded id names a list or a segment of the account, else a 400."""
    if not isinstance(audiences, dict):
        return
    problems = [Problem(f"data.attributes.audiences.{side}.{position}", "invalid",
                        detail=f"{audience_id!r} is neither a list nor a segment of this account.")
                for side in ("included", "excluded") for position, audience_id in enumerate(audiences.get(side) or [])
                if not isinstance(audience_id, str) or members(account, audience_id) is None]
    if problems:
        raise Invalid(problems)


def can_receive(account: Account, profile: Profile, channel: str) -> bool:
    """Email goes to profiles the flows could email too (not unsubscribed, not suppressed; never-subscribed
    ones too: help article 360037101072), or only to explicit subscribers under the
    `klaviyo_campaign_email_consent` setting; SMS and push need consent on their channel (help article
    19514751281307)."""
    if channel == "email":
        if profile.email_refusal() is not None:
            return False
        wanted = getattr(account.settings, "klaviyo_campaign_email_consent", "receivable")
        return wanted != "subscribed" or profile.consent_of("email.marketing").consent == "SUBSCRIBED"
    if channel == "sms" and not profile.get("phone_number"):
        return False
    return profile.consent_of(CHANNELS.get(channel, f"{channel}.marketing")).subscribed


def recipients(account: Account, audiences: dict | None, channel: str) -> list[Profile]:
    """Included lists' and segments' members less the excluded ones', who can receive `channel`."""
    audiences = audiences if isinstance(audiences, dict) else {}
    included = set().union(*(members(account, a) or () for a in audiences.get("included") or []))
    excluded = set().union(*(members(account, a) or () for a in audiences.get("excluded") or []))
    chosen = included - excluded
    return [p for p in profiles_of(account).records if p.id in chosen and can_receive(account, p, channel)]


def messages_of(account: Account, campaign_id: str) -> list[Resource]:
    return campaigns_of(account).related(("campaign", campaign_id), "campaign-messages", "campaign-message")


def _channel_in(store: ResourceStore, campaign_id: str) -> str:
    messages = store.related(("campaign", campaign_id), "campaign-messages", "campaign-message")
    return channel_of(messages[0]) if messages else "email"


def channel_of(message: Resource) -> str:
    """`email`, `sms` or `mobile_push`, as the message's definition (or the older `channel`) says."""
    definition = message.attributes.get("definition") or {}
    return definition.get("channel") or message.attributes.get("channel") or "email"


# -- sending -------------------------------------------------------------------------------------


@on_operation("send_campaign")
def send_campaign(account: Account, data: dict, now: _dt.datetime) -> Resource:
    return send(account, acted_on(data), now)


def send(account: Account, campaign_id: str, now: _dt.datetime) -> Resource:
    """Accept a send job for a draft: `queued` now, started at the strategy's time (at the earliest
    once the processing delay has passed), when the audience is computed."""
    store = campaigns_of(account)
    campaign = store.of("campaign").get(campaign_id)
    if campaign.attributes.get("status") != "Draft":
        raise Invalid([Problem("data.id", "invalid",
                               detail=f"The campaign is {campaign.attributes.get('status')}: only a draft can be sent.")])
    messages = messages_of(account, campaign_id)
    unready = [m.id for m in messages if channel_of(m) == "email" and not m.links.get("template")]
    if not messages or unready:
        raise Invalid([Problem("data.id", "invalid", detail="Every campaign message needs a template before sending: "
                                                            f"{', '.join(unready) or 'the campaign has no message'}.")])
    strategy = campaign.attributes.get("send_strategy") or {"method": "immediate"}
    ready = now + _dt.timedelta(seconds=getattr(account.settings, "klaviyo_event_processing_seconds", 0))
    planned = _planned_start(strategy)
    start = max(ready, planned) if planned else ready
    job = store.of("campaign-send-job").find(campaign_id) or \
        store.create("campaign-send-job", {}, {}, now, (), campaign_id)
    job.attributes["status"] = "queued"
    job.attributes.pop("audience", None)
    if _is_local(strategy) or getattr(account.settings, "klaviyo_campaign_recipients_at", "send_time") == "scheduled_time":
        job.attributes["audience"] = [p.id for p in recipients(account, campaign.attributes.get("audiences"),
                                                                 channel_of(messages[0]))]
    future = planned is not None and planned > ready
    campaign.attributes.update({"status": "Scheduled" if future else "Preparing to send", "scheduled_at": iso(now),
                                "send_time": iso(planned or start), "updated_at": iso(now)})
    for message in messages_of(account, campaign_id):
        message.attributes["send_times"] = [{"datetime": iso(planned or start), "is_local": _is_local(strategy)}]
    account.scheduler.at(start, partial(start_sending, account, campaign_id), f"klaviyo campaign {campaign_id}")
    return job


def _planned_start(strategy: dict) -> _dt.datetime | None:
    """When the strategy asks the send to begin (a local send begins in the first zone to reach
    its time), or None for at once."""
    method = strategy.get("method")
    if method == "smart_send_time":
        return parse_instant(strategy["date"]).replace(tzinfo=UTC)
    if method not in ("static", "throttled"):
        return None
    moment = parse_instant(strategy["datetime"])
    return moment - LATEST_OFFSET if _is_local(strategy) else moment


def _is_local(strategy: dict) -> bool:
    return strategy.get("method") == "static" and bool((strategy.get("options") or {}).get("is_local"))


def start_sending(account: Account, campaign_id: str) -> None:
    """The send begins: the audience is computed now (unless it was fixed when scheduled) and its
    batches are put on the clock."""
    store, now = campaigns_of(account), account.scheduler.clock.now()
    campaign = store.of("campaign").find(campaign_id)
    job = store.of("campaign-send-job").find(campaign_id)
    if job is None or job.attributes.get("status") != "queued":
        return  # cancelled or reverted meanwhile
    if campaign is None:
        job.attributes["status"] = "cancelled"  # the campaign was deleted meanwhile
        return
    messages = messages_of(account, campaign_id)
    fixed, profiles = job.attributes.get("audience"), profiles_of(account).records
    audience = recipients(account, campaign.attributes.get("audiences"), channel_of(messages[0]) if messages else "email") \
        if fixed is None else [profiles.get(pid) for pid in fixed if pid in profiles]
    batches = plan(campaign.attributes.get("send_strategy") or {}, audience, now)
    job.attributes.update({"status": "processing", "recipients": len(audience)})
    campaign.attributes.update({"status": "Sending", "updated_at": iso(now)})
    if not batches:
        finish(account, campaign_id)
    for position, (due, profile_ids) in enumerate(batches):
        account.scheduler.at(due, partial(deliver, account, campaign_id, tuple(profile_ids), position == len(batches) - 1),
            f"klaviyo campaign {campaign_id} batch {position + 1}")


def plan(strategy: dict, audience: list[Profile], start: _dt.datetime) -> list[tuple[_dt.datetime, list[str]]]:
    """(when, profile ids) in time order. Throttled: `throttle_percentage` of the recipients an hour
    (the last hour takes the rest). Local static: each recipient at the strategy's wall-clock time in
    their timezone (profile location, else UTC); a time already passed sends at once with
    `send_past_recipients_immediately`, else at that time the next day (help article 360050216012)."""
    ids = [p.id for p in audience]
    if strategy.get("method") == "throttled":
        size = max(1, math.ceil(len(ids) * strategy["throttle_percentage"] / 100))
        return [(start + _dt.timedelta(hours=hour), ids[hour * size:(hour + 1) * size])
                for hour in range(math.ceil(len(ids) / size))]
    if _is_local(strategy):
        wall = parse_instant(strategy["datetime"]).replace(tzinfo=None)
        late = bool(strategy["options"].get("send_past_recipients_immediately"))
        due: dict[_dt.datetime, list[str]] = {}
        for profile in audience:
            moment = wall.replace(tzinfo=zone((profile.location or {}).get("timezone"))).astimezone(UTC)
            if moment < start:
                moment = start if late else moment + _dt.timedelta(days=1)
            due.setdefault(moment, []).append(profile.id)
        return sorted(due.items())
    return [(start, ids)] if ids else []


def deliver(account: Account, campaign_id: str, profile_ids: tuple[str, ...], last: bool) -> None:
    """A batch is due: the listeners send it, unless the job was cancelled; the last one finishes."""
    job = campaigns_of(account).of("campaign-send-job").find(campaign_id)
    if job is None or job.attributes.get("status") != "processing":
        return
    account.notify(CampaignDelivery(campaign_id, profile_ids))
    if last:
        finish(account, campaign_id)


def finish(account: Account, campaign_id: str) -> None:
    store, now = campaigns_of(account), account.scheduler.clock.now()
    store.of("campaign-send-job").get(campaign_id).attributes["status"] = "complete"
    campaign = store.of("campaign").find(campaign_id)
    if campaign is not None:
        campaign.attributes.update({"status": "Sent", "updated_at": iso(now)})


@on_operation("cancel_campaign_send")
def cancel(account: Account, data: dict, now: _dt.datetime) -> Resource:
    """`cancel`: nothing more goes out and the campaign is `Cancelled`; `revert`: a campaign not yet
    sending goes back to `Draft` (cancel_campaign_send reference). A finished job is a 400."""
    store, campaign_id = campaigns_of(account), acted_on(data)
    action = (data.get("attributes") or {}).get("action")
    job = store.of("campaign-send-job").get(campaign_id)
    status = job.attributes.get("status")
    if action not in ("cancel", "revert"):
        raise Invalid([Problem("data.attributes.action", "enum", expected=["cancel", "revert"], got=action)])
    if status not in ("queued", "processing") or (action == "revert" and status != "queued"):
        raise Invalid([Problem("data.attributes.action", "invalid",
                               detail=f"The send job is {status}: it cannot be {action}ed now.")])
    job.attributes["status"] = "cancelled"
    campaign = store.of("campaign").get(campaign_id)
    campaign.attributes.update({"status": "Cancelled" if action == "cancel" else "Draft", "updated_at": iso(now)})
    if action == "revert":
        campaign.attributes.update({"scheduled_at": None, "send_time": None})
    return job


@on_operation("refresh_campaign_recipient_estimation")
def estimate(account: Account, data: dict, now: _dt.datetime) -> Resource:
    """An estimation job, `queued` then `complete` after the processing delay, when the campaign's
    estimate is counted again (refresh_campaign_recipient_estimation reference)."""
    store, campaign_id = campaigns_of(account), acted_on(data)
    store.of("campaign").get(campaign_id)
    job = store.of("campaign-recipient-estimation-job").find(campaign_id) or \
        store.create("campaign-recipient-estimation-job", {}, {}, now, (), campaign_id)
    job.attributes["status"] = "queued"
    account.later(partial(_estimated, account, campaign_id), now, f"klaviyo estimate {campaign_id}")
    return job


def _estimated(account: Account, campaign_id: str, at: _dt.datetime) -> None:
    store = campaigns_of(account)
    campaign = store.of("campaign").find(campaign_id)
    job = store.of("campaign-recipient-estimation-job").get(campaign_id)
    job.attributes["status"] = "complete" if campaign is not None else "cancelled"
    if campaign is None:
        return
    count = len(recipients(account, campaign.attributes.get("audiences"), _channel_in(store, campaign_id)))
    found = store.of("campaign-recipient-estimation").find(campaign_id)
    if found is None:
        store.create("campaign-recipient-estimation", {"estimated_recipient_count": count}, {}, at, (), campaign_id)
    else:
        found.attributes["estimated_recipient_count"] = count


@on_operation("assign_template_to_campaign_message")
def assign_template(account: Account, data: dict, now: _dt.datetime) -> Resource:
    """The message's template becomes a copy of the template (Klaviyo assigns "a non-reusable
    version" of it: assign_template_to_campaign_message reference)."""
    store = campaigns_of(account)
    message = store.of("campaign-message").get(acted_on(data))
    template = ((data.get("relationships") or {}).get("template") or {}).get("data")
    if not isinstance(template, dict) or not isinstance(template.get("id"), str):
        raise Invalid([Problem("data.relationships.template.data.id", "required")])
    if template["id"] not in store.of("template"):
        raise NotFound("template", template["id"])
    _give_template(store, message, template["id"], now)
    return message


def _give_template(store: ResourceStore, message: Resource, template_id: str, now: _dt.datetime) -> None:
    original = store.of("template").get(template_id)
    own = store.create("template", {**original.attributes, "created": iso(now), "updated": iso(now)}, {}, now)
    message.links["template"] = ("template", own.id)
    message.attributes["updated_at"] = iso(now)


@on_operation("create_campaign_clone")
def clone(account: Account, data: dict, now: _dt.datetime) -> Resource:
    """A new draft from campaign `data.id` under `new_name` (absent: "<name> (Clone)", the sandbox's
    choice): its audiences, strategy, options and messages, each message with its own copy of its
    template (create_campaign_clone reference)."""
    store = campaigns_of(account)
    original = store.of("campaign").get(acted_on(data))
    attributes = {k: deepcopy(original.attributes[k]) for k in ("audiences", "send_strategy", "send_options",
                                                               "tracking_options") if k in original.attributes}
    attributes["name"] = (data.get("attributes") or {}).get("new_name") or f"{original.attributes.get('name', '')} (Clone)"
    messages = messages_of(account, original.id)
    attributes["campaign-messages"] = {"data": [
        {"attributes": {k: deepcopy(v) for k, v in m.attributes.items() if k in ("definition", "channel", "content", "label")}}
        for m in messages]}
    made = store.create("campaign", attributes, {}, now, ("created_at", "updated_at"))
    for old, new in zip(messages, messages_of(account, made.id)):
        if old.links.get("template"):
            _give_template(store, new, old.links["template"][1], now)
    return made
