"""Klaviyo's JSON:API error bodies: `{"errors": [{id, status, code, title, detail, source, links, meta}]}`.

Codes and titles follow the bodies Klaviyo has been seen to send (Django REST Framework's wording:
`not_authenticated`, `authentication_failed`, `throttled`, `duplicate_profile`, `invalid`); the ones
no public body shows (403, 404, 405, 410, 413, 415) use the same framework's defaults."""
from __future__ import annotations

from flask import current_app

from simulator.errors import (AlreadyExists, Conflict, DomainError, Forbidden, Invalid, MalformedBody, NotFound,
                              Problem, RateLimited, TooLarge, Unauthorized)

TITLES = {
    400: ("invalid", "Invalid input."),
    401: ("not_authenticated", "Authentication credentials were not provided."),
    403: ("permission_denied", "You do not have permission to perform this action."),
    404: ("not_found", "Not found."),
    405: ("method_not_allowed", "Method not allowed."),
    409: ("conflict", "Conflict."),
    410: ("gone", "Gone."),
    413: ("request_too_large", "Request entity too large."),
    415: ("unsupported_media_type", "Unsupported media type."),
    429: ("throttled", "Request was throttled."),
    500: ("error", "A server error occurred."),
}


class BadCredentials(Unauthorized):
    """A key or token in the right scheme that names nothing (as opposed to no usable credentials)."""


def pointer(path: str) -> str:
    """`data.attributes.email` or `attributes.email` -> `/data/attributes/email`."""
    parts = [p for p in path.replace("[", ".").replace("]", "").split(".") if p]
    if parts and parts[0] != "data":
        parts.insert(0, "data")
    return "/" + "/".join(parts) if parts else "/data/"


def problem_detail(problem: Problem) -> str:
    if problem.detail:
        return problem.detail
    field = problem.path.rsplit(".", 1)[-1] or "data"
    if problem.kind == "required":
        return f"'{field}' is a required field."
    if problem.kind == "enum":
        return f"'{problem.got}' is not a valid choice for '{field}'."
    if problem.kind == "type":
        return f"'{field}' must be of type {problem.expected}."
    if problem.kind == "unknown":
        return f"'{field}' is not a valid field for this resource."
    if problem.kind == "range":
        bound, value = problem.expected
        return f"'{field}' violates {bound} {value}."
    return f"'{field}' is invalid."


def errors_of(error: Exception, new_id) -> tuple[int, list[dict]]:
    """(status, error objects); `new_id()` gives each object its own id, as Klaviyo does."""
    status = error.status if isinstance(error, DomainError) else 500
    code, title = TITLES.get(status, TITLES[500] if status >= 500 else TITLES[400])

    def one(detail: str, source: dict | None = None, **extra) -> dict:
        return {"id": new_id(), "status": status, "code": extra.pop("code", code), "title": extra.pop("title", title),
                "detail": detail, "source": source or {"pointer": "/data/"}, "links": extra.pop("links", {}),
                "meta": extra.pop("meta", {})}

    if isinstance(error, Invalid):
        return status, [one(problem_detail(p), {"parameter": p.path} if _is_parameter(p.path) else {"pointer": pointer(p.path)})
                        for p in error.problems]
    if isinstance(error, BadCredentials):
        return status, [one(error.detail, code="authentication_failed", title="Incorrect authentication credentials.")]
    if isinstance(error, (Unauthorized, Forbidden, MalformedBody)):
        return status, [one(error.detail)]
    if isinstance(error, RateLimited):
        wait = error.decision.retry_after
        return status, [one(f"Request was throttled. Expected available in {wait} second{'s' if wait != 1 else ''}.",
                            {"pointer": "/data"},
                            links={"type": "https://developers.klaviyo.com/en/docs/rate_limits_and_error_handling#rate-limits"})]
    if isinstance(error, NotFound):
        detail = error.id if error.resource == "revision" else (
            "Not found." if error.resource == "route" else f"A {error.resource} with id {error.id} does not exist.")
        return status, [one(detail)]
    if isinstance(error, Conflict):
        return status, [one(error.detail, {"pointer": pointer(error.field or "data.attributes")},
                            code=error.code or code, meta=error.meta or {})]
    if isinstance(error, AlreadyExists):
        return status, [one(f"A {error.resource} with id {error.id} already exists.")]
    if isinstance(error, TooLarge):
        return status, [one("The request body is too large.")]
    return status, [one(getattr(error, "detail", None) or title)]


_PARAMETERS = ("revision", "company_id", "filter", "sort", "include", "page", "fields", "additional-fields")


def _is_parameter(path: str) -> bool:
    return path.split("[", 1)[0].split(".", 1)[0] in _PARAMETERS


def render(error: Exception, new_id):
    status, errors = errors_of(error, new_id)
    response = current_app.json.response({"errors": errors})
    response.status_code = status
    response.mimetype = "application/vnd.api+json"
    return response
