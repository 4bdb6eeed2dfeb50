"""What the dated line can do to a campaign that v3 cannot: create, update, copy, send, cancel, test,
A/B-test control and UTM tags. Every rule here is a sentence of Omnisend's 2026-03-15 campaigns
reference (https://api-docs.omnisend.com/reference, "Campaigns"):

* create makes a draft; a booster's parent must be a regular email campaign in draft or sent
  status (409 otherwise), with at most one booster (409);
* only a draft can be updated (409 otherwise: "copy it and edit the copy");
* copy makes a new draft named "Copy of: <name>" with the original's content, audience and settings;
* send submits a draft (409 for any other status): `immediate` starts it now, `scheduled` keeps it
  scheduled until `scheduledAt` (in the future, within a year: 409 otherwise); started, it sends on
  the clock as a v3 start does, to its audience (`CampaignBook.audience`) as it stands then;
* cancel: a scheduled or paused campaign, or a started email campaign, becomes canceled (409 else);
* test-email: email campaigns only (422 otherwise), to 1-5 recipients, marked `test` in the outbox;
* A/B stop needs a started A/B campaign, resume a stopped one (409 else; 422 for a non-A/B one);
  the winner must name one of the campaign's variants;
* UTM tags can be replaced only on a draft.

Chosen where the reference is silent (docs/omnisend-api.md): `abTest` and `boosterSettings` on a
campaign of another type are a 422 (the spec's "wrong kind of resource" status).
"""
from __future__ import annotations

import copy
import datetime as _dt

from simulator.core.outbox import Message, Outbox
from simulator.core.timefmt import iso, parse_instant, zone
from simulator.errors import Conflict, Invalid, Problem
from simulator.omnisend.automations import Unprocessable
from simulator.omnisend.campaigns import Campaign, CampaignBook, CampaignSearch, dated_status, parent_of

DETAILS = ("content", "audience", "sendingSettings", "abTest", "boosterSettings", "language")


def _apply(campaign: Campaign, body: dict) -> None:
    """Keep the body's settings, an update's merged into what is there (a booster keeps its parent);
    the fields v3 also shows (subject, sender, segments) follow them. A/B and booster settings
    belong to those types only (422 on another)."""
    for name, kind in (("abTest", "abTest"), ("boosterSettings", "booster")):
        if name in body and campaign.type != kind:
            raise Unprocessable(f"{name} is only for {kind} campaigns; this one is {campaign.type}.")
    for name in DETAILS:
        if name in body:
            current, given = campaign.details.get(name), copy.deepcopy(body[name])
            if isinstance(current, dict) and isinstance(given, dict):
                current.update(given)
            else:
                campaign.details[name] = given
    for key, variant in _variants(campaign).items():
        variant.setdefault("id", key)  # a variant is named by its key (a, b) until the vendor says otherwise
    if "name" in body:
        campaign.name = body["name"]
    email = campaign.details.get("content", {}).get("email") or {}
    campaign.subject, campaign.from_name = email.get("subject"), email.get("senderName")
    campaign.segments = list(campaign.details.get("audience", {}).get("includedSegmentIDs") or [])


def _variants(campaign: Campaign) -> dict[str, dict]:
    """The A/B variants the campaign's body named (`a`, `b`), ignoring members the spec does not define."""
    variants = (campaign.details.get("abTest") or {}).get("variants")
    return {k: v for k, v in variants.items() if k in ("a", "b") and isinstance(v, dict)} \
        if isinstance(variants, dict) else {}


def _check_booster(book: CampaignBook, body: dict) -> None:
    """A booster names a regular email parent in draft or sent (409 otherwise), one booster each."""
    if body["type"] != "booster":
        return
    parent_id = (body.get("boosterSettings") or {}).get("campaignID")
    if not parent_id:
        raise Invalid([Problem("boosterSettings", "required", detail="A booster names its parent campaign.")])
    parent = book.get(parent_id)
    if parent.type != "regular" or parent.channel != "email":
        raise Unprocessable("A booster's parent must be a regular email campaign.")
    if dated_status(parent) not in ("draft", "sent"):
        raise Conflict(f"A booster's parent must be in draft or sent status; it is {dated_status(parent)}.")
    if any(parent_of(c) == parent_id for c in book.search(CampaignSearch())):
        raise Conflict("The parent campaign already has a booster; delete it first to replace it.")


def create(book: CampaignBook, body: dict, now: _dt.datetime) -> Campaign:
    _check_booster(book, body)
    campaign = book.add_draft(body.get("name") or "", body["type"], body["channel"], {}, now)
    _apply(campaign, body)
    return campaign


def _draft_only(campaign: Campaign, what: str) -> None:
    if dated_status(campaign) != "draft":
        raise Conflict(f"Only a campaign in draft status can be {what}; this one is {dated_status(campaign)}. "
                       "Copy it and use the copy.")


def update(book: CampaignBook, campaign_id: str, body: dict, now: _dt.datetime) -> Campaign:
    campaign = book.get(campaign_id)
    _draft_only(campaign, "updated")
    _apply(campaign, body)
    campaign.updated_at = now
    return campaign


def copy_of(book: CampaignBook, campaign_id: str, now: _dt.datetime) -> Campaign:
    original = book.get(campaign_id)
    made = book.add_draft(f"Copy of: {original.name}", original.type, original.channel,
                          copy.deepcopy(original.details), now)
    made.subject, made.from_name, made.segments = original.subject, original.from_name, list(original.segments)
    made.utm = copy.deepcopy(original.utm)
    return made


def send(book: CampaignBook, campaign_id: str, now: _dt.datetime) -> tuple[Campaign, _dt.datetime | None]:
    """Submit a draft: `immediate` starts it now; `scheduled` (and `personalized`) leave it scheduled
    until its start, which is returned (None: started now). `send_on_clock` does the rest."""
    campaign = book.get(campaign_id)
    _draft_only(campaign, "sent")
    start_at = _start_time(book, campaign, now)
    if start_at is None:
        return book.start(campaign_id, now), None
    campaign.status, campaign.updated_at = "scheduled", now
    return campaign, start_at


def _start_time(book: CampaignBook, campaign: Campaign, now: _dt.datetime) -> _dt.datetime | None:
    """When the sending strategy starts the send: `scheduledAt` for `scheduled`, which must be in the
    future and within a year; for `personalized` the start of that day in the brand's timezone (the
    next whole hour when that day is today). Anything else is content that does not allow sending (409)."""
    settings = campaign.details.get("sendingSettings") or {}
    strategy = settings.get("strategy") or "immediate"
    if strategy == "immediate":
        return None
    try:
        at = parse_instant(settings.get("scheduledAt"))
    except ValueError:
        raise Conflict(f"A {strategy} campaign needs sendingSettings.scheduledAt to be sent.") from None
    if strategy == "personalized":
        tz = zone(book.brand.profile.timezone)
        day, today = at.astimezone(tz).date(), now.astimezone(tz).date()
        at = (now.replace(minute=0, second=0, microsecond=0) + _dt.timedelta(hours=1) if day == today
              else _dt.datetime.combine(day, _dt.time(), tz).astimezone(_dt.timezone.utc))
    if not now < at <= now + _dt.timedelta(days=365):
        raise Conflict(f"sendingSettings.scheduledAt must be in the future and within one year; it is {iso(at)}.")
    return at


def cancel(book: CampaignBook, campaign_id: str, now: _dt.datetime) -> Campaign:
    campaign = book.get(campaign_id)
    status = dated_status(campaign)
    if status not in ("scheduled", "paused") and not (status == "started" and campaign.channel == "email"):
        raise Conflict(f"A campaign in status {status} cannot be canceled.")
    campaign.status = "paused"  # what v3 can say of it; the pending send finds it no longer in progress
    campaign.dated_state, campaign.updated_at = "canceled", now
    return campaign


def delete(book: CampaignBook, campaign_id: str) -> None:
    campaign = book.get(campaign_id)
    if dated_status(campaign) in ("started", "stopped"):
        raise Conflict(f"A campaign in status {dated_status(campaign)} cannot be deleted; cancel it first.")
    book.delete(campaign_id, "except_inProgress")


def send_test(book: CampaignBook, campaign_id: str, recipients: list[str], outbox: Outbox,
              now: _dt.datetime) -> None:
    campaign = book.get(campaign_id)
    if campaign.channel != "email":
        raise Unprocessable(f"Test emails are for email campaigns; this one is {campaign.channel}.")
    for recipient in recipients:
        outbox.add(Message(id=book.brand.ids.next("message", "uuid"), vendor="omnisend", account=book.brand.id,
                           channel="email", recipient=recipient, workflow_id=campaign.id,
                           workflow_name=campaign.name, step_id=campaign.id, subject=campaign.subject,
                           sent_at=iso(now), test=True))


def _ab_test(book: CampaignBook, campaign_id: str) -> Campaign:
    campaign = book.get(campaign_id)
    if campaign.type != "abTest":
        raise Unprocessable("This campaign is not an A/B test campaign.")
    return campaign


def stop_ab_test(book: CampaignBook, campaign_id: str, now: _dt.datetime) -> None:
    campaign = _ab_test(book, campaign_id)
    if dated_status(campaign) != "started":
        raise Conflict(f"An A/B test can be stopped only while started; this one is {dated_status(campaign)}.")
    campaign.dated_state, campaign.updated_at = "stopped", now


def resume_ab_test(book: CampaignBook, campaign_id: str, now: _dt.datetime) -> None:
    campaign = _ab_test(book, campaign_id)
    if dated_status(campaign) != "stopped":
        raise Conflict(f"An A/B test can be resumed only while stopped; this one is {dated_status(campaign)}.")
    campaign.dated_state, campaign.updated_at = None, now


def pick_winner(book: CampaignBook, campaign_id: str, variant_id: str, now: _dt.datetime) -> None:
    campaign = _ab_test(book, campaign_id)
    if variant_id not in {v.get("id") for v in _variants(campaign).values()}:
        raise Invalid([Problem("variantID", "invalid", detail=f"No variant '{variant_id}' in this A/B test.")])
    campaign.details["abTest"]["result"] = {"winnerVariantID": variant_id, "isManuallySelected": True,
                                            "selectedAt": iso(now)}
    campaign.updated_at = now


def utm_of(campaign: Campaign) -> dict:
    """`tags` for a regular campaign, `variants` for an A/B one; the other is left out."""
    key = "variants" if campaign.type == "abTest" else "tags"
    return {key: copy.deepcopy(campaign.utm.get(key, {}))}


def replace_utm(book: CampaignBook, campaign_id: str, body: dict, now: _dt.datetime) -> Campaign:
    campaign = book.get(campaign_id)
    _draft_only(campaign, "given UTM tags")
    campaign.utm = {k: copy.deepcopy(v) for k, v in body.items() if k in ("tags", "variants")}
    campaign.updated_at = now
    return campaign
