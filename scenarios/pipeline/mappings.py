"""The one place that knows the mappings: a pixel event and its person -> the requests each API gets.

Seeds 000 and 002 (Upstack -> Omnisend, Klaviyo) give the event table:

| pixel            | Klaviyo metric   | Omnisend recommended event (dated API) | Omnisend v3                |
|------------------|------------------|----------------------------------------|----------------------------|
| ViewContent      | Viewed Product   | `viewed product` v4                    | none: filtered             |
| AddToCart        | Added to Cart    | `added product to cart`                | the cart (POST, then PUT)  |
| InitiateCheckout | Started Checkout | `started checkout`                     | none: filtered             |
| Purchase         | Placed Order     | `placed order` v2                      | the order (POST)           |

PageView is never forwarded (the seeds map no page views). Every request carries what makes it
safe to send twice: Klaviyo's `unique_id` and Omnisend's `eventID` come from the pixel event id,
the cart id from the session (`cart_id`) and the v3 order id from the order. Options per destination:
`metric_suffix` (Klaviyo, e.g. " - Upstack Data"), `list_id` (Klaviyo: every person joins the list
once), `currency` (ISO 4217, default USD: the pixel reports amounts without one), and `holdout`
with `holdout_seed` (Klaviyo: the share of people whose profile is marked held out, see
scenarios/holdout.py; the runner sets them from an arm's `holdout`).

Why each API's calls are what they are is on its class."""
from __future__ import annotations

import hashlib
import uuid
from typing import Callable
from urllib.parse import quote

import httpx

from simulator.scenarios import holdout
from simulator.scenarios.forwarder import Destination
from simulator.scenarios.model import ADD_TO_CART, INITIATE_CHECKOUT, PURCHASE, VIEW_CONTENT, PixelEvent
from simulator.scenarios.pipeline.delivery import Call
from simulator.scenarios.pipeline.identity import Profile

KLAVIYO_REVISION = "2025-10-15"  # pinned, as an integration is; served until 2027-10 (revisions live two years)
OMNISEND_VERSION = "2026-03-15"
KLAVIYO_METRICS = {VIEW_CONTENT: "Viewed Product", ADD_TO_CART: "Added to Cart",
                   INITIATE_CHECKOUT: "Started Checkout", PURCHASE: "Placed Order"}
OMNISEND_EVENTS = {VIEW_CONTENT: ("viewed product", "v4"), ADD_TO_CART: ("added product to cart", ""),
                   INITIATE_CHECKOUT: ("started checkout", ""), PURCHASE: ("placed order", "v2")}
EVENT_IDS = uuid.UUID("6f1c2b0e-58d4-4c41-9a52-2f0b5a3e7d10")  # namespace of the Omnisend eventIDs
OPTIONS = {"klaviyo": {"metric_suffix", "list_id", "currency", "holdout", "holdout_seed"}, "omnisend-api": {"currency"},
           "omnisend-v3": {"currency"}}


def mapping_for(destination: Destination, iso: Callable[[int], str]):
    """The destination's mapping, its options checked once."""
    api = destination.api
    if api not in OPTIONS:
        raise ValueError(f"{destination.name}: api is one of {sorted(OPTIONS)}, not {api!r}")
    unknown = sorted(set(destination.options) - OPTIONS[api])
    if unknown:
        raise ValueError(f"{destination.name}: unknown options {unknown} for {api}; known: {sorted(OPTIONS[api])}")
    return {"klaviyo": KlaviyoMapping, "omnisend-api": OmnisendApiMapping, "omnisend-v3": OmnisendV3Mapping}[api](
        destination, iso)


class Mapping:
    """What every API's mapping shares: where it sends, with which headers, in which currency."""

    skips: dict[str, str] = {}  # pixel event name -> why this API takes no request for it

    def __init__(self, destination: Destination, iso: Callable[[int], str], headers: dict):
        self.api = destination.api
        self.base = destination.base_url.rstrip("/")
        self.iso = iso
        self.currency = destination.options.get("currency", "USD")
        self.headers = headers

    def call(self, method: str, path: str, json: dict | None = None, follow=None, url: str | None = None) -> Call:
        """A request to `path` (as the docs write it; `url` when the real one names a record)."""
        return Call(method, f"{self.api} {method} {path}", url or self.base + path, json, follow)


class KlaviyoMapping(Mapping):
    """`POST /api/events` per event: the seeds' metric (plus `metric_suffix`) and key properties in
    Klaviyo's own spelling (line items as its Started Checkout guide and RudderStack name them), the
    money as `value` (Klaviyo shows it as `$value`; a product view has none), the person as the
    event's profile (email, names, city and region). With `list_id`, each person first goes through
    `POST /api/profile-import` (the id it answers) and `POST /api/lists/{id}/relationships/profiles`:
    a list add that records no consent, unlike subscribing."""

    def __init__(self, destination: Destination, iso: Callable[[int], str]):
        super().__init__(destination, iso, {"Authorization": f"Klaviyo-API-Key {destination.key}",
                                            "revision": KLAVIYO_REVISION, "Accept": "application/vnd.api+json"})
        suffix = destination.options.get("metric_suffix", "")
        self.metrics = {name: {"data": {"type": "metric", "attributes": {"name": metric + suffix}}}
                        for name, metric in KLAVIYO_METRICS.items()}
        self.list_id = destination.options.get("list_id")
        self.holdout = (destination.options.get("holdout", 0.0), destination.options.get("holdout_seed", 0))
        self._profiles: dict[str, dict] = {}  # person key -> profile attributes
        self._listed: set[str] = set()  # person keys added to the list

    def calls(self, event: PixelEvent, profile: Profile) -> list[Call]:
        person = self._profile(profile)
        calls = []
        if self.list_id is not None and profile.key not in self._listed:
            self._listed.add(profile.key)
            calls.append(self.call("POST", "/profile-import", {"data": person}, follow=self._add_to_list))
        properties, value = _klaviyo_properties(event)
        attributes = {"properties": properties, "time": self.iso(event.at), "unique_id": event.id,
                      "metric": self.metrics[event.name], "profile": {"data": person}}
        if value is not None:
            attributes["value"] = value
            attributes["value_currency"] = self.currency
        calls.append(self.call("POST", "/events", {"data": {"type": "event", "attributes": attributes}}))
        return calls

    def _profile(self, profile: Profile) -> dict:
        person = self._profiles.get(profile.key)
        if person is None:
            location = _compact({"city": profile.city, "region": profile.region})
            held = holdout.held_out(profile.email, *self.holdout)
            attributes = _compact({"email": profile.email, "first_name": profile.first_name,
                                   "last_name": profile.last_name, "location": location or None,
                                   "properties": {holdout.PROPERTY: True} if held else None})
            person = self._profiles[profile.key] = {"type": "profile", "attributes": attributes}
        return person

    def _add_to_list(self, response: httpx.Response) -> Call | None:
        if response.status_code not in (200, 201):
            return None
        members = {"data": [{"type": "profile", "id": response.json()["data"]["id"]}]}
        return self.call("POST", "/lists/{id}/relationships/profiles", members,
                         url=f"{self.base}/lists/{self.list_id}/relationships/profiles")


class OmnisendApiMapping(Mapping):
    """The dated API: the first time a person goes to the brand, `POST /api/contacts` (an upsert by
    email; no channel status is sent, so a new contact is not subscribed and a known one keeps its
    status), then `POST /api/events` with Omnisend's recommended name, version and required
    properties (floats, not cents), `eventTime` the capture time and `eventID` a UUID made from the
    pixel event id (Omnisend takes only UUIDs there)."""

    def __init__(self, destination: Destination, iso: Callable[[int], str]):
        super().__init__(destination, iso, {"Authorization": f"Omnisend-API-Key {destination.key}",
                                            "Omnisend-Version": OMNISEND_VERSION})
        self._contacts: set[str] = set()  # person keys upserted

    def calls(self, event: PixelEvent, profile: Profile) -> list[Call]:
        calls = []
        if profile.key not in self._contacts:
            self._contacts.add(profile.key)
            contact = _compact({"identifiers": [{"type": "email", "id": profile.email}],
                                "firstName": profile.first_name, "lastName": profile.last_name,
                                "city": profile.city, "state": profile.region})
            calls.append(self.call("POST", "/contacts", contact))
        name, version = OMNISEND_EVENTS[event.name]
        body = {"eventName": name, "eventID": str(uuid.uuid5(EVENT_IDS, event.id)), "eventTime": self.iso(event.at),
                "contact": _compact({"email": profile.email, "firstName": profile.first_name,
                                     "lastName": profile.last_name}),
                "properties": self._properties(event)}
        if version:
            body["eventVersion"] = version
        calls.append(self.call("POST", "/events", body))
        return calls

    def _properties(self, event: PixelEvent) -> dict:
        p = event.properties
        if event.name == VIEW_CONTENT:
            product = {"id": p.get("product_id"), "title": p.get("product_name"), "price": p.get("price"),
                       "currency": self.currency, "imageUrl": p.get("image_url"), "url": p.get("url"),
                       "categories": [{"id": p["category"], "title": p["category"]}] if p.get("category") else None}
            return {"product": _compact(product)}
        if event.name == PURCHASE:
            return _compact({"orderID": p.get("order_id"), "currency": self.currency, "totalPrice": p.get("revenue"),
                             "createdAt": self.iso(event.at),
                             "lineItems": [_line_item(i) for i in p.get("items") or ()],
                             "discounts": [{"code": code} for code in p.get("discount_codes") or ()]})
        cart = {"abandonedCheckoutURL": p.get("checkout_url"), "cartID": cart_id(event), "currency": self.currency,
                "value": p.get("cart_value"), "lineItems": [_line_item(i) for i in p.get("items") or ()]}
        if event.name == ADD_TO_CART:
            cart["addedItem"] = _line_item(p)
        return _compact(cart)


class OmnisendV3Mapping(Mapping):
    """v3 has no event for a product view, a cart or an order: it has carts and orders, and Omnisend
    turns their writes into its recommended events ("added product to cart" per new or grown line,
    "placed order"), so that is what the pipeline writes. AddToCart sends the whole cart (one per
    session, `cart_id`): `POST /v3/carts` the first time, `PUT /v3/carts/{id}` after (a replace, so a
    re-send adds nothing); a create that finds the cart there already becomes that PUT, as Omnisend's
    PHP SDK does. Purchase is `POST /v3/orders` (or its PUT, the same way), linked to the session's
    cart, with the first discount code (v3 takes one). Amounts in cents.

    No v3 equivalent, so filtered: ViewContent ("viewed product" exists only on the dated line and
    Omnisend's JS) and InitiateCheckout (no started-checkout write on v3). The legacy custom events
    of v3 are not used for them: they would reach automations under a custom name, not as the
    recommended events Omnisend's own abandonment presets listen for.

    The person: v3's `POST /contacts` overwrites a channel's status (its default is subscribed), so
    the first time a person goes to the brand the pipeline looks them up (`GET /v3/contacts?email=`)
    and PATCHes the names of a known contact, else creates them not subscribed."""

    skips = {VIEW_CONTENT: "omnisend-v3 has no viewed-product write (only the dated API and Omnisend's JS have it)",
             INITIATE_CHECKOUT: "omnisend-v3 has no started-checkout write (its carts come from AddToCart)"}

    def __init__(self, destination: Destination, iso: Callable[[int], str]):
        super().__init__(destination, iso, {"X-API-KEY": destination.key})
        self._contacts: set[str] = set()  # person keys looked up or created
        self._carts: set[str] = set()  # cart ids the brand holds

    def calls(self, event: PixelEvent, profile: Profile) -> list[Call]:
        calls = []
        if profile.key not in self._contacts:
            self._contacts.add(profile.key)
            calls.append(self.call("GET", "/contacts?email=", url=f"{self.base}/contacts?email={quote(profile.email)}",
                                   follow=lambda response: self._contact(response, profile)))
        p = event.properties
        cart = cart_id(event)
        if event.name == ADD_TO_CART:
            body = _compact({"currency": self.currency, "cartSum": _cents(p.get("cart_value")),
                             "cartRecoveryUrl": p.get("checkout_url"),
                             "products": [_cart_line(i) for i in p.get("items") or ()]})
            if cart in self._carts:
                calls.append(self.call("PUT", "/carts/{cartID}", body, url=f"{self.base}/carts/{cart}"))
            else:
                calls.append(self._create("carts", cart, body, {"cartID": cart, "email": profile.email,
                                                                "createdAt": self.iso(event.at)}))
        else:
            codes = p.get("discount_codes") or ()
            body = _compact({"currency": self.currency, "orderSum": _cents(p.get("revenue")),
                             "createdAt": self.iso(event.at), "discountCode": codes[0] if codes else None,
                             "cartID": cart if cart in self._carts else None,
                             "products": [_order_line(i) for i in p.get("items") or ()]})
            calls.append(self._create("orders", p.get("order_id"), body, {"orderID": p.get("order_id"),
                                                                          "email": profile.email}))
        return calls

    def _create(self, kind: str, record_id: str, body: dict, identity: dict) -> Call:
        """POST the record; when the brand already holds it (an earlier send whose answer was lost, or
        a later event's send that overtook a retried one), PUT the same body: PUT takes no ids."""
        def follow(response: httpx.Response) -> Call | None:
            if response.status_code == 400 and "already exists" in response.text:
                return self.call("PUT", f"/{kind}/{{{kind[:-1]}ID}}", body, follow=held,
                                 url=f"{self.base}/{kind}/{quote(record_id, safe='')}")
            return held(response)

        def held(response: httpx.Response) -> None:
            if kind == "carts" and response.status_code == 200:
                self._carts.add(record_id)

        return self.call("POST", f"/{kind}", {**identity, **body}, follow=follow)

    def _contact(self, response: httpx.Response, profile: Profile) -> Call | None:
        if response.status_code != 200:
            return None
        names = _compact({"firstName": profile.first_name, "lastName": profile.last_name, "city": profile.city,
                          "state": profile.region})
        found = response.json()["contacts"]
        if found:
            return self.call("PATCH", "/contacts/{contactID}", names,
                             url=f"{self.base}/contacts/{found[0]['contactID']}") if names else None
        identifier = {"type": "email", "id": profile.email, "channels": {"email": {"status": "nonSubscribed"}}}
        return self.call("POST", "/contacts", {"identifiers": [identifier], **names})


def cart_id(event: PixelEvent) -> str:
    """The session's cart, as both Omnisend lines name it: the pixel reports no cart id, and a session
    id may hold characters a URL path cannot carry."""
    return "cart-" + hashlib.blake2b(event.session_id.encode(), digest_size=8).hexdigest()


def _klaviyo_properties(event: PixelEvent) -> tuple[dict, float | None]:
    """The metric's properties and its value (None for a product view)."""
    p = event.properties
    if event.name == VIEW_CONTENT:
        return _compact({"ProductName": p.get("product_name"), "ProductID": p.get("product_id"),
                         "Price": p.get("price"), "ImageURL": p.get("image_url"), "URL": p.get("url"),
                         "Categories": [p["category"]] if p.get("category") else None}), None
    items = p.get("items") or ()
    lines = [_klaviyo_item(i) for i in items]
    names = [i.get("product_name") for i in items]
    if event.name == ADD_TO_CART:
        return _compact({"ProductName": p.get("product_name"), "ProductID": p.get("product_id"),
                         "Price": p.get("price"), "ImageURL": p.get("image_url"), "URL": p.get("url"),
                         "Quantity": p.get("quantity"), "CartValue": p.get("cart_value"),
                         "CheckoutURL": p.get("checkout_url"), "Items": lines, "ItemNames": names}), p.get("cart_value")
    if event.name == INITIATE_CHECKOUT:
        return _compact({"CartValue": p.get("cart_value"), "ItemCount": p.get("item_count"),
                         "CheckoutURL": p.get("checkout_url"), "Items": lines, "ItemNames": names}), p.get("cart_value")
    return _compact({"OrderID": p.get("order_id"), "Revenue": p.get("revenue"), "Items": lines, "ItemNames": names,
                     "DiscountCodes": list(p.get("discount_codes") or ())}), p.get("revenue")


def _klaviyo_item(item: dict) -> dict:
    price, quantity = item.get("price"), item.get("quantity")
    return _compact({"ProductID": item.get("product_id"), "ProductName": item.get("product_name"),
                     "Quantity": quantity, "ItemPrice": price,
                     "RowTotal": round(price * quantity, 2) if price is not None and quantity else None,
                     "ProductURL": item.get("url"), "ImageURL": item.get("image_url"),
                     "ProductCategories": [item["category"]] if item.get("category") else None})


def _line_item(item: dict) -> dict:
    """A product as an Omnisend dated-line line item (the pixel knows no variants: the product is one)."""
    return _compact({"productID": item.get("product_id"), "productVariantID": item.get("product_id"),
                     "productTitle": item.get("product_name"), "productPrice": item.get("price"),
                     "productQuantity": item.get("quantity"), "productURL": item.get("url"),
                     "productImageURL": item.get("image_url"),
                     "productCategories": [{"id": item["category"], "title": item["category"]}]
                     if item.get("category") else None})


def _cart_line(item: dict) -> dict:
    return _compact({"cartProductID": item.get("product_id"), "productID": item.get("product_id"),
                     "variantID": item.get("product_id"), "title": item.get("product_name"),
                     "quantity": item.get("quantity"), "price": _cents(item.get("price")),
                     "imageUrl": item.get("image_url"), "productUrl": item.get("url")})


def _order_line(item: dict) -> dict:
    return _compact({"productID": item.get("product_id"), "variantID": item.get("product_id"),
                     "title": item.get("product_name"), "quantity": item.get("quantity"),
                     "price": _cents(item.get("price")), "imageUrl": item.get("image_url"),
                     "productUrl": item.get("url")})


def _cents(amount: float | None) -> int | None:
    return None if amount is None else round(amount * 100)


def _compact(values: dict) -> dict:
    """Without the absent values: Klaviyo's profile-import would clear a field sent as null."""
    return {k: v for k, v in values.items() if v is not None and v != []}
