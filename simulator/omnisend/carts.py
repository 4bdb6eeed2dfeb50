"""Omnisend carts: a contact's cart and its product lines, and the events they raise.

Rules (sources in docs/omnisend-v3.md):
* the shop names the cart (`cartID`) and each line (`cartProductID`); a taken id is refused;
* a new cart belongs to the contact named by contactID or email (one of them is required); an
  unknown contactID is refused; an unknown email gets a new, not subscribed contact;
* replacing a cart keeps its owner and replaces everything else (a missing createdAt becomes now);
  patching requires currency and cartSum, and adds lines or merges into the lines it names;
* `cartSum` is what the shop says; the line endpoints move it by the change in price x quantity;
* a line added through the line endpoints must be in the cart's currency;
* every added line (or grown quantity) records `added product to cart` (see `recommended`).
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
from dataclasses import dataclass, field

from simulator.errors import AlreadyExists, Invalid, NotFound, Problem, repeated
from simulator.omnisend import recommended, segments
from simulator.omnisend.brand import Brand
from simulator.omnisend.owned import OwnedQuery, within
from simulator.core.records import Records

LINE_REQUIRED = ("product_id", "variant_id", "title", "quantity", "price")  # besides the line id


@dataclass
class CartLine:
    id: str  # cartProductID
    product_id: str | None = None
    variant_id: str | None = None
    title: str | None = None
    quantity: int | None = None
    price: int | None = None  # cents, final (after discount and tax)
    sku: str | None = None
    description: str | None = None
    old_price: int | None = None  # cents
    discount: int | None = None  # cents
    image_url: str | None = None
    url: str | None = None

    @property
    def line_total(self) -> int:
        return (self.price or 0) * (self.quantity or 0)


@dataclass(kw_only=True)
class CartFields:
    """What a cart body gives and a cart keeps alike."""
    currency: str
    total: int  # cartSum, cents
    email: str | None = None
    phone: str | None = None
    recovery_url: str | None = None


@dataclass(kw_only=True)
class CartInput(CartFields):
    """A cart body. `id` and the owner fields are read on create only; `lines` None = not given."""
    id: str | None = None
    contact_id: str | None = None
    lines: list[CartLine] | None = None
    created_at: _dt.datetime | None = None
    updated_at: _dt.datetime | None = None


@dataclass(kw_only=True)
class Cart(CartFields):
    id: str
    seq: int
    contact_id: str
    created_at: _dt.datetime
    updated_at: _dt.datetime
    lines: list[CartLine] = field(default_factory=list)

    def line(self, line_id: str) -> CartLine:
        found = next((line for line in self.lines if line.id == line_id), None)
        if found is None:
            raise NotFound("cart product", line_id)
        return found


@dataclass(kw_only=True)
class CartQuery(OwnedQuery):
    segment_id: str | None = None  # carts of the segment's members (`CartBook.query` looks them up)
    members: frozenset[str] = frozenset()
    created_from: _dt.datetime | None = None
    created_to: _dt.datetime | None = None

    def keeps(self, cart: Cart) -> bool:
        return (super().keeps(cart)
                and (self.segment_id is None or cart.contact_id in self.members)
                and within(cart.created_at, self.created_from, self.created_to))


class CartBook:
    """All carts of one brand, in creation order."""

    def __init__(self, brand: Brand):
        self.brand = brand
        self._carts: Records[Cart] = Records("cart")

    def get(self, cart_id: str) -> Cart:
        return self._carts.get(cart_id)

    def create(self, data: CartInput, now: _dt.datetime) -> Cart:
        self._carts.check_free(data.id)
        problems: list[Problem] = []
        if data.email is None and data.contact_id is None:
            problems.append(Problem("email", "invalid", detail="email or contactID is required"))
        owner = recommended.find_owner(self.brand, data.contact_id, data.email, data.phone, problems)
        problems += _line_problems(data.lines or [], "products")
        if problems:
            raise Invalid(problems)
        contact = recommended.contact_for(self.brand, owner, now)
        cart = self._carts.add(data.id, Cart(
            id=data.id, seq=self._carts.next_seq(), contact_id=contact.id, currency=data.currency,
            total=data.total, created_at=data.created_at or now, updated_at=data.updated_at or now,
            email=data.email or contact.email, phone=data.phone or contact.phone, recovery_url=data.recovery_url,
            lines=list(data.lines or [])))
        recommended.record_added_to_cart(self.brand, cart, cart.lines, now)
        return cart

    def replace(self, cart_id: str, data: CartInput, now: _dt.datetime) -> Cart:
        cart = self.get(cart_id)
        lines = list(data.lines or [])
        problems = _line_problems(lines, "products")
        if problems:
            raise Invalid(problems)
        before = list(cart.lines)
        cart.currency, cart.total, cart.recovery_url, cart.lines = data.currency, data.total, data.recovery_url, lines
        cart.created_at, cart.updated_at = data.created_at or now, data.updated_at or now
        recommended.record_added_to_cart(self.brand, cart, _added(before, cart.lines), now)
        return cart

    def patch(self, cart_id: str, data: CartInput, lines: list[dict] | None, now: _dt.datetime) -> Cart:
        """Set currency, cartSum and the recovery URL (when given); merge `lines` (dicts of CartLine
        fields, `id` required) into the cart's lines: a known id updates that line, a new id adds one."""
        cart = self.get(cart_id)
        merged = [dataclasses.replace(line) for line in cart.lines]
        problems = repeated([changes["id"] for changes in lines or []], "products", "cartProductID")
        for index, changes in enumerate(lines or []):
            current = next((line for line in merged if line.id == changes["id"]), None)
            if current is None:
                merged.append(CartLine(**changes))
                problems += _missing(changes, f"products[{index}]")
            else:
                for name, value in changes.items():
                    setattr(current, name, value)
        if problems:
            raise Invalid(problems)
        before = cart.lines
        cart.currency, cart.total, cart.lines, cart.updated_at = data.currency, data.total, merged, now
        if data.recovery_url is not None:
            cart.recovery_url = data.recovery_url
        recommended.record_added_to_cart(self.brand, cart, _added(before, merged), now)
        return cart

    def delete(self, cart_id: str) -> None:
        self._carts.remove(cart_id)

    # -- lines -----------------------------------------------------------------------------

    def add_line(self, cart_id: str, currency: str, line: CartLine, now: _dt.datetime) -> tuple[Cart, CartLine]:
        cart = self.get(cart_id)
        if any(existing.id == line.id for existing in cart.lines):
            raise AlreadyExists("cart product", line.id)
        _check_currency(cart, currency)
        cart.lines.append(line)
        self._touch(cart, line.line_total, now)
        recommended.record_added_to_cart(self.brand, cart, [line], now)
        return cart, line

    def replace_line(self, cart_id: str, line_id: str, currency: str, line: CartLine,
                     now: _dt.datetime) -> tuple[Cart, CartLine]:
        cart = self.get(cart_id)
        current = cart.line(line_id)
        _check_currency(cart, currency)
        line.id = line_id
        cart.lines[cart.lines.index(current)] = line
        self._touch(cart, line.line_total - current.line_total, now)
        recommended.record_added_to_cart(self.brand, cart, _added([current], [line]), now)
        return cart, line

    def patch_line(self, cart_id: str, line_id: str, currency: str | None, changes: dict,
                   now: _dt.datetime) -> tuple[Cart, CartLine]:
        cart = self.get(cart_id)
        current = cart.line(line_id)
        if currency is not None:
            _check_currency(cart, currency)
        updated = dataclasses.replace(current, **{k: v for k, v in changes.items() if k != "id"})
        return self.replace_line(cart_id, line_id, cart.currency, updated, now)

    def delete_line(self, cart_id: str, line_id: str, now: _dt.datetime) -> None:
        cart = self.get(cart_id)
        current = cart.line(line_id)
        cart.lines.remove(current)
        self._touch(cart, -current.line_total, now)

    # -- queries ---------------------------------------------------------------------------

    def query(self, q: CartQuery, now: _dt.datetime | None = None) -> list[Cart]:
        if q.segment_id is not None:
            q = dataclasses.replace(q, members=segments.members(self.brand, q.segment_id, now))
        return q.select(self._carts)

    @staticmethod
    def _touch(cart: Cart, delta: int, now: _dt.datetime) -> None:
        cart.total = max(0, cart.total + delta)
        cart.updated_at = now


def _line_problems(lines: list[CartLine], where: str) -> list[Problem]:
    return repeated([line.id for line in lines], where, "cartProductID")


V3_NAMES = {"product_id": "productID", "variant_id": "variantID", "title": "title", "quantity": "quantity",
            "price": "price"}


def _missing(changes: dict, where: str) -> list[Problem]:
    """A line added by a patch needs what a new line always needs."""
    return [Problem(f"{where}.{V3_NAMES[name]}", "required") for name in LINE_REQUIRED if changes.get(name) is None]


def _check_currency(cart: Cart, currency: str) -> None:
    if currency != cart.currency:
        raise Invalid([Problem("currency", "invalid",
                               detail=f"'{currency}' differs from the cart's currency '{cart.currency}'")])


def _added(before: list[CartLine], after: list[CartLine]) -> list[CartLine]:
    """Lines of `after` that are new, or whose quantity grew, compared with `before`."""
    old = {line.id: line.quantity or 0 for line in before}
    return [line for line in after if line.id not in old or (line.quantity or 0) > old[line.id]]


def carts_of(brand: Brand) -> CartBook:
    return brand.carts
