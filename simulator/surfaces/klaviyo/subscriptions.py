"""Bulk subscribe (202, processed on the clock): consent per channel for up to 1,000 profiles and,
with a list relationship, membership of that list. The client endpoint reuses `subscriber`."""
from __future__ import annotations

from simulator.klaviyo.subscriptions import Subscriber, Subscription, accept
from simulator.surfaces.klaviyo import api_blueprint, operation
from simulator.surfaces.klaviyo.common import account, checked_body, empty, now

KINDS = ("marketing", "transactional")  # email `open_tracking` and push tokens are accepted and not modelled


def subscriber(profile: dict, path: str, default_marketing: bool = False) -> Subscriber:
    """A profile resource object of a subscribe body at `path`. Without a `subscriptions` object
    the client endpoint subscribes to marketing on each channel the profile gives (its spec)."""
    attributes = dict(profile["attributes"])
    subscriptions = attributes.pop("subscriptions", None)
    meta = attributes.pop("meta", None)
    attributes.pop("age_gated_date_of_birth", None)
    channels, paths = {}, {}
    for channel, kinds in (subscriptions or {}).items():
        for kind, params in (kinds or {}).items():
            if kind in KINDS and params:
                channels[f"{channel}.{kind}"] = params.get("consented_at")
                paths[f"{channel}.{kind}"] = f"{path}.attributes.subscriptions.{channel}.{kind}"
    if subscriptions is None and default_marketing:
        given = (("email", "email"), ("sms", "phone_number"))
        channels.update({f"{channel}.marketing": None for channel, needed in given if attributes.get(needed)})
    return Subscriber(path, profile.get("id"), attributes, channels, meta, paths)


def list_id(data: dict) -> str | None:
    return (((data.get("relationships") or {}).get("list") or {}).get("data") or {}).get("id")


@api_blueprint.post("/profile-subscription-bulk-create-jobs")
@operation("bulk_subscribe_profiles")
def bulk_subscribe():
    data = checked_body("bulk_subscribe_profiles")["data"]
    attributes = data["attributes"]
    subscribers = [subscriber(profile, f"data.attributes.profiles.data[{i}]")
                   for i, profile in enumerate(attributes["profiles"]["data"])]
    accept(account(), Subscription(subscribers, list_id(data), bool(attributes.get("historical_import")),
                                   attributes.get("custom_source")), now())
    return empty(202)
