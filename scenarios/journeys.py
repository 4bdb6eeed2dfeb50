"""Seeded shopper journeys, and how those shoppers answer the sandbox's messages.

Every number is a parameter in fixtures/journeys.yaml with its kind and source, so a report can say
where each one comes from. Each shopper draws from its own Random(seed, index), so the first N
shoppers are the same whatever the visitor count. A message's draws come from what the shopper
experiences (seed, shopper, episode, the message's purpose, its position among the shopper's messages
of that purpose and channel in the episode, the channel), never from a flow's name or a message id:
in two arms of a paired comparison the same shopper reacts the same way to the same experience, so
arms differ only where what the shopper received differs (common random numbers)."""
from __future__ import annotations

import bisect
import gc
import itertools
import math
import random
import re
from dataclasses import dataclass, field, replace
from operator import attrgetter
from pathlib import Path

import yaml
from faker import Faker

from simulator.scenarios.model import (ADD_TO_CART, INITIATE_CHECKOUT, PAGE_VIEW, PURCHASE, VIEW_CONTENT, Click,
                             Delivered, Device, PixelEvent, Shopper)
from simulator.fixtures import FOLDER

FIXTURES = FOLDER  # fixtures/, shipped as simulator.fixtures: found installed too
FIXTURE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when built in: every run reads them
KINDS = ("doc", "vendor-claim", "3rd-party", "assumption")
DAY = 86_400
STORE = "https://store.example"
DOMAINS = ("example.com", "example.net", "example.org")
POOL_SIZE = 400  # Faker values drawn once per run and picked from: Faker per shopper is too slow at 100k
PHONE_SPACE = 10 ** 7  # +1555 and seven digits
PHONE_STEP = 7_919_147  # coprime with PHONE_SPACE, so index -> number is one-to-one and looks random
# A parameter that cannot exceed another: the generator draws the first as a share of the second.
BOUNDS = (("add_to_cart_rate", "product_view_rate"), ("purchase_rate_given_checkout", "checkout_email_typed_rate"),
          ("email_click_rate_first", "email_open_rate_first"), ("email_click_rate_later", "email_open_rate_later"))


# --- parameters and catalog --------------------------------------------------------------------

def _entries(path) -> dict[str, dict]:
    data = yaml.load(Path(path or FIXTURES / "journeys.yaml").read_text(), Loader=FIXTURE_LOADER)
    for name, entry in data.items():
        if not isinstance(entry, dict) or set(entry) != {"value", "kind", "source"} \
                or entry["kind"] not in KINDS or not str(entry["source"]).strip():
            raise ValueError(f"journey parameter {name}: expected {{value, kind: one of {KINDS}, source}}")
    return data


def _overrides(entries: dict, overrides: dict | None) -> dict:
    """The overrides, refused with a KeyError whose argument is the first unknown name (as a dict's)."""
    for name in overrides or {}:
        if name not in entries:
            raise KeyError(name)
    return overrides or {}


def load_parameters(overrides: dict | None = None, path=None) -> dict:
    """The generator's and response model's parameters by name, a scenario's overrides applied."""
    entries = _entries(path)
    chosen = _overrides(entries, overrides)
    params = {name: chosen.get(name, entry["value"]) for name, entry in entries.items()}
    for small, large in BOUNDS:
        if params[small] > params[large]:
            raise ValueError(f"{small} ({params[small]}) cannot exceed {large} ({params[large]})")
    return params


def describe_parameters(overrides: dict | None = None, path=None) -> list[dict]:
    """The assumptions table every report prints: each parameter's value and where it comes from."""
    entries = _entries(path)
    chosen = _overrides(entries, overrides)
    rows = []
    for name, entry in entries.items():
        if name in chosen:
            rows.append({"name": name, "value": chosen[name], "kind": "scenario override",
                         "source": f"scenario override (default {entry['value']!r}, {entry['kind']}: {entry['source']})"})
        else:
            rows.append({"name": name, **entry})
    return rows


def targets(overrides: dict | None = None, path=None) -> dict[str, dict]:
    """The calibration targets (`*_target` entries) with their kind and source; a scenario may
    override a target's value like any parameter's."""
    entries = _entries(path)
    chosen = _overrides(entries, overrides)
    return {name: {**entry, "value": chosen.get(name, entry["value"])}
            for name, entry in entries.items() if name.endswith("_target")}


def load_catalog(path=None) -> list[dict]:
    """The invented store's products, which the journeys view, add and buy."""
    return yaml.load(Path(path or FIXTURES / "catalog.yaml").read_text(), Loader=FIXTURE_LOADER)


# --- the population ----------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Visit:
    """One organic session, as the responder needs it: a message's episode and what it left."""
    session_id: str
    start: int
    device_id: str
    items: tuple  # ((product properties, quantity), ...): the cart it left, or the one it bought
    viewed: dict | None  # the last product it viewed
    purchased_at: int | None  # its Purchase, if that fell inside the horizon


@dataclass
class Population:
    """A run's shoppers and their organic events, plus what the responder looks them up by."""
    shoppers: dict[str, Shopper]
    events: list[PixelEvent]  # sorted by (at, id); a double fire repeats an id a second or two later
    visits: dict[str, list[Visit]]  # shopper id -> organic sessions by start
    recipients: dict[str, str]  # email and phone -> shopper id: how the responder knows a recipient
    products: list[dict]  # the catalog as pixel properties, for a click by someone who viewed none


def _product(item: dict, price_scale: float = 1.0) -> dict:
    return {"product_id": item["id"], "product_name": item["title"],
            "price": round(float(item["price"]) * price_scale, 2),
            "url": item["url"], "image_url": item["image"], "category": item["category"]}


def _items(lines) -> list[dict]:
    return [{**product, "quantity": quantity} for product, quantity in lines]


def _value(lines) -> float:
    return round(sum(product["price"] * quantity for product, quantity in lines), 2)


def _checkout(checkout_id: str, lines) -> dict:
    return {"checkout_id": checkout_id, "cart_value": _value(lines), "item_count": sum(q for _, q in lines),
            "items": _items(lines), "checkout_url": f"{STORE}/checkouts/{checkout_id}/recover"}


def _order(order_id: str, lines) -> dict:
    return {"order_id": order_id, "revenue": _value(lines), "items": _items(lines), "discount_codes": []}


def _added(product: dict, quantity: int, lines) -> dict:
    """AddToCart properties; checkout_url is a cart permalink that rebuilds the cart anywhere."""
    permalink = ",".join(f"{p['product_id']}:{q}" for p, q in lines)
    return {**product, "quantity": quantity, "cart_value": _value(lines), "items": _items(lines),
            "checkout_url": f"{STORE}/cart/{permalink}"}


def _pause(rng: random.Random, rate: float) -> int:
    """Whole seconds, at least one, so a shopper's events keep their order when sorted by time."""
    return 1 + int(rng.expovariate(rate))


def _count(rng: random.Random, log_keep: float) -> int:
    """At least 1, geometric: `log_keep` is log(1 - 1/mean), or 0 for always 1."""
    return 1 + int(math.log(1.0 - rng.random()) / log_keep) if log_keep else 1


def _log_keep(mean: float) -> float:
    return math.log(1 - 1 / mean) if mean > 1 else 0.0


def _weighted(rng: random.Random, cumulative: list[float]) -> int:
    """An index drawn with the weights whose running sums are `cumulative` (random.choices is slow)."""
    return bisect.bisect(cumulative, rng.random() * cumulative[-1])


def _pick(rng: random.Random, pool: list | tuple):
    """rng.choice without its rejection sampling: several times faster, and called millions of times."""
    return pool[int(rng.random() * len(pool))]


def _letters(name: str) -> str:
    return re.sub("[^a-z]", "", name.lower())


class _Generator:
    """What every shopper's journey reads, worked out once per run."""

    def __init__(self, params: dict, catalog: list[dict], horizon_days: int, seed: int):
        self.p = params
        self.seed = seed
        self.days = horizon_days
        self.end = horizon_days * DAY
        self.products = [_product(item, params["price_scale"]) for item in catalog]
        fake = Faker("en_US")
        fake.seed_instance(seed)
        # (name, its letters for the email); a name with no ASCII letters would make no address.
        self.first_names = [(n, a) for n in (fake.first_name() for _ in range(POOL_SIZE)) if (a := _letters(n))]
        self.last_names = [(n, a) for n in (fake.last_name() for _ in range(POOL_SIZE)) if (a := _letters(n))]
        self.places = [(fake.city(), fake.state()) for _ in range(POOL_SIZE)]
        self.hours = list(itertools.accumulate(params["hour_of_day_weights"]))
        self.arrival_window = min(params["arrival_window_hours"] * 3600, self.end)
        # Per device kind: (browser, short_cookies) choices, their running weights, ad-blocker share.
        self.browsers = {kind: ([(b["browser"], b["browser"] == "safari" or b["ios"]) for b in mix],
                                list(itertools.accumulate(b["share"] for b in mix)),
                                params[f"ad_blocker_share_{kind}"])
                         for kind, mix in (("desktop", params["browser_mix_desktop"]),
                                           ("mobile", params["browser_mix_mobile"]))}
        self.page_rate = 1 / params["seconds_between_pages_mean"]
        self.checkout_rate = 1 / (params["checkout_minutes_mean"] * 60)
        self.return_rate = 1 / (params["days_between_sessions_mean"] * DAY)
        self.pages_log = _log_keep(params["page_views_per_session_mean"])
        self.items_log = _log_keep(params["items_per_cart_mean"])
        self.add_given_view = params["add_to_cart_rate"] / params["product_view_rate"]
        buys, typed = params["purchase_rate_given_checkout"], params["checkout_email_typed_rate"]
        # Buyers always type their email; the rest type it with the chance that makes the overall
        # share of guest checkouts with a typed email `checkout_email_typed_rate`.
        self.typed_without_buying = (typed - buys) / (1 - buys) if buys < 1 else 0.0

    def second_of_day(self, rng: random.Random) -> int:
        return _weighted(rng, self.hours) * 3600 + int(rng.random() * 3600)

    def device(self, rng: random.Random, device_id: str, kind: str) -> Device:
        mix, cumulative, blockers = self.browsers[kind]
        browser, short_cookies = mix[_weighted(rng, cumulative)]
        return Device(device_id, kind, browser, short_cookies, rng.random() < blockers)

    def shopper(self, rng: random.Random, index: int) -> Shopper:
        shopper_id = f"shopper-{index:06d}"
        first, a = _pick(rng, self.first_names)
        last, b = _pick(rng, self.last_names)
        city, region = _pick(rng, self.places)
        local = _pick(rng, (a + ".", a, a[0], a + "_")) + b
        # The index ends the local part after letters only, so no two shoppers share an address.
        email = f"{local}{index}@{_pick(rng, DOMAINS)}"
        phone = f"+1555{(index * PHONE_STEP + self.seed) % PHONE_SPACE:07d}"
        main, other = ("mobile", "desktop") if rng.random() < self.p["mobile_share"] else ("desktop", "mobile")
        devices = (self.device(rng, f"{shopper_id}/d1", main),)
        if rng.random() < self.p["second_device_share"]:
            devices += (self.device(rng, f"{shopper_id}/d2", other),)
        return Shopper(shopper_id, email, phone, first, last, city, region,
                       rng.random() < self.p["account_share"], devices, rng.random() < self.p["subscriber_share"])

    def journey(self, index: int) -> tuple[Shopper, list[PixelEvent], list[Visit]]:
        rng = random.Random(f"{self.seed}:{index}")
        shopper = self.shopper(rng, index)
        run = _Run(self, rng, shopper)
        devices, visits = shopper.devices, []
        if self.arrival_window:  # a flash sale: every first visit inside the window
            start, device = int(rng.random() * self.arrival_window), devices[0]
        else:
            start, device = int(rng.random() * self.days) * DAY + self.second_of_day(rng), devices[0]
        while start < self.end:
            visit, ended, abandoned = run.session(start, device)
            visits.append(visit)
            again = self.p["return_after_abandonment_probability" if abandoned else "return_visit_probability"]
            if rng.random() >= again:
                break
            day = int(ended + rng.expovariate(self.return_rate)) // DAY
            start = day * DAY + self.second_of_day(rng)
            while start <= ended:
                start += DAY
            if len(devices) > 1 and rng.random() < self.p["second_device_session_share"]:
                device = devices[1]
            else:
                device = devices[0]
        return shopper, run.events, visits


class _Run:
    """One shopper's journey being written: its draws, its devices' carts, its counters."""

    def __init__(self, generator: _Generator, rng: random.Random, shopper: Shopper):
        self.g = generator
        self.rng = rng
        self.shopper = shopper
        self.number = shopper.id.removeprefix("shopper-")
        self.events: list[PixelEvent] = []
        self.made = itertools.count(1)  # the shopper's event numbers
        self.sessions = 0
        self.carts: dict[str, tuple[dict, int]] = {}  # device id -> ({product id: [product, qty]}, last seen)

    def session(self, start: int, device: Device) -> tuple[Visit, int, bool]:
        """PageView -> ViewContent(s) -> AddToCart(s) -> InitiateCheckout -> Purchase, each step
        drawn; returns the visit, when it ended, and whether it left a cart unbought."""
        g, rng, p, shopper, number = self.g, self.rng, self.g.p, self.shopper, self.number
        chance, end, double = rng.random, g.end, p["double_fire_rate"]
        self.sessions += 1
        session_id = f"s-{number}-{self.sessions}"
        logged_in = shopper.has_account and chance() < p["login_rate"]
        account_email = shopper.email if logged_in else None
        append, made, shopper_id, device_id = self.events.append, self.made, shopper.id, device.id

        def emit(at: int, name: str, properties: dict, email_typed: bool = False, email=account_email) -> bool:
            """Capture one event (and now and then its double fire); False past the horizon."""
            if at >= end:
                return False
            event = PixelEvent(f"ev-{number}-{next(made)}", at, name, shopper_id, device_id, session_id,
                               logged_in, email_typed, email, None, properties)
            append(event)
            if chance() < double:
                again = at + (2 if chance() < 0.5 else 1)
                if again < end:
                    append(replace(event, at=again))
            return True

        cart, seen = self.carts.get(device.id, ({}, None))
        if seen is None or start - seen > p["cart_keep_days"] * DAY:
            cart = {}
        pages = _count(rng, g.pages_log)
        views = 1 + int(chance() * pages) if chance() < p["product_view_rate"] else 0
        adds = min(views, _count(rng, g.items_log)) if views and chance() < g.add_given_view else 0
        at, viewed, page_rate, products = start, None, g.page_rate, g.products
        for page in range(pages):
            if page:
                at += _pause(rng, page_rate)
            emit(at, PAGE_VIEW, {})
            if page < pages - views:
                continue
            viewed = _pick(rng, products)
            at += 1
            emit(at, VIEW_CONTENT, dict(viewed))
            if page >= pages - adds:
                quantity = 2 if chance() < p["quantity_above_one_share"] else 1
                cart.setdefault(viewed["product_id"], [viewed, 0])[1] += quantity
                at += _pause(rng, page_rate)
                emit(at, ADD_TO_CART, _added(viewed, quantity, cart.values()))
        lines = tuple((product, quantity) for product, quantity in cart.values()) if cart else ()
        purchased_at = None
        if lines and chance() < p["checkout_start_rate"]:
            at += _pause(rng, page_rate)
            buys = chance() < p["purchase_rate_given_checkout"]
            typed = not logged_in and (buys or chance() < g.typed_without_buying)
            emit(at, INITIATE_CHECKOUT, _checkout(f"co-{number}-{self.sessions}", lines), email_typed=typed,
                 email=shopper.email if typed or logged_in else None)
            if buys:
                at += _pause(rng, g.checkout_rate)
                if emit(at, PURCHASE, _order(f"ord-{number}-{self.sessions}", lines), email_typed=True,
                        email=shopper.email):
                    purchased_at = at
                cart = {}
        self.carts[device.id] = (cart, at)
        return Visit(session_id, start, device.id, lines, viewed, purchased_at), at, bool(cart)


def generate(visitors: int, horizon_days: int, seed: int, params: dict, catalog: list[dict]) -> Population:
    """`visitors` shoppers whose sessions fall in [0, horizon_days) days, and every event the
    store's pixel captures from them."""
    if not 0 < visitors < PHONE_SPACE:
        raise ValueError(f"visitors must be between 1 and {PHONE_SPACE - 1} (one +1555 number each)")
    generator = _Generator(params, catalog, horizon_days, seed)
    shoppers, visits, recipients, events = {}, {}, {}, []
    # A million objects and no cycles among them: the cyclic collector rescanning them as they
    # pile up would cost about a fifth of the run.
    collecting = gc.isenabled()
    gc.disable()
    try:
        for index in range(1, visitors + 1):
            shopper, shopper_events, shopper_visits = generator.journey(index)
            shoppers[shopper.id] = shopper
            visits[shopper.id] = shopper_visits
            recipients[shopper.email] = recipients[shopper.phone] = shopper.id
            events.extend(shopper_events)
    finally:
        if collecting:
            gc.enable()
    # By (at, id) in two stable passes: single-attribute keys sort ~3x faster than a tuple key.
    events.sort(key=attrgetter("id"))
    events.sort(key=attrgetter("at"))
    return Population(shoppers, events, visits, recipients, generator.products)


# --- how shoppers answer messages ------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Response:
    """How a shopper answered one message: when they opened and clicked it, and the click session."""
    opened_at: int | None = None  # email only: SMS and push have no open apart from the click
    clicked_at: int | None = None
    events: list[PixelEvent] = field(default_factory=list)


def order_rate(params: dict, purpose: str) -> float:
    """The chance a click on a message of this purpose leads to an order, the cart still there."""
    return params["order_after_click_rate_" + purpose.replace("-", "_")]


def _address(recipient: str) -> str:
    return recipient.strip().lower()


class Responder:
    """The response model: opens, clicks, and the click session with an induced order or not.

    An order counts as induced only when the shopper buys nothing organically from the message
    until `organic_purchase_lookahead_days` after the click (else the message only takes the
    credit) and was not already induced to order in this episode. Messages must be handed over in
    the order they were sent: a message's position is counted here."""

    def __init__(self, population: Population, params: dict, seed: int):
        self.population = population
        self.p = params
        self.seed = seed
        self._made: dict[str, int] = {}  # shopper id -> click-session events so far
        self._induced: set[tuple[str, int]] = set()  # (shopper id, episode)
        self._positions: dict[tuple, int] = {}  # (shopper, episode, purpose, channel) -> messages so far

    def episode(self, shopper_id: str, at: int) -> int:
        """The shopper's latest organic session started before `at` (-1: none yet)."""
        return bisect.bisect_left(self.population.visits[shopper_id], at, key=attrgetter("start")) - 1

    def respond(self, message: Delivered) -> Response:
        shopper_id = self.population.recipients.get(_address(message.recipient))
        if shopper_id is None:
            return Response()
        p, visits = self.p, self.population.visits[shopper_id]
        episode = self.episode(shopper_id, message.at)
        seen = (shopper_id, episode, message.purpose, message.channel)
        position = self._positions[seen] = self._positions.get(seen, 0) + 1
        rng = random.Random(f"{self.seed}|{shopper_id}|{episode}|{message.purpose}|{position}|{message.channel}")
        # Drawn in a fixed order whatever happens, so a parameter sweep keeps common random numbers.
        u_open, u_click, u_order, u_empty, u_mobile, u_login = (rng.random() for _ in range(6))
        read = _pause(rng, 1 / (p["open_delay_minutes_mean"] * 60))
        follow = _pause(rng, 1 / p["open_to_click_seconds_mean"])
        if message.channel == "email":
            later = "later" if position > 1 else "first"
            open_rate, click_rate = p[f"email_open_rate_{later}"], p[f"email_click_rate_{later}"]
            opened_at = message.at + read if u_open < open_rate else None
            # Only an opened email is clicked: P(click | open) = click rate / open rate.
            clicked_at = opened_at + follow if opened_at is not None and u_click * open_rate < click_rate else None
        elif message.channel in ("sms", "push"):
            opened_at = None
            clicked_at = message.at + read if u_click < p[f"{message.channel}_click_rate"] else None
        else:
            raise ValueError(f"no response model for channel {message.channel!r}")
        if clicked_at is None:
            return Response(opened_at)
        shopper = self.population.shoppers[shopper_id]
        empty = u_empty < p["click_empty_cart_share"]
        chance = order_rate(p, message.purpose) * (p["empty_cart_order_factor"] if empty else 1)
        until = clicked_at + p["organic_purchase_lookahead_days"] * DAY
        organic = any(v.purchased_at is not None and message.at <= v.purchased_at < until for v in visits)
        induced = u_order < chance and not organic and (shopper_id, episode) not in self._induced
        if induced:
            self._induced.add((shopper_id, episode))
        kind = "mobile" if u_mobile < p["click_on_mobile_share"] else "desktop"
        device = next((d for d in shopper.devices if d.kind == kind), shopper.devices[0])
        logged_in = shopper.has_account and u_login < p["login_rate"]
        visit = visits[episode] if episode >= 0 else None
        if visit and visit.items:
            lines = visit.items
        else:
            lines = (((visit and visit.viewed) or _pick(rng, self.population.products), 1),)
        click = Click(message.vendor, message.channel, message.message_id, message.recipient)
        events = self._click_session(shopper, device, logged_in, click, clicked_at, lines, empty, induced, rng)
        return Response(opened_at, clicked_at, events)

    def _click_session(self, shopper: Shopper, device: Device, logged_in: bool, click: Click, clicked_at: int,
                       lines: tuple, empty: bool, induced: bool, rng: random.Random) -> list[PixelEvent]:
        """Land from the link, look at the cart's products again (re-adding them when the cart
        came up empty), and check out when induced to order."""
        number = shopper.id.removeprefix("shopper-")
        first = self._made.get(shopper.id, 0) + 1
        session_id = f"s-{number}-m{first}"
        account_email = shopper.email if logged_in else None
        page_rate = 1 / self.p["seconds_between_pages_mean"]
        events: list[PixelEvent] = []

        def emit(at, name, properties, email_typed=False, email=account_email, came_from=None):
            made = self._made[shopper.id] = self._made.get(shopper.id, 0) + 1
            events.append(PixelEvent(f"ev-{number}-m{made}", at, name, shopper.id, device.id, session_id,
                                     logged_in, email_typed, email, came_from, properties))

        at = clicked_at
        emit(at, PAGE_VIEW, {}, came_from=click)
        cart = {}
        for product, quantity in lines:
            at += _pause(rng, page_rate)
            emit(at, VIEW_CONTENT, dict(product))
            if empty:
                cart[product["product_id"]] = [product, quantity]
                at += _pause(rng, page_rate)
                emit(at, ADD_TO_CART, _added(product, quantity, cart.values()))
        if induced:
            at += _pause(rng, page_rate)
            emit(at, INITIATE_CHECKOUT, _checkout(f"co-{number}-m{first}", lines), email_typed=not logged_in,
                 email=shopper.email)
            ordered = clicked_at + _pause(rng, 1 / (self.p["click_to_order_minutes_mean"] * 60))
            emit(max(ordered, at + 1), PURCHASE, _order(f"ord-{number}-m{first}", lines), email_typed=True,
                 email=shopper.email)
        return events
