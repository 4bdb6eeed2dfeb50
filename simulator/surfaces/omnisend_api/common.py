"""Helpers the dated API's resource modules share: brand, clock, scopes, checked body, cursor paging."""
from __future__ import annotations

import base64
import binascii
import json

from flask import current_app, g, jsonify, request

from simulator.errors import Forbidden, Invalid, Problem
from simulator.http import read_json
from simulator.omnisend.brand import Brand
from simulator.schemas import contract

SURFACE = "omnisend-api"


def brand() -> Brand:
    return g.brand


def now():
    return g.sandbox.clock.now()


def sandbox():
    return g.sandbox


def require_scope(*scopes: str) -> None:
    """Refuse (403) a bearer token holding none of `scopes`; an API key holds every scope. For
    operations whose scope depends on the request (a batch needs its endpoint's scope)."""
    held = g.get("scopes")
    if held is not None and not held & set(scopes):
        raise Forbidden(f"Insufficient permissions for this operation: needs {' or '.join(scopes)}.")


def reply(document, status: int = 200):
    """A JSON answer with its status (201 for a create)."""
    response = jsonify(document)
    response.status_code = status
    return response


def empty(status: int):
    """A response with no body and no content type (202 accepted, 204 no content)."""
    response = current_app.response_class(status=status)
    response.headers.pop("Content-Type", None)
    return response


def body(operation_id: str):
    """The request body, checked against the operation's contract; every problem raised at once."""
    settings = g.sandbox.settings
    data = read_json(request, settings.max_body_bytes)
    contract(SURFACE, operation_id).check_request(data, settings.api_reject_unknown_fields)
    return data


def limit(default: int = 100, low: int = 1, high: int = 250) -> int:
    raw = request.args.get("limit")
    if raw is None:
        return default
    if not raw.isascii() or not raw.isdigit() or not low <= int(raw) <= high:
        raise Invalid([Problem("limit", "range", expected=("between", f"{low} and {high}"), got=raw)])
    return int(raw)


def encode_cursor(position: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(position, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(name: str) -> dict | None:
    raw = request.args.get(name)
    if raw is None:
        return None
    try:
        value = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        if isinstance(value, dict):
            return value
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError):
        pass
    raise Invalid([Problem(name, "format", expected="a cursor from paging.cursors", got=raw)])


def cursor_page(items: list, key, page_size: int, state: dict | None = None) -> tuple[list, dict]:
    """A page of `items` (already filtered and sorted) after or before the cursor in the request.

    `key(item)` is the item's stable id, which the cursors carry, with `state` (e.g. the sort, for a
    list whose cursors carry it). Returns (page, paging) with
    `paging = {limit, hasMore, cursors: {after, before}}`."""
    after, before = decode_cursor("after"), decode_cursor("before")
    if after is not None and before is not None:
        raise Invalid([Problem("after", "invalid", detail="after and before cannot be combined")])
    ids = [key(item) for item in items]
    if after is not None:
        start = ids.index(after.get("id")) + 1 if after.get("id") in ids else len(ids)
        page = items[start:start + page_size]
        has_more = start + page_size < len(items)
    elif before is not None:
        end = ids.index(before.get("id")) if before.get("id") in ids else 0
        start = max(0, end - page_size)
        page = items[start:end]
        has_more = start > 0
    else:
        start = 0
        page = items[:page_size]
        has_more = page_size < len(items)
    state = state or {}
    cursors = {"after": encode_cursor({"id": key(page[-1]), **state}) if page else None,
               "before": encode_cursor({"id": key(page[0]), **state}) if page and start > 0 else None}
    return page, {"limit": page_size, "hasMore": has_more, "cursors": cursors}
