"""v3 orders: create, get, replace, the status patch, delete, and the offset-paged list."""
from __future__ import annotations

from flask import jsonify

from simulator.omnisend.orders import (FULFILLMENT_STATUSES, PAYMENT_STATUSES, Order, OrderDetails, OrderLine,
                                       OrderQuery, orders_of)
from simulator.surfaces.omnisend_v3 import blueprint, paging
from simulator.surfaces.omnisend_v3.common import brand, instant, no_content, now, stamp
from simulator.surfaces.omnisend_v3.listing import Query
from simulator.surfaces.omnisend_v3.strict import body

# v3 name -> model attribute, in the order v3 prints them (createdAt/updatedAt/canceledDate are dates)
FIELDS = {"orderNumber": "number", "cartID": "cart_id", "shippingMethod": "shipping_method",
          "trackingCode": "tracking_code", "courierTitle": "courier_title", "courierUrl": "courier_url",
          "orderUrl": "url", "source": "source", "tags": "tags", "discountCode": "discount_code",
          "discountValue": "discount_value", "discountType": "discount_type", "currency": "currency",
          "subTotalSum": "subtotal", "subTotalTaxIncluded": "subtotal_tax_included", "orderSum": "total",
          "discountSum": "discount_total", "taxSum": "tax_total", "shippingSum": "shipping_total",
          "createdAt": "created_at", "updatedAt": "updated_at", "canceledDate": "canceled_at",
          "cancelReason": "cancel_reason", "contactNote": "note", "paymentMethod": "payment_method",
          "paymentStatus": "payment_status", "fulfillmentStatus": "fulfillment_status",
          "billingAddress": "billing_address", "shippingAddress": "shipping_address"}
DATES = ("createdAt", "updatedAt", "canceledDate")
STATUS_PATCH = ("trackingCode", "courierTitle", "courierUrl", "paymentStatus", "canceledDate", "cancelReason",
                "fulfillmentStatus", "cartID")
LINE_FIELDS = {"productID": "product_id", "sku": "sku", "variantID": "variant_id", "variantTitle": "variant_title",
               "title": "title", "vendor": "vendor", "quantity": "quantity", "price": "price",
               "discount": "discount", "weight": "weight", "imageUrl": "image_url", "productUrl": "url",
               "categoryIDs": "category_ids", "tags": "tags"}
SORTS = {"createdAt": "created_at", "updatedAt": "updated_at", "orderSum": "total"}


def _value(data: dict, name: str):
    return instant(data[name], name) if name in DATES else data[name]


def order_details(data: dict) -> OrderDetails:
    """The model's input from a v3 order body (already checked against its contract)."""
    values = {attr: _value(data, name) for name, attr in FIELDS.items() if name in data}
    lines = [OrderLine(**{attr: item[name] for name, attr in LINE_FIELDS.items() if name in item})
             for item in data.get("products") or []]
    return OrderDetails(**values, lines=lines)


def order_json(order: Order) -> dict:
    out = {"orderID": order.id}
    for name, value in (("email", order.email), ("phone", order.phone)):
        if value is not None:
            out[name] = value
    out["contactID"] = order.contact_id
    for name, attr in FIELDS.items():
        value = getattr(order, attr)
        if value is not None:
            out[name] = stamp(value) if name in DATES else value
    out["products"] = [{name: getattr(line, attr) for name, attr in LINE_FIELDS.items()
                        if getattr(line, attr) is not None} for line in order.lines]
    return out


def reply(order: Order) -> dict:
    out = {"orderID": order.id}
    for name, value in (("email", order.email), ("phone", order.phone)):
        if value is not None:
            out[name] = value
    return out


@blueprint.post("/orders")
def create_order():
    data = body("POST_orders")
    order = orders_of(brand()).create(data["orderID"], order_details(data), now(), email=data.get("email"),
                                      phone=data.get("phone"), contact_id=data.get("contactID"))
    return jsonify(reply(order))


@blueprint.get("/orders/<order_id>")
def get_order(order_id: str):
    return jsonify(order_json(orders_of(brand()).get(order_id)))


@blueprint.put("/orders/<order_id>")
def replace_order(order_id: str):
    book = orders_of(brand())
    book.get(order_id)  # 404 before 400
    order = book.replace(order_id, order_details(body("PUT_orders-orderID")), now())
    return jsonify(reply(order))


@blueprint.patch("/orders/<order_id>")
def update_order_status(order_id: str):
    book = orders_of(brand())
    book.get(order_id)
    data = body("PATCH_orders-orderID")
    changes = {FIELDS[name]: _value(data, name) for name in STATUS_PATCH if name in data}
    return jsonify(reply(book.update_status(order_id, changes, now())))


@blueprint.delete("/orders/<order_id>")
def delete_order(order_id: str):
    orders_of(brand()).delete(order_id)
    return no_content()


@blueprint.get("/orders")
def list_orders():
    query = Query()
    limit, offset = query.limit_and_offset()
    q = OrderQuery(**query.owned(SORTS), cart_id=query.text("cartID"),
                   updated_from=query.bound("dateFrom", end=False), updated_to=query.bound("dateTo", end=True),
                   payment_status=query.choice("paymentStatus", PAYMENT_STATUSES),
                   fulfillment_status=query.choice("fulfillmentStatus", FULFILLMENT_STATUSES))
    query.done()
    page, links = paging.offset_page(orders_of(brand()).query(q), limit, offset)
    return jsonify({"orders": [order_json(o) for o in page], "paging": links})
