"""Subscribing profiles: consent per channel and, with a list, membership. Checked in full when the
request arrives (202), applied when the clock reaches the processing delay.

Rules from Klaviyo's spec: `consented_at` only with `historical_import`, and then required and in
the past; a historical import joins the list without "Added to List" flows (listeners are not told).
Email consent needs an email, SMS and WhatsApp consent a phone number. A double opt-in list is
taken as confirmed at once (the confirmation message is not modelled) and marked `double_optin`.

Bulk unsubscribe (`profile-subscription-bulk-delete-jobs`, up to 100 profiles) sets each named
channel `UNSUBSCRIBED`; with a list, its members only leave the list and everyone else is
unsubscribed globally, as its reference warns."""
from __future__ import annotations

import datetime as _dt
from functools import partial
from dataclasses import dataclass, field

from simulator.core.timefmt import parse_instant
from simulator.errors import Invalid, MissingReferences, Problem
from simulator.klaviyo.account import Account
from simulator.klaviyo.consent import Consent
from simulator.klaviyo.lists import lists_of
from simulator.klaviyo.profiles import ProfileChanged, format_problems, profiles_of, unknown_profile
from simulator.klaviyo.resources import on_operation

_NEEDS = {"email": "email", "sms": "phone_number", "whatsapp": "phone_number"}


@dataclass(frozen=True)
class Subscriber:
    path: str  # where the profile sits in the body, for problems: "data.attributes.profiles.data[0]"
    profile_id: str | None
    attributes: dict  # email, phone_number (the client endpoint: any profile attribute)
    channels: dict[str, str | None]  # "email.marketing" -> consented_at as sent (or None)
    meta: dict | None = None
    channel_paths: dict[str, str] = field(default_factory=dict)  # channel -> its path in the body


@dataclass(frozen=True)
class Subscription:
    subscribers: list[Subscriber]
    list_id: str | None = None
    historical_import: bool = False
    custom_source: str | None = None
    client: bool = False  # the client endpoint: identifiers are filled in, never changed


def accept(account: Account, request: Subscription, now: _dt.datetime) -> None:
    """Check everything, then leave the work for the processing delay."""
    _check(account, request, now)
    account.later(partial(_apply, account, request), now, "klaviyo subscribe")


def _check(account: Account, request: Subscription, now: _dt.datetime) -> None:
    profiles = profiles_of(account).records
    missing = []
    if request.list_id is not None and request.list_id not in lists_of(account).records:
        missing.append(Problem("data.relationships.list.data.id", "invalid",
                               detail=f"A list with id {request.list_id} does not exist."))
    problems = []
    for one in request.subscribers:
        if one.profile_id is not None and one.profile_id not in profiles:
            missing.append(unknown_profile(f"{one.path}.id", one.profile_id))
            continue
        known = profiles.find(one.profile_id) if one.profile_id else None
        problems += format_problems(one.attributes, f"{one.path}.attributes")
        if not (one.attributes.get("email") or one.attributes.get("phone_number") or known):
            problems.append(Problem(f"{one.path}.attributes", "required",
                                    detail="One of email or phone_number is required."))
            continue
        problems += _channel_problems(one, known, request.historical_import, now)
    if missing:
        raise MissingReferences(missing)
    if problems:
        raise Invalid(problems)


def _channel_problems(one: Subscriber, known, historical: bool, now: _dt.datetime) -> list[Problem]:
    problems = []
    for channel, consented_at in one.channels.items():
        where = one.channel_paths.get(channel, f"{one.path}.attributes.subscriptions")
        needed = _NEEDS.get(channel.split(".")[0])
        if needed and not one.attributes.get(needed) and not (known and known.get(needed)):
            problems.append(Problem(where, "invalid", detail=f"Consent to {channel} needs the profile's {needed}."))
        if consented_at is not None and not historical:
            problems.append(Problem(f"{where}.consented_at", "invalid",
                                    detail="'consented_at' may only be given with historical_import."))
        elif historical and consented_at is None:
            problems.append(Problem(f"{where}.consented_at", "required",
                                    detail="'consented_at' is required when historical_import is true."))
        elif historical and not _before(consented_at, now):
            problems.append(Problem(f"{where}.consented_at", "invalid", detail="'consented_at' must be in the past."))
    return problems


def _before(value: str, now: _dt.datetime) -> bool:
    try:
        return parse_instant(value) < now
    except ValueError:
        return False


def _apply(account: Account, request: Subscription, now: _dt.datetime) -> None:
    book, lists = profiles_of(account), lists_of(account)
    target = lists.records.find(request.list_id) if request.list_id else None
    double = bool(target and target.opt_in_process == "double_opt_in" and not request.historical_import)
    for one in request.subscribers:
        profile = book.upsert(one.attributes, now, one.profile_id,
                              identifiers="fill" if request.client else "set", meta=one.meta)
        for channel, consented_at in one.channels.items():
            profile.consent[channel] = Consent("SUBSCRIBED", parse_instant(consented_at) if consented_at else now,
                                               now, "API", request.custom_source,
                                               double if channel == "email.marketing" else None)
        profile.updated = now
        account.notify(ProfileChanged(profile.id, now))
        if target is not None:
            lists.add(target.id, [profile.id], now, notify=not request.historical_import)


# -- bulk unsubscribe ----------------------------------------------------------------------------

MAX_UNSUBSCRIBE = 100  # "Maximum number of profiles per call: 100"


@on_operation("bulk_unsubscribe_profiles")
def accept_unsubscribe(account: Account, data: dict, now: _dt.datetime) -> None:
    """Up to 100 profiles by email or phone number, each naming the channels to unsubscribe from
    (email consent needs the email, SMS and WhatsApp the phone number); with a list, which must
    exist (404). Applied on the clock by `unsubscribe`."""
    rows = ((data["attributes"].get("profiles") or {}).get("data")) or []
    list_id = (((data.get("relationships") or {}).get("list") or {}).get("data") or {}).get("id")
    problems = []
    if len(rows) > MAX_UNSUBSCRIBE:
        problems.append(Problem("data.attributes.profiles.data", "range", expected=("maxItems", MAX_UNSUBSCRIBE),
                                detail=f"At most {MAX_UNSUBSCRIBE} profiles per request; got {len(rows)}."))
    wanted = []
    for i, row in enumerate(rows):
        path = f"data.attributes.profiles.data[{i}].attributes"
        attributes = dict((row or {}).get("attributes") or {})
        channels = [f"{channel}.{kind}" for channel, kinds in (attributes.pop("subscriptions", None) or {}).items()
                    for kind, consent in (kinds or {}).items()
                    if isinstance(consent, dict) and consent.get("consent") == "UNSUBSCRIBED"]
        who = {name: attributes.get(name) for name in ("email", "phone_number") if attributes.get(name)}
        problems += format_problems(who, path)
        if not who:
            problems.append(Problem(path, "required", detail="One of email or phone_number is required."))
        problems += [Problem(f"{path}.subscriptions.{channel}", "invalid",
                             detail=f"Unsubscribing from {channel} needs the profile's {_NEEDS[channel.split('.')[0]]}.")
                     for channel in channels
                     if channel.split(".")[0] in _NEEDS and not who.get(_NEEDS[channel.split(".")[0]])]
        wanted.append((who, channels))
    if problems:
        raise Invalid(problems)
    if list_id is not None and list_id not in lists_of(account).records:
        raise MissingReferences([Problem("data.relationships.list.data.id", "invalid",
                                         detail=f"A list with id {list_id} does not exist.")])
    account.later(partial(unsubscribe, account, wanted, list_id), now, "klaviyo unsubscribe")
    return None


def unsubscribe(account: Account, wanted: list, list_id: str | None, now: _dt.datetime) -> None:
    """A member of the list named leaves it; everyone else is unsubscribed from each channel named
    ("Profiles not in the specified list will be globally unsubscribed"). A profile the identifiers
    name no one yet is made, unsubscribed."""
    book, lists = profiles_of(account), lists_of(account)
    target = lists.records.find(list_id) if list_id else None
    for who, channels in wanted:
        profile = book.upsert(who, now)
        if target is not None and profile.id in target.members:
            lists.remove(target.id, [profile.id], now)
            continue
        for channel in channels:
            profile.consent[channel] = Consent("UNSUBSCRIBED", now, now, "API")
        profile.updated = now
        account.notify(ProfileChanged(profile.id, now))
