"""Automation emails carry their rendered body: the cart's or product's items, and links tagged with
the block's UTM settings (`html` and `text` in the outbox), end to end through HTTP; and the shared
renderer's link tagging."""
from __future__ import annotations

from simulator.engine.email_render import tag_link
from tests.engine_support import contact, create, email, event, on, set_enabled, sms
from tests.test_engine_triggers import product, sim  # noqa: F401 (sim is a fixture)


def test_an_abandoned_cart_email_lists_the_items_and_tags_its_links(sb, api, v3):
    contact(v3, "ann@example.com", phone="+15550100", firstName="Ann")
    flow = create(api, "Cart", on("added product to cart"),
                  [email("mail", "[[contact.first_name]], your cart is waiting"), sms("text")], enable=False)
    tags = {"campaign": "cart-nov", "medium": "email", "source": "sandbox"}
    assert api.put(f"/automations/{flow['id']}/blocks/{flow['ids']['mail']}/utm", json={"tags": tags}).status_code == 200
    set_enabled(api, flow["id"], True)
    line = {"productID": "p1", "productTitle": "Blue <shirt>", "productPrice": 25.5, "productQuantity": 2,
            "productVariantID": "v1", "productURL": "https://shop.example/p1?color=blue",
            "productImageURL": "https://cdn.example/p1.png"}
    event(api, "ann@example.com", "added product to cart", {
        "cartID": "c1", "currency": "EUR", "value": 51.0, "abandonedCheckoutURL": "https://shop.example/cart/c1",
        "addedItem": line, "lineItems": [line, {**line, "productID": "p2", "productTitle": "Cap", "productPrice": 9.0,
                                                "productQuantity": 1, "productURL": "https://shop.example/p2"}]})
    mail, text = sb.client("sim").get("/outbox").json()["messages"]
    assert mail["subject"] == "Ann, your cart is waiting"
    utm = "utm_source=sandbox&utm_medium=email&utm_campaign=cart-nov"
    html = mail["html"]
    assert "<h1>Ann, your cart is waiting</h1>" in html
    assert f'<a href="https://shop.example/p1?color=blue&amp;{utm.replace("&", "&amp;")}">Blue &lt;shirt&gt;</a>' in html
    assert "<td>2</td><td>25.50 EUR</td>" in html and "<td>1</td><td>9.00 EUR</td>" in html
    assert '<img src="https://cdn.example/p1.png"' in html
    assert f'<a class="button" href="https://shop.example/cart/c1?{utm.replace("&", "&amp;")}">Return to your cart</a>' in html
    assert mail["text"] == (f"Ann, your cart is waiting\n\n2 x Blue <shirt> 25.50 EUR <https://shop.example/p1?color=blue&{utm}>\n"
                            f"1 x Cap 9.00 EUR <https://shop.example/p2?{utm}>\n\n"
                            f"Return to your cart: https://shop.example/cart/c1?{utm}\n")
    assert text["channel"] == "sms" and text["html"] is None and text["text"] is None


def test_the_default_utm_tags_and_a_back_in_stock_product(sb, api, v3, sim):
    from tests.engine_support import brand_of
    product(v3)
    contact(v3, "ann@example.com")
    flow = create(api, "Back", on("product back in stock"), [email("mail", "[[event.productTitle]] is back")])
    sim.post("/omnisend/back-in-stock-subscriptions",
             json={"brand": brand_of(sb).id, "email": "ann@example.com", "productID": "p1", "variantID": "v1"})
    product(v3, status="inStock")
    [mail] = sb.outbox()
    campaign = f"automation%3A+Back+%28{flow['id']}%29"
    link = f"https://shop.example/p1?utm_source=omnisend&utm_medium=email&utm_campaign={campaign}"
    assert mail["text"] == f"Blue shirt is back\n\nBlue shirt 25.00 USD <{link}>\n\nShop now: {link}\n"


def test_tag_link_replaces_utm_keeps_the_rest_and_leaves_other_schemes():
    utm = {"source": "s", "medium": "m", "campaign": "c d"}
    assert tag_link("https://a.example/x?utm_source=old&k=1#top", utm) == \
        "https://a.example/x?k=1&utm_source=s&utm_medium=m&utm_campaign=c+d#top"
    assert tag_link("mailto:help@a.example", utm) == "mailto:help@a.example"
    assert tag_link(None, utm) is None


def test_a_v3_cart_renders_its_lines_in_the_cart_currency(sb, api, v3):
    from tests.engine_support import cart_line
    contact(v3, "ann@example.com")
    create(api, "Cart", on("added product to cart", origin="api"), [email("mail", "Your cart")])
    cart_line(v3, "c1", "ann@example.com", "a", price=1250)
    [mail] = sb.outbox()
    assert "1 x Item a 12.50 USD" in mail["text"] and "<td>Item a</td><td>1</td><td>12.50 USD</td>" in mail["html"]
