"""The dated Events API (`POST /events`): one customer event, its contact, and the activity feed.

Rules (spec `events`; choices in docs):
* the event needs a contact, named by `contact.id` (must exist), else `email`, else `phone`; the
  contact found is updated from the event's contact fields, or created from them when none is found
  (new identifiers start `nonSubscribed`);
* `optIns` subscribe, then `optOuts` unsubscribe, the identifier of their channel (email -> the
  email, sms -> the phone); `consents` are kept on the channel's identifier;
* recommended events are checked against `recommended.RULES`; any other name is a custom event;
* `eventTime` (RFC 3339, or `YYYY-MM-DD HH:MM:SS+HH:MM`) defaults to now; `eventID` is a UUID v4-v7;
* every problem of the event and its contact is reported at once, before anything changes; an
  accepted event is recorded with `Brand.record_event` (what the automation engine listens to).
"""
from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field

from simulator.core.timefmt import iso, parse_instant
from simulator.errors import Invalid, Problem
from simulator.omnisend import recommended
from simulator.omnisend.brand import Brand, ContactEvent
from simulator.omnisend.contacts import EMAIL, PHONE, PROFILE_FIELDS, Contact, ContactInput, contacts_of

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[4-7][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", re.IGNORECASE)
EVENT_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$", re.IGNORECASE)
IDENTIFIER_OF = {"email": "email", "sms": "phone"}
DEFAULT_ORIGIN = "api"


@dataclass
class EventInput:
    """A `POST /events` body, in the model's terms (the surface checked its shape)."""
    name: str | None
    origin: str | None = None
    version: str | None = None
    event_id: str | None = None
    time: str | None = None
    contact: dict = field(default_factory=dict)  # the spec's contact object, as sent
    properties: dict = field(default_factory=dict)


def accept(brand: Brand, data: EventInput, now: _dt.datetime) -> ContactEvent:
    """Check the whole event, then update or create its contact and record the event."""
    problems: list[Problem] = []
    if not data.name:
        problems.append(Problem("eventName", "required"))
    else:
        problems += recommended.check(data.name, data.version, data.properties)
    if data.event_id is not None and not UUID.match(data.event_id):
        problems.append(Problem("eventID", "format", expected="UUID (v4 to v7)", got=data.event_id))
    at = _event_time(data.time, problems)
    existing = _existing_contact(brand, data.contact, problems)
    contact_input = _contact_input(data.contact, existing, now, problems)
    if problems:
        raise Invalid(problems)
    book = contacts_of(brand)
    if existing is not None:
        contact = book.update(existing.id, contact_input, now)
    else:
        contact, _ = book.create_or_update(contact_input, now)
    return brand.record_event(contact.id, data.name, data.origin or DEFAULT_ORIGIN, data.properties, at or now)


def _event_time(raw: str | None, problems: list[Problem]) -> _dt.datetime | None:
    if raw is None:
        return None
    try:
        if EVENT_TIME.match(raw):
            return parse_instant(raw)
    except ValueError:
        pass
    problems.append(Problem("eventTime", "format", expected="RFC 3339 date-time", got=raw))
    return None


def _existing_contact(brand: Brand, contact: dict, problems: list[Problem]) -> Contact | None:
    book = contacts_of(brand)
    email, phone, contact_id = contact.get("email"), contact.get("phone"), contact.get("id")
    if not (email or phone or contact_id):
        problems.append(Problem("contact", "required", detail="an event needs a contact: its id, email or phone"))
        return None
    if email and not EMAIL.match(email):
        problems.append(Problem("contact.email", "format", expected="email", got=email))
    if phone and not PHONE.match(phone):
        problems.append(Problem("contact.phone", "format", expected="phone", got=phone))
    if contact_id:
        found = book.find(contact_id=contact_id)
        if found is None:
            problems.append(Problem("contact.id", "invalid", detail=f"no contact with id {contact_id}"))
        elif email and found.email and found.email.lower() != email.lower():
            problems.append(Problem("contact.email", "invalid", detail="the email of a contact cannot be changed"))
        return found
    return book.find(email=email, phone=phone)


def _contact_input(contact: dict, existing: Contact | None, now: _dt.datetime,
                   problems: list[Problem]) -> ContactInput:
    """Identifiers from email/phone, with the statuses and consents the opt-ins, opt-outs and
    consents give their channel; profile, tags and custom properties as sent."""
    identifiers: dict[str, dict] = {}
    for kind in ("email", "phone"):
        if contact.get(kind):
            identifiers[kind] = {"type": kind, "id": contact[kind]}

    def identifier(channel: str | None, where: str) -> dict | None:
        if channel not in IDENTIFIER_OF:  # the spec lists the channel without requiring it
            problems.append(Problem(where, "required", detail="the channel to opt in or out of is required"))
            return None
        kind = IDENTIFIER_OF[channel]
        if kind not in identifiers:
            known = existing.identifier(kind) if existing is not None else None
            if known is None:
                problems.append(Problem(where, "invalid", detail=f"the contact has no {kind} for channel {channel}"))
                return None
            identifiers[kind] = {"type": kind, "id": known.id}
        return identifiers[kind]

    for name, status in (("optIns", "subscribed"), ("optOuts", "unsubscribed")):
        for index, item in enumerate(contact.get(name) or []):
            target = identifier(item.get("channel"), f"contact.{name}[{index}].channel")
            if target is not None:
                target["status"] = status
                target["status_date"] = _instant(item.get("createdAt"), f"contact.{name}[{index}].createdAt",
                                                 problems) or now
    for index, item in enumerate(contact.get("consents") or []):
        target = identifier(item.get("channel"), f"contact.consents[{index}].channel")
        given = _instant(item.get("createdAt"), f"contact.consents[{index}].createdAt", problems)
        if target is not None:
            consent = {k: item[k] for k in ("ip", "source", "userAgent") if k in item}
            target["consent"] = {"createdAt": iso(given or now), **consent}
    return ContactInput(identifiers=list(identifiers.values()) or None,
                        profile={k: contact[k] for k in PROFILE_FIELDS if k in contact},
                        tags=contact.get("tags"), custom_properties=contact.get("customProperties"))


def _instant(raw, where: str, problems: list[Problem]) -> _dt.datetime | None:
    if raw is None:
        return None
    try:
        return parse_instant(raw)
    except (TypeError, ValueError):
        problems.append(Problem(where, "format", expected="date-time", got=raw))
        return None
