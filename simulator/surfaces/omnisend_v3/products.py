"""v3 products: create, get, replace, delete, and the offset-paged list (vendor, type, sort)."""
from __future__ import annotations

from flask import jsonify

from simulator.omnisend.catalog import Image, Product, ProductInput, Variant, catalog_of
from simulator.surfaces.omnisend_v3 import blueprint, paging
from simulator.surfaces.omnisend_v3.common import brand, instant, no_content, now, stamp
from simulator.surfaces.omnisend_v3.listing import Query
from simulator.surfaces.omnisend_v3.strict import body

VARIANT_FIELDS = {"variantID": "id", "title": "title", "status": "status", "price": "price", "sku": "sku",
                  "oldPrice": "old_price", "productUrl": "url", "imageID": "image_id"}
IMAGE_FIELDS = {"imageID": "id", "url": "url", "isDefault": "is_default", "variantIDs": "variant_ids"}
SORTS = {"createdAt": "created_at", "updatedAt": "updated_at"}


def product_input(data: dict) -> ProductInput:
    """The model's input from a v3 product body (already checked against its contract)."""
    variants = None
    if "variants" in data:
        variants = [Variant(**{attr: item[name] for name, attr in VARIANT_FIELDS.items() if name in item})
                    for item in data["variants"]]
    images = [Image(**{attr: item[name] for name, attr in IMAGE_FIELDS.items() if name in item})
              for item in data.get("images") or []]
    return ProductInput(
        id=data.get("productID"), title=data["title"], status=data["status"], currency=data["currency"],
        variants=variants, url=data.get("productUrl"), description=data.get("description"),
        vendor=data.get("vendor"), type=data.get("type"), tags=list(data.get("tags") or []),
        category_ids=list(data.get("categoryIDs") or []), images=images,
        created_at=instant(data.get("createdAt"), "createdAt"),
        updated_at=instant(data.get("updatedAt"), "updatedAt"))


def _pick(obj, fields: dict) -> dict:
    out = {}
    for name, attr in fields.items():
        value = getattr(obj, attr)
        if value is not None:
            out[name] = list(value) if isinstance(value, list) else value
    return out


def product_json(product: Product) -> dict:
    out = {"productID": product.id, "title": product.title, "status": product.status}
    if product.description is not None:
        out["description"] = product.description
    out["currency"] = product.currency
    for name, value in (("productUrl", product.url), ("vendor", product.vendor), ("type", product.type)):
        if value is not None:
            out[name] = value
    out.update({
        "createdAt": stamp(product.created_at), "updatedAt": stamp(product.updated_at),
        "tags": list(product.tags), "categoryIDs": list(product.category_ids),
        "images": [_pick(image, IMAGE_FIELDS) for image in product.images],
        "variants": [_pick(variant, VARIANT_FIELDS) for variant in product.variants],
    })
    return out


@blueprint.post("/products")
def create_product():
    product = catalog_of(brand()).create_product(product_input(body("POST_products")), now())
    return jsonify({"productID": product.id})


@blueprint.get("/products/<product_id>")
def get_product(product_id: str):
    return jsonify(product_json(catalog_of(brand()).product(product_id)))


@blueprint.put("/products/<product_id>")
def replace_product(product_id: str):
    catalog = catalog_of(brand())
    catalog.product(product_id)  # 404 before 400
    product = catalog.replace_product(product_id, product_input(body("PUT_products-productID")), now())
    return jsonify({"productID": product.id})


@blueprint.delete("/products/<product_id>")
def delete_product(product_id: str):
    catalog_of(brand()).delete_product(product_id)
    return no_content()


@blueprint.get("/products")
def list_products():
    query = Query()
    limit, offset = query.limit_and_offset()
    sort = query.choice("sort", SORTS)
    vendor, type_ = query.text("vendor"), query.text("type")
    query.done()
    found = catalog_of(brand()).products(vendor=vendor, type_=type_, sort=sort)
    page, links = paging.offset_page(found, limit, offset)
    return jsonify({"products": [product_json(p) for p in page], "paging": links})
