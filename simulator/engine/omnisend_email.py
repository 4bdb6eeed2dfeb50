"""An Omnisend automation email's body: the trigger event's items and its call to action, rendered by
the shared email renderer with the send block's UTM tags.

Items come from the dated line's event shapes (v3 carts and orders are recorded in them too):
`lineItems` (cart, checkout and order events), `product` (`viewed product`, `ordered product`) or the
flat product fields of `product back in stock`. The call to action links the cart's
`abandonedCheckoutURL`, else the order's `orderStatusURL`, else the product's URL."""
from __future__ import annotations

from simulator.engine.email_render import Item, render

ACTIONS = (("abandonedCheckoutURL", "Return to your cart"), ("orderStatusURL", "View your order"))


def _item(line: dict) -> Item:
    """A line item (`productTitle`...) or a viewed product (`title`, `price`, `url`, `imageUrl`)."""
    return Item(title=str(line.get("productTitle") or line.get("title") or ""),
                quantity=_number(line.get("productQuantity")),
                price=_number(line.get("productPrice", line.get("price"))),
                url=line.get("productURL") or line.get("url"),
                image_url=line.get("productImageURL") or line.get("imageUrl"))


def _number(value) -> float | None:
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def items_of(properties: dict) -> list[Item]:
    if isinstance(properties.get("lineItems"), list):
        return [_item(line) for line in properties["lineItems"] if isinstance(line, dict)]
    if isinstance(properties.get("product"), dict):
        return [_item(properties["product"])]
    if properties.get("productTitle"):
        return [_item(properties)]
    return []


def action_of(properties: dict, items: list[Item]) -> tuple[str, str | None] | None:
    for key, label in ACTIONS:
        if isinstance(properties.get(key), str) and properties[key]:
            return label, properties[key]
    if len(items) == 1 and items[0].url:
        return "Shop now", items[0].url
    return None


def email_body(heading: str, properties: dict, utm: dict[str, str]) -> tuple[str, str]:
    """(html, text) for a sendEmail block whose run was triggered with these event properties."""
    items = items_of(properties)
    currency = properties.get("currency") or (properties.get("product") or {}).get("currency")
    return render(heading=heading, items=items, currency=currency if isinstance(currency, str) else None,
                  action=action_of(properties, items), utm=utm)
