"""A minimal forwarder written against the protocol in scenarios/forwarder.py, as a user would.

It resolves no identities: it forwards only what carries an email (a logged-in shopper, an email
typed at checkout) to every Klaviyo destination, one `POST /api/events` per event, and retries a
429 after the `Retry-After` seconds on the run's clock. Everything else is recorded as filtered, so
the run can account for every event. Copy it and change what you like."""
from __future__ import annotations

from simulator.scenarios.forwarder import ForwarderContext
from simulator.scenarios.model import PixelEvent

METRICS = {"ViewContent": "Viewed Product", "AddToCart": "Added to Cart", "InitiateCheckout": "Started Checkout",
           "Purchase": "Placed Order"}
HEADERS = {"revision": "2026-10-15", "Content-Type": "application/vnd.api+json"}


class EmailOnlyForwarder:
    def __init__(self, metric_suffix: str = ""):
        self.metric_suffix = metric_suffix
        self.retries = 0

    def start(self, context: ForwarderContext) -> None:
        self.context = context
        self.destinations = [d for d in context.destinations if d.api == "klaviyo"]

    def handle(self, event: PixelEvent) -> None:
        for destination in self.destinations:
            if event.name not in METRICS or not event.email:
                reason = "no Klaviyo metric for it" if event.name not in METRICS else "no email on the event"
                self.context.record(event.id, destination.name, "filtered", reason)
                continue
            body = {"data": {"type": "event", "attributes": {
                "time": self.context.iso(event.at), "unique_id": event.id,
                "properties": {k: v for k, v in event.properties.items() if not isinstance(v, (list, dict))},
                "metric": {"data": {"type": "metric", "attributes": {"name": METRICS[event.name] + self.metric_suffix}}},
                "profile": {"data": {"type": "profile", "attributes": {"email": event.email}}}}}}
            self._send(event.id, destination, body)

    def _send(self, event_id: str, destination, body: dict) -> None:
        response = self.context.http.post(f"{destination.base_url}/events", json=body,
                                          headers={**HEADERS, "Authorization": f"Klaviyo-API-Key {destination.key}"})
        if response.status_code == 429:
            self.retries += 1
            wait = int(response.headers.get("Retry-After", "1"))
            self.context.schedule(self.context.now() + wait, lambda: self._send(event_id, destination, body))
        elif response.status_code == 202:
            self.context.record(event_id, destination.name, "delivered", "202")
        else:
            self.context.record(event_id, destination.name, "failed", f"{response.status_code}: {response.text[:200]}")
