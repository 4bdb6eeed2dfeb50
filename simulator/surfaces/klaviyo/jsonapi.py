"""JSON:API shapes as Klaviyo serves them: resource objects with `links.self`, collections with
`links.self/next/prev` (absolute URLs on the sandbox's own host), cursors and sparse fieldsets.

Cursors are accepted three ways, because the official SDK sends all three depending on the link it
was given: bare (`ABC`), with a leading `=` (`=ABC`), or as the whole `next` URL."""
from __future__ import annotations

import base64
import binascii
from urllib.parse import parse_qs, urlencode, urlsplit

from flask import g, request

from simulator.errors import Invalid, Problem


def base_url() -> str:
    """`http://host:port/klaviyo/api` or `/klaviyo/client`, as the request came in."""
    return request.url_root.rstrip("/") + g.surface.prefix


def resource(type_: str, id_: str, attributes: dict, relationships: dict | None = None,
             collection: str | None = None) -> dict:
    fields = sparse_fields(type_)
    if fields is not None:
        attributes = {k: v for k, v in attributes.items() if k in fields}
    out = {"type": type_, "id": id_, "attributes": attributes}
    if relationships is not None:
        out["relationships"] = relationships
    out["links"] = {"self": f"{base_url()}/{collection or type_ + 's'}/{id_}/"}
    return out


def sparse_fields(type_: str) -> set[str] | None:
    raw = request.args.get(f"fields[{type_}]")
    return None if raw is None else {f.strip() for f in raw.split(",") if f.strip()}


def encode_cursor(position: str) -> str:
    return base64.urlsafe_b64encode(f"next::id::{position}".encode()).decode().rstrip("=")


def page_cursor() -> str | None:
    """The position named by `page[cursor]`, however the client spelled it; None on the first page."""
    raw = request.args.get("page[cursor]")
    if raw is None or raw == "":
        return None
    if raw.startswith("="):
        raw = raw[1:]
    if "://" in raw or raw.startswith("/"):
        found = parse_qs(urlsplit(raw).query).get("page[cursor]")
        raw = found[0] if found else ""
    try:
        decoded = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        decoded = ""
    if not decoded.startswith("next::id::"):
        raise Invalid([Problem("page[cursor]", "invalid", detail="Invalid cursor provided.")])
    return decoded.removeprefix("next::id::")


def page_size(default: int, low: int, high: int) -> int:
    raw = request.args.get("page[size]")
    if raw is None:
        return default
    if not raw.isascii() or not raw.isdigit() or not low <= int(raw) <= high:
        raise Invalid([Problem("page[size]", "invalid",
                               detail=f"Page size must be an integer between {low} and {high}.")])
    return int(raw)


def page_of(items: list, key, size: int) -> tuple[list, str | None]:
    """The page after the cursor in the request, and the cursor of the page after it (or None)."""
    position = page_cursor()
    start = 0
    if position is not None:
        ids = [key(item) for item in items]
        start = ids.index(position) + 1 if position in ids else len(items)
    page = items[start:start + size]
    more = start + size < len(items)
    return page, (key(page[-1]) if page and more else None)


def collection(data: list[dict], next_position: str | None, included: list[dict] | None = None) -> dict:
    args = {k: v for k, v in request.args.items() if k != "page[cursor]"}
    here = request.base_url
    links = {"self": f"{here}?{urlencode(request.args)}" if request.args else here}  # next: only when there is one
    if next_position is not None:
        links["next"] = f"{here}?{urlencode({**args, 'page[cursor]': encode_cursor(next_position)})}"
    out = {"data": data, "links": links}
    if included:
        out["included"] = included
    return out
