"""Helpers every v3 resource module uses: the current brand and clock, and the checked body."""
from __future__ import annotations

from flask import current_app, g, request

from simulator.core.timefmt import iso, parse_instant
from simulator.errors import Invalid, Problem
from simulator.http import read_json
from simulator.omnisend.brand import Brand
from simulator.schemas import contract

SURFACE = "omnisend-v3"


def brand() -> Brand:
    return g.brand


def now():
    return g.sandbox.clock.now()


def settings():
    return g.sandbox.settings


def body(operation_id: str) -> dict:
    """The request body, checked against the operation's contract; every problem raised at once."""
    data = read_json(request, settings().max_body_bytes)
    contract(SURFACE, operation_id).check_request(data, settings().v3_reject_unknown_fields)
    return data


def stamp(value):
    """A model datetime as v3 prints it, or None."""
    return iso(value) if value is not None else None


def instant(value, path: str):
    """Parse a client-sent ISO-8601 value, or raise a format problem naming `path`."""
    if value is None:
        return None
    try:
        return parse_instant(value)
    except (TypeError, ValueError):
        raise Invalid([Problem(path, "format", expected="date-time", got=value)]) from None


def query_instant(name: str):
    return instant(request.args.get(name) or None, name)


def no_content():
    """A 204: no body and no content type (Flask would otherwise label the empty body text/html)."""
    response = current_app.response_class(status=204)
    response.headers.pop("Content-Type", None)
    return response
