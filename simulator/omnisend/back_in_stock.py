"""Back-in-stock alerts: who asked to hear when a product variant is available again, and the restock rule.

Omnisend collects these subscriptions with its on-site form (no public API); the sandbox takes them
through `POST /_sim/omnisend/back-in-stock-subscriptions`. Rules (choices in docs/automations.md):
* a variant is in stock when its own status (else its product's) is `inStock`;
* `restocked` is the one rule every product write calls: each variant that goes from not in stock to
  in stock fires `product back in stock` for each contact subscribed to it, once; the subscription
  is then used up (a new one is needed to hear of the next restock);
* subscribing names an existing product and variant; an unknown email becomes a contact
  (`nonSubscribed`), as the form would make one."""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from simulator.errors import NotFound
from simulator.omnisend.brand import Brand
from simulator.omnisend.contacts import ContactInput, contacts_of

if TYPE_CHECKING:  # the catalog calls `restocked` on every product write
    from simulator.omnisend.catalog import Product, Variant

IN_STOCK = "inStock"


@dataclass
class Subscription:
    contact_id: str
    product_id: str
    variant_id: str
    created_at: _dt.datetime


def no_subscriptions(brand: Brand) -> list[Subscription]:
    """A brand's back-in-stock part as first made (core/tenant.py)."""
    return []


def subscriptions_of(brand: Brand) -> list[Subscription]:
    return brand.back_in_stock


def in_stock(product: "Product", variant: "Variant") -> bool:
    return (variant.status or product.status) == IN_STOCK


def stock_of(product: "Product") -> dict[str, bool]:
    """Variant id -> in stock, to hand to `restocked` after the write."""
    return {v.id: in_stock(product, v) for v in product.variants}


def subscribe(brand: Brand, email: str, product: "Product", variant_id: str, now: _dt.datetime) -> Subscription:
    if not any(v.id == variant_id for v in product.variants):
        raise NotFound("variant", variant_id)
    book = contacts_of(brand)
    contact = book.find(email=email) or book.create_or_update(
        ContactInput(identifiers=[{"type": "email", "id": email}]), now)[0]
    subscription = Subscription(contact.id, product.id, variant_id, now)
    subscriptions_of(brand).append(subscription)
    return subscription


def restocked(brand: Brand, before: dict[str, bool], product: "Product") -> None:
    """After a product write: notify (and drop) the subscriptions of each variant now back in stock."""
    back = {v.id: v for v in product.variants if in_stock(product, v) and before.get(v.id) is False}
    if not back:
        return
    subscriptions = subscriptions_of(brand)
    due = [s for s in subscriptions if s.product_id == product.id and s.variant_id in back]
    subscriptions[:] = [s for s in subscriptions if s not in due]
    for subscription in due:
        variant = back[subscription.variant_id]
        price = variant.price
        properties = {"productID": product.id, "productTitle": product.title, "productURL": variant.url or product.url,
                      "variantID": variant.id, "productVariantTitle": variant.title, "currency": product.currency,
                      "productPrice": price / 100 if price is not None else None,
                      "productImageURL": next((i.url for i in product.images if i.is_default), None)
                      or next((i.url for i in product.images), None)}
        if brand.runtime is not None:
            brand.runtime.triggers.back_in_stock(brand, subscription.contact_id, properties)
