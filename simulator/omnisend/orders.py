"""Omnisend orders: what a contact bought, its payment and fulfilment status, and the events they raise.

Rules (sources in docs/omnisend-v3.md):
* the shop names the order (`orderID`); a taken id is refused;
* a new order belongs to the contact named by contactID, email or phone (one is required); an
  unknown contactID is refused; an unknown email/phone gets a new, not subscribed contact;
* replacing an order keeps its owner and replaces everything else;
* the status patch changes only tracking, courier, payment/fulfilment status, cancellation and cartID;
* creating records `placed order`; a status that changes records its event (see `recommended`).
"""
from __future__ import annotations

import copy
import datetime as _dt
from dataclasses import dataclass, field

from simulator.errors import Invalid, Problem
from simulator.omnisend import recommended
from simulator.omnisend.brand import Brand
from simulator.omnisend.owned import OwnedQuery
from simulator.core.records import Records

# Omnisend's order statuses (its v3 orders guide; the spec types them as free strings)
PAYMENT_STATUSES = ("awaitingPayment", "partiallyPaid", "paid", "partiallyRefunded", "refunded", "voided")
FULFILLMENT_STATUSES = ("unfulfilled", "inProgress", "fulfilled", "delivered", "restocked")
STATUS_FIELDS = ("tracking_code", "courier_title", "courier_url", "payment_status", "canceled_at",
                 "cancel_reason", "fulfillment_status", "cart_id")  # what the status patch may change


@dataclass
class OrderLine:
    product_id: str
    variant_id: str
    title: str
    quantity: int
    price: int  # cents, final
    sku: str | None = None
    variant_title: str | None = None
    vendor: str | None = None
    discount: int | None = None  # cents
    weight: int | None = None
    image_url: str | None = None
    url: str | None = None
    category_ids: list[str] | None = None
    tags: list[str] | None = None


@dataclass
class OrderDetails:
    """Everything a create or replace body sets, owner and id aside (money in cents)."""
    currency: str
    total: int  # orderSum
    created_at: _dt.datetime
    updated_at: _dt.datetime | None = None
    number: int | None = None
    cart_id: str | None = None
    shipping_method: str | None = None
    tracking_code: str | None = None
    courier_title: str | None = None
    courier_url: str | None = None
    url: str | None = None  # orderUrl
    source: str | None = None
    tags: list[str] | None = None
    discount_code: str | None = None
    discount_value: int | None = None
    discount_type: str | None = None
    subtotal: int | None = None
    subtotal_tax_included: bool | None = None
    discount_total: int | None = None
    tax_total: int | None = None
    shipping_total: int | None = None
    canceled_at: _dt.datetime | None = None
    cancel_reason: str | None = None
    payment_method: str | None = None
    payment_status: str | None = None
    fulfillment_status: str | None = None
    note: str | None = None  # contactNote
    billing_address: dict | None = None
    shipping_address: dict | None = None
    lines: list[OrderLine] = field(default_factory=list)


@dataclass(kw_only=True)
class Order(OrderDetails):
    id: str
    seq: int
    contact_id: str
    email: str | None = None
    phone: str | None = None


@dataclass(kw_only=True)
class OrderQuery(OwnedQuery):
    cart_id: str | None = None
    payment_status: str | None = None
    fulfillment_status: str | None = None

    def keeps(self, order: Order) -> bool:
        return (super().keeps(order)
                and (self.cart_id is None or order.cart_id == self.cart_id)
                and (self.payment_status is None or order.payment_status == self.payment_status)
                and (self.fulfillment_status is None or order.fulfillment_status == self.fulfillment_status))


class OrderBook:
    """All orders of one brand, in creation order."""

    def __init__(self, brand: Brand):
        self.brand = brand
        self._orders: Records[Order] = Records("order")

    def get(self, order_id: str) -> Order:
        return self._orders.get(order_id)

    def create(self, order_id: str, details: OrderDetails, now: _dt.datetime, email: str | None = None,
               phone: str | None = None, contact_id: str | None = None) -> Order:
        self._orders.check_free(order_id)
        problems: list[Problem] = []
        if email is None and phone is None and contact_id is None:
            problems.append(Problem("email", "invalid", detail="email, phone or contactID is required"))
        owner = recommended.find_owner(self.brand, contact_id, email, phone, problems)
        problems += _status_problems(details)
        if problems:
            raise Invalid(problems)
        contact = recommended.contact_for(self.brand, owner, now)
        order = Order(**_fields(details), id=order_id, seq=self._orders.next_seq(), contact_id=contact.id,
                      email=email or contact.email, phone=phone or contact.phone)
        order.updated_at = details.updated_at or now
        self._orders.add(order_id, order)
        recommended.record_order_events(self.brand, order, [recommended.PLACED_ORDER], now)
        recommended.record_order_events(self.brand, order, recommended.order_status_events(None, order), now)
        return order

    def replace(self, order_id: str, details: OrderDetails, now: _dt.datetime) -> Order:
        order = self.get(order_id)
        problems = _status_problems(details)
        if problems:
            raise Invalid(problems)
        before = copy.copy(order)
        for name, value in _fields(details).items():
            setattr(order, name, value)
        order.updated_at = details.updated_at or now
        recommended.record_order_events(self.brand, order, recommended.order_status_events(before, order), now)
        return order

    def update_status(self, order_id: str, changes: dict, now: _dt.datetime) -> Order:
        """Apply `changes` (names from STATUS_FIELDS) and record the events the change fires."""
        order = self.get(order_id)
        unknown = sorted(set(changes) - set(STATUS_FIELDS))
        if unknown:
            raise ValueError(f"not a status field: {unknown}")
        candidate = copy.copy(order)
        for name, value in changes.items():
            setattr(candidate, name, value)
        problems = _status_problems(candidate)
        if problems:
            raise Invalid(problems)
        before = copy.copy(order)
        for name, value in changes.items():
            setattr(order, name, value)
        order.updated_at = now
        recommended.record_order_events(self.brand, order, recommended.order_status_events(before, order), now)
        return order

    def delete(self, order_id: str) -> None:
        self._orders.remove(order_id)

    def query(self, q: OrderQuery) -> list[Order]:
        return q.select(self._orders)


def _fields(details: OrderDetails) -> dict:
    """The OrderDetails fields of `details`, copied (lines and addresses are not shared)."""
    return {name: copy.deepcopy(getattr(details, name)) for name in OrderDetails.__dataclass_fields__}


def _status_problems(details: OrderDetails) -> list[Problem]:
    problems = []
    if details.payment_status is not None and details.payment_status not in PAYMENT_STATUSES:
        problems.append(Problem("paymentStatus", "enum", expected=list(PAYMENT_STATUSES), got=details.payment_status))
    if details.fulfillment_status is not None and details.fulfillment_status not in FULFILLMENT_STATUSES:
        problems.append(Problem("fulfillmentStatus", "enum", expected=list(FULFILLMENT_STATUSES),
                                got=details.fulfillment_status))
    return problems


def orders_of(brand: Brand) -> OrderBook:
    return brand.orders
