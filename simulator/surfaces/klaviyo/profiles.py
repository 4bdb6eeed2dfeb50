"""Profiles: create (201, or 409 `duplicate_profile`), get, list (filter, sort, sparse and additional
fields, 20 a page by default), PATCH, and profile-import (201 created / 200 updated)."""
from __future__ import annotations

import datetime as _dt

from flask import g, jsonify, request

from simulator.core.timefmt import iso
from simulator.errors import Conflict
from simulator.klaviyo.account import Account
from simulator.klaviyo.consent import Consent
from simulator.klaviyo.lists import lists_of
from simulator.klaviyo.profiles import Profile, profiles_of
from simulator.klaviyo.segments import segments_of_profile
from simulator.surfaces.klaviyo import api_blueprint, operation
from simulator.surfaces.klaviyo.common import account, checked_body, now
from simulator.surfaces.klaviyo.filters import compare, parse_filter
from simulator.surfaces.klaviyo.jsonapi import (answer, listed, page_size, paged, paged_in_order, relationship, resource,
                                                single, sorted_by)

ATTRIBUTES = ("email", "phone_number", "external_id", "first_name", "last_name", "organization", "locale", "title",
              "image")
LOCATION = ("address1", "address2", "city", "country", "latitude", "longitude", "region", "zip", "timezone", "ip")
ADDITIONAL = ("subscriptions", "predictive_analytics")
PREDICTIVE = ("historic_clv", "predicted_clv", "total_clv", "historic_number_of_orders", "predicted_number_of_orders",
              "average_days_between_orders", "average_order_value", "churn_probability",
              "expected_date_of_next_order", "ranked_channel_affinity")
# Sort keys beyond a plain attribute; the operation table names which sorts and filters are allowed.
# Email suppressions filter on any of a profile's suppressions and sort by the earliest; list
# suppressions are not modelled (no profile has one: their filters match none).
SUPPRESSION = "subscriptions.email.marketing.suppression."
SORT_KEYS = {"created": lambda p: p.created, "email": lambda p: p.get("email"), "id": lambda p: p.id,
             "updated": lambda p: p.updated,
             SUPPRESSION + "timestamp": lambda p: min(p.suppression.values(), default=None)}


def additional_fields() -> list[str]:
    """`additional-fields[profile]`: subscriptions and predictive analytics are left out unless asked for."""
    return listed("additional-fields[profile]", ADDITIONAL)


def _stamp(moment: _dt.datetime | None) -> str | None:
    return iso(moment) if moment is not None else None


def profile_json(owner: Account, profile: Profile, extra: list[str] = (), joined: _dt.datetime | None = None) -> dict:
    attributes = {name: profile.get(name) for name in ATTRIBUTES}
    attributes.update(created=iso(profile.created), updated=iso(profile.updated),
                      last_event_date=_stamp(profile.last_event_date),
                      location={name: profile.location.get(name) for name in LOCATION},
                      properties=dict(profile.properties))
    if joined is not None:
        attributes["joined_group_at"] = iso(joined)
    if "subscriptions" in extra:
        attributes["subscriptions"] = subscriptions_json(profile)
    if "predictive_analytics" in extra:
        attributes["predictive_analytics"] = {name: None for name in PREDICTIVE}  # no orders are modelled
    me = {"type": "profile", "id": profile.id}
    lists = [{"type": "list", "id": found.id} for found in lists_of(owner).lists_of(profile.id)]
    return resource("profile", profile.id, attributes, {
        "lists": relationship(me, "lists", lists), "segments": relationship(me, "segments", []),
        "push-tokens": relationship(me, "push-tokens", [])})


def _consent(c: Consent, can_receive: str, can: bool, detail: bool = True) -> dict:
    out = {can_receive: can, "consent": c.consent, "consent_timestamp": _stamp(c.timestamp)}
    if detail:
        out.update(last_updated=_stamp(c.last_updated), method=c.method, method_detail=None)
    return out


def subscriptions_json(profile: Profile) -> dict:
    """Consent per channel. Email marketing can reach anyone with an email who has not unsubscribed
    and is not suppressed (Klaviyo emails never-subscribed profiles); SMS and push need consent."""
    email, sms, sms_tx, push = (profile.consent_of(c) for c in
                                ("email.marketing", "sms.marketing", "sms.transactional", "push.marketing"))
    has_phone = bool(profile.get("phone_number"))
    email_json = _consent(email, "can_receive_email_marketing", profile.email_refusal() is None)
    email_json.update(custom_method_detail=email.custom_method_detail, double_optin=email.double_optin,
                      suppression=[{"reason": reason, "timestamp": iso(since)}
                                   for reason, since in sorted(profile.suppression.items())],
                      list_suppressions=[])
    sms_json = {"marketing": _consent(sms, "can_receive_sms_marketing", has_phone and sms.subscribed),
                "transactional": _consent(sms_tx, "can_receive_sms_transactional", has_phone and sms_tx.subscribed)}
    return {"email": {"marketing": email_json}, "sms": sms_json,
            "mobile_push": {"marketing": _consent(push, "can_receive_push_marketing", push.subscribed, detail=False)}}


def profile_value(profile: Profile, field: str):
    """A profile's value for a filter or sort field (emails compare without case)."""
    if field in ("id", "profile_id"):
        return profile.id
    if field in ("created", "updated"):
        return getattr(profile, field)
    value = profile.get(field)
    return value.lower() if field == "email" and isinstance(value, str) else value


def _lower(value):
    if isinstance(value, list):
        return [_lower(v) for v in value]
    return value.lower() if isinstance(value, str) else value


def matching(profiles, conditions) -> list[Profile]:
    """The profiles meeting every parsed filter condition."""
    return [p for p in profiles if all(_holds(p, field, op, value) for field, op, value in conditions)]


def _holds(profile: Profile, field: str, op: str, value) -> bool:
    if field.startswith(SUPPRESSION):
        reason = field == SUPPRESSION + "reason"
        return any(compare(op, name if reason else since, value) for name, since in profile.suppression.items())
    return compare(op, profile_value(profile, field), _lower(value) if field == "email" else value)


@api_blueprint.post("/profiles")
@operation("create_profile")
def create_profile():
    extra = additional_fields()
    data = checked_body("create_profile")["data"]
    owner = account()
    profile = profiles_of(owner).create_new(data["attributes"], now())
    return answer(single(profile_json(owner, profile, extra)), 201)


@api_blueprint.get("/profiles")
@operation("get_profiles")
def list_profiles():
    facts = g.operation.facts
    conditions = parse_filter({field: set(ops) for field, ops in facts["filters"].items()})
    extra = additional_fields()
    listed("include", ("conversations", "push-tokens"))  # neither is modelled: nothing to include
    size = page_size(20, 1, 100)
    owner = account()
    sorts = {name: SORT_KEYS.get(name, lambda p: None) for name in facts["sorts"]}
    if not conditions and not request.args.get("sort"):
        return paged_in_order(profiles_of(owner).records, size, lambda p: profile_json(owner, p, extra))
    return paged(sorted_by(matching(profiles_of(owner).records, conditions), sorts), size,
                 lambda p: profile_json(owner, p, extra))


@api_blueprint.get("/profiles/<profile_id>")
@operation("get_profile")
def get_profile(profile_id: str):
    extra = additional_fields()
    include = listed("include", ("conversations", "lists", "push-tokens", "segments"))
    owner = account()
    profile = profiles_of(owner).records.get(profile_id)
    included = []
    if "lists" in include:
        from simulator.surfaces.klaviyo.lists import list_json  # lists.py imports this module
        included = [list_json(found) for found in lists_of(owner).lists_of(profile.id)]
    if "segments" in include:
        from simulator.surfaces.klaviyo.segments import segments_json  # segments.py imports this module
        included += segments_json(owner, segments_of_profile(owner, profile.id))
    return jsonify(single(profile_json(owner, profile, extra), included))


@api_blueprint.patch("/profiles/<profile_id>")
@operation("update_profile")
def update_profile(profile_id: str):
    extra = additional_fields()
    data = checked_body("update_profile")["data"]
    if data["id"] != profile_id:  # JSON:API: a mismatched id is a 409
        raise Conflict(f"The resource object's id ({data['id']}) does not match the URL's id ({profile_id}).",
                       field="data.id")
    owner = account()
    profile = profiles_of(owner).update(profile_id, data["attributes"], now(), data.get("meta"))
    return jsonify(single(profile_json(owner, profile, extra)))


@api_blueprint.post("/profile-import")
@operation("create_or_update_profile")
def import_profile():
    extra = additional_fields()
    data = checked_body("create_or_update_profile")["data"]
    owner = account()
    profile, created = profiles_of(owner).import_profile(data["attributes"], now(), data.get("id"), data.get("meta"))
    return answer(single(profile_json(owner, profile, extra)), 201 if created else 200)
