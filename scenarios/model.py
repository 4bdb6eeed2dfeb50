"""The shapes every part of a scenario run shares: shoppers, their devices, what the store's pixel
sees, and what a forwarder is told about a message's recipient.

Times are whole seconds since the run's start (`at`), so journeys are cheap to generate and sort;
`Timeline.instant(at)` turns one into the sandbox's clock time."""
from __future__ import annotations

from dataclasses import dataclass, field

# What the store's pixel reports, in the seeds' (Meta-style) names.
PAGE_VIEW = "PageView"
VIEW_CONTENT = "ViewContent"
ADD_TO_CART = "AddToCart"
INITIATE_CHECKOUT = "InitiateCheckout"
PURCHASE = "Purchase"
PIXEL_EVENTS = (PAGE_VIEW, VIEW_CONTENT, ADD_TO_CART, INITIATE_CHECKOUT, PURCHASE)
# What a message is about, from the event that started its flow: a shopper answers a browse
# reminder, a cart reminder and a checkout reminder differently, whichever flow sent it.
PURPOSES = ("browse", "cart", "checkout", "post-purchase")


@dataclass(frozen=True, slots=True)
class Device:
    id: str  # "<shopper id>/d<n>": stands for the stable signals (IP, user agent) a pixel sees
    kind: str  # desktop | mobile
    browser: str  # chrome | safari | firefox | edge | samsung
    short_cookies: bool  # Safari and every iOS browser: script-set cookies live 7 days (ITP)
    ad_blocker: bool  # blocks the vendors' onsite scripts, not the store's server-side events


@dataclass(frozen=True, slots=True)
class Shopper:
    id: str  # "shopper-000042"
    email: str
    phone: str
    first_name: str
    last_name: str
    city: str
    region: str
    has_account: bool  # can log in to the store
    devices: tuple[Device, ...]
    subscribed: bool = False  # on the store's email list (marketing consent) before the run


@dataclass(frozen=True, slots=True)
class Click:
    """The shopper arrived from a message link: the vendor's link carries who it was sent to."""
    vendor: str  # klaviyo | omnisend
    channel: str  # email | sms | push
    message_id: str  # the sandbox outbox id
    recipient: str  # the address the message went to


@dataclass(frozen=True, slots=True)
class PixelEvent:
    """One thing a shopper did on the store, as the store's pixel captures it.

    `shopper_id` and `device_id` are the simulation's ground truth, there to score a run: a
    forwarder may key on `device_id` (a pixel sees IP and user agent), never on `shopper_id`."""
    id: str  # unique in the run: "ev-0000001"; dedup keys are made from it
    at: int  # seconds since the run's start
    name: str  # one of PIXEL_EVENTS
    shopper_id: str
    device_id: str
    session_id: str
    logged_in: bool = False  # the shopper is logged in to the store
    email_typed: bool = False  # the shopper typed their email on this step (checkout contact step)
    email: str | None = None  # the address the page holds: typed on this step, or the logged-in account's
    click: Click | None = None  # the session began on a message link
    properties: dict = field(default_factory=dict)
    # ViewContent: product_id, product_name, price, url, image_url, category
    # AddToCart: the above for the added product, quantity, cart_value, items, checkout_url
    # InitiateCheckout: checkout_id, cart_value, item_count, items, checkout_url
    # Purchase: order_id, revenue, items, discount_codes
    # items: [{product_id, product_name, price, quantity, url, image_url, category}]; money in the
    # store currency as a float with two decimals


@dataclass(frozen=True, slots=True)
class Delivered:
    """A message the sandbox sent to a shopper, as the response model sees it."""
    message_id: str
    vendor: str
    channel: str
    workflow_name: str
    recipient: str
    at: int  # when it was sent, seconds since the run's start
    purpose: str  # one of PURPOSES: what the message is about, whichever flow sent it
