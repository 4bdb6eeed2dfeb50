"""v3 carts and their product lines: create, get, replace, patch, delete, and the offset-paged list."""
from __future__ import annotations

from flask import jsonify

from simulator.omnisend.carts import Cart, CartBook, CartInput, CartLine, CartQuery, carts_of
from simulator.surfaces.omnisend_v3 import blueprint, paging
from simulator.surfaces.omnisend_v3.common import brand, instant, no_content, now, stamp
from simulator.surfaces.omnisend_v3.listing import Query
from simulator.surfaces.omnisend_v3.strict import body

LINE_FIELDS = {"cartProductID": "id", "productID": "product_id", "variantID": "variant_id", "sku": "sku",
               "title": "title", "description": "description", "quantity": "quantity", "price": "price",
               "oldPrice": "old_price", "discount": "discount", "imageUrl": "image_url", "productUrl": "url"}
SORTS = {"createdAt": "created_at", "updatedAt": "updated_at", "cartSum": "total"}


def line_changes(item: dict) -> dict:
    """The CartLine fields an item of a v3 body gives (only those it gives)."""
    return {attr: item[name] for name, attr in LINE_FIELDS.items() if name in item}


def cart_input(data: dict) -> CartInput:
    lines = [CartLine(**line_changes(item)) for item in data["products"]] if "products" in data else None
    return CartInput(
        currency=data["currency"], total=data["cartSum"], id=data.get("cartID"), email=data.get("email"),
        phone=data.get("phone"), contact_id=data.get("contactID"), recovery_url=data.get("cartRecoveryUrl"),
        lines=lines, created_at=instant(data.get("createdAt"), "createdAt"),
        updated_at=instant(data.get("updatedAt"), "updatedAt"))


def line_json(line: CartLine) -> dict:
    out = {}
    for name, attr in LINE_FIELDS.items():
        value = getattr(line, attr)
        if value is not None:
            out[name] = value
    return out


def cart_json(cart: Cart) -> dict:
    out = {"contactID": cart.contact_id, "cartID": cart.id}
    if cart.email is not None:
        out["email"] = cart.email
    if cart.phone is not None:
        out["phone"] = cart.phone
    out.update({"createdAt": stamp(cart.created_at), "updatedAt": stamp(cart.updated_at),
                "currency": cart.currency, "cartSum": cart.total})
    if cart.recovery_url is not None:
        out["cartRecoveryUrl"] = cart.recovery_url
    out["products"] = [line_json(line) for line in cart.lines]
    return out


def line_reply(cart: Cart, line: CartLine) -> dict:
    return {"cartID": cart.id, "cartProductID": line.id, "productID": line.product_id, "variantID": line.variant_id}


def _existing(cart_id: str, line_id: str | None = None) -> CartBook:
    """The brand's carts, once the cart (and line) the path names is known: a 404 comes before a 400."""
    book = carts_of(brand())
    cart = book.get(cart_id)
    if line_id is not None:
        cart.line(line_id)
    return book


@blueprint.post("/carts")
def create_cart():
    cart = carts_of(brand()).create(cart_input(body("POST_carts")), now())
    reply = {"cartID": cart.id}
    if cart.email is not None:
        reply["email"] = cart.email
    return jsonify(reply)


@blueprint.get("/carts/<cart_id>")
def get_cart(cart_id: str):
    return jsonify(cart_json(carts_of(brand()).get(cart_id)))


@blueprint.put("/carts/<cart_id>")
def replace_cart(cart_id: str):
    book = _existing(cart_id)
    cart = book.replace(cart_id, cart_input(body("PUT_carts-cartID")), now())
    return jsonify({"cartID": cart.id})


@blueprint.patch("/carts/<cart_id>")
def patch_cart(cart_id: str):
    book = _existing(cart_id)
    data = body("PATCH_carts-cartID")
    lines = [line_changes(item) for item in data["products"]] if "products" in data else None
    cart = book.patch(cart_id, cart_input({k: v for k, v in data.items() if k != "products"}), lines, now())
    return jsonify({"cartID": cart.id})


@blueprint.delete("/carts/<cart_id>")
def delete_cart(cart_id: str):
    carts_of(brand()).delete(cart_id)
    return no_content()


@blueprint.post("/carts/<cart_id>/products")
def add_cart_product(cart_id: str):
    book = _existing(cart_id)
    data = body("POST_carts-cartID-products")
    cart, line = book.add_line(cart_id, data["currency"], CartLine(**line_changes(data)), now())
    return jsonify(line_reply(cart, line))


@blueprint.put("/carts/<cart_id>/products/<line_id>")
def replace_cart_product(cart_id: str, line_id: str):
    book = _existing(cart_id, line_id)
    data = body("PUT_carts-cartID-products-cartProductID")
    changes = {k: v for k, v in line_changes(data).items() if k != "id"}  # the path names the line
    cart, line = book.replace_line(cart_id, line_id, data["currency"], CartLine(line_id, **changes), now())
    return jsonify(line_reply(cart, line))


@blueprint.patch("/carts/<cart_id>/products/<line_id>")
def patch_cart_product(cart_id: str, line_id: str):
    book = _existing(cart_id, line_id)
    data = body("PATCH_carts-cartID-products-cartProductID")
    cart, line = book.patch_line(cart_id, line_id, data.get("currency"), line_changes(data), now())
    return jsonify(line_reply(cart, line))


@blueprint.delete("/carts/<cart_id>/products/<line_id>")
def delete_cart_product(cart_id: str, line_id: str):
    carts_of(brand()).delete_line(cart_id, line_id, now())
    return no_content()


@blueprint.get("/carts")
def list_carts():
    query = Query()
    limit, offset = query.limit_and_offset()
    q = CartQuery(**query.owned(SORTS), segment_id=query.text("segmentID"),
                  created_from=query.bound("dateFrom", end=False), created_to=query.bound("dateTo", end=True),
                  updated_from=query.bound("updatedFrom", end=False), updated_to=query.bound("updatedTo", end=True))
    query.done()
    page, links = paging.offset_page(carts_of(brand()).query(q, now()), limit, offset)
    return jsonify({"carts": [cart_json(c) for c in page], "paging": links})
