"""RFC 9457 problem bodies of the dated API, sent as `application/json` as the spec files declare
(`api_problem_content_type` switches to RFC 9457's `application/problem+json`; docs/omnisend-api.md).

`type` URIs: `not-found`, `validation-failed` and `rate-limit-exceeded` are Omnisend's documented
ones; the others follow the same pattern (docs/omnisend-api.md lists which are assumed). A
validation problem lists every failing field in `errors[] {field, code, message}`; a 429 carries
`retryAfter` in whole seconds; a conflict with a slug (`enroll-existing-not-applicable`) names it
in `type` and in `errors[].code`."""
from __future__ import annotations

from flask import current_app

from simulator.errors import (AlreadyExists, Conflict, DomainError, Forbidden, Invalid, MalformedBody, NotFound,
                              Problem, RateLimited, TooLarge, Unauthorized)

BASE = "https://problems.omnisend.com/"
TITLES = {
    400: ("validation-failed", "Validation failed"),
    401: ("unauthorized", "Unauthorized"),
    402: ("payment-required", "Payment required"),
    403: ("forbidden", "Forbidden"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    409: ("conflict", "Conflict"),
    410: ("version-retired", "API version has been retired"),
    413: ("payload-too-large", "Payload too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    422: ("unprocessable", "Unprocessable entity"),
    429: ("rate-limit-exceeded", "Too many requests"),
    500: ("internal-error", "Internal server error"),
}
CODES = {"required": "required", "type": "invalid_type", "enum": "invalid_value", "format": "invalid_format",
         "range": "out_of_range", "unknown": "unknown_field", "duplicate": "duplicate", "invalid": "invalid"}


def field_error(problem: Problem) -> dict:
    """One failing field: `{field, code, message}` with a dot path (`identifiers.0.id`)."""
    field = problem.path.replace("[", ".").replace("]", "")
    kind = problem.kind
    if problem.detail:
        message = problem.detail[0].upper() + problem.detail[1:]
    elif kind == "required":
        message = f"{field or 'Body'} is required"
    elif kind == "enum":
        message = f"Must be one of: {', '.join(map(str, problem.expected))}"
    elif kind == "type":
        expected = problem.expected if isinstance(problem.expected, str) else " or ".join(problem.expected)
        message = f"Must be of type {expected}"
    elif kind == "format":
        message = f"Must be a valid {problem.expected}"
    elif kind == "range":
        bound, value = problem.expected
        message = f"Violates {bound} {value}"
    elif kind == "unknown":
        message = "Unknown field"
    else:
        message = "Invalid value"
    return {"field": field, "code": CODES[kind], "message": message}


def body_of(error: Exception, instance: str) -> tuple[int, dict]:
    status = error.status if isinstance(error, DomainError) else 500
    slug, title = TITLES.get(status, TITLES[500] if status >= 500 else TITLES[400])
    body: dict = {}
    if isinstance(error, Invalid):
        detail = "One or more fields are invalid."
        body["errors"] = [field_error(p) for p in error.problems]
    elif isinstance(error, NotFound):
        detail = (f"No route {error.id}." if error.resource == "route"
                  else f"{error.resource[:1].upper()}{error.resource[1:]} '{error.id}' not found.")
    elif isinstance(error, Conflict):
        detail = error.detail
        if error.code:
            slug = error.code
            body["errors"] = [{"field": error.field or "", "code": error.code, "message": error.detail}]
    elif isinstance(error, AlreadyExists):
        detail = f"{error.resource[:1].upper()}{error.resource[1:]} '{error.id}' already exists."
    elif isinstance(error, RateLimited):
        detail = f"Rate limit of {error.decision.limit} requests exceeded; retry after {error.decision.retry_after} s."
        body["retryAfter"] = error.decision.retry_after
    elif isinstance(error, TooLarge):
        detail = "The request body is too large."
    elif isinstance(error, (MalformedBody, Unauthorized, Forbidden)) or hasattr(error, "detail"):
        detail = getattr(error, "detail", "") or title
    else:
        detail = title
    return status, {"type": BASE + slug, "title": title, "status": status, "detail": detail,
                    "instance": instance, **body}


def render(error: Exception, instance: str, content_type: str = "application/json"):
    status, body = body_of(error, instance)
    response = current_app.json.response(body)
    response.status_code = status
    response.mimetype = content_type
    return response
