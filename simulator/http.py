"""Reading request bodies the same strict way on every surface.

A body is accepted only as JSON text in UTF-8 under a JSON content type; anything else becomes a
`MalformedBody` or `TooLarge` error that each surface renders in its vendor's shape."""
from __future__ import annotations

import json
import math
import re

from flask import Request
from werkzeug.exceptions import RequestEntityTooLarge

from simulator.errors import MalformedBody, TooLarge

_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _reject_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _finite(text: str) -> float:
    """A JSON number as a float, refused when it is too large for one (`1e309` would be infinity,
    which the sandbox could only serve back as the non-JSON `Infinity`)."""
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"the number {text[:40]} is too large")
    return value


def is_json_type(mimetype: str) -> bool:
    return mimetype == "application/json" or mimetype.endswith("+json")


# One decoder for every body: `json.loads` with hooks builds a new one per call.
_DECODER = json.JSONDecoder(parse_constant=_reject_constant, parse_float=_finite)


def read_json(request: Request, limit: int):
    """The parsed body. Raises TooLarge past `limit` bytes, MalformedBody for anything not JSON."""
    length = request.content_length
    if length is not None and length > limit:
        raise TooLarge(limit)
    mimetype = request.mimetype
    if not is_json_type(mimetype):
        if not mimetype and not length and not request.get_data(cache=True):
            raise MalformedBody("a JSON body is required")  # nothing sent: a missing body, not a wrong type
        raise MalformedBody(f"Content-Type must be application/json, not {mimetype or 'absent'}", 415)
    try:
        raw = request.get_data(cache=True)
    except RequestEntityTooLarge:
        raise TooLarge(limit) from None
    if len(raw) > limit:
        raise TooLarge(limit)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedBody(f"body is not valid UTF-8 (byte {exc.start})") from None
    try:
        value = _DECODER.decode(text)
    except (ValueError, RecursionError) as exc:
        raise MalformedBody(f"invalid JSON: {str(exc)[:200]}") from None
    if _SURROGATE_ESCAPE.search(text):
        try:
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise MalformedBody("invalid JSON: a string holds an unpaired UTF-16 surrogate") from None
    return value
