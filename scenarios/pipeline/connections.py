"""Opensend's two kinds of connection (seed 001): a `main` connection gets every identified event; an
`other` connection only the events its traffic filter lets through.

Filters (all given must pass):
* `events`: pixel event names, e.g. ["AddToCart", "InitiateCheckout"];
* `min_value`: the cart or order value (AddToCart and InitiateCheckout `cart_value`, Purchase
  `revenue`) is at least this; an event with no such value does not pass;
* `url_contains`: a URL of the event (page, checkout, or an item's) contains this text."""
from __future__ import annotations

from simulator.scenarios.forwarder import Destination
from simulator.scenarios.model import PIXEL_EVENTS, PixelEvent

FILTERS = ("events", "min_value", "url_contains")


class Connection:
    """A destination's filter, checked once at start so a typo fails the run, not every event."""

    def __init__(self, destination: Destination):
        filters = destination.filters or {}
        if destination.connection not in ("main", "other"):
            raise ValueError(f"{destination.name}: connection is main or other, not {destination.connection!r}")
        if destination.connection == "main" and filters:
            raise ValueError(f"{destination.name}: a main connection gets every identified event; filters are "
                             "for other connections")
        unknown = sorted(set(filters) - set(FILTERS))
        if unknown:
            raise ValueError(f"{destination.name}: unknown filters {unknown}; known: {list(FILTERS)}")
        events = filters.get("events")
        if events is not None and not set(events) <= set(PIXEL_EVENTS):
            raise ValueError(f"{destination.name}: filter events {sorted(set(events) - set(PIXEL_EVENTS))} "
                             f"are not pixel events {list(PIXEL_EVENTS)}")
        self.events = frozenset(events) if events is not None else None
        self.min_value = filters.get("min_value")
        self.url_contains = filters.get("url_contains")

    def refuses(self, event: PixelEvent) -> str | None:
        """Why the connection's filter keeps `event` out, or None when it passes."""
        if self.events is not None and event.name not in self.events:
            return f"connection filter: {event.name} is not one of {sorted(self.events)}"
        if self.min_value is not None:
            value = _value(event)
            if value is None:
                return f"connection filter: {event.name} has no cart or order value for min_value {self.min_value}"
            if value < self.min_value:
                return f"connection filter: cart or order value below min_value {self.min_value}"
        if self.url_contains is not None and not any(self.url_contains in url for url in _urls(event)):
            return f"connection filter: no URL of the event contains {self.url_contains!r}"
        return None


def _value(event: PixelEvent) -> float | None:
    properties = event.properties
    return properties.get("revenue") if "revenue" in properties else properties.get("cart_value")


def _urls(event: PixelEvent):
    properties = event.properties
    for key in ("url", "checkout_url"):
        if properties.get(key):
            yield properties[key]
    for item in properties.get("items") or ():
        if item.get("url"):
            yield item["url"]
