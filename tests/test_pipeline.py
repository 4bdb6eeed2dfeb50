"""The reference forwarder through a real in-process sandbox: identity resolution, the mappings each
API receives, Opensend's connection filters, and pixel double-fires. (Delivery under 429s and
failures: test_pipeline_delivery.py, which shares the `Run` helper below.)"""
from __future__ import annotations

import itertools
import random
from collections import Counter
from functools import partial

import httpx
import pytest

from simulator.scenarios.forwarder import Destination, ForwarderContext, IdentityNetwork
from simulator.scenarios.model import (ADD_TO_CART, INITIATE_CHECKOUT, PAGE_VIEW, PURCHASE, VIEW_CONTENT, Click, Device,
                             PixelEvent, Shopper)
from simulator.scenarios.pipeline import ReferenceForwarder
from simulator.scenarios.pipeline.mappings import cart_id
from simulator.scenarios.timeline import Timeline
from simulator.core.timefmt import parse_instant
from simulator.sandbox import IN_PROCESS_HOST, Sandbox

START = "2026-11-01T00:00:00Z"
DAY = 86400
KLAVIYO_KEY = "pk_0123456789abcdefghijklmnopqrstuvwx"
OMNISEND_KEY = "0123456789abcdef01234567-secretone"
OTHER_BRAND_KEY = "fedcba9876543210fedcba98-secrettwo"


def make_shopper(n: int, first: str, last: str, city: str, region: str) -> Shopper:
    sid = f"shopper-{n:06}"
    devices = (Device(f"{sid}/d1", "desktop", "chrome", False, False),
               Device(f"{sid}/d2", "mobile", "safari", True, False))
    return Shopper(sid, f"{first.lower()}@example.com", f"+1555000{n:04}", first, last, city, region, True, devices)


ANN = make_shopper(1, "Ann", "Lee", "Austin", "TX")
BOB = make_shopper(2, "Bob", "Diaz", "Denver", "CO")
MUG = {"product_id": "p-1", "product_name": "Mug", "price": 12.5, "url": "https://shop.example/p/mug",
       "image_url": "https://shop.example/i/mug.png", "category": "Kitchen"}
LAMP = {"product_id": "p-2", "product_name": "Lamp", "price": 40.0, "url": "https://shop.example/sale/lamp",
        "image_url": "https://shop.example/i/lamp.png", "category": "Home"}
_ids = itertools.count(1)


def item(product: dict, quantity: int = 1) -> dict:
    return {**product, "quantity": quantity}


def props(name: str, items=(item(MUG),), product: dict = MUG) -> dict:
    """What the pixel reports for `name` (model.PixelEvent's property comment), for a cart of `items`."""
    total = round(sum(i["price"] * i["quantity"] for i in items), 2)
    checkout = "https://shop.example/checkout/c-1"
    if name == VIEW_CONTENT:
        return dict(product)
    if name == ADD_TO_CART:
        return {**product, "quantity": 1, "cart_value": total, "items": list(items), "checkout_url": checkout}
    if name == INITIATE_CHECKOUT:
        return {"checkout_id": "c-1", "cart_value": total, "item_count": sum(i["quantity"] for i in items),
                "items": list(items), "checkout_url": checkout}
    if name == PURCHASE:
        return {"order_id": f"o-{next(_ids)}", "revenue": total, "items": list(items), "discount_codes": ["WELCOME10"]}
    return {}


def pixel(name: str, at: int, who: Shopper = ANN, device: int = 1, session: str | None = None, **fields) -> PixelEvent:
    fields.setdefault("properties", props(name))
    return PixelEvent(f"ev-{next(_ids):07}", at, name, who.id, who.devices[device - 1].id,
                      session or f"{who.id}/s{device}", **fields)


def login(name: str, at: int, who: Shopper = ANN, device: int = 1, **fields) -> PixelEvent:
    return pixel(name, at, who, device, logged_in=True, email=who.email, **fields)


def klaviyo(name: str = "klaviyo", key: str = KLAVIYO_KEY, **options) -> Destination:
    return Destination(name, "klaviyo", IN_PROCESS_HOST + "/klaviyo/api", key, options=options)


def omnisend_api(name: str = "omnisend", key: str = OMNISEND_KEY, connection: str = "main", filters=None,
                 **options) -> Destination:
    return Destination(name, "omnisend-api", IN_PROCESS_HOST + "/omnisend/api", key, connection, filters or {}, options)


def omnisend_v3(name: str = "omnisend-v3", key: str = OMNISEND_KEY, **options) -> Destination:
    return Destination(name, "omnisend-v3", IN_PROCESS_HOST + "/omnisend/v3", key, options=options)


class Run:
    """The runner's part of a run, kept small: a sandbox, the run's timeline on the sandbox's clock,
    the context the forwarder gets, and every record it makes."""

    def __init__(self, destinations: list[Destination], shoppers=(ANN, BOB), network_devices: dict | None = None,
                 transport: httpx.BaseTransport | None = None, sandbox: Sandbox | None = None, **options):
        self.sb = sandbox or Sandbox(seed=0, start=START)
        self.timeline = Timeline(parse_instant(START))
        http = httpx.Client(transport=transport or httpx.WSGITransport(app=self.sb._in_process_wsgi))
        self.records: list[tuple[str, str, str, str]] = []
        network = IdentityNetwork({s.id: s for s in shoppers}, network_devices or {})
        self.forwarder = ReferenceForwarder(**options)
        self.forwarder.start(ForwarderContext(http, destinations, network, random.Random(0), lambda: self.timeline.now,
                                              self.timeline.iso, self.timeline.schedule,
                                              lambda *record: self.records.append(record)))

    def capture(self, *events: PixelEvent) -> None:
        for event in events:
            self.timeline.schedule(event.at, partial(self.forwarder.handle, event))

    def run(self) -> None:
        """Pop, move the sandbox's clock there, run; then let Klaviyo process what it took (1 s)."""
        while len(self.timeline):
            at = self.timeline.next_at()
            action = self.timeline.pop()
            self.sb.clock.advance_to(self.timeline.instant(at))
            action()
        self.sb.clock.advance(seconds=5)

    def outcome(self, event: PixelEvent, destination: str) -> tuple[str, str]:
        found = [(o, r) for e, d, o, r in self.records if e == event.id and d == destination]
        assert len(found) == 1, f"{event.id} at {destination}: {found}"
        return found[0]

    def outcomes(self, destination: str) -> list[str]:
        return [o for _, d, o, _ in self.records if d == destination]

    def klaviyo_events(self, key: str = KLAVIYO_KEY) -> list[dict]:
        """The account's events, oldest first, each with its metric name and profile email."""
        body = self.sb.client("klaviyo-api", key=key).get("/events", params={"include": "metric,profile"}).json()
        included = {(i["type"], i["id"]): i["attributes"] for i in body.get("included", [])}
        return [{"metric": included[("metric", e["relationships"]["metric"]["data"]["id"])]["name"],
                 "email": included[("profile", e["relationships"]["profile"]["data"]["id"])]["email"],
                 "profile_id": e["relationships"]["profile"]["data"]["id"],
                 "properties": e["attributes"]["event_properties"]} for e in body["data"]]

    def omnisend_activity(self, key: str = OMNISEND_KEY) -> list:
        return self.sb.omnisend_brand(key.split("-")[0]).activity

    def journal(self, path: str) -> list[tuple[str, int]]:
        entries = self.sb.client("sim").get("/journal", params={"path": path}).json()["requests"]
        return [(e["method"], e["status"]) for e in entries]


# -- identity resolution -------------------------------------------------------------------------

def test_login_ties_the_device_and_its_cookie_resolves_later_visits():
    run = Run([klaviyo()])
    before = pixel(VIEW_CONTENT, 0)
    logged = login(VIEW_CONTENT, 600)
    later = pixel(ADD_TO_CART, 3 * DAY)
    browse = pixel(PAGE_VIEW, 3 * DAY + 5)
    run.capture(before, logged, later, browse)
    run.run()
    assert run.outcome(before, "klaviyo") == ("filtered", "anonymous: no identity for this device")
    assert run.outcome(logged, "klaviyo")[0] == run.outcome(later, "klaviyo")[0] == "delivered"
    assert run.outcome(browse, "klaviyo") == ("filtered", "PageView is not forwarded: no destination maps page views")
    assert run.forwarder.resolved_by == Counter({"login": 1, "cookie": 2})
    assert run.forwarder.identified == {ANN.email}
    assert [(e["metric"], e["email"]) for e in run.klaviyo_events()] == [
        ("Viewed Product", ANN.email), ("Added to Cart", ANN.email)]


def test_checkout_email_identifies_and_the_order_follows_by_cookie():
    run = Run([klaviyo()])
    cart = pixel(ADD_TO_CART, 0)
    checkout = pixel(INITIATE_CHECKOUT, 60, email_typed=True, email=ANN.email)
    order = pixel(PURCHASE, 120)
    run.capture(cart, checkout, order)
    run.run()
    assert [run.outcome(e, "klaviyo")[0] for e in (cart, checkout, order)] == ["filtered", "delivered", "delivered"]
    assert run.forwarder.resolved_by == Counter({"email": 1, "cookie": 1})
    assert [e["metric"] for e in run.klaviyo_events()] == ["Started Checkout", "Placed Order"]


def test_a_message_click_resolves_through_the_vendor_graph_and_enriches_the_profile():
    stranger = Click("klaviyo", "email", "m-2", "carol@example.com")  # a recipient the graph does not know
    run = Run([klaviyo()])
    clicked = pixel(VIEW_CONTENT, 0, click=Click("klaviyo", "email", "m-1", ANN.email))
    unknown = pixel(VIEW_CONTENT, 10, BOB, click=stranger)
    by_sms = pixel(VIEW_CONTENT, 20, BOB, device=2, click=Click("omnisend", "sms", "m-3", "+15559990000"))
    run.capture(clicked, unknown, by_sms)
    run.run()
    assert run.forwarder.resolved_by == Counter({"click": 2})
    assert run.outcome(by_sms, "klaviyo") == ("filtered", "anonymous: no identity for this device")
    profiles = run.sb.client("klaviyo-api", key=KLAVIYO_KEY).get("/profiles").json()["data"]
    people = {p["attributes"]["email"]: p["attributes"] for p in profiles}
    assert (people[ANN.email]["first_name"], people[ANN.email]["last_name"]) == ("Ann", "Lee")
    assert (people[ANN.email]["location"]["city"], people[ANN.email]["location"]["region"]) == ("Austin", "TX")
    assert people["carol@example.com"]["first_name"] is None  # the address alone: nothing to enrich it with


def test_the_pixel_cookie_lives_pixel_cookie_days_after_the_last_visit():
    run = Run([klaviyo()], pixel_cookie_days=7)
    visits = [login(VIEW_CONTENT, 0), pixel(VIEW_CONTENT, 5 * DAY), pixel(VIEW_CONTENT, 11 * DAY),
              pixel(VIEW_CONTENT, 19 * DAY), pixel(VIEW_CONTENT, 20 * DAY)]
    run.capture(*visits)
    run.run()
    # day 11 is 6 days after the refresh on day 5; day 19 is 8 days after day 11: the cookie is gone
    assert [run.outcome(e, "klaviyo")[0] for e in visits] == [
        "delivered", "delivered", "delivered", "filtered", "filtered"]
    assert run.forwarder.resolved_by == Counter({"login": 1, "cookie": 2})


def test_devices_stitch_to_one_person_when_a_key_ties_each():
    run = Run([klaviyo()])
    desktop = login(VIEW_CONTENT, 0)
    phone_before = pixel(VIEW_CONTENT, 100, device=2)
    phone_click = pixel(VIEW_CONTENT, DAY, device=2, click=Click("klaviyo", "email", "m-1", ANN.email))
    phone_cart = pixel(ADD_TO_CART, DAY + 60, device=2, session="s-phone-2")
    desktop_back = pixel(INITIATE_CHECKOUT, 2 * DAY)
    run.capture(desktop, phone_before, phone_click, phone_cart, desktop_back)
    run.run()
    assert run.outcome(phone_before, "klaviyo")[0] == "filtered"
    assert run.forwarder.resolved_by == Counter({"login": 1, "click": 1, "cookie": 2})
    seen = run.klaviyo_events()
    assert [e["metric"] for e in seen] == ["Viewed Product", "Viewed Product", "Added to Cart", "Started Checkout"]
    assert len({e["profile_id"] for e in seen}) == 1  # both devices, one Klaviyo profile


def test_a_network_match_resolves_until_a_key_overrides_it():
    shared = ANN.devices[0].id  # the vendor's graph ties Ann's desktop to Bob (a wrong guess)
    run = Run([klaviyo()], network_devices={shared: BOB.email})
    guessed = pixel(VIEW_CONTENT, 0)
    keyed = login(VIEW_CONTENT, 60)
    after = pixel(ADD_TO_CART, 120)
    run.capture(guessed, keyed, after)
    run.run()
    assert run.forwarder.resolved_by == Counter({"network": 1, "login": 1, "cookie": 1})
    assert [(e["metric"], e["email"]) for e in run.klaviyo_events()] == [
        ("Viewed Product", BOB.email), ("Viewed Product", ANN.email), ("Added to Cart", ANN.email)]
    assert run.forwarder.identified == {ANN.email, BOB.email}


# -- mappings -------------------------------------------------------------------------------------

def _journey(who: Shopper = ANN, at: int = 0) -> list[PixelEvent]:
    cart = (item(MUG, 2), item(LAMP))
    return [login(VIEW_CONTENT, at, who), pixel(ADD_TO_CART, at + 60, who, properties=props(ADD_TO_CART, cart, LAMP)),
            pixel(INITIATE_CHECKOUT, at + 120, who, properties=props(INITIATE_CHECKOUT, cart)),
            pixel(PURCHASE, at + 180, who, properties=props(PURCHASE, cart))]


def test_klaviyo_gets_the_seed_metrics_with_the_suffix_and_key_properties():
    run = Run([klaviyo(metric_suffix=" - Upstack Data")])
    view, add, checkout, order = journey = _journey()
    run.capture(*journey)
    run.run()
    assert run.journal("/klaviyo/api/events") == [("POST", 202)] * 4
    seen = run.klaviyo_events()
    assert [e["metric"] for e in seen] == ["Viewed Product - Upstack Data", "Added to Cart - Upstack Data",
                                           "Started Checkout - Upstack Data", "Placed Order - Upstack Data"]
    viewed, added, started, placed = (e["properties"] for e in seen)
    assert viewed == {"ProductName": "Mug", "ProductID": "p-1", "Price": 12.5, "ImageURL": MUG["image_url"],
                      "URL": MUG["url"], "Categories": ["Kitchen"]}
    assert (added["ProductName"], added["Quantity"], added["CartValue"], added["$value"]) == ("Lamp", 1, 65.0, 65.0)
    assert added["Items"][0] == {"ProductID": "p-1", "ProductName": "Mug", "Quantity": 2, "ItemPrice": 12.5,
                                 "RowTotal": 25.0, "ProductURL": MUG["url"], "ImageURL": MUG["image_url"],
                                 "ProductCategories": ["Kitchen"]}
    assert (started["ItemCount"], started["CheckoutURL"], started["$value"]) == (3, checkout.properties["checkout_url"],
                                                                                 65.0)
    assert (placed["OrderID"], placed["Revenue"], placed["DiscountCodes"], placed["ItemNames"]) == (
        order.properties["order_id"], 65.0, ["WELCOME10"], ["Mug", "Lamp"])
    assert {run.outcome(e, "klaviyo") for e in journey} == {("delivered", "klaviyo POST /events -> 202")}


def test_klaviyo_list_id_adds_each_person_once_without_subscribing():
    sb = Sandbox(seed=0, start=START)
    kl = sb.client("klaviyo-api", key=KLAVIYO_KEY)
    list_id = kl.post("/lists", json={"data": {"type": "list", "attributes": {"name": "Upstack"}}}).json()["data"]["id"]
    run = Run([klaviyo(list_id=list_id)], sandbox=sb)
    run.capture(*_journey(ANN), *_journey(BOB, at=30))
    run.run()
    members = kl.get(f"/lists/{list_id}/profiles").json()["data"]
    assert sorted(m["attributes"]["email"] for m in members) == [ANN.email, BOB.email]
    consent = kl.get("/profiles", params={"additional-fields[profile]": "subscriptions"}).json()["data"]
    assert {p["attributes"]["subscriptions"]["email"]["marketing"]["consent"] for p in consent} == {"NEVER_SUBSCRIBED"}
    assert run.journal("/klaviyo/api/profile-import") == [("POST", 201)] * 2
    assert run.journal(f"/klaviyo/api/lists/{list_id}/relationships/profiles") == [("POST", 204)] * 2
    assert len(run.klaviyo_events()) == 8


def test_omnisend_dated_api_gets_recommended_events_and_one_contact_upsert():
    run = Run([omnisend_api()])
    journey = _journey()
    run.capture(*journey, pixel(PAGE_VIEW, 200))
    run.run()
    assert run.journal("/omnisend/api/contacts") == [("POST", 201)]
    assert run.journal("/omnisend/api/events") == [("POST", 202)] * 4
    activity = run.omnisend_activity()
    assert [a.name for a in activity] == ["viewed product", "added product to cart", "started checkout", "placed order"]
    viewed, added, started, placed = (a.properties for a in activity)
    assert viewed["product"]["title"] == "Mug" and viewed["product"]["currency"] == "USD"
    assert (added["cartID"], added["value"], added["addedItem"]["productTitle"]) == (cart_id(journey[1]), 65.0, "Lamp")
    assert [line["productQuantity"] for line in started["lineItems"]] == [2, 1]
    assert (placed["orderID"], placed["totalPrice"], placed["discounts"]) == (
        journey[3].properties["order_id"], 65.0, [{"code": "WELCOME10"}])
    assert [a.at.isoformat() for a in activity][0] == "2026-11-01T00:00:00+00:00"  # capture time, not delivery time
    contact = run.sb.client("omnisend-api", key=OMNISEND_KEY).get("/contacts", params={"email": ANN.email}).json()
    assert [(c["firstName"], c["city"], c["state"], c["status"]) for c in contact["contacts"]] == [
        ("Ann", "Austin", "TX", "nonSubscribed")]


def test_omnisend_v3_writes_carts_and_orders_and_filters_what_it_cannot_take():
    run = Run([omnisend_v3()])
    v3 = run.sb.client("omnisend-v3", key=OMNISEND_KEY)
    v3.post("/contacts", json={"identifiers": [{"type": "email", "id": ANN.email,
                                                "channels": {"email": {"status": "subscribed"}}}]})
    view = login(VIEW_CONTENT, 0)
    first = pixel(ADD_TO_CART, 60)
    both = (item(MUG), item(LAMP))
    second = pixel(ADD_TO_CART, 90, properties=props(ADD_TO_CART, both, LAMP))
    again = pixel(ADD_TO_CART, 95, properties=props(ADD_TO_CART, both, LAMP))  # the same cart: nothing new
    checkout = pixel(INITIATE_CHECKOUT, 120, properties=props(INITIATE_CHECKOUT, both))
    order = pixel(PURCHASE, 180, properties=props(PURCHASE, both))
    run.capture(view, first, second, again, checkout, order)
    run.run()
    assert run.outcome(view, "omnisend-v3")[0] == run.outcome(checkout, "omnisend-v3")[0] == "filtered"
    assert "no started-checkout write" in run.outcome(checkout, "omnisend-v3")[1]
    assert [run.outcome(e, "omnisend-v3") for e in (first, second, again, order)] == [
        ("delivered", "omnisend-v3 POST /carts -> 200"), ("delivered", "omnisend-v3 PUT /carts/{cartID} -> 200"),
        ("delivered", "omnisend-v3 PUT /carts/{cartID} -> 200"), ("delivered", "omnisend-v3 POST /orders -> 200")]
    assert run.journal("/omnisend/v3/carts") == [("POST", 200), ("PUT", 200), ("PUT", 200)]
    assert run.journal("/omnisend/v3/contacts") == [("POST", 200), ("GET", 200), ("PATCH", 200)]
    cart = v3.get(f"/carts/{cart_id(first)}").json()
    assert ([p["title"] for p in cart["products"]], cart["cartSum"]) == (["Mug", "Lamp"], 5250)
    stored = v3.get(f"/orders/{order.properties['order_id']}").json()
    assert (stored["orderSum"], stored["cartID"], stored["discountCode"]) == (5250, cart_id(first), "WELCOME10")
    assert [a.name for a in run.omnisend_activity()] == ["added product to cart"] * 2 + ["placed order"]
    contact = v3.get("/contacts", params={"email": ANN.email}).json()["contacts"][0]
    assert contact["firstName"] == "Ann" and contact["identifiers"][0]["channels"]["email"]["status"] == "subscribed"


# -- connections ----------------------------------------------------------------------------------

def test_other_connections_take_only_what_their_filters_pass():
    run = Run([omnisend_api("main"),
               omnisend_api("carts", OTHER_BRAND_KEY, "other", {"events": [ADD_TO_CART, INITIATE_CHECKOUT],
                                                                "min_value": 50}),
               omnisend_api("sale", "00000000000000000000beef-secretthree", "other", {"url_contains": "/sale/"})])
    view = login(VIEW_CONTENT, 0)
    small = pixel(ADD_TO_CART, 60)  # a 12.50 cart
    big = pixel(ADD_TO_CART, 90, properties=props(ADD_TO_CART, (item(MUG), item(LAMP)), LAMP))
    on_sale = pixel(VIEW_CONTENT, 100, properties=dict(LAMP))
    run.capture(view, small, big, on_sale)
    run.run()
    assert run.outcomes("main") == ["delivered"] * 4
    assert run.outcome(view, "carts") == ("filtered", "connection filter: ViewContent is not one of "
                                                      "['AddToCart', 'InitiateCheckout']")
    assert run.outcome(small, "carts") == ("filtered", "connection filter: cart or order value below min_value 50")
    assert run.outcome(big, "carts")[0] == "delivered"
    assert [e for e, d, o, _ in run.records if d == "sale" and o == "delivered"] == [big.id, on_sale.id]
    assert run.outcome(small, "sale") == ("filtered", "connection filter: no URL of the event contains '/sale/'")
    assert [a.name for a in run.omnisend_activity(OTHER_BRAND_KEY)] == ["added product to cart"]


def test_connection_settings_are_checked_at_start():
    with pytest.raises(ValueError, match="unknown filters"):
        Run([omnisend_api("x", connection="other", filters={"event": [ADD_TO_CART]})])
    with pytest.raises(ValueError, match="main connection"):
        Run([omnisend_api("x", filters={"min_value": 5})])
    with pytest.raises(ValueError, match="unknown options"):
        Run([klaviyo(suffix=" - Upstack")])


# -- dedup ----------------------------------------------------------------------------------------

def test_a_double_fired_pixel_event_is_delivered_once():
    run = Run([klaviyo(), omnisend_api()])
    cart = login(ADD_TO_CART, 0)
    run.capture(cart, cart)
    run.run()
    assert [o for e, _, o, _ in run.records if e == cart.id] == ["deduplicated", "deduplicated", "delivered",
                                                                 "delivered"]
    assert run.records[0][3] == "pixel double-fire: this pixel event id was already handled, not sent again"
    assert run.journal("/klaviyo/api/events") == [("POST", 202)]
    assert run.journal("/omnisend/api/events") == [("POST", 202)]
    assert len(run.klaviyo_events()) == 1 and run.forwarder.resolved_by == Counter({"login": 1})
