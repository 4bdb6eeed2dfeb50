"""v3 carts (with their product lines) and orders (with the status patch) through the in-process
client: CRUD, validation, paging, filters, sorts, and the contact events they record."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.conftest import new_contact

HAT_LINE = {"cartProductID": "1", "productID": "hat", "variantID": "hat-red", "title": "Wool hat", "quantity": 2,
            "price": 2500, "sku": "H-R", "oldPrice": 3000, "discount": 500, "imageUrl": "https://shop.example.com/hat.png",
            "productUrl": "https://shop.example.com/hat"}
CAP_LINE = {"cartProductID": "2", "productID": "cap", "variantID": "cap", "title": "Cap", "quantity": 1, "price": 1000}


def cart(cart_id="k1", **changes) -> dict:
    body = {"cartID": cart_id, "email": "ann@example.com", "currency": "EUR", "cartSum": 5000,
            "cartRecoveryUrl": f"https://shop.example.com/cart/{cart_id}", "products": [HAT_LINE]}
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


def order(order_id="o1", **changes) -> dict:
    body = {"orderID": order_id, "email": "ann@example.com", "currency": "EUR", "orderSum": 5000,
            "createdAt": "2026-11-01T09:00:00Z",
            "products": [{"productID": "hat", "variantID": "hat-red", "title": "Wool hat", "quantity": 2, "price": 2500}]}
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


def messages(response) -> list[str]:
    assert response.status_code == 400, response.text
    return [m for group in response.json()["fields"] for m in group]


def events(sb, contact_id=None, name=None) -> list[dict]:
    brand = sb.omnisend_brand(sb.accounts()[0]["id"])
    return [e.to_json() for e in brand.activity
            if (contact_id is None or e.contact_id == contact_id) and (name is None or e.name == name)]


def contacts(v3) -> list[dict]:
    return v3.get("/contacts").json()["contacts"]


# -- carts ---------------------------------------------------------------------------------------

def test_cart_create_get_and_list(v3):
    response = v3.post("/carts", json=cart(phone="+37060000001"))
    assert response.status_code == 200
    assert response.json() == {"cartID": "k1", "email": "ann@example.com"}
    got = v3.get("/carts/k1").json()
    [contact] = contacts(v3)
    assert got == {"contactID": contact["contactID"], "cartID": "k1", "email": "ann@example.com",
                   "phone": "+37060000001", "createdAt": "2026-11-02T10:00:00Z", "updatedAt": "2026-11-02T10:00:00Z",
                   "currency": "EUR", "cartSum": 5000, "cartRecoveryUrl": "https://shop.example.com/cart/k1",
                   "products": [HAT_LINE]}
    listed = v3.get("/carts").json()
    assert listed["carts"] == [got]
    assert listed["paging"] == {"previous": None, "next": None, "offset": 0, "limit": 100}


def test_unknown_email_gets_a_new_contact_not_subscribed(v3):
    v3.post("/carts", json=cart(phone="+37060000001"))
    [contact] = contacts(v3)
    assert [(i["type"], i["id"], list(i["channels"].values())[0]["status"]) for i in contact["identifiers"]] == [
        ("email", "ann@example.com", "nonSubscribed"), ("phone", "+37060000001", "nonSubscribed")]


def test_cart_by_contact_id_takes_the_contacts_email(sb, v3):
    contact_id = new_contact(v3, "bob@example.com")
    response = v3.post("/carts", json=cart(email=None, contactID=contact_id))
    assert response.json() == {"cartID": "k1", "email": "bob@example.com"}
    assert v3.get("/carts/k1").json()["contactID"] == contact_id
    assert len(contacts(v3)) == 1
    assert [e["eventName"] for e in events(sb, contact_id)] == ["added product to cart"]


def test_cart_of_a_phone_only_contact_answers_without_email(sb, v3):
    contact_id = v3.post("/contacts", json={"identifiers": [
        {"type": "phone", "id": "+37060000002", "channels": {"sms": {"status": "subscribed"}}}]}).json()["contactID"]
    response = v3.post("/carts", json=cart(email=None, contactID=contact_id))
    assert response.status_code == 200 and response.json() == {"cartID": "k1"}
    got = v3.get("/carts/k1").json()
    assert "email" not in got and got["phone"] == "+37060000002" and got["contactID"] == contact_id


def test_cart_by_a_known_email_joins_that_contact(v3):
    contact_id = new_contact(v3, "ann@example.com")
    v3.post("/carts", json=cart(email="ANN@example.com"))
    assert v3.get("/carts/k1").json()["contactID"] == contact_id
    assert len(contacts(v3)) == 1


def test_cart_needs_email_or_a_known_contact_id(v3):
    assert messages(v3.post("/carts", json=cart(email=None))) == ["email: email or contactID is required"]
    assert messages(v3.post("/carts", json=cart(email=None, phone="+37060000001"))) == [
        "email: email or contactID is required"]
    assert messages(v3.post("/carts", json=cart(email=None, contactID="nope"))) == ["contactID: contact nope not found"]
    assert v3.get("/carts").json()["carts"] == [] and contacts(v3) == []


def test_cart_validation_names_every_problem_at_once(v3):
    body = cart(cartSum=49.5, currency="EURO", colour="red",
                products=[{**HAT_LINE, "quantity": 0}, {**CAP_LINE, "price": "10"}, {"cartProductID": "3"}])
    del body["cartID"]
    named = messages(v3.post("/carts", json=body))
    for expected in ("cartID: field required but not found in Json",
                     "cartSum: wrong field type, expected integer but got number",
                     "currency: value violates maxLength 3",
                     "colour: unknown field",
                     "products[0].quantity: value violates minimum 1",
                     "products[1].price: wrong field type, expected integer but got string",
                     "products[2].productID: field required but not found in Json",
                     "products[2].title: field required but not found in Json"):
        assert expected in named, named
    assert contacts(v3) == [] and v3.get("/carts").json()["carts"] == []


def test_cart_rules_the_schema_cannot_say(v3):
    named = messages(v3.post("/carts", json=cart(phone="call me", products=[HAT_LINE, HAT_LINE])))
    assert named == ["phone: 'call me' is not a valid phone", "products[1].cartProductID: 1 is given twice"]
    assert contacts(v3) == []


def test_taken_cart_id_is_400_without_fields(v3):
    v3.post("/carts", json=cart())
    response = v3.post("/carts", json=cart(cartSum=1))
    assert response.status_code == 400
    assert "fields" not in response.json() and "cart k1 already exists" in response.json()["error"]
    assert v3.get("/carts/k1").json()["cartSum"] == 5000


def test_cart_put_replaces_all_but_the_owner(sb, v3):
    v3.post("/carts", json=cart())
    owner = v3.get("/carts/k1").json()["contactID"]
    sb.clock.advance(seconds=600)
    response = v3.put("/carts/k1", json={"currency": "EUR", "cartSum": 1000, "products": [CAP_LINE]})
    assert response.status_code == 200 and response.json() == {"cartID": "k1"}
    got = v3.get("/carts/k1").json()
    assert got == {"contactID": owner, "cartID": "k1", "email": "ann@example.com", "createdAt": "2026-11-02T10:10:00Z",
                   "updatedAt": "2026-11-02T10:10:00Z", "currency": "EUR", "cartSum": 1000, "products": [CAP_LINE]}


def test_cart_patch_adds_and_updates_lines(sb, v3):
    v3.post("/carts", json=cart())
    sb.clock.advance(seconds=60)
    response = v3.patch("/carts/k1", json={"currency": "EUR", "cartSum": 8500,
                                           "products": [{"cartProductID": "1", "quantity": 3}, CAP_LINE]})
    assert response.status_code == 200 and response.json() == {"cartID": "k1"}
    got = v3.get("/carts/k1").json()
    assert got["products"] == [{**HAT_LINE, "quantity": 3}, CAP_LINE]
    assert (got["cartSum"], got["updatedAt"], got["createdAt"]) == (8500, "2026-11-02T10:01:00Z", "2026-11-02T10:00:00Z")
    assert got["cartRecoveryUrl"] == "https://shop.example.com/cart/k1"  # not given: kept


def test_cart_patch_needs_currency_and_sum_and_complete_new_lines(v3):
    v3.post("/carts", json=cart())
    assert sorted(messages(v3.patch("/carts/k1", json={}))) == [
        "cartSum: field required but not found in Json", "currency: field required but not found in Json"]
    named = messages(v3.patch("/carts/k1", json={"currency": "EUR", "cartSum": 1,
                                                 "products": [{"cartProductID": "1", "quantity": 9},
                                                              {"cartProductID": "9", "price": 5}]}))
    assert sorted(named) == ["products[1].productID: field required but not found in Json",
                             "products[1].quantity: field required but not found in Json",
                             "products[1].title: field required but not found in Json",
                             "products[1].variantID: field required but not found in Json"]
    got = v3.get("/carts/k1").json()
    assert (got["cartSum"], got["products"]) == (5000, [HAT_LINE])  # nothing half-written


def test_cart_product_lines(sb, v3):
    v3.post("/carts", json=cart())
    response = v3.post("/carts/k1/products", json={"currency": "EUR", **CAP_LINE})
    assert response.status_code == 200
    assert response.json() == {"cartID": "k1", "cartProductID": "2", "productID": "cap", "variantID": "cap"}
    assert v3.get("/carts/k1").json()["cartSum"] == 6000  # moved by price x quantity

    sb.clock.advance(seconds=30)
    replaced = {k: v for k, v in CAP_LINE.items() if k != "cartProductID"} | {"currency": "EUR", "quantity": 3}
    response = v3.put("/carts/k1/products/2", json=replaced)
    assert response.json() == {"cartID": "k1", "cartProductID": "2", "productID": "cap", "variantID": "cap"}
    got = v3.get("/carts/k1").json()
    assert (got["cartSum"], got["products"][1]["quantity"], got["updatedAt"]) == (8000, 3, "2026-11-02T10:00:30Z")

    response = v3.patch("/carts/k1/products/1", json={"price": 2000})
    assert response.json() == {"cartID": "k1", "cartProductID": "1", "productID": "hat", "variantID": "hat-red"}
    got = v3.get("/carts/k1").json()
    assert got["products"][0] == {**HAT_LINE, "price": 2000} and got["cartSum"] == 7000

    response = v3.delete("/carts/k1/products/2")
    assert response.status_code == 204 and response.content == b""
    got = v3.get("/carts/k1").json()
    assert [p["cartProductID"] for p in got["products"]] == ["1"] and got["cartSum"] == 4000
    assert v3.delete("/carts/k1/products/2").status_code == 404


def test_cart_product_line_errors(v3):
    v3.post("/carts", json=cart())
    line = {"currency": "EUR", **CAP_LINE}
    assert v3.post("/carts/nope/products", json=line).status_code == 404
    taken = v3.post("/carts/k1/products", json={**line, "cartProductID": "1"})
    assert taken.status_code == 400 and "fields" not in taken.json()
    assert messages(v3.post("/carts/k1/products", json={**line, "currency": "USD"})) == [
        "currency: 'USD' differs from the cart's currency 'EUR'"]
    named = messages(v3.post("/carts/k1/products", json={"currency": "EUR", "cartProductID": "5", "quantity": 1.5}))
    assert "quantity: wrong field type, expected integer but got number" in named
    assert "title: field required but not found in Json" in named
    missing = v3.put("/carts/k1/products/9", json={k: v for k, v in line.items() if k != "cartProductID"})
    assert missing.status_code == 404 and "cart product 9 not found" in missing.json()["error"]
    assert v3.patch("/carts/k1/products/9", json={"quantity": 2}).status_code == 404
    assert v3.delete("/carts/nope/products/1").status_code == 404
    assert v3.get("/carts/k1").json()["products"] == [HAT_LINE]


def test_cart_delete_sticks(v3):
    v3.post("/carts", json=cart())
    response = v3.delete("/carts/k1")
    assert response.status_code == 204 and response.content == b""
    assert v3.get("/carts/k1").status_code == 404
    assert v3.get("/carts").json()["carts"] == []
    assert v3.delete("/carts/k1").status_code == 404
    assert v3.put("/carts/k1", json={"currency": "EUR", "cartSum": 1}).status_code == 404
    assert v3.patch("/carts/k1", json={"currency": "EUR", "cartSum": 1}).status_code == 404


def test_following_next_sees_every_cart_once(v3):
    created = [f"k{n}" for n in range(5)]
    for cart_id in created:
        v3.post("/carts", json=cart(cart_id))
    seen, url, offsets = [], "/carts?limit=2&email=ann@example.com", []
    while url:
        page = v3.get(url).json()
        seen += [c["cartID"] for c in page["carts"]]
        offsets.append(page["paging"]["offset"])
        url = page["paging"]["next"]
        if url:
            parts = urlsplit(url)
            assert (parts.scheme, parts.netloc, parts.path) == ("http", "sandbox.local", "/omnisend/v3/carts/")
            assert "email=ann%40example.com" in parts.query
    assert seen == created and offsets == [0, 2, 4]
    assert v3.get("/carts", params={"offset": 4, "limit": 2}).json()["paging"]["previous"].endswith("offset=2&limit=2")


def test_cart_filters_and_sorts(sb, v3):
    bob = new_contact(v3, "bob@example.com")
    v3.post("/carts", json=cart("k1", cartSum=300, createdAt="2026-10-01T12:00:00Z", phone="+37060000001"))
    sb.clock.advance(seconds=3600)
    v3.post("/carts", json=cart("k2", email=None, contactID=bob, cartSum=900, createdAt="2026-10-03T12:00:00Z"))
    sb.clock.advance(seconds=3600)
    v3.post("/carts", json=cart("k3", email="cid@example.com", cartSum=500, createdAt="2026-10-02T12:00:00Z"))
    sb.clock.advance(seconds=3600)
    v3.patch("/carts/k1", json={"currency": "EUR", "cartSum": 300})  # k1 updated last

    def ids(**params):
        response = v3.get("/carts", params=params)
        assert response.status_code == 200, response.text
        return [c["cartID"] for c in response.json()["carts"]]

    assert ids() == ["k1", "k2", "k3"]
    assert ids(email="BOB@example.com") == ["k2"]
    assert ids(contactID=bob) == ["k2"]
    assert ids(phone="+370 600 00001") == ["k1"]
    assert ids(segmentID="anything") == []  # an unknown segment has no members (real ones: test_api_segments)
    assert ids(dateFrom="2026-10-02") == ["k2", "k3"]
    assert ids(dateTo="2026-10-02") == ["k1", "k3"]  # a bare date ends at the day's end
    assert ids(dateFrom="2026-10-02T00:00:00Z", dateTo="2026-10-02T23:59:59Z") == ["k3"]
    assert ids(updatedFrom="2026-11-02T12:00:00Z") == ["k1", "k3"]
    assert ids(updatedFrom="2026-11-02T12:30:00Z") == ["k1"]
    assert ids(updatedTo="2026-11-02T11:00:00Z") == ["k2"]
    assert ids(sort="cartSum") == ["k2", "k3", "k1"]
    assert ids(sort="createdAt") == ["k2", "k3", "k1"]
    assert ids(sort="updatedAt") == ["k1", "k3", "k2"]


def test_bad_cart_list_parameters_are_named_together(v3):
    named = messages(v3.get("/carts", params={"sort": "email", "dateFrom": "02/10/2026", "updatedTo": "soon",
                                              "email": "nobody", "limit": "251"}))
    assert "'sort' can't be 'email'. Available values: createdAt,updatedAt,cartSum" in named
    assert "dateFrom: '02/10/2026' is not a valid date" in named
    assert "updatedTo: 'soon' is not a valid date" in named
    assert "email: 'nobody' is not a valid email" in named
    assert "limit: value violates maximum 250" in named


def test_cart_events_are_recorded_on_the_contact(sb, v3):
    v3.post("/carts", json=cart())
    contact_id = v3.get("/carts/k1").json()["contactID"]
    sb.clock.advance(seconds=60)
    v3.post("/carts/k1/products", json={"currency": "EUR", **CAP_LINE})
    v3.patch("/carts/k1/products/2", json={"price": 900})  # no more of it in the cart: no event
    v3.patch("/carts/k1", json={"currency": "EUR", "cartSum": 6000, "products": [{"cartProductID": "1", "quantity": 1}]})
    v3.patch("/carts/k1/products/2", json={"quantity": 4})  # more of a product: added again
    recorded = events(sb, contact_id)
    assert [e["eventName"] for e in recorded] == ["added product to cart"] * 3
    first, second, third = recorded
    assert third["properties"]["addedItem"] == {"productID": "cap", "productTitle": "Cap", "productPrice": 9.0,
                                                "productQuantity": 4, "productVariantID": "cap"}
    hat = {"productID": "hat", "productTitle": "Wool hat", "productPrice": 25.0, "productQuantity": 2,
           "productVariantID": "hat-red", "productSKU": "H-R", "productDiscount": 5.0, "productStrikeThroughPrice": 30.0,
           "productImageURL": "https://shop.example.com/hat.png", "productURL": "https://shop.example.com/hat"}
    cap = {"productID": "cap", "productTitle": "Cap", "productPrice": 10.0, "productQuantity": 1, "productVariantID": "cap"}
    assert first == {"id": first["id"], "contactID": contact_id, "eventName": "added product to cart", "origin": "api",
                     "eventTime": "2026-11-02T10:00:00Z",
                     "properties": {"abandonedCheckoutURL": "https://shop.example.com/cart/k1", "cartID": "k1",
                                    "currency": "EUR", "value": 50.0, "addedItem": hat, "lineItems": [hat]}}
    assert second["eventTime"] == "2026-11-02T10:01:00Z"
    assert second["properties"]["addedItem"] == cap
    assert second["properties"]["lineItems"] == [hat, cap] and second["properties"]["value"] == 60.0


def test_an_empty_new_cart_records_nothing_until_it_gains_a_product(sb, v3):
    v3.post("/carts", json=cart(products=None))
    assert events(sb) == []
    v3.put("/carts/k1", json={"currency": "EUR", "cartSum": 1000, "products": [CAP_LINE]})
    assert [e["properties"]["addedItem"]["productID"] for e in events(sb)] == ["cap"]


# -- orders --------------------------------------------------------------------------------------

FULL_ORDER = order(
    phone="+37060000001", orderNumber=1001, cartID="k1", shippingMethod="Courier", orderUrl="https://shop.example.com/o/1",
    source="web", tags=["gift"], discountCode="WINTER", discountValue=500, discountType="fixedAmount", subTotalSum=5500,
    subTotalTaxIncluded=True, discountSum=500, taxSum=868, shippingSum=0, contactNote="Leave at door",
    paymentMethod="card", paymentStatus="awaitingPayment", fulfillmentStatus="unfulfilled",
    billingAddress={"firstName": "Ann", "lastName": "Lee", "city": "Vilnius", "countryCode": "LT", "postalCode": "01100",
                    "address": "Gedimino 1"},
    shippingAddress={"city": "Kaunas"},
    products=[{"productID": "hat", "variantID": "hat-red", "title": "Wool hat", "quantity": 2, "price": 2500, "sku": "H-R",
               "variantTitle": "Red", "vendor": "Knits", "discount": 250, "weight": 200, "categoryIDs": ["c-hats"],
               "tags": ["wool"], "imageUrl": "https://shop.example.com/hat.png", "productUrl": "https://shop.example.com/hat"}])


def test_order_create_get_and_list(v3):
    response = v3.post("/orders", json=FULL_ORDER)
    assert response.status_code == 200
    assert response.json() == {"orderID": "o1", "email": "ann@example.com", "phone": "+37060000001"}
    got = v3.get("/orders/o1").json()
    [contact] = contacts(v3)
    assert got == {**FULL_ORDER, "contactID": contact["contactID"], "updatedAt": "2026-11-02T10:00:00Z"}
    listed = v3.get("/orders").json()
    assert listed["orders"] == [got] and listed["paging"]["next"] is None


def test_order_by_phone_alone_creates_a_phone_contact(v3):
    response = v3.post("/orders", json=order(email=None, phone="+37060000009"))
    assert response.json() == {"orderID": "o1", "phone": "+37060000009"}
    [contact] = contacts(v3)
    assert [(i["type"], i["id"]) for i in contact["identifiers"]] == [("phone", "+37060000009")]
    assert contact["identifiers"][0]["channels"] == {"sms": {"status": "nonSubscribed", "statusDate": "2026-11-02T10:00:00Z"}}


def test_order_needs_an_owner(v3):
    assert messages(v3.post("/orders", json=order(email=None))) == ["email: email, phone or contactID is required"]
    assert messages(v3.post("/orders", json=order(contactID="nope"))) == ["contactID: contact nope not found"]
    assert v3.get("/orders").json()["orders"] == [] and contacts(v3) == []


def test_order_validation_names_every_problem_at_once(v3):
    body = order(orderSum=50.0, paymentStatus="settled", fulfillmentStatus=3, courierUrl="nope", giftWrap=True,
                 products=[{"productID": "hat", "variantID": "v", "title": "T", "quantity": 1, "price": 99.99}],
                 billingAddress={"countryCode": "LTU", "floor": 2})
    del body["createdAt"]
    named = messages(v3.post("/orders", json=body))
    for expected in ("createdAt: field required but not found in Json",
                     "orderSum: wrong field type, expected integer but got number",
                     "'paymentStatus' can't be 'settled'. Available values: awaitingPayment,partiallyPaid,paid,"
                     "partiallyRefunded,refunded,voided",
                     "fulfillmentStatus: wrong field type, expected string but got integer",
                     "courierUrl: 'nope' is not a valid uri",
                     "giftWrap: unknown field",
                     "products[0].price: wrong field type, expected integer but got number",
                     "billingAddress.countryCode: value violates maxLength 2",
                     "billingAddress.floor: unknown field"):
        assert expected in named, named
    assert v3.get("/orders").json()["orders"] == [] and contacts(v3) == []


def test_taken_order_id_is_400_without_fields(v3):
    v3.post("/orders", json=order())
    response = v3.post("/orders", json=order(orderSum=1))
    assert response.status_code == 400
    assert "fields" not in response.json() and "order o1 already exists" in response.json()["error"]
    assert v3.get("/orders/o1").json()["orderSum"] == 5000


def test_order_put_replaces_all_but_the_owner(sb, v3):
    v3.post("/orders", json=FULL_ORDER)
    contact_id = v3.get("/orders/o1").json()["contactID"]
    sb.clock.advance(seconds=60)
    body = {k: v for k, v in order().items() if k not in ("orderID", "email")} | {"orderSum": 4000}
    response = v3.put("/orders/o1", json=body)
    assert response.json() == {"orderID": "o1", "email": "ann@example.com", "phone": "+37060000001"}
    assert v3.get("/orders/o1").json() == {
        "orderID": "o1", "email": "ann@example.com", "phone": "+37060000001", "contactID": contact_id,
        "currency": "EUR", "orderSum": 4000, "createdAt": "2026-11-01T09:00:00Z", "updatedAt": "2026-11-02T10:01:00Z",
        "products": body["products"]}
    assert messages(v3.put("/orders/o1", json={"currency": "EUR", "orderSum": 1})) == [
        "createdAt: field required but not found in Json"]


def test_status_patch_changes_only_status_fields(sb, v3):
    v3.post("/orders", json=order())
    sb.clock.advance(seconds=60)
    patch = {"trackingCode": "TR1", "courierTitle": "DPD", "courierUrl": "https://dpd.example.com/TR1",
             "paymentStatus": "paid", "fulfillmentStatus": "inProgress", "cartID": "k9"}
    response = v3.patch("/orders/o1", json=patch)
    assert response.status_code == 200 and response.json() == {"orderID": "o1", "email": "ann@example.com"}
    got = v3.get("/orders/o1").json()
    assert {k: got[k] for k in patch} == patch and got["updatedAt"] == "2026-11-02T10:01:00Z"
    named = messages(v3.patch("/orders/o1", json={"orderSum": 1, "paymentStatus": "lost"}))
    assert sorted(named) == sorted(["orderSum: unknown field",
                                    "'paymentStatus' can't be 'lost'. Available values: awaitingPayment,partiallyPaid,"
                                    "paid,partiallyRefunded,refunded,voided"])
    assert v3.patch("/orders/nope", json={"paymentStatus": "paid"}).status_code == 404


def test_order_events_follow_the_status(sb, v3):
    v3.post("/orders", json=FULL_ORDER)
    contact_id = v3.get("/orders/o1").json()["contactID"]

    def names():
        return [e["eventName"] for e in events(sb, contact_id)]

    assert names() == ["placed order"]
    placed = events(sb, contact_id)[0]["properties"]
    assert placed == {
        "orderID": "o1", "orderNumber": 1001, "createdAt": "2026-11-01T09:00:00Z", "currency": "EUR", "totalPrice": 50.0,
        "subTotalPrice": 55.0, "subTotalTaxIncluded": True, "totalTax": 8.68, "totalDiscount": 5.0, "shippingPrice": 0.0,
        "shippingMethod": "Courier", "paymentMethod": "card", "paymentStatus": "awaitingPayment",
        "fulfillmentStatus": "unfulfilled", "orderStatusURL": "https://shop.example.com/o/1", "note": "Leave at door",
        "tags": ["gift"], "discounts": [{"code": "WINTER", "amount": 5.0, "type": "fixedAmount"}],
        "lineItems": [{"productID": "hat", "productTitle": "Wool hat", "productPrice": 25.0, "productQuantity": 2,
                       "productVariantID": "hat-red", "productVariantTitle": "Red", "productSKU": "H-R",
                       "productVendor": "Knits", "productDiscount": 2.5, "productWeight": 200,
                       "productImageURL": "https://shop.example.com/hat.png", "productURL": "https://shop.example.com/hat",
                       "productTags": ["wool"], "productCategories": [{"id": "c-hats"}]}],
        "billingAddress": {"firstName": "Ann", "lastName": "Lee", "countryCode": "LT", "city": "Vilnius",
                           "address1": "Gedimino 1", "zip": "01100"},
        "shippingAddress": {"city": "Kaunas"}}

    v3.patch("/orders/o1", json={"paymentStatus": "paid"})
    v3.patch("/orders/o1", json={"paymentStatus": "paid"})  # the same status again fires nothing
    assert names() == ["placed order", "paid for order"]
    v3.patch("/orders/o1", json={"fulfillmentStatus": "fulfilled", "trackingCode": "TR1", "courierTitle": "DPD"})
    fulfilled = events(sb, contact_id, "order fulfilled")
    assert len(fulfilled) == 1 and fulfilled[0]["properties"]["tracking"] == {"code": "TR1", "courierTitle": "DPD"}
    v3.patch("/orders/o1", json={"paymentStatus": "refunded"})
    v3.patch("/orders/o1", json={"canceledDate": "2026-11-02T10:00:00Z", "cancelReason": "customer"})
    assert names() == ["placed order", "paid for order", "order fulfilled", "order refunded", "order canceled"]
    canceled = events(sb, contact_id, "order canceled")[0]["properties"]
    assert canceled["cancelReason"] == "customer" and canceled["paymentStatus"] == "refunded"
    assert all(e["origin"] == "api" for e in events(sb, contact_id))


def test_an_order_created_paid_records_both_events(sb, v3):
    v3.post("/orders", json=order(paymentStatus="paid"))
    assert [e["eventName"] for e in events(sb)] == ["placed order", "paid for order"]
    v3.put("/orders/o1", json={k: v for k, v in order(paymentStatus="paid").items() if k not in ("orderID", "email")})
    assert len(events(sb)) == 2  # a replace that keeps the status fires nothing


def test_order_delete_sticks(v3):
    v3.post("/orders", json=order())
    response = v3.delete("/orders/o1")
    assert response.status_code == 204 and response.content == b""
    assert v3.get("/orders/o1").status_code == 404
    assert v3.get("/orders").json()["orders"] == []
    assert v3.delete("/orders/o1").status_code == 404
    assert v3.put("/orders/o1", json={"currency": "EUR", "orderSum": 1, "createdAt": "2026-11-01T00:00:00Z"}).status_code == 404


def test_following_next_sees_every_order_once(v3):
    created = [f"o{n}" for n in range(5)]
    for order_id in created:
        v3.post("/orders", json=order(order_id))
    seen, url = [], "/orders?limit=2"
    while url:
        page = v3.get(url).json()
        seen += [o["orderID"] for o in page["orders"]]
        url = page["paging"]["next"]
        if url:
            assert url.startswith("http://sandbox.local/omnisend/v3/orders/?")
    assert seen == created


def test_order_filters_and_sorts(sb, v3):
    bob = new_contact(v3, "bob@example.com")
    v3.post("/orders", json=order("o1", orderSum=300, cartID="k1", paymentStatus="paid", fulfillmentStatus="fulfilled",
                                  phone="+37060000001", createdAt="2026-10-01T00:00:00Z"))
    sb.clock.advance(seconds=86400)
    v3.post("/orders", json=order("o2", email=None, contactID=bob, orderSum=900, createdAt="2026-10-03T00:00:00Z"))
    sb.clock.advance(seconds=86400)
    v3.post("/orders", json=order("o3", email="cid@example.com", orderSum=500, paymentStatus="paid",
                                  createdAt="2026-10-02T00:00:00Z"))

    def ids(**params):
        response = v3.get("/orders", params=params)
        assert response.status_code == 200, response.text
        return [o["orderID"] for o in response.json()["orders"]]

    assert ids() == ["o1", "o2", "o3"]
    assert ids(email="bob@example.com") == ["o2"] == ids(contactID=bob)
    assert ids(phone="+37060000001") == ["o1"]
    assert ids(cartID="k1") == ["o1"]
    assert ids(paymentStatus="paid") == ["o1", "o3"]
    assert ids(fulfillmentStatus="fulfilled") == ["o1"]
    assert ids(dateFrom="2026-11-03") == ["o2", "o3"]  # the spec's dateFrom/dateTo bound the update date
    assert ids(dateTo="2026-11-03") == ["o1", "o2"]
    assert ids(sort="orderSum") == ["o2", "o3", "o1"]
    assert ids(sort="createdAt") == ["o2", "o3", "o1"]
    assert ids(sort="updatedAt") == ["o3", "o2", "o1"]
    named = messages(v3.get("/orders", params={"sort": "total", "fulfillmentStatus": "shipped", "dateTo": "x"}))
    assert len(named) == 3


@pytest.mark.parametrize("path", ["/orders/nope", "/carts/nope", "/products/nope", "/categories/nope"])
def test_unknown_ids_answer_404_in_the_v3_shape(v3, path):
    response = v3.get(path)
    assert response.status_code == 404
    assert response.json() == {"error": response.json()["error"], "statusCode": 404}
    assert "nope not found" in response.json()["error"]
