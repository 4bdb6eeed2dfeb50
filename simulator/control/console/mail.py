"""What a sent message looks like in the inbox: its HTML and text, headers, links (with the UTM and
tracking parameters each vendor adds) and the run that sent it.

The outbox keeps what was sent (who, which workflow, which step, the subject, and the body where the
engine rendered one: Omnisend automation emails, engine/email_render.py, and Klaviyo emails with a
template, engine/klaviyo_template.py, whose links the inbox lists as sent); any other body is rendered
here, when it is looked at, from the message and the event that triggered its run. Neither vendor
API lets the sandbox read a template's content, so that is one plain default layout: the subject,
the items of the triggering event (name, price, picture, link) and a call to action.

Link parameters, as each vendor adds them to email links:
* Klaviyo: `utm_source=Klaviyo`, `utm_medium=email`, `utm_campaign=<flow message name>`,
  `utm_id=<flow id>` (the account defaults, https://help.klaviyo.com/hc/en-us/articles/115005247808)
  and `_kx`, the profile token of "email to website tracking";
* Omnisend: the automation block's UTM tags (`GET /automations/{id}/utm`: source `omnisend`, medium
  the channel, campaign `automation: <name> (<id>)` unless changed) and `omnisendContactID`."""
from __future__ import annotations

import base64
import email.utils
import hashlib
import html
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from simulator.core.timefmt import parse_instant
from simulator.errors import NotFound

ITEM_NAMES = ("name", "title", "productTitle", "productName", "ProductName", "product_name")
ITEM_URLS = ("url", "productUrl", "productURL", "ProductURL", "product_url", "URL")
ITEM_PRICES = ("price", "productPrice", "ItemPrice", "item_price", "Price", "unitPrice")
ITEM_IMAGES = ("imageUrl", "imageURL", "ImageURL", "image_url", "productImageURL", "image")
CTA_URLS = ("cartRecoveryUrl", "cartRecoveryURL", "checkoutUrl", "checkout_url", "CheckoutURL", "$url", "url", "URL")
DEFAULT_SHOP = "https://shop.example"
TRACKING = {"klaviyo": "_kx", "omnisend": "omnisendContactID"}
_ANCHOR = re.compile(r"""<a\b[^>]*?href\s*=\s*["']([^"']*)["'][^>]*>(.*?)</a>""", re.IGNORECASE | re.DOTALL)


def run_that_sent(sandbox, message_id: str):
    """The run whose step sent this message (a campaign's messages have none)."""
    for run in sandbox.engine.runs.runs():
        if any(step.detail.get("message_id") == message_id for step in run.steps):
            return run
    return None


def view(sandbox, message_id: str) -> dict:
    """Everything the inbox shows of one message, as `GET /_sim/messages/<id>` answers it."""
    message = sandbox.messages.get(message_id)
    if message is None:
        raise NotFound("message", message_id)
    run = run_that_sent(sandbox, message_id)
    event = run.trigger_event if run else {}
    properties = event.get("properties") if isinstance(event.get("properties"), dict) else {}
    tracked = _tracker(sandbox, message, run)
    items = [{**item, "url": tracked(item["url"]) if item.get("url") else None} for item in _items(properties)]
    action = tracked(_first(properties, CTA_URLS) or _shop_url(sandbox, message))
    links = [{"text": "Call to action", "url": action}] + [{"text": i["name"], "url": i["url"]} for i in items if i["url"]]
    if message.vendor == "klaviyo" and message.html:  # the client's own template, rendered: its links are the truth
        links = _links_in(message.html)
    for link in links:
        link["parameters"] = dict(parse_qsl(urlsplit(link["url"]).query))
    subject = message.subject or ""
    return {"message": message.to_json(), "run": run.to_json() if run else None,
            "headers": _headers(message, subject), "links": links, "items": items, "action": action,
            "subject": subject, "trigger": {k: v for k, v in event.items() if k != "properties"},
            "text": message.text or _text(message, subject, items, action)}


def _links_in(body: str) -> list[dict]:
    """Every `<a href>` of a rendered body: its text and URL."""
    return [{"text": " ".join(html.unescape(re.sub(r"<[^>]+>", "", text)).split()), "url": html.unescape(url)}
            for url, text in _ANCHOR.findall(body)]


def _items(properties: dict) -> list[dict]:
    """The line items of an event: the first list of objects that name a product."""
    for value in properties.values():
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            items = [{"name": str(_first(v, ITEM_NAMES) or ""), "url": _first(v, ITEM_URLS),
                      "price": _first(v, ITEM_PRICES), "image": _first(v, ITEM_IMAGES),
                      "quantity": v.get("quantity") or v.get("Quantity")} for v in value]
            if any(item["name"] for item in items):
                return items
    return []


def _first(source: dict, names: tuple[str, ...]):
    return next((source[n] for n in names if isinstance(source.get(n), (str, int, float)) and source[n] != ""), None)


def _shop_url(sandbox, message) -> str:
    if message.vendor == "omnisend":
        website = sandbox.omnisend_brand(message.account).profile.website
        if website:
            return website
    return DEFAULT_SHOP + "/"


def _tracker(sandbox, message, run):
    """A function adding the vendor's UTM and tracking parameters to a link."""
    if message.vendor == "klaviyo":
        token = base64.urlsafe_b64encode(hashlib.blake2b(
            f"{sandbox.seed}|{message.account}|{message.recipient}".encode(), digest_size=15).digest()).decode()
        added = {"utm_source": "Klaviyo", "utm_medium": message.channel,
                 "utm_campaign": message.subject or message.workflow_name, "utm_id": message.workflow_id,
                 "_kx": token}
    else:
        tags = _omnisend_utm(sandbox, message)
        added = {"utm_source": tags["source"], "utm_medium": tags["medium"], "utm_campaign": tags["campaign"],
                 "omnisendContactID": run.contact_id if run else _contact_id(sandbox, message)}

    def track(url: str) -> str:
        parts = urlsplit(str(url))
        query = parse_qsl(parts.query) + [(k, v) for k, v in added.items() if v]
        return urlunsplit(parts._replace(query=urlencode(query)))
    return track


def _omnisend_utm(sandbox, message) -> dict:
    from simulator.omnisend.automations import automations_of
    automation = automations_of(sandbox.omnisend_brand(message.account)).find(message.workflow_id)
    if automation is not None:
        try:
            return automation.utm_tags(automation.block(message.step_id))
        except NotFound:
            pass
    return {"source": "omnisend", "medium": message.channel, "campaign": f"campaign: {message.workflow_name} ({message.workflow_id})"}


def _contact_id(sandbox, message) -> str | None:
    from simulator.omnisend.contacts import contacts_of
    contact = contacts_of(sandbox.omnisend_brand(message.account)).by_email(message.recipient)
    return contact.id if contact else None


def _headers(message, subject: str) -> dict:
    sent = parse_instant(message.sent_at)
    sender = "Sandbox brand <store@shop.example>"
    return {"From": sender, "To": message.recipient, "Subject": subject,
            "Date": email.utils.format_datetime(sent), "Message-ID": f"<{message.id}@{message.vendor}.flow-sandbox>",
            "List-Unsubscribe": f"<{DEFAULT_SHOP}/unsubscribe?message={message.id}>",
            "X-Flow-Sandbox-Workflow": f"{message.workflow_name} ({message.workflow_id}), step {message.step_id}"}


def _text(message, subject: str, items: list[dict], action: str) -> str:
    lines = [subject, ""]
    for item in items:
        lines.append(f"- {item['name']}" + (f"  {item['price']}" if item["price"] is not None else "")
                     + (f"  <{item['url']}>" if item["url"] else ""))
    lines += ["", f"Continue: {action}", "", f"Sent by {message.workflow_name} to {message.recipient}."]
    return "\n".join(lines)
