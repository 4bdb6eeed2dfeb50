"""Dated products and product categories: the same store catalogue v3 serves (`omnisend.catalog`), in
this line's shapes: prices are numbers in the currency (v3 keeps cents), images are URLs, lists are
offset-paged (`limit` 1-250, default 100)."""
from __future__ import annotations

import math

from flask import jsonify

from simulator.core.timefmt import iso, parse_instant
from simulator.errors import Invalid, Problem
from simulator.omnisend.catalog import Category, Image, Product, ProductInput, Variant, catalog_of
from simulator.surfaces.omnisend_api import blueprint, operation
from simulator.surfaces.omnisend_api.common import body, brand, empty, now, reply
from simulator.surfaces.omnisend_api.listing import Query, offset_page

VARIANT_EXTRAS = ("description", "defaultImageUrl", "images")
PRODUCT_SORTS = {"date": "created_at", "createdAt": "created_at", "updatedAt": "updated_at"}
CATEGORY_SORTS = {"title": "title", "createdAt": "created_at", "updatedAt": "updated_at"}


def _cents(value, where: str, problems: list[Problem]) -> int | None:
    """A price in the currency as whole cents (v3's unit); one no store could charge is refused."""
    if value is None:
        return None
    if not math.isfinite(value) or abs(value) >= 1e13:
        problems.append(Problem(where, "range", expected=("maximum", 1e13), got=value))
        return None
    return round(value * 100)


def _instant(data: dict, name: str, problems: list[Problem]):
    if data.get(name) is None:
        return None
    try:
        return parse_instant(data[name])
    except ValueError:
        problems.append(Problem(name, "format", expected="date-time", got=data[name]))
        return None


def product_input(data: dict, product_id: str | None = None) -> ProductInput:
    """The model's input from a dated product body (already checked against its contract)."""
    problems: list[Problem] = []
    urls = list(data.get("images") or [])
    default = data.get("defaultImageUrl")
    if default is not None and default not in urls:
        urls.insert(0, default)
    images = [Image(f"image-{n}", url, is_default=(url == default) if default is not None else None)
              for n, url in enumerate(urls, 1)]
    variants = None
    if "variants" in data:
        variants = [Variant(id=v["id"], title=v["title"], status=v.get("status"),
                            price=_cents(v["price"], f"variants[{n}].price", problems), sku=v.get("sku"),
                            old_price=_cents(v.get("strikeThroughPrice"), f"variants[{n}].strikeThroughPrice", problems),
                            url=v.get("url"), extras={k: v[k] for k in VARIANT_EXTRAS if k in v})
                    for n, v in enumerate(data["variants"])]
    made = ProductInput(
        id=product_id or data.get("id"), title=data["title"], status=data["status"], currency=data["currency"],
        variants=variants, url=data.get("url"), description=data.get("description"), vendor=data.get("vendor"),
        type=data.get("type"), tags=list(data.get("tags") or []), category_ids=list(data.get("categoryIDs") or []),
        images=images, created_at=_instant(data, "createdAt", problems), updated_at=_instant(data, "updatedAt", problems))
    if problems:
        raise Invalid(problems)
    return made


def product_json(product: Product) -> dict:
    out = {"id": product.id, "title": product.title, "status": product.status, "currency": product.currency}
    for name, value in (("url", product.url), ("description", product.description), ("vendor", product.vendor),
                        ("type", product.type)):
        if value is not None:
            out[name] = value
    default = next((i.url for i in product.images if i.is_default), None)
    if default is not None:
        out["defaultImageUrl"] = default
    out.update({"images": [i.url for i in product.images], "tags": list(product.tags),
                "categoryIDs": list(product.category_ids), "createdAt": iso(product.created_at),
                "updatedAt": iso(product.updated_at)})
    if product.variants:  # the spec's list has at least one: a product without variants leaves it out
        out["variants"] = [_variant_json(v) for v in product.variants]
    return out


def _variant_json(variant: Variant) -> dict:
    out = {"id": variant.id, "title": variant.title, "price": variant.price / 100 if variant.price is not None else 0}
    for name, value in (("sku", variant.sku), ("status", variant.status), ("url", variant.url)):
        if value is not None:
            out[name] = value
    if variant.old_price is not None:
        out["strikeThroughPrice"] = variant.old_price / 100
    return {**out, **variant.extras}


@blueprint.post("/products")
@operation("createProduct")
def create_product():
    product = catalog_of(brand()).create_product(product_input(body("createProduct")), now(), variants_required=False)
    return reply({"id": product.id}, 201)


@blueprint.get("/products")
@operation("listProducts")
def list_products():
    query = Query(known=("offset", "limit", "sort"))
    limit, offset = query.window()
    sort = query.choice("sort", tuple(PRODUCT_SORTS))
    query.done()
    found = catalog_of(brand()).products(sort=PRODUCT_SORTS.get(sort))
    page, paging = offset_page(found, limit, offset)
    return jsonify({"products": [product_json(p) for p in page], "paging": paging})


@blueprint.get("/products/<product_id>")
@operation("getProduct")
def get_product(product_id: str):
    return jsonify(product_json(catalog_of(brand()).product(product_id)))


@blueprint.put("/products/<product_id>")
@operation("replaceProduct")
def replace_product(product_id: str):
    catalog = catalog_of(brand())
    catalog.product(product_id)  # 404 before 400
    catalog.replace_product(product_id, product_input(body("replaceProduct"), product_id), now())
    return reply({"id": product_id})


@blueprint.delete("/products/<product_id>")
@operation("deleteProduct")
def delete_product(product_id: str):
    catalog_of(brand()).delete_product(product_id)
    return empty(204)


def category_json(category: Category) -> dict:
    return {"categoryID": category.id, "title": category.title, "createdAt": iso(category.created_at),
            "updatedAt": iso(category.updated_at)}


@blueprint.post("/product-categories")
@operation("createProductCategory")
def create_category():
    data = body("createProductCategory")
    category = catalog_of(brand()).create_category(data["categoryID"], data["title"], now())
    return reply({"categoryID": category.id}, 201)


@blueprint.get("/product-categories")
@operation("listProductCategories")
def list_categories():
    query = Query(known=("offset", "limit", "sort"))
    limit, offset = query.window()
    sort = query.choice("sort", tuple(CATEGORY_SORTS))
    query.done()
    page, paging = offset_page(catalog_of(brand()).categories(CATEGORY_SORTS.get(sort)), limit, offset)
    return jsonify({"categories": [category_json(c) for c in page], "paging": paging})


@blueprint.get("/product-categories/<category_id>")
@operation("getProductCategory")
def get_category(category_id: str):
    return jsonify(category_json(catalog_of(brand()).category(category_id)))


@blueprint.patch("/product-categories/<category_id>")
@operation("updateProductCategory")
def update_category(category_id: str):
    catalog = catalog_of(brand())
    found = catalog.category(category_id)
    catalog.replace_category(category_id, body("updateProductCategory")["title"], now(), found.created_at)
    return reply({"categoryID": category_id})


@blueprint.delete("/product-categories/<category_id>")
@operation("deleteProductCategory")
def delete_category(category_id: str):
    catalog_of(brand()).delete_category(category_id)
    return empty(204)
