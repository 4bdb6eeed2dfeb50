"""Omnisend v3 error bodies: `{"error": "...", "statusCode": N, "fields": [[...], ...]}`.

The default texts are the spec's per-status defaults (`trait-errorStatusCodes-*`); validation names
every problem at once, one message per entry of `fields`, worded like Omnisend's own messages
("identifiers[0].channels: field required but not found in Json")."""
from __future__ import annotations

from flask import Response, current_app

from simulator.errors import AlreadyExists, DomainError, Invalid, MalformedBody, NotFound, Problem, RateLimited, TooLarge, Unauthorized

TEXT = {
    400: "Bad Request - invalid parameters, fields or filters",
    401: "Unauthorized - authorization error (invalid basic auth data or API key)",
    403: "Forbidden – The server understood the request, but is refusing it (blocked due to many errors "
         "in particular time) or the access is not allowed.",
    404: "Not found – There is no resource behind the URI.",
    405: "Method Not Allowed",
    408: "Request timeout",
    413: "Request Entity Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Entity – used if the server cannot process the enitity, e.g. mandatory fields are "
         "missing in the payload.",
    429: "to many requests (rate limit) - current",
    500: "Internal Server Error",
}


def message(problem: Problem) -> str:
    """One problem in Omnisend's wording."""
    where, kind = problem.path or "body", problem.kind
    if kind == "required":
        return f"{where}: field required but not found in Json"
    if kind == "enum":
        leaf = where.rsplit(".", 1)[-1]
        allowed = ",".join(str(v) for v in problem.expected)
        return f"'{leaf}' can't be '{problem.got}'. Available values: {allowed}"
    if kind == "type":
        expected = problem.expected if isinstance(problem.expected, str) else " or ".join(problem.expected)
        return f"{where}: wrong field type, expected {expected} but got {problem.got}"
    if kind == "format":
        return f"{where}: '{problem.got}' is not a valid {problem.expected}"
    if kind == "range":
        bound, value = problem.expected
        return f"{where}: value violates {bound} {value}"
    if kind == "unknown":
        return f"{where}: unknown field"
    return f"{where}: {problem.detail}"


def body_of(error: Exception, with_status_code: bool) -> tuple[int, dict]:
    status = getattr(error, "status", 500) if isinstance(error, DomainError) else 500
    if isinstance(error, Invalid):
        fields = [[message(p)] for p in error.problems]
        text = f"{len(fields)} error(s) found. Check 'fields' array for details."
        body = {"error": text, "fields": fields}
    elif isinstance(error, MalformedBody):
        body = {"error": f"{TEXT.get(error.status, TEXT[400])}: {error.detail}"}
    elif isinstance(error, AlreadyExists):
        # v3 declares no 409, and clients retry a refused create as PUT on a 400 without `fields`
        # (php-sdk `push()`, the WooCommerce plugin): see docs/omnisend-v3.md
        status = 400
        body = {"error": f"{TEXT[400]} ({error.resource} {error.id} already exists)"}
    elif isinstance(error, NotFound) and error.resource != "route":
        body = {"error": f"{TEXT[404]} ({error.resource} {error.id} not found)"}
    elif isinstance(error, RateLimited):
        body = {"error": f"{TEXT[429]} limit is {error.decision.limit} requests per period"}
    elif isinstance(error, (TooLarge, Unauthorized)):
        body = {"error": TEXT[status]}
    else:
        body = {"error": TEXT.get(status, TEXT[500] if status >= 500 else TEXT[400])}
    if with_status_code:
        body = {"error": body["error"], "statusCode": status, **{k: v for k, v in body.items() if k != "error"}}
    return status, body


def render(error: Exception, with_status_code: bool) -> Response:
    status, body = body_of(error, with_status_code)
    response = current_app.json.response(body)
    response.status_code = status
    return response
