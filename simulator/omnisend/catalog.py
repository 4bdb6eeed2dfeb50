"""Omnisend products and categories: the store's catalog, keyed by the ids the shop gives them.

Rules (sources in docs/omnisend-v3.md):
* the shop names every product and category (`productID`, `categoryID`); creating a taken id is
  refused, so a client falls back to replacing it (php-sdk `push()`, the WooCommerce plugin);
* a v3 product has at least one variant (the dated line's may have none) and at most 10 images;
  variant ids are unique in a product;
* replacing keeps only what the new body gives: a field left out is gone, and a missing `createdAt`
  becomes now; except `variants`, which a replace may leave out (the product keeps its own);
* category ids a product names and image/variant cross-references are kept as given, unchecked;
* a replace that brings a variant back in stock alerts its subscribers (`back_in_stock.restocked`).
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
from dataclasses import dataclass, field

from simulator.errors import Invalid, Problem, repeated
from simulator.omnisend.back_in_stock import restocked, stock_of
from simulator.omnisend.brand import Brand
from simulator.core.records import Records

STATUSES = ("inStock", "outOfStock", "notAvailable")
MAX_IMAGES = 10


@dataclass
class Variant:
    id: str
    title: str
    status: str | None = None
    price: int | None = None  # cents
    sku: str | None = None
    old_price: int | None = None  # cents
    url: str | None = None
    image_id: str | None = None
    extras: dict = field(default_factory=dict)  # the dated line's own (description, images...), kept as given


@dataclass
class Image:
    id: str
    url: str
    is_default: bool | None = None
    variant_ids: list[str] | None = None


@dataclass(kw_only=True)
class ProductFields:
    """What a body gives and a product keeps alike; copied as they are (`_fill`)."""
    title: str
    status: str
    currency: str
    url: str | None = None
    description: str | None = None
    vendor: str | None = None
    type: str | None = None
    tags: list[str] = field(default_factory=list)
    category_ids: list[str] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)


@dataclass(kw_only=True)
class ProductInput(ProductFields):
    """A product as a create or replace body gives it; `id` is None on a replace."""
    variants: list[Variant] | None
    id: str | None = None
    created_at: _dt.datetime | None = None
    updated_at: _dt.datetime | None = None


@dataclass(kw_only=True)
class Product(ProductFields):
    id: str
    seq: int
    variants: list[Variant]
    created_at: _dt.datetime
    updated_at: _dt.datetime


@dataclass
class Category:
    id: str
    seq: int
    title: str
    created_at: _dt.datetime
    updated_at: _dt.datetime


PRODUCT_SORTS = ("created_at", "updated_at")  # newest first
CATEGORY_SORTS = ("title", "created_at", "updated_at")  # title A-Z; dates newest first


class Catalog:
    """The products and categories of one brand, each in creation order."""

    def __init__(self, brand: Brand):
        self.brand = brand
        self._products: Records[Product] = Records("product")
        self._categories: Records[Category] = Records("category")

    # -- products --------------------------------------------------------------------------

    def product(self, product_id: str) -> Product:
        return self._products.get(product_id)

    def create_product(self, data: ProductInput, now: _dt.datetime, variants_required: bool = True) -> Product:
        """`variants_required`: v3 needs a variant; the dated line's spec lets a product have none."""
        self._products.check_free(data.id)
        _check_product(data, variants_required)
        product = Product(id=data.id, seq=self._products.next_seq(), title=data.title, status=data.status,
                          currency=data.currency, variants=[], created_at=now, updated_at=now)
        self._fill(product, data, now)
        return self._products.add(product.id, product)

    def replace_product(self, product_id: str, data: ProductInput, now: _dt.datetime) -> Product:
        """A replace may leave `variants` out (v3's spec does not require them): the product keeps its own."""
        product = self.product(product_id)
        if data.variants is None:
            data = dataclasses.replace(data, variants=list(product.variants))
        _check_product(data)
        before = stock_of(product)
        self._fill(product, data, now)
        restocked(self.brand, before, product)
        return product

    def delete_product(self, product_id: str) -> None:
        self._products.remove(product_id)

    def products(self, vendor: str | None = None, type_: str | None = None,
                 sort: str | None = None) -> list[Product]:
        found = [p for p in self._products
                 if (vendor is None or p.vendor == vendor) and (type_ is None or p.type == type_)]
        return _sorted(found, sort)

    # -- categories ------------------------------------------------------------------------

    def category(self, category_id: str) -> Category:
        return self._categories.get(category_id)

    def create_category(self, category_id: str, title: str, now: _dt.datetime,
                        created_at: _dt.datetime | None = None,
                        updated_at: _dt.datetime | None = None) -> Category:
        self._categories.check_free(category_id)
        category = Category(category_id, self._categories.next_seq(), title, created_at or now, updated_at or now)
        return self._categories.add(category_id, category)

    def replace_category(self, category_id: str, title: str, now: _dt.datetime,
                         created_at: _dt.datetime | None = None,
                         updated_at: _dt.datetime | None = None) -> Category:
        category = self.category(category_id)
        category.title, category.created_at, category.updated_at = title, created_at or now, updated_at or now
        return category

    def delete_category(self, category_id: str) -> None:
        self._categories.remove(category_id)

    def categories(self, sort: str | None = None) -> list[Category]:
        return _sorted(list(self._categories), sort)

    # -- internals -------------------------------------------------------------------------

    @staticmethod
    def _fill(product: Product, data: ProductInput, now: _dt.datetime) -> None:
        """Every field from `data`: what it leaves out is cleared (create and replace alike)."""
        for shared in dataclasses.fields(ProductFields):
            value = getattr(data, shared.name)
            setattr(product, shared.name, list(value) if isinstance(value, list) else value)  # lists not shared
        product.variants = list(data.variants or [])
        product.created_at = data.created_at or now
        product.updated_at = data.updated_at or now


def _check_product(data: ProductInput, variants_required: bool = True) -> None:
    problems: list[Problem] = []
    if data.variants is None:
        if variants_required:
            problems.append(Problem("variants", "required"))
    elif not data.variants:
        problems.append(Problem("variants", "range", expected=("minItems", 1), got=0))
    problems += repeated([variant.id for variant in data.variants or []], "variants", "variantID", "variant")
    if len(data.images) > MAX_IMAGES:
        problems.append(Problem("images", "range", expected=("maxItems", MAX_IMAGES), got=len(data.images)))
    problems += repeated([image.id for image in data.images], "images", "imageID", "image")
    if problems:
        raise Invalid(problems)


def _sorted(items: list, sort: str | None) -> list:
    """Creation order by default; `title` A-Z; a date newest first (ties keep creation order)."""
    items = sorted(items, key=lambda item: item.seq)
    if sort == "title":
        return sorted(items, key=lambda item: item.title.casefold())
    if sort in ("created_at", "updated_at"):
        return sorted(items, key=lambda item: getattr(item, sort), reverse=True)  # stable: ties keep order
    return items


def catalog_of(brand: Brand) -> Catalog:
    return brand.catalog
