"""Klaviyo profiles: identity, attributes, custom properties and consent, with the rules every write
path shares (create, PATCH, profile-import, events, subscriptions, the client endpoints).

Identity: the Klaviyo id (a ULID) and the identifiers email, phone_number, external_id, anonymous_id
and _kx, each held by at most one profile (emails compared without case). A write that would give
a profile an identifier another profile holds is a 409 `duplicate_profile` on the synchronous
endpoints; in accepted (202) work it is left out, since there is no one to answer."""
from __future__ import annotations

import datetime as _dt
from functools import partial
import re
from dataclasses import dataclass, field
from typing import Any

from simulator.core.emails import EMAIL
from simulator.errors import Conflict, Invalid, MissingReferences, Problem
from simulator.klaviyo.account import Account
from simulator.klaviyo.consent import Consent, email_refusal
from simulator.core.records import Records

IDENTIFIERS = ("email", "phone_number", "external_id", "anonymous_id", "_kx")  # matched in this order, after id
PLAIN = ("first_name", "last_name", "organization", "locale", "title", "image")
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
DUPLICATE = "A profile already exists with one of these identifiers."


@dataclass
class Profile:
    id: str
    created: _dt.datetime
    updated: _dt.datetime
    attributes: dict[str, Any] = field(default_factory=dict)  # identifiers and PLAIN fields that are set
    location: dict[str, Any] = field(default_factory=dict)
    properties: dict[str, Any] = field(default_factory=dict)
    last_event_date: _dt.datetime | None = None
    consent: dict[str, Consent] = field(default_factory=dict)  # "email.marketing" -> Consent; absent: never
    suppression: dict[str, _dt.datetime] = field(default_factory=dict)  # email suppressions: reason -> since

    def get(self, name: str):
        return self.attributes.get(name)

    def consent_of(self, channel: str) -> Consent:
        return self.consent.get(channel) or Consent()

    def email_refusal(self) -> str | None:
        """Why email marketing may not reach this profile (consent.email_refusal), or None."""
        return email_refusal(self.get("email"), self.consent_of("email.marketing"), self.suppression)


@dataclass(frozen=True)
class ProfileChanged:
    """A profile was made or changed (attributes, location, properties, consent, an event recorded
    for it): what the listeners hear, so segments re-check it."""
    profile_id: str
    at: _dt.datetime


def identity_key(name: str, value: str) -> tuple[str, str]:
    """How an identifier is indexed: emails without case or surrounding space."""
    return name, value.strip().lower() if name == "email" else value


def unknown_profile(path: str, profile_id: str) -> Problem:
    """A body's profile id that names no profile (raised as `MissingReferences`: a 404)."""
    return Problem(path, "invalid", detail=f"A profile with id {profile_id} does not exist.")


def format_problems(attributes: dict, path: str) -> list[Problem]:
    """An email that is not one, a phone number not in E.164 (what Klaviyo asks for)."""
    problems = []
    email, phone = attributes.get("email"), attributes.get("phone_number")
    if isinstance(email, str) and not EMAIL.match(email.strip()):
        problems.append(Problem(f"{path}.email", "format", detail=f"Invalid email address: '{email}'."))
    if isinstance(phone, str) and not _E164.match(phone):
        problems.append(Problem(f"{path}.phone_number", "format",
                                detail=f"Invalid phone number '{phone}': use E.164, like +15005550006."))
    return problems


def has_identifier(attributes: dict, names=("email", "phone_number", "external_id")) -> bool:
    return any(attributes.get(name) for name in names)


class ProfileBook:
    def __init__(self, account: Account):
        self.account = account
        self.records: Records[Profile] = Records("profile")
        self._index: dict[tuple[str, str], str] = {}

    # -- lookups -----------------------------------------------------------------------------

    def holder(self, name: str, value) -> Profile | None:
        if not isinstance(value, str) or not value:
            return None
        found = self._index.get(identity_key(name, value))
        return self.records.find(found) if found else None

    def matches(self, attributes: dict, profile_id: str | None = None) -> list[Profile]:
        """The distinct profiles the id and identifiers name, in matching order (id first)."""
        found: list[Profile] = []
        candidates = [self.records.find(profile_id)] + [self.holder(n, attributes.get(n)) for n in IDENTIFIERS]
        for profile in candidates:
            if profile is not None and profile not in found:
                found.append(profile)
        return found

    def check_free(self, attributes: dict, owner: Profile | None) -> None:
        """409 `duplicate_profile` when an identifier being set belongs to a profile other than `owner`."""
        for name in IDENTIFIERS:
            holder = self.holder(name, attributes.get(name))
            if holder is not None and holder is not owner:
                raise Conflict(DUPLICATE, code="duplicate_profile", field="data.attributes",
                               meta={"duplicate_profile_id": holder.id})

    # -- writes ------------------------------------------------------------------------------

    def create(self, attributes: dict, now: _dt.datetime, meta: dict | None = None) -> Profile:
        """A new profile with the attributes given (nulls are no values)."""
        profile = Profile(self.account.ids.next("profile", "ulid", at=now), now, now)
        self.records.add(profile.id, profile)
        if not self.apply(profile, {k: v for k, v in attributes.items() if v is not None}, now, clear=False, meta=meta):
            self.account.notify(ProfileChanged(profile.id, now))  # nothing applied, still new: listeners hear of it
        return profile

    def apply(self, profile: Profile, attributes: dict, now: _dt.datetime, clear: bool = True,
              identifiers: str = "set", meta: dict | None = None) -> bool:
        """Write `attributes` onto `profile`: a null clears a field when `clear` (else it is ignored),
        an absent one is left. `identifiers`: "set" (may change them; one held by another profile is
        skipped: the synchronous endpoints have refused that already), "fill" (only where the profile
        has none: the client endpoints cannot change identifiers). `updated` moves only on a change, and
        a change is told to the listeners (`ProfileChanged`); whether there was one."""
        before = (dict(profile.attributes), dict(profile.location), dict(profile.properties))
        for name in IDENTIFIERS:
            if name in attributes:
                self._identifier(profile, name, attributes[name], clear, identifiers)
        for name in PLAIN:
            if name not in attributes:
                continue
            if attributes[name] is not None:
                profile.attributes[name] = attributes[name]
            elif clear:
                profile.attributes.pop(name, None)
        profile.location = _merged(profile.location, attributes, "location", clear)
        profile.properties = _merged(profile.properties, attributes, "properties", clear)
        if meta:
            _patch_properties(profile.properties, meta.get("patch_properties") or {})
        if before != (profile.attributes, profile.location, profile.properties):
            profile.updated = now
            self.account.notify(ProfileChanged(profile.id, now))
            return True
        return False

    def _identifier(self, profile: Profile, name: str, value, clear: bool, mode: str) -> None:
        current = profile.attributes.get(name)
        if value is None:
            if clear and current is not None and mode == "set":
                del self._index[identity_key(name, current)]
                del profile.attributes[name]
            return
        if current == value or (mode == "fill" and current is not None):
            return
        holder = self.holder(name, value)
        if holder is not None and holder is not profile:
            return
        if current is not None:
            self._index.pop(identity_key(name, current), None)
        profile.attributes[name] = value
        self._index[identity_key(name, value)] = profile.id

    def fill_identifier(self, profile: Profile, name: str, value: str) -> None:
        """Give `profile` the identifier `name` if it has none and no other profile holds `value`
        (the `_kx` Klaviyo hands out with tracked email: identity, not an update)."""
        self._identifier(profile, name, value, clear=False, mode="fill")

    def remove(self, profile: Profile) -> None:
        """Forget a profile and free its identifiers (a merge's source, a deletion request)."""
        self.records.remove(profile.id)
        for name in IDENTIFIERS:
            value = profile.attributes.get(name)
            if value is not None and self._index.get(identity_key(name, value)) == profile.id:
                del self._index[identity_key(name, value)]

    def upsert(self, attributes: dict, now: _dt.datetime, profile_id: str | None = None,
               identifiers: str = "set", meta: dict | None = None) -> Profile:
        """For accepted (202) work: the first matching profile, updated (nulls ignored), or a new one."""
        found = self.matches(attributes, profile_id)
        if not found:
            return self.create(attributes, now, meta)
        self.apply(found[0], attributes, now, clear=False, identifiers=identifiers, meta=meta)
        return found[0]

    # -- the synchronous endpoints -----------------------------------------------------------

    def create_new(self, attributes: dict, now: _dt.datetime) -> Profile:
        """POST /api/profiles: one of email, phone number or external id; none may be held already."""
        _raise_if(format_problems(attributes, "data.attributes") + _identifier_problem(attributes))
        self.check_free(attributes, None)
        return self.create(attributes, now)

    def update(self, profile_id: str, attributes: dict, now: _dt.datetime, meta: dict | None = None) -> Profile:
        """PATCH /api/profiles/{id}: null clears, absent leaves; identifiers must stay unique."""
        profile = self.records.get(profile_id)
        _raise_if(format_problems(attributes, "data.attributes"))
        self.check_free(attributes, profile)
        self.apply(profile, attributes, now, meta=meta)
        return profile

    def import_profile(self, attributes: dict, now: _dt.datetime, profile_id: str | None = None,
                       meta: dict | None = None) -> tuple[Profile, bool]:
        """POST /api/profile-import: (profile, created). Identifiers naming two profiles -> 409."""
        _raise_if(format_problems(attributes, "data.attributes")
                  + ([] if profile_id else _identifier_problem(attributes, ("_kx",))))
        if profile_id is not None:
            target = self.records.get(profile_id)
        else:
            found = self.matches(attributes)
            if not found:
                return self.create(attributes, now, meta), True
            target = found[0]
        self.check_free(attributes, target)
        self.apply(target, attributes, now, meta=meta)
        return target, False


def _identifier_problem(attributes: dict, more: tuple[str, ...] = ()) -> list[Problem]:
    names = ("email", "phone_number", "external_id") + more
    if has_identifier(attributes, names):
        return []
    return [Problem("data.attributes", "required",
                    detail=f"One of {', '.join(names)} is required to identify the profile.")]


def _raise_if(problems: list[Problem]) -> None:
    if problems:
        raise Invalid(problems)


def _merged(current: dict, attributes: dict, name: str, clear: bool) -> dict:
    """`location` and `properties` merge key by key; the whole object null clears it."""
    if name not in attributes:
        return current
    given = attributes[name]
    if given is None:
        return {} if clear else current
    out = dict(current)
    for key, value in given.items():
        if value is None and clear and name == "location":
            out.pop(key, None)
        elif value is not None or name == "properties":
            out[key] = value
    return out


def _patch_properties(properties: dict, patch: dict) -> None:
    """`meta.patch_properties`: append values to array properties, take them out, or unset keys."""
    for key, values in (patch.get("append") or {}).items():
        current = properties.get(key)
        items = list(current) if isinstance(current, list) else ([] if current is None else [current])
        items += [v for v in (values if isinstance(values, list) else [values]) if v not in items]
        properties[key] = items
    for key, values in (patch.get("unappend") or {}).items():
        if isinstance(properties.get(key), list):
            drop = values if isinstance(values, list) else [values]
            properties[key] = [v for v in properties[key] if v not in drop]
    unset = patch.get("unset")
    for key in ([unset] if isinstance(unset, str) else unset or []):
        properties.pop(key, None)


def accept_client_profile(account: Account, attributes: dict, profile_id: str | None, meta: dict | None,
                          now: _dt.datetime) -> None:
    """POST /client/profiles: checked now, applied after the processing delay; identifiers are
    filled in where the profile has none, never changed."""
    book = profiles_of(account)
    if profile_id is not None and profile_id not in book.records:
        raise MissingReferences([unknown_profile("data.id", profile_id)])
    _raise_if(format_problems(attributes, "data.attributes")
              + ([] if profile_id else _identifier_problem(attributes, ("anonymous_id", "_kx"))))
    account.later(partial(_upsert_filling, book, attributes, profile_id, meta), now, "klaviyo client profile")


def _upsert_filling(book: ProfileBook, attributes: dict, profile_id: str | None, meta, at: _dt.datetime) -> None:
    book.upsert(attributes, at, profile_id, identifiers="fill", meta=meta)


def profiles_of(account: Account) -> ProfileBook:
    return account.profiles


def get_profile(account: Account, profile_id: str) -> Profile:
    return profiles_of(account).records.get(profile_id)
