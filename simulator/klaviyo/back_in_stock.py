"""Back-in-stock subscriptions (`POST /api/back-in-stock-subscriptions` and its client twin): checked
when they arrive (202), then recorded when the processing delay has passed as the profile's
"Subscribed to Back in Stock" event, the metric Klaviyo's back-in-stock flow is triggered by
(https://developers.klaviyo.com/en/docs/how_to_set_up_custom_back_in_stock), so a flow on that
metric fires as for any other event.

Each channel asked for needs its identifier on the profile (EMAIL an email, SMS and WHATSAPP a
phone number), given in the body or already on the profile the id names; the variant must be one
the catalog holds. The event's properties (variant, its item, title, sku, price, url and the
channels) are the sandbox's choice: Klaviyo does not publish that metric's properties."""
from __future__ import annotations

import datetime as _dt
from functools import partial

from simulator.errors import Invalid, MissingReferences, Problem
from simulator.klaviyo import events
from simulator.klaviyo.account import Account
from simulator.klaviyo.metrics import KLAVIYO, metrics_of
from simulator.klaviyo.profiles import format_problems, has_identifier, profiles_of, unknown_profile
from simulator.klaviyo.resources import on_operation, resources_of

METRIC = "Subscribed to Back in Stock"
CHANNELS = ("EMAIL", "PUSH", "SMS", "WHATSAPP")
_NEEDS = {"EMAIL": "email", "SMS": "phone_number", "WHATSAPP": "phone_number"}
_IDENTIFIERS = ("email", "phone_number", "external_id")


@on_operation("create_back_in_stock_subscription")
@on_operation("create_client_back_in_stock_subscription")
def accept(account: Account, data: dict, now: _dt.datetime) -> None:
    attributes = data["attributes"]
    channels = attributes.get("channels")
    profile = (attributes.get("profile") or {}).get("data")
    variant = (((data.get("relationships") or {}).get("variant") or {}).get("data") or {}).get("id")
    problems = _problems(account, channels, profile, variant)
    if problems:
        raise Invalid(problems)
    known = profiles_of(account).records
    profile_id = profile.get("id")
    if profile_id is not None and profile_id not in known:
        raise MissingReferences([unknown_profile("data.attributes.profile.data.id", profile_id)])
    record = resources_of(account).of("catalog-variant").find(variant)
    if record is None:
        raise MissingReferences([Problem("data.relationships.variant.data.id", "invalid",
                                         detail=f"A catalog variant with id {variant} does not exist.")])
    who = {name: value for name, value in (profile.get("attributes") or {}).items() if name in _IDENTIFIERS and value}
    item = record.links.get("item")
    properties = {"variant_id": variant, "item_id": item[1] if isinstance(item, tuple) else None,
                  **{name: record.attributes.get(name) for name in ("title", "sku", "price", "url")},
                  "channels": list(channels)}
    one = events.EventInput("data.attributes", "data.attributes.profile.data", profile_id, who, None, METRIC, properties)
    account.later(partial(subscribe, account, one, now), now, "klaviyo back in stock")
    return None


def subscribe(account: Account, one: events.EventInput, received: _dt.datetime, at: _dt.datetime) -> None:
    """Record the event; its metric is Klaviyo's own (integration "Klaviyo"), made on first use."""
    metrics_of(account).named(METRIC, at, KLAVIYO)
    events.process(account, [one], received, "api", at)


def _problems(account: Account, channels, profile, variant) -> list[Problem]:
    """Channels known and not empty, a profile with an identifier, and each channel's identifier."""
    problems = []
    if not isinstance(channels, list) or not channels:
        problems.append(Problem("data.attributes.channels", "required", detail="Give at least one channel."))
        channels = []
    problems += [Problem(f"data.attributes.channels[{i}]", "enum", expected=CHANNELS, got=c)
                 for i, c in enumerate(channels) if c not in CHANNELS]
    if not isinstance(variant, str):
        problems.append(Problem("data.relationships.variant.data.id", "required"))
    if not isinstance(profile, dict):
        return problems + [Problem("data.attributes.profile.data", "required")]
    attributes = profile.get("attributes") or {}
    problems += format_problems(attributes, "data.attributes.profile.data.attributes")
    known = profiles_of(account).records.find(profile.get("id"))
    if known is None and not has_identifier(attributes, _IDENTIFIERS):
        problems.append(Problem("data.attributes.profile.data.attributes", "required",
                                detail="One of id, email, phone_number or external_id is required."))
    for channel in channels:
        needed = _NEEDS.get(channel)
        if needed and not attributes.get(needed) and not (known and known.get(needed)):
            problems.append(Problem("data.attributes.channels", "invalid",
                                    detail=f"A back in stock subscription by {channel} needs the profile's {needed}."))
    return problems
