"""v3 paging: `offset`/`limit` for most lists, an `after` cursor inside `paging.next` for contacts.

`next`/`previous` are absolute URLs on the host and prefix the request came in on, with the `/`
before `?` that Omnisend's own examples keep (`.../v3/carts/?offset=2&limit=2`)."""
from __future__ import annotations

import re
from urllib.parse import urlencode

from flask import request

from simulator.errors import Invalid, Problem

MAX_LIMIT = 250
_DIGITS = re.compile(r"-?[0-9]{1,4000}")  # ASCII digits, under int()'s 4300-digit ceiling
DEFAULT_LIMIT = 100


def _integer(name: str, default: int, low: int, high: int | None, problems: list[Problem]) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not _DIGITS.fullmatch(raw):  # `?limit=` too: blank is no integer  # int() alone also takes "1_0", " 5" and other scripts' digits
        problems.append(Problem(name, "type", expected="integer", got="string"))
        return default
    value = int(raw)
    if value < low or (high is not None and value > high):
        problems.append(Problem(name, "range", expected=("minimum" if value < low else "maximum",
                                                         low if value < low else high), got=value))
    return value


def limit_and_offset(with_offset: bool = True) -> tuple[int, int]:
    problems: list[Problem] = []
    limit = _integer("limit", DEFAULT_LIMIT, 1, MAX_LIMIT, problems)
    offset = _integer("offset", 0, 0, None, problems) if with_offset else 0
    if problems:
        raise Invalid(problems)
    return limit, offset


def link(**params) -> str:
    """This request's URL with `params` replacing its paging parameters; other filters are kept."""
    query = {k: v for k, v in request.args.items() if k not in ("offset", "limit", "after")}
    query.update({k: v for k, v in params.items() if v is not None})
    base = request.base_url if request.base_url.endswith("/") else request.base_url + "/"
    return f"{base}?{urlencode(query)}"


def offset_page(items: list, limit: int, offset: int) -> tuple[list, dict]:
    """One page of `items` and its `paging` object (`next`/`previous` null at either end)."""
    page = items[offset:offset + limit]
    more = offset + limit < len(items)
    paging = {
        "previous": link(offset=max(0, offset - limit), limit=limit) if offset > 0 else None,
        "next": link(offset=offset + limit, limit=limit) if more else None,
        "offset": offset,
        "limit": limit,
    }
    return page, paging


def cursor_paging(next_cursor: str | None, limit: int) -> dict:
    return {"previous": None, "next": link(after=next_cursor, limit=limit) if next_cursor else None,
            "limit": limit}
