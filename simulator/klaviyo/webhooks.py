"""Klaviyo system webhooks: subscriptions to topics, and the signed requests that carry an account's
events to them. Sources and assumptions in docs/klaviyo.md ("Webhooks").

* A topic is a metric Klaviyo itself records: `event:klaviyo.<metric name, lower case, spaces as
  underscores>` (`Received Email` -> `event:klaviyo.received_email`). `TOPICS` is what
  `GET /webhook-topics` lists; a webhook naming another topic is a 400.
* `endpoint_url` must be https (create_webhook: "Must be https"); http is taken only to a loopback
  address, so that a test can receive the requests. Served, the URL is "truncated for security"
  (get_webhook) to its scheme and host; the secret key is never served.
* A new webhook is enabled; `enabled: false` (update) stops its deliveries.
* One request per event and webhook: body `{data: [{external_id, topic, payload}], meta:
  {klaviyo_account_id, klaviyo_webhook_id, timestamp}}`, `payload` shaped as a Get Event answer;
  headers `Klaviyo-Webhook-Id`, `Klaviyo-Timestamp` and `Klaviyo-Signature`, the hex HMAC-SHA256 of
  the body followed by the timestamp, keyed with the secret key.
* Every delivery and each of its attempts is kept (`deliveries_of`), for `/_sim/klaviyo/webhook-deliveries`."""
from __future__ import annotations

import datetime as _dt
import hashlib
import hmac
import json
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from simulator.core.net import is_loopback
from simulator.core.records import trim_oldest
from simulator.core.timefmt import iso
from simulator.errors import Invalid, Problem
from simulator.klaviyo.account import Account
from simulator.klaviyo.events import Event
from simulator.klaviyo.metrics import metrics_of
from simulator.klaviyo.resources import Resource, ResourceStore, on_create, on_write, resources_of

TYPE, TOPIC_TYPE = "webhook", "webhook-topic"
TARGET = "target_url"  # the full endpoint URL, kept beside the truncated one the API serves
TOPIC_METRICS = (
    "Received Email", "Opened Email", "Clicked Email", "Bounced Email", "Dropped Email", "Marked Email as Spam",
    "Subscribed to Email Marketing", "Unsubscribed from Email Marketing", "Sent SMS", "Received SMS", "Clicked SMS",
    "Failed to Deliver SMS", "Subscribed to SMS Marketing", "Unsubscribed from SMS Marketing", "Received Push",
    "Opened Push", "Bounced Push", "Ready to Review", "Submitted Review")


def topic_named(metric_name: str) -> str:
    return "event:klaviyo." + metric_name.lower().replace(" ", "_")


TOPICS = tuple(topic_named(name) for name in TOPIC_METRICS)
def _split(url):
    try:
        return urlsplit(url) if isinstance(url, str) else None
    except ValueError:  # "http://[::1": an unclosed IPv6 address
        return None


@on_write(TYPE)
def check_webhook(store: ResourceStore, type_: str, attributes: dict, links: dict, now: _dt.datetime) -> None:
    """https (or http to loopback) and known topics; the full URL is kept, the served one truncated."""
    problems = []
    url = attributes.get("endpoint_url")
    if url is not None:
        parts = _split(url)
        if parts is None or not parts.hostname or not (
                parts.scheme == "https" or (parts.scheme == "http" and is_loopback(parts.hostname))):
            problems.append(Problem("data.attributes.endpoint_url", "invalid",
                                    detail="The endpoint URL must be https."))
        else:
            attributes[TARGET] = url
            attributes["endpoint_url"] = f"{parts.scheme}://{parts.netloc}"
    topics = links.get("webhook-topics")
    for index, (_, topic) in enumerate(topics if isinstance(topics, list) else []):
        if topic not in TOPICS:
            problems.append(Problem(f"data.relationships.webhook-topics.data[{index}].id", "invalid",
                                    detail=f"'{topic}' is not a webhook topic of this account."))
    if problems:
        raise Invalid(problems)


@on_create(TYPE)
def enabled_when_made(store: ResourceStore, type_: str, attributes: dict, now: _dt.datetime) -> None:
    attributes.setdefault("enabled", True)


def add_topics(account: Account) -> None:
    """The account's topics as records, so that `/webhook-topics` and `include=webhook-topics` find them."""
    store = resources_of(account)
    for topic in TOPICS:
        if topic not in store.of(TOPIC_TYPE):
            store.create(TOPIC_TYPE, {}, {}, account.created_at, (), topic)


def topic_of(account: Account, event: Event) -> str | None:
    """The topic an event is on: only metrics Klaviyo records have one."""
    metric = metrics_of(account).records.find(event.metric_id)
    if metric is None or (metric.integration or {}).get("key") != "klaviyo":
        return None
    topic = topic_named(metric.name)
    return topic if topic in TOPICS else None


def subscribers(account: Account, topic: str) -> list[Resource]:
    """The enabled webhooks subscribed to `topic`, oldest first."""
    found = []
    for hook in resources_of(account).of(TYPE):
        topics = hook.links.get("webhook-topics")
        if hook.attributes.get("enabled") and isinstance(topics, list) and (TOPIC_TYPE, topic) in topics:
            found.append(hook)
    return found


@dataclass
class Delivery:
    """One event on its way to one webhook: every attempt's outcome, and whether another is due."""
    id: str
    account: str
    webhook_id: str
    topic: str
    event_id: str
    payload: dict  # the event, as a Get Event answer shapes it
    created_at: _dt.datetime
    state: str = "pending"  # pending | retrying | delivered | failed
    attempts: list[dict] = field(default_factory=list)  # {at, url, status | error}
    next_attempt_at: _dt.datetime | None = None

    def to_json(self) -> dict:
        return {"id": self.id, "account": self.account, "webhook_id": self.webhook_id, "topic": self.topic,
                "event_id": self.event_id, "state": self.state, "created_at": iso(self.created_at),
                "next_attempt_at": iso(self.next_attempt_at) if self.next_attempt_at else None,
                "attempts": list(self.attempts)}


class DeliveryLog:
    """An account's deliveries in the order made, the oldest dropped past `webhook_delivery_limit`."""

    def __init__(self, account: Account):
        self.account = account
        self.deliveries: list[Delivery] = []

    def add(self, delivery: Delivery) -> Delivery:
        self.deliveries.append(delivery)
        if self.account.settings is not None:
            trim_oldest(self.deliveries, self.account.settings.webhook_delivery_limit)
        return delivery

    def find(self, webhook_id: str | None = None, state: str | None = None) -> list[Delivery]:
        return [d for d in self.deliveries
                if webhook_id in (None, d.webhook_id) and state in (None, d.state)]


def deliveries_of(account: Account) -> DeliveryLog:
    return account.webhook_deliveries


def new_delivery(account: Account, hook: Resource, topic: str, event: Event, now: _dt.datetime) -> Delivery:
    payload = {"data": {"type": "event", "id": event.id, "attributes": {
        "timestamp": int(event.time.timestamp()), "event_properties": event.properties, "datetime": iso(event.time),
        "uuid": event.uuid}, "relationships": {
        "profile": {"data": {"type": "profile", "id": event.profile_id}},
        "metric": {"data": {"type": "metric", "id": event.metric_id}}}}}
    return deliveries_of(account).add(Delivery(account.ids.next("webhook-delivery", "uuid"), account.id, hook.id,
                                               topic, event.id, payload, now))


def signed_request(account: Account, hook: Resource, delivery: Delivery, now: _dt.datetime) -> tuple[dict, str]:
    """(headers, body) of one attempt, signed at `now` with the webhook's current secret key."""
    timestamp = iso(now)
    body = json.dumps({"data": [{"external_id": delivery.event_id, "topic": delivery.topic,
                                 "payload": delivery.payload}],
                       "meta": {"klaviyo_account_id": account.id, "klaviyo_webhook_id": hook.id,
                                "timestamp": timestamp}}, separators=(",", ":"))
    return {"Content-Type": "application/json", "Klaviyo-Webhook-Id": hook.id, "Klaviyo-Timestamp": timestamp,
            "Klaviyo-Signature": signature(hook.attributes.get("secret_key") or "", body, timestamp)}, body


def signature(secret: str, body: str, timestamp: str) -> str:
    return hmac.new(secret.encode(), (body + timestamp).encode(), hashlib.sha256).hexdigest()
