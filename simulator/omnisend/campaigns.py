"""Omnisend campaigns as v3 shows them: read, delete, start; made only by the control API (v3 has no create).

Rules (sources in docs/omnisend-v3.md):
* statuses draft | paused | scheduled | inProgress | sent;
* only a draft or scheduled campaign can be started; it is then inProgress, and after
  `v3_campaign_send_seconds` on the clock it is sent: every contact whose email is subscribed at that
  moment gets one message in the outbox and becomes one of the campaign's contacts (a campaign's
  segments do not narrow the audience: v3 cannot make segments, and seeded ids need not exist);
* which campaigns can be deleted is the `v3_campaign_delete` setting (the spec's note is ambiguous);
* the counters (sent, opened, ...) are counted from the campaign's contacts.

The dated line reads the same campaigns (`CampaignSearch`) with its own statuses: draft, scheduled,
paused and sent are the same word; v3's inProgress is the dated `started`. Its types are regular,
abTest and booster: any other v3 type reads as regular. Every sandbox campaign is an email campaign.
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
from functools import partial
from dataclasses import dataclass, field

from simulator.core.outbox import Message, Outbox
from simulator.core.scheduler import Scheduler
from simulator.core.timefmt import iso
from simulator.errors import Invalid, NotFound, Problem
from simulator.omnisend.brand import Brand
from simulator.omnisend.contacts import contacts_of
from simulator.core.records import Records

STATUSES = ("draft", "paused", "scheduled", "inProgress", "sent")
STARTABLE = ("draft", "scheduled")
WITH_RECIPIENTS = ("paused", "inProgress", "sent")  # a campaign that has begun sending
FLAGS = ("opened", "clicked", "bounced", "complained", "unsubscribed")
SORTS = ("createdAt", "updatedAt", "startDate", "endDate")  # each newest first
DATED_STATUS = {"draft": "draft", "paused": "paused", "scheduled": "scheduled", "inProgress": "started",
                "sent": "sent"}  # v3 status -> the dated line's
DATED_STATUSES = ("draft", "scheduled", "started", "sent", "error", "canceled", "paused", "onHold", "expired",
                  "stopped")
DATED_TYPES = ("regular", "abTest", "booster")
DATED_CHANNELS = ("email", "sms", "push")
DATED_SORTS = ("createdAt", "updatedAt", "name")
DELETE_RULES = {
    "except_inProgress": lambda status: status != "inProgress",
    "only_sent_draft": lambda status: status in ("sent", "draft"),
    "except_sent_draft": lambda status: status not in ("sent", "draft"),
}


@dataclass
class Recipient:
    """One contact a campaign was sent to, and what they did with it."""
    contact_id: str
    email: str | None
    opened: bool = False
    clicked: bool = False
    bounced: bool = False
    complained: bool = False
    unsubscribed: bool = False


@dataclass(kw_only=True)
class CampaignFields:
    """What the control API seeds and a campaign keeps alike."""
    name: str
    status: str = "draft"
    type: str = "regular"
    from_name: str | None = None
    subject: str | None = None
    url: str | None = None
    start_date: _dt.datetime | None = None
    end_date: _dt.datetime | None = None
    segments: list[str] = field(default_factory=list)


@dataclass(kw_only=True)
class Campaign(CampaignFields):
    id: str
    seq: int
    created_at: _dt.datetime
    updated_at: _dt.datetime
    recipients: dict[str, Recipient] = field(default_factory=dict)  # by contact id, in sending order
    # The dated line's own: what its create and update bodies set (content, audience, sendingSettings,
    # abTest, boosterSettings, language), its UTM tags, and a state v3 has no word for.
    channel: str = "email"
    details: dict = field(default_factory=dict)
    utm: dict = field(default_factory=dict)
    dated_state: str | None = None  # canceled | stopped (an A/B test halted)

    @property
    def all_subscribers(self) -> bool:
        return not self.segments

    def count(self, flag: str) -> int:
        if flag == "sent":
            return len(self.recipients)
        return sum(1 for r in self.recipients.values() if getattr(r, flag))

    def recipient(self, contact_id: str) -> Recipient:
        found = self.recipients.get(contact_id)
        if found is None:
            raise NotFound("campaign contact", contact_id)
        return found


@dataclass(kw_only=True)
class CampaignInput(CampaignFields):
    """A campaign as the control API seeds it; `recipients` are dicts {contactID | email, flags...}."""
    recipients: list[dict] = field(default_factory=list)
    created_at: _dt.datetime | None = None


class CampaignBook:
    """The campaigns of one brand."""

    def __init__(self, brand: Brand):
        self.brand = brand
        self._campaigns: Records[Campaign] = Records("campaign")

    def get(self, campaign_id: str) -> Campaign:
        return self._campaigns.get(campaign_id)

    def add(self, data: CampaignInput, now: _dt.datetime) -> Campaign:
        """Seed a campaign (the control API stands in for the Omnisend app, where campaigns are made)."""
        problems = []
        if not data.name:
            problems.append(Problem("name", "required"))
        if data.status not in STATUSES:
            problems.append(Problem("status", "enum", expected=list(STATUSES), got=data.status))
        if data.recipients and data.status not in WITH_RECIPIENTS:
            problems.append(Problem("recipients", "invalid",
                                    detail=f"only a campaign that has begun sending ({', '.join(WITH_RECIPIENTS)}) "
                                           "has recipients"))
        recipients = self._recipients(data.recipients, problems)
        if problems:
            raise Invalid(problems)
        created_at = data.created_at or now
        shared = {f.name: getattr(data, f.name) for f in dataclasses.fields(CampaignFields)}
        shared["segments"] = list(data.segments)  # a copy: the input's list is not the campaign's
        campaign = Campaign(**shared, id=self.brand.ids.next("campaign", "hex24"), seq=self._campaigns.next_seq(),
                            created_at=created_at, updated_at=created_at,
                            recipients={r.contact_id: r for r in recipients})
        return self._campaigns.add(campaign.id, campaign)

    def add_draft(self, name: str, type_: str, channel: str, details: dict, now: _dt.datetime) -> Campaign:
        """A draft as the dated line creates it (no recipients, nothing to check beyond its body)."""
        campaign = Campaign(name=name, type=type_, id=self.brand.ids.next("campaign", "hex24"),
                            seq=self._campaigns.next_seq(), created_at=now, updated_at=now, channel=channel,
                            details=details)
        return self._campaigns.add(campaign.id, campaign)

    def list(self, status: str | None = None, type_: str | None = None, sort: str | None = None) -> list[Campaign]:
        found = [c for c in self._campaigns
                 if (status is None or c.status == status) and (type_ is None or c.type == type_)]
        attribute = {"createdAt": "created_at", "updatedAt": "updated_at", "startDate": "start_date",
                     "endDate": "end_date"}[sort or "createdAt"]
        # newest first; campaigns without the date last; ties newest-created first
        return sorted(found, key=lambda c: (getattr(c, attribute) is not None,
                                            getattr(c, attribute) or c.created_at, c.seq), reverse=True)

    def search(self, query: "CampaignSearch", sort: str = "createdAt", descending: bool = True) -> list[Campaign]:
        """The dated list: campaigns `query` keeps, by createdAt, updatedAt or name (case-sensitive)."""
        key = {"createdAt": lambda c: (c.created_at, c.seq), "updatedAt": lambda c: (c.updated_at, c.seq),
               "name": lambda c: (c.name, c.seq)}[sort]
        return sorted((c for c in self._campaigns if query.keeps(c)), key=key, reverse=descending)

    def delete(self, campaign_id: str, rule: str) -> None:
        campaign = self.get(campaign_id)
        if not DELETE_RULES[rule](campaign.status):
            raise Invalid([Problem("status", "invalid",
                                   detail=f"a campaign in status {campaign.status} cannot be deleted")])
        self._campaigns.remove(campaign_id)

    def start(self, campaign_id: str, now: _dt.datetime) -> Campaign:
        """Move a draft or scheduled campaign to inProgress; `send_on_clock` finishes the job."""
        campaign = self.get(campaign_id)
        if campaign.status not in STARTABLE:
            raise Invalid([Problem("status", "invalid", detail=f"a campaign in status {campaign.status} cannot be "
                                                               f"started, only one in {' or '.join(STARTABLE)}")])
        campaign.status, campaign.start_date, campaign.updated_at = "inProgress", now, now
        return campaign

    def send(self, campaign: Campaign, outbox: Outbox, now: _dt.datetime) -> None:
        """Deliver to every email-subscribed contact: one outbox message each; the campaign is sent."""
        if self._campaigns.find(campaign.id) is not campaign or campaign.status != "inProgress":
            return  # deleted (or changed) while it waited
        book = contacts_of(self.brand)
        for contact in book.page(None, len(book) + 1, lambda c: c.status("email") == "subscribed")[0]:
            if contact.id in campaign.recipients:
                continue
            campaign.recipients[contact.id] = Recipient(contact.id, contact.email)
            outbox.add(Message(id=self.brand.ids.next("message", "uuid"), vendor="omnisend", account=self.brand.id,
                               channel="email", recipient=contact.email, workflow_id=campaign.id,
                               workflow_name=campaign.name, step_id=campaign.id, subject=campaign.subject,
                               sent_at=iso(now)))
        campaign.status, campaign.end_date, campaign.updated_at = "sent", now, now

    def _recipients(self, raw: list[dict], problems: list[Problem]) -> list[Recipient]:
        book = contacts_of(self.brand)
        out: list[Recipient] = []
        for index, item in enumerate(raw):
            contact = book.find(email=item.get("email"), contact_id=item.get("contactID"))
            if contact is None:
                problems.append(Problem(f"recipients[{index}]", "invalid", detail="no such contact"))
                continue
            if any(r.contact_id == contact.id for r in out):
                problems.append(Problem(f"recipients[{index}]", "duplicate", detail="the contact is listed twice"))
                continue
            for flag in FLAGS:
                if not isinstance(item.get(flag, False), bool):
                    problems.append(Problem(f"recipients[{index}].{flag}", "type", expected="boolean",
                                            got=type(item[flag]).__name__))
            out.append(Recipient(contact.id, contact.email, **{f: item.get(f) is True for f in FLAGS}))
        return out


def parent_of(campaign: Campaign) -> str | None:
    """The campaign a booster follows up on (the dated line's `boosterSettings.campaignID`)."""
    return (campaign.details.get("boosterSettings") or {}).get("campaignID") if campaign.type == "booster" else None


def dated_status(campaign: Campaign) -> str:
    return campaign.dated_state or DATED_STATUS[campaign.status]


def dated_type(campaign: Campaign) -> str:
    return campaign.type if campaign.type in DATED_TYPES else "regular"


@dataclass(kw_only=True)
class CampaignSearch:
    """The dated `GET /campaigns` filters (statuses, channels and type in the dated line's words)."""
    name_contains: str | None = None
    statuses: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    type: str | None = None
    parent_id: str | None = None  # boosters of that campaign
    created_from: _dt.datetime | None = None
    created_to: _dt.datetime | None = None
    updated_from: _dt.datetime | None = None
    updated_to: _dt.datetime | None = None

    def keeps(self, campaign: Campaign) -> bool:
        return ((not self.name_contains or self.name_contains.lower() in campaign.name.lower())
                and (not self.statuses or dated_status(campaign) in self.statuses)
                and (not self.channels or campaign.channel in self.channels)
                and (self.type is None or dated_type(campaign) == self.type)
                and (self.parent_id is None or parent_of(campaign) == self.parent_id)
                and (self.created_from is None or campaign.created_at >= self.created_from)
                and (self.created_to is None or campaign.created_at <= self.created_to)
                and (self.updated_from is None or campaign.updated_at >= self.updated_from)
                and (self.updated_to is None or campaign.updated_at <= self.updated_to))


def send_on_clock(book: CampaignBook, campaign: Campaign, scheduler: Scheduler, outbox: Outbox,
                  delay: _dt.timedelta) -> None:
    scheduler.after(delay, partial(_send_now, book, campaign, outbox, scheduler.clock), f"campaign {campaign.id} send")


def _send_now(book: CampaignBook, campaign: Campaign, outbox: Outbox, clock) -> None:
    book.send(campaign, outbox, clock.now())


def campaigns_of(brand: Brand) -> CampaignBook:
    return brand.campaigns
