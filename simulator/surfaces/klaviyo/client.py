"""The client endpoints (`/klaviyo/client`, `company_id` and no key): events, bulk events, profiles
and subscriptions, all 202 and processed on the clock. Identifiers are filled in where a profile has
none but never changed (Klaviyo: "will return a 202, however the identifier field(s) will not be
updated")."""
from __future__ import annotations

from simulator.klaviyo import events
from simulator.klaviyo.profiles import accept_client_profile
from simulator.klaviyo.subscriptions import Subscription, accept
from simulator.surfaces.klaviyo import client_blueprint, operation
from simulator.surfaces.klaviyo.common import account, checked_body, empty, now
from simulator.surfaces.klaviyo.events import bulk_entry, single_event
from simulator.surfaces.klaviyo.subscriptions import list_id, subscriber


@client_blueprint.post("/events")
@operation("create_client_event")
def create_client_event():
    events.accept(account(), single_event("create_client_event"), now(), source="client")
    return empty(202)


@client_blueprint.post("/event-bulk-create")
@operation("bulk_create_client_events")
def bulk_create_client_events():
    entry = checked_body("bulk_create_client_events")["data"]
    events.accept(account(), bulk_entry(entry, "data"), now(), source="client", bulk="data.attributes.events.data")
    return empty(202)


@client_blueprint.post("/profiles")
@operation("create_client_profile")
def create_client_profile():
    data = checked_body("create_client_profile")["data"]
    accept_client_profile(account(), data["attributes"], data.get("id"), data.get("meta"), now())
    return empty(202)


@client_blueprint.post("/subscriptions")
@operation("create_client_subscription")
def create_client_subscription():
    data = checked_body("create_client_subscription")["data"]
    attributes = data["attributes"]
    one = subscriber(attributes["profile"]["data"], "data.attributes.profile.data", default_marketing=True)
    accept(account(), Subscription([one], list_id(data), custom_source=attributes.get("custom_source"), client=True),
           now())
    return empty(202)
