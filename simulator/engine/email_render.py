"""An email's body as the sandbox renders it: the items the trigger carried, links tagged with UTM
parameters, as HTML and as plain text (the outbox message's `html` and `text`).

Vendor-neutral: a vendor interpreter turns its event into `Item`s and a call to action and hands in
its UTM tags; the layout is the sandbox's own (neither vendor's template designs are served by their
APIs), so tests and demos can check what matters: which items, which prices, which links."""
from __future__ import annotations

import html as _html
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

UTM_PARAMETERS = ("source", "medium", "campaign")


@dataclass
class Item:
    title: str
    quantity: float | None = None
    price: float | None = None
    url: str | None = None
    image_url: str | None = None


def with_parameters(url: str | None, parameters: dict[str, str]) -> str | None:
    """`url` with `parameters` set (replacing any of the same name; other parameters and the
    fragment kept). Only http(s) links are tagged."""
    if not url or not parameters or urlsplit(url).scheme not in ("http", "https"):
        return url
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in parameters]
    return urlunsplit(parts._replace(query=urlencode(query + list(parameters.items()))))


def tag_link(url: str | None, utm: dict[str, str]) -> str | None:
    """`url` with `utm_source`, `utm_medium` and `utm_campaign` set from `utm`."""
    return with_parameters(url, {f"utm_{name}": utm[name] for name in UTM_PARAMETERS if utm.get(name)})


def money(amount: float | None, currency: str | None) -> str:
    return "" if amount is None else f"{amount:,.2f} {currency or ''}".rstrip()


def render(*, heading: str, items: list[Item], currency: str | None, action: tuple[str, str | None] | None,
           utm: dict[str, str]) -> tuple[str, str]:
    """(html, text) of an email: a heading, one row per item (linked, with quantity and price), and a
    call to action `(label, url)`; every link tagged with `utm`."""
    esc = _html.escape
    rows, lines = [], [heading, ""]
    for item in items:
        link = tag_link(item.url, utm)
        title = f'<a href="{esc(link)}">{esc(item.title)}</a>' if link else esc(item.title)
        image = f'<img src="{esc(item.image_url)}" alt="" width="80">' if item.image_url else ""
        quantity = "" if item.quantity is None else f"{item.quantity:g}"
        rows.append(f"<tr><td>{image}</td><td>{title}</td><td>{quantity}</td><td>{esc(money(item.price, currency))}</td></tr>")
        lines.append(" ".join(part for part in (f"{quantity} x" if quantity else "", item.title,
                                                money(item.price, currency), f"<{link}>" if link else "") if part))
    html = [f"<!doctype html><html><body><h1>{esc(heading)}</h1>"]
    if rows:
        html.append('<table class="items">' + "".join(rows) + "</table>")
    if action and action[1]:
        label, url = action[0], tag_link(action[1], utm)
        html.append(f'<p><a class="button" href="{esc(url)}">{esc(label)}</a></p>')
        lines += ["", f"{label}: {url}"]
    html.append("</body></html>")
    return "".join(html), "\n".join(lines) + "\n"
