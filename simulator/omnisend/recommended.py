"""Omnisend's recommended events: the one place that knows them.

Two halves: the rules the Events API checks a recommended event against (`RULES`, `check`), and how
v3 carts and orders become these events for the automation engine (below the rules).

Events API rules (docs/omnisend-api.md, from Omnisend's events guide): a recommended event is known
by its exact, case-sensitive name; its `eventVersion` must be one of those listed (a missing version
is `""`, the documented version of the cart events); its required properties must be present with the JSON type
listed. Versions the docs leave open follow the one other client that sends them (stape: `v2` for
fulfilled and refunded; `started checkout` takes both `""` and `v2`). Required keys are those the
docs require (`totalPrice` for orders) plus the keys that name what the event is about and its money
(cart: URL, id, currency, value, items; order: id, currency). Any other name is a custom event and
is accepted as sent.

v3 carts and orders as events:

v3 has no event for a cart or an order; Omnisend's automations trigger on its *recommended events*
(the dated line's names and property keys, docs/omnisend-api.md). The sandbox records
the equivalent event whenever a v3 write does what the event says:

| v3 write                                               | event                    |
|--------------------------------------------------------|--------------------------|
| a cart gains a product line, or a line's quantity grows | `added product to cart` (one per line, like stape's one request per item) |
| an order is created                                    | `placed order`           |
| an order's `paymentStatus` becomes `paid`              | `paid for order`         |
| an order's `canceledDate` is set                       | `order canceled`         |
| an order's `fulfillmentStatus` becomes `fulfilled`     | `order fulfilled`        |
| an order's `paymentStatus` becomes `refunded`          | `order refunded`         |

Status events fire on a change, through any write (create, replace or status patch), so a re-sent
status fires nothing. Prices become floats (cents / 100) as on the dated line. Events need a
contact: the one named by contactID, else by email, else by phone; when none exists it is created
from the email and phone, not subscribed (`contact_for`)."""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

from simulator.core.timefmt import iso
from simulator.errors import Problem
from simulator.omnisend.brand import Brand
from simulator.omnisend.contacts import EMAIL, PHONE, Contact, ContactInput, contacts_of

ORIGIN = "api"
ADDED_TO_CART = "added product to cart"
PLACED_ORDER = "placed order"
PAID = "paid for order"
CANCELED = "order canceled"
FULFILLED = "order fulfilled"
REFUNDED = "order refunded"
STARTED_CHECKOUT = "started checkout"
ORDERED_PRODUCT = "ordered product"
VIEWED_PRODUCT = "viewed product"


# -- the Events API's rules ---------------------------------------------------------------------

@dataclass(frozen=True)
class Rule:
    versions: tuple[str, ...]  # accepted eventVersion values ("" = none sent)
    required: dict[str, str]  # property -> JSON type


_CART = {"abandonedCheckoutURL": "string", "cartID": "string", "currency": "string", "value": "number",
         "lineItems": "array"}
_ORDER = {"orderID": "string", "currency": "string", "totalPrice": "number"}
RULES: dict[str, Rule] = {
    ADDED_TO_CART: Rule(("",), {**_CART, "addedItem": "object"}),
    STARTED_CHECKOUT: Rule(("", "v2"), _CART),
    PLACED_ORDER: Rule(("v2",), _ORDER),
    PAID: Rule(("v2",), _ORDER),
    CANCELED: Rule(("v2",), _ORDER),
    FULFILLED: Rule(("v2",), _ORDER),
    REFUNDED: Rule(("v2",), _ORDER),
    ORDERED_PRODUCT: Rule(("v2",), {"orderID": "string", "product": "object"}),
    VIEWED_PRODUCT: Rule(("v4",), {"product": "object"}),
}
_JSON_TYPES = {"string": str, "number": (int, float), "array": list, "object": dict}


def is_recommended(name: str | None) -> bool:
    return name in RULES


def check(name: str, version: str | None, properties: dict) -> list[Problem]:
    """Every way an event breaks its recommended-event rule (none for a custom event)."""
    rule = RULES.get(name)
    if rule is None:
        return []
    problems = []
    version = version or ""
    if version not in rule.versions:
        if version == "":
            problems.append(Problem("eventVersion", "required",
                                    detail=f"eventVersion is required for '{name}': {' or '.join(rule.versions)}"))
        else:
            problems.append(Problem("eventVersion", "enum", expected=list(rule.versions), got=version))
    for key, kind in rule.required.items():
        value = properties.get(key)
        if value is None:
            problems.append(Problem(f"properties.{key}", "required"))
        elif not isinstance(value, _JSON_TYPES[kind]) or isinstance(value, bool):
            problems.append(Problem(f"properties.{key}", "type", expected=kind, got=type(value).__name__))
    return problems


def money(cents: int | None) -> float | None:
    return None if cents is None else cents / 100


def _compact(values: dict) -> dict:
    return {k: v for k, v in values.items() if v is not None and v != [] and v != {}}


# -- who the event is about -----------------------------------------------------------------

@dataclass
class Owner:
    """The contact a cart or order belongs to: found now, or to be created when it is stored."""
    contact: Contact | None
    email: str | None
    phone: str | None


def find_owner(brand: Brand, contact_id: str | None, email: str | None, phone: str | None,
               problems: list[Problem]) -> Owner:
    """Look the contact up (contactID, then email, then phone); add to `problems` what makes that
    impossible. Nothing is created here: `contact_for` does that once the whole write is valid."""
    book = contacts_of(brand)
    if email is not None and not EMAIL.match(email):
        problems.append(Problem("email", "format", expected="email", got=email))
    if phone is not None and not PHONE.match(phone):
        problems.append(Problem("phone", "format", expected="phone", got=phone))
    contact = None
    if contact_id is not None:
        contact = book.find(contact_id=contact_id)
        if contact is None:
            problems.append(Problem("contactID", "invalid", detail=f"contact {contact_id} not found"))
    else:
        contact = book.find(email=email, phone=phone)
    return Owner(contact, email, phone)


def contact_for(brand: Brand, owner: Owner, now: _dt.datetime) -> Contact:
    """The owner's contact, created (not subscribed) from its email and phone when it is new."""
    if owner.contact is not None:
        return owner.contact
    identifiers = [{"type": kind, "id": value, "status": "nonSubscribed"}
                   for kind, value in (("email", owner.email), ("phone", owner.phone)) if value]
    contact, _ = contacts_of(brand).create_or_update(ContactInput(identifiers=identifiers), now)
    return contact


# -- carts ----------------------------------------------------------------------------------

def cart_line_item(line) -> dict:
    """A cart line (`simulator.omnisend.carts.CartLine`) as a dated-line line item."""
    return _compact({
        "productID": line.product_id, "productTitle": line.title, "productPrice": money(line.price),
        "productQuantity": line.quantity, "productVariantID": line.variant_id, "productSKU": line.sku,
        "productDescription": line.description, "productDiscount": money(line.discount),
        "productStrikeThroughPrice": money(line.old_price), "productImageURL": line.image_url,
        "productURL": line.url,
    })


def record_added_to_cart(brand: Brand, cart, added: list, now: _dt.datetime) -> None:
    """One `added product to cart` per added line, each carrying the whole cart as it now is."""
    line_items = [cart_line_item(line) for line in cart.lines]
    for line in added:
        properties = _compact({
            "abandonedCheckoutURL": cart.recovery_url or "", "cartID": cart.id, "currency": cart.currency,
            "value": money(cart.total), "addedItem": cart_line_item(line), "lineItems": line_items,
        })
        brand.record_event(cart.contact_id, ADDED_TO_CART, ORIGIN, properties, now)


# -- orders ---------------------------------------------------------------------------------

def order_line_item(line) -> dict:
    """An order line (`simulator.omnisend.orders.OrderLine`) as a dated-line line item."""
    return _compact({
        "productID": line.product_id, "productTitle": line.title, "productPrice": money(line.price),
        "productQuantity": line.quantity, "productVariantID": line.variant_id,
        "productVariantTitle": line.variant_title, "productSKU": line.sku, "productVendor": line.vendor,
        "productDiscount": money(line.discount), "productWeight": line.weight,
        "productImageURL": line.image_url, "productURL": line.url, "productTags": list(line.tags or []),
        "productCategories": [{"id": c} for c in line.category_ids or []],
    })


def _address(address: dict | None) -> dict | None:
    if not address:
        return None
    return _compact({
        "firstName": address.get("firstName"), "lastName": address.get("lastName"),
        "company": address.get("company"), "phone": address.get("phone"), "country": address.get("country"),
        "countryCode": address.get("countryCode"), "state": address.get("state"),
        "stateCode": address.get("stateCode"), "city": address.get("city"),
        "address1": address.get("address"), "address2": address.get("address2"), "zip": address.get("postalCode"),
    })


def order_properties(order) -> dict:
    """An order (`simulator.omnisend.orders.Order`) in the dated line's order-event keys."""
    discounts = None
    if order.discount_code or order.discount_value is not None:
        discounts = [_compact({"code": order.discount_code, "amount": money(order.discount_value),
                               "type": order.discount_type})]
    return _compact({
        "orderID": order.id, "orderNumber": order.number, "createdAt": iso(order.created_at),
        "currency": order.currency, "totalPrice": money(order.total), "subTotalPrice": money(order.subtotal),
        "subTotalTaxIncluded": order.subtotal_tax_included, "totalTax": money(order.tax_total),
        "totalDiscount": money(order.discount_total), "shippingPrice": money(order.shipping_total),
        "shippingMethod": order.shipping_method, "paymentMethod": order.payment_method,
        "paymentStatus": order.payment_status, "fulfillmentStatus": order.fulfillment_status,
        "orderStatusURL": order.url, "note": order.note, "tags": list(order.tags or []),
        "discounts": discounts, "lineItems": [order_line_item(line) for line in order.lines],
        "billingAddress": _address(order.billing_address), "shippingAddress": _address(order.shipping_address),
    })


def order_status_events(before, after) -> list[str]:
    """The status events a write fires: what `after` became that `before` (None: new) was not."""
    def was(attr):
        return getattr(before, attr) if before is not None else None

    names = []
    if after.payment_status == "paid" and was("payment_status") != "paid":
        names.append(PAID)
    if after.canceled_at is not None and was("canceled_at") is None:
        names.append(CANCELED)
    if after.fulfillment_status == "fulfilled" and was("fulfillment_status") != "fulfilled":
        names.append(FULFILLED)
    if after.payment_status == "refunded" and was("payment_status") != "refunded":
        names.append(REFUNDED)
    return names


def record_order_events(brand: Brand, order, names: list[str], now: _dt.datetime) -> None:
    properties = order_properties(order)
    for name in names:
        extra = {}
        if name == CANCELED:
            extra = _compact({"cancelReason": order.cancel_reason, "canceledAt": iso(order.canceled_at)})
        elif name == FULFILLED:
            tracking = _compact({"code": order.tracking_code, "courierTitle": order.courier_title,
                                 "courierURL": order.courier_url})
            extra = {"tracking": tracking} if tracking else {}
        brand.record_event(order.contact_id, name, ORIGIN, {**properties, **extra}, now)
