"""Omnisend contacts: identifiers, channel statuses, the upsert and update rules.

Rules (sources in docs/omnisend-v3.md):
* a contact has one or more identifiers (an email and/or a phone), each with a channel status;
* two contacts never share an identifier: a duplicate identifier is dropped, and when it was the
  only one, nothing is created;
* creating with a known email updates that contact (or fails, by the `v3_contact_exists` setting);
* the email of a contact cannot be changed by an update.
"""
from __future__ import annotations

import datetime as _dt
import itertools
import re
from dataclasses import dataclass, field

from simulator.errors import Invalid, Problem
from simulator.omnisend.brand import Brand
from simulator.omnisend.records import Records

CHANNEL_OF = {"email": "email", "phone": "sms"}
STATUSES = ("subscribed", "unsubscribed", "nonSubscribed")
STATUS_ALIASES = {"nonsubscribed": "nonSubscribed"}  # Omnisend lists both spellings as valid
PROFILE_FIELDS = ("firstName", "lastName", "country", "countryCode", "state", "city", "address",
                  "postalCode", "gender", "birthdate")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
PHONE = re.compile(r"^\+?[0-9][0-9 ()\-]{4,24}$")


@dataclass
class Identifier:
    type: str  # email | phone
    id: str
    status: str
    status_date: _dt.datetime
    consent: dict | None = None

    @property
    def channel(self) -> str:
        return CHANNEL_OF[self.type]


@dataclass
class Contact:
    id: str
    seq: int  # 1, 2, 3...: contacts are never deleted, so the n-th contact has seq n
    created_at: _dt.datetime
    updated_at: _dt.datetime
    identifiers: list[Identifier] = field(default_factory=list)
    profile: dict = field(default_factory=dict)  # PROFILE_FIELDS that were given
    tags: list[str] = field(default_factory=list)
    custom_properties: dict | None = None
    consents: list[dict] = field(default_factory=list)

    def identifier(self, type_: str) -> Identifier | None:
        return next((i for i in self.identifiers if i.type == type_), None)

    @property
    def email(self) -> str | None:
        found = self.identifier("email")
        return found.id if found else None

    @property
    def phone(self) -> str | None:
        found = self.identifier("phone")
        return found.id if found else None

    def status(self, channel: str = "email") -> str | None:
        found = next((i for i in self.identifiers if i.channel == channel), None)
        return found.status if found else None


@dataclass
class ContactInput:
    """What a surface hands the model: identifiers as dicts {type, id, status?, statusDate?, consent?}."""
    identifiers: list[dict] | None = None
    profile: dict = field(default_factory=dict)
    tags: list[str] | None = None
    custom_properties: dict | None = None
    created_at: _dt.datetime | None = None


class ContactBook:
    """All contacts of one brand, in creation order, indexed by email and phone."""

    def __init__(self, brand: Brand):
        self.brand = brand
        self._contacts: Records[Contact] = Records("contact")
        self._by_email: dict[str, str] = {}
        self._by_phone: dict[str, str] = {}

    def __len__(self) -> int:
        return len(self._contacts)

    def get(self, contact_id: str) -> Contact:
        return self._contacts.get(contact_id)

    def by_email(self, email: str | None) -> Contact | None:
        return self._contacts.find(self._by_email.get((email or "").lower()))

    def by_phone(self, phone: str | None) -> Contact | None:
        return self._contacts.find(self._by_phone.get(_phone_key(phone)))

    def find(self, email: str | None = None, phone: str | None = None,
             contact_id: str | None = None) -> Contact | None:
        """The contact named by any of the keys, tried in that order: contactID, email, phone."""
        if contact_id:
            return self._contacts.find(contact_id)
        return (email and self.by_email(email)) or (phone and self.by_phone(phone)) or None

    def create_or_update(self, data: ContactInput, now: _dt.datetime,
                         reject_existing: bool = False) -> tuple[Contact, bool]:
        """Create a contact, or update the one its email names (its phone, when it has no email).

        Returns (contact, created)."""
        identifiers = self._parse_identifiers(data.identifiers or [], now, required=True)
        keyed_by = next((i for i in identifiers if i.type == "email"), identifiers[0])  # email first
        existing = self._owner(keyed_by)
        if existing is not None and reject_existing:
            raise Invalid([Problem("identifiers", "duplicate", detail="contact already exists")])
        if existing is not None:
            self._apply(existing, data, identifiers, now)
            return existing, False
        kept = [i for i in identifiers if self._owner(i) is None]
        if not kept:
            raise Invalid([Problem("identifiers", "duplicate",
                                   detail="every identifier already belongs to another contact")])
        created_at = data.created_at or now
        contact = Contact(self.brand.ids.next("contact", "base62_27"), self._contacts.next_seq(), created_at, now)
        self._contacts.add(contact.id, contact)
        self._apply(contact, data, kept, now)
        return contact, True

    def update(self, contact_id: str, data: ContactInput, now: _dt.datetime) -> Contact:
        contact = self.get(contact_id)
        identifiers = self._parse_identifiers(data.identifiers or [], now, required=False)
        for index, ident in enumerate(identifiers):
            if ident.type == "email" and contact.email and ident.id.lower() != contact.email.lower():
                raise Invalid([Problem(f"identifiers[{index}].id", "invalid",
                                       detail="the email of a contact cannot be changed")])
        self._apply(contact, data, identifiers, now)
        return contact

    def page(self, after: str | None, limit: int, keep) -> tuple[list[Contact], str | None]:
        """Up to `limit` contacts created after the one named by cursor `after` that pass `keep`,
        and the cursor of the next page (None at the end)."""
        start = 0
        if after:
            anchor = self._contacts.find(after)
            if anchor is None:
                raise Invalid([Problem("after", "invalid", detail="unknown cursor")])
            start = anchor.seq  # the anchor is the seq-th contact: the next one is at index seq
        found: list[Contact] = []
        for contact in itertools.islice(self._contacts, start, None):
            if not keep(contact):
                continue
            if len(found) == limit:
                return found, found[-1].id
            found.append(contact)
        return found, None

    # -- internals -------------------------------------------------------------------------

    def _owner(self, ident: Identifier) -> Contact | None:
        return self.by_email(ident.id) if ident.type == "email" else self.by_phone(ident.id)

    def _apply(self, contact: Contact, data: ContactInput, identifiers: list[Identifier],
               now: _dt.datetime) -> None:
        for ident in identifiers:
            owner = self._owner(ident)
            if owner is not None and owner is not contact:
                continue  # an identifier of another contact is ignored
            current = contact.identifier(ident.type)
            if current is not None and current.id != ident.id:
                self._unindex(current)
                contact.identifiers.remove(current)
                current = None
            if current is None:
                contact.identifiers.append(ident)
            else:
                current.status, current.status_date = ident.status, ident.status_date
                current.consent = ident.consent or current.consent
            self._index(contact, ident)
            if ident.consent:
                contact.consents.append({**ident.consent, "channel": ident.channel})
        contact.profile.update({k: v for k, v in data.profile.items() if k in PROFILE_FIELDS})
        if data.tags is not None:
            contact.tags = list(dict.fromkeys(contact.tags + list(data.tags)))
        if data.custom_properties is not None:
            contact.custom_properties = {**(contact.custom_properties or {}), **data.custom_properties}
        contact.updated_at = now

    def _index(self, contact: Contact, ident: Identifier) -> None:
        if ident.type == "email":
            self._by_email[ident.id.lower()] = contact.id
        else:
            self._by_phone[_phone_key(ident.id)] = contact.id

    def _unindex(self, ident: Identifier) -> None:
        if ident.type == "email":
            self._by_email.pop(ident.id.lower(), None)
        else:
            self._by_phone.pop(_phone_key(ident.id), None)

    def _parse_identifiers(self, raw: list[dict], now: _dt.datetime, required: bool) -> list[Identifier]:
        problems: list[Problem] = []
        parsed: list[Identifier] = []
        if required and not raw:
            problems.append(Problem("identifiers", "required"))
        seen_types = set()
        for index, item in enumerate(raw):
            where = f"identifiers[{index}]"
            kind, value = item.get("type"), item.get("id", "")
            if kind == "email" and not EMAIL.match(value):
                problems.append(Problem(f"{where}.id", "format", expected="email", got=value))
            if kind == "phone" and not PHONE.match(value):
                problems.append(Problem(f"{where}.id", "format", expected="phone", got=value))
            if kind in seen_types:
                problems.append(Problem(f"{where}.type", "duplicate", detail=f"more than one {kind} identifier"))
            seen_types.add(kind)
            channel = CHANNEL_OF.get(kind)
            status = item.get("status")
            if channel and not item.get("has_channel", True):
                problems.append(Problem(f"{where}.channels.{channel}", "required"))
            status = STATUS_ALIASES.get(status, status) or "subscribed"
            if status not in STATUSES:
                problems.append(Problem(f"{where}.channels.{channel}.status", "enum",
                                        expected=list(STATUSES) + list(STATUS_ALIASES), got=status))
            parsed.append(Identifier(kind, value, status, item.get("status_date") or now, item.get("consent")))
        if problems:
            raise Invalid(problems)
        return parsed


def _phone_key(phone: str | None) -> str:
    return re.sub(r"[^0-9+]", "", phone or "")


def contacts_of(brand: Brand) -> ContactBook:
    return brand.store("contacts", ContactBook)
