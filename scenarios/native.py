"""The store's own integration with each vendor (Shopify's Klaviyo and Omnisend apps): it sends only
what it can tie to an email, under the vendor's native names (Upstack's description of it: "only sees
visitors that Shopify has identified", https://docs.upstackdata.com/destinations/klaviyo).

It knows a shopper when
* they are logged in, or type their email at checkout (it then sets its cookie on that device);
* the device still holds the vendor's cookie: set by one of the above, or by a click on that
  vendor's message. The cookie lives `native_cookie_days` (Klaviyo's identified cookie: 2 years),
  `native_cookie_days_short` on Safari and iOS (ITP caps script-set cookies at 7 days), and
  `native_cookie_days_short_from_link` there when a campaign link set it (24 hours).
Product views and adds to cart come from the vendor's onsite script, which an ad blocker stops;
checkouts and orders come from the store's server, so only the email matters for them.

It sends through the same mappings and delivery as the reference forwarder (its own ids, so the
vendor never mistakes one for the other), at once, with retries; every event is accounted for."""
from __future__ import annotations

from dataclasses import replace

from simulator.scenarios.forwarder import ForwarderContext
from simulator.scenarios.model import ADD_TO_CART, VIEW_CONTENT, Device, PixelEvent
from simulator.scenarios.pipeline.delivery import Job, Sender
from simulator.scenarios.pipeline.gate import DOUBLE_FIRE, Gate
from simulator.scenarios.pipeline.identity import Profile, profile_for
from simulator.scenarios.pipeline.mappings import mapping_for

DAY = 86400
ONSITE = (VIEW_CONTENT, ADD_TO_CART)


class NativeIntegration:
    def __init__(self, params: dict, devices: dict[str, Device], max_attempts: int = 8):
        self.long = params["native_cookie_days"] * DAY
        self.short = params["native_cookie_days_short"] * DAY
        self.short_from_link = params["native_cookie_days_short_from_link"] * DAY
        self.devices = devices
        self.max_attempts = max_attempts
        self._cookies: dict[tuple[str, str], tuple[str, int]] = {}  # (vendor, device) -> email, expiry
        self._gate = Gate()

    @property
    def retries(self) -> int:
        return self._sender.retries

    def start(self, context: ForwarderContext) -> None:
        self.context = context
        self._sender = Sender(context, self.max_attempts)
        self._routes = [(d, mapping_for(d, context.iso)) for d in context.destinations]

    def handle(self, event: PixelEvent) -> None:
        record = self.context.record
        repeated = self._gate.repeated(event)
        device = self.devices[event.device_id]
        for destination, mapping in self._routes:
            if repeated:
                record(event.id, destination.name, "deduplicated", DOUBLE_FIRE)
                continue
            email = self._identify(destination.vendor, event, device)
            reason = Gate.refusal(event) or self._refusal(event, email, device) or mapping.skips.get(event.name)
            if reason:
                record(event.id, destination.name, "filtered", reason)
                continue
            own = replace(event, id=f"native-{event.id}")
            self._sender.send(Job(event.id, destination.name, mapping.headers, mapping.calls(own, self._profile(email))))

    @staticmethod
    def _refusal(event: PixelEvent, email: str | None, device: Device) -> str | None:
        if email is None:
            return "anonymous to the native integration"
        if event.name in ONSITE and device.ad_blocker:
            return "the vendor's onsite script is blocked by an ad blocker"
        if event.name not in ONSITE and not (event.logged_in or event.email_typed):
            return "the store's server knows no email for this checkout"
        return None

    def _identify(self, vendor: str, event: PixelEvent, device: Device) -> str | None:
        key = (vendor, device.id)
        if event.email and (event.logged_in or event.email_typed):
            self._cookies[key] = (event.email, event.at + (self.short if device.short_cookies else self.long))
        elif event.click is not None and event.click.vendor == vendor and "@" in event.click.recipient:
            life = self.short_from_link if device.short_cookies else self.long
            self._cookies[key] = (event.click.recipient, event.at + life)
        held = self._cookies.get(key)
        return held[0] if held and held[1] > event.at else None

    def _profile(self, email: str) -> Profile:
        """The store's customer record: the name and address it holds for that email."""
        return profile_for(email, self.context.network.email(email))
