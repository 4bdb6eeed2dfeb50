"""Omnisend contacts: identifiers, channel statuses, the upsert and update rules.

Rules (sources in docs/omnisend-v3.md):
* a contact has one or more identifiers (an email and/or a phone), each with a channel status;
* two contacts never share an identifier: a duplicate identifier is dropped, and when it was the
  only one, nothing is created;
* creating with a known email updates that contact (or fails, by the `v3_contact_exists` setting);
* the email of a contact cannot be changed by an update;
* an identifier sent without a status keeps its current one; a new one starts `nonSubscribed`
  (v3 always sends one: its surface defaults a missing status to `subscribed`);
* each move to `subscribed` is an opt-in, kept in `opt_ins` (the dated line shows them);
* the dated line refuses (409) an update naming an identifier of another contact (`strict`), and
  restricts which list filters combine (`dated_filter_problems`).
"""
from __future__ import annotations

import datetime as _dt
import itertools
import re
from dataclasses import dataclass, field

from simulator.core.emails import EMAIL
from simulator.errors import Conflict, Invalid, Problem
from simulator.omnisend.brand import Brand
from simulator.core.records import Records

CHANNEL_OF = {"email": "email", "phone": "sms"}
STATUSES = ("subscribed", "unsubscribed", "nonSubscribed")
STATUS_ALIASES = {"nonsubscribed": "nonSubscribed"}  # Omnisend lists both spellings as valid
PROFILE_FIELDS = ("firstName", "lastName", "country", "countryCode", "state", "city", "address",
                  "postalCode", "gender", "birthdate")
PHONE = re.compile(r"^\+?[0-9][0-9 ()\-]{4,24}$")


@dataclass
class Identifier:
    type: str  # email | phone
    id: str
    status: str | None  # None only while parsed: "keep the current status" (see `ContactBook._apply`)
    status_date: _dt.datetime
    consent: dict | None = None
    source: str | None = None
    send_welcome: bool = True  # the dated line's sendWelcomeMessage (v3: sendWelcomeEmail); read by the engine

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
    opt_ins: list[dict] = field(default_factory=list)  # {"channel", "at"}: each move to subscribed

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
    """What a surface hands the model: identifiers as dicts
    {type, id, status?, status_date?, consent?, source?, send_welcome?, has_channel?}."""
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

    def update(self, contact_id: str, data: ContactInput, now: _dt.datetime, strict: bool = False) -> Contact:
        """Update a contact. An identifier of another contact is ignored, or with `strict` (the dated
        line) refused with a 409; either way nothing changes before every check has passed."""
        contact = self.get(contact_id)
        identifiers = self._parse_identifiers(data.identifiers or [], now, required=False)
        for index, ident in enumerate(identifiers):
            if ident.type == "email" and contact.email and ident.id.lower() != contact.email.lower():
                raise Invalid([Problem(f"identifiers[{index}].id", "invalid",
                                       detail="the email of a contact cannot be changed")])
        for index, ident in enumerate(identifiers):
            owner = self._owner(ident)
            if strict and owner is not None and owner is not contact:
                raise Conflict("Contact identifier already exists", field=f"identifiers.{index}.id")
        self._apply(contact, data, identifiers, now)
        return contact

    def all(self) -> list[Contact]:
        """Every contact, oldest first."""
        return list(self._contacts)

    def search(self, query: "ContactQuery", sort: str = "createdAt", descending: bool = True) -> list[Contact]:
        """The contacts `query` keeps, by `createdAt` or `updatedAt` (ties in creation order)."""
        found = [c for c in self._contacts if query.keeps(c)]
        attribute = "updated_at" if sort == "updatedAt" else "created_at"
        found.sort(key=lambda c: (getattr(c, attribute), c.seq), reverse=descending)
        return found

    def select(self, contact_ids=(), emails=(), phones=(), members=()) -> list[Contact]:
        """The union of the contacts named by ids, emails, phones and segment members, each once,
        oldest first; names that match no contact are skipped."""
        chosen = {c.id for c in (self._contacts.find(i) for i in contact_ids) if c is not None}
        chosen |= {c.id for c in map(self.by_email, emails) if c is not None}
        chosen |= {c.id for c in map(self.by_phone, phones) if c is not None}
        chosen |= set(members)
        return [c for c in self._contacts if c.id in chosen]

    def retag(self, contacts: list[Contact], tags: list[str], add: bool, now: _dt.datetime) -> None:
        """Add `tags` to (or remove them from) each contact; only a contact that changes is touched."""
        for contact in contacts:
            before = list(contact.tags)
            if add:
                contact.tags = list(dict.fromkeys(contact.tags + list(tags)))
            else:
                contact.tags = [t for t in contact.tags if t not in set(tags)]
            if contact.tags != before:
                contact.updated_at = now
                self.brand.contact_changed(contact.id)

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
            if current is not None and _key(current) != _key(ident):  # another address or number replaces it
                self._unindex(current)
                contact.identifiers.remove(current)
                current = None
            if current is None:
                ident.status = ident.status or "nonSubscribed"
                contact.identifiers.append(ident)
                if ident.status == "subscribed":
                    contact.opt_ins.append({"channel": ident.channel, "at": ident.status_date})
            else:
                if ident.status is not None:
                    if ident.status == "subscribed" and current.status != "subscribed":
                        contact.opt_ins.append({"channel": ident.channel, "at": ident.status_date})
                    current.status, current.status_date = ident.status, ident.status_date
                current.consent = ident.consent or current.consent
                current.source = ident.source or current.source
                current.send_welcome = ident.send_welcome
            self._index(contact, ident)
            if ident.consent:
                contact.consents.append({**ident.consent, "channel": ident.channel})
        contact.profile.update({k: v for k, v in data.profile.items() if k in PROFILE_FIELDS})
        if data.tags is not None:
            contact.tags = list(dict.fromkeys(contact.tags + list(data.tags)))
        if data.custom_properties is not None:
            contact.custom_properties = {**(contact.custom_properties or {}), **data.custom_properties}
        contact.updated_at = now
        self.brand.contact_changed(contact.id)

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
            status = STATUS_ALIASES.get(status, status)
            if status is not None and status not in STATUSES:
                problems.append(Problem(f"{where}.channels.{channel}.status", "enum",
                                        expected=list(STATUSES) + list(STATUS_ALIASES), got=status))
            parsed.append(Identifier(kind, value, status, item.get("status_date") or now, item.get("consent"),
                                     item.get("source"), item.get("send_welcome", True)))
        if problems:
            raise Invalid(problems)
        return parsed


@dataclass(kw_only=True)
class ContactQuery:
    """The filters of a contact list (v3 and dated). `members` is the segment's member ids, which the
    caller looks up (`segments.members`) when `segment_id` is set: an unknown segment has none."""
    email: str | None = None
    phone: str | None = None
    status: str | None = None  # of the email channel
    tag: str | None = None
    segment_id: str | None = None
    members: frozenset[str] = frozenset()
    updated_from: _dt.datetime | None = None

    def keeps(self, contact: Contact) -> bool:
        return ((not self.email or (contact.email or "").lower() == self.email.lower())
                and (not self.phone or _phone_key(contact.phone) == _phone_key(self.phone))
                and (not self.status or contact.status("email") == self.status)
                and (not self.tag or self.tag in contact.tags)
                and (not self.segment_id or contact.id in self.members)
                and (self.updated_from is None or contact.updated_at >= self.updated_from))


def dated_filter_problems(query: ContactQuery) -> list[Problem]:
    """The dated `GET /contacts` rules: `tag` and `status` exclude each other, and `updatedAtFrom`
    combines with none of email, phone, status, segmentID, tag."""
    problems = []
    if query.tag and query.status:
        problems.append(Problem("tag", "invalid", detail="tag and status cannot be combined"))
    if query.updated_from is not None:
        for name, value in (("email", query.email), ("phone", query.phone), ("status", query.status),
                            ("segmentID", query.segment_id), ("tag", query.tag)):
            if value:
                problems.append(Problem("updatedAtFrom", "invalid",
                                        detail=f"updatedAtFrom cannot be combined with {name}"))
    return problems


def _key(ident: Identifier) -> str:
    """What makes two identifiers the same: an email in any case, a phone in any punctuation."""
    return ident.id.lower() if ident.type == "email" else _phone_key(ident.id)


def _phone_key(phone: str | None) -> str:
    return re.sub(r"[^0-9+]", "", phone or "")


def contacts_of(brand: Brand) -> ContactBook:
    return brand.contacts
