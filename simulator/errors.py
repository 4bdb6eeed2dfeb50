"""Domain errors, raised by the model and the engine and rendered by each surface in its vendor's shape.

The model says *what* is wrong (a field path and a kind of problem); the surface's `errors.py` says
it in the vendor's words and status codes."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a request. `path` is like `identifiers[0].channels` ('' for the body)."""
    path: str
    kind: str  # required | type | enum | format | range | unknown | duplicate | invalid
    expected: Any = None  # the allowed values, the expected type, the bound...
    got: Any = None
    detail: str | None = None  # free text, for rules that fit no kind

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown problem kind {self.kind!r}")


KINDS = {"required", "type", "enum", "format", "range", "unknown", "duplicate", "invalid"}


def repeated(ids: list, where: str, name: str, noun: str = "") -> list[Problem]:
    """A `duplicate` problem for each id given again in a list (`where[i].name`), first one kept."""
    problems, seen = [], set()
    for index, item_id in enumerate(ids):
        if item_id in seen:
            problems.append(Problem(f"{where}[{index}].{name}", "duplicate",
                                    detail=f"{noun + ' ' if noun else ''}{item_id} is given twice"))
        seen.add(item_id)
    return problems


class DomainError(Exception):
    status = 400


@dataclass
class Invalid(DomainError):
    problems: list[Problem] = field(default_factory=list)
    status = 400

    def __str__(self):
        return "; ".join(f"{p.path}: {p.kind}" for p in self.problems)


class MissingReferences(Invalid):
    """Ids in a body that name no record, one problem each: a 404 (JSON:API's answer for a related
    resource that does not exist), not a 400."""
    status = 404


@dataclass
class NotFound(DomainError):
    resource: str
    id: str | None = None
    status = 404


@dataclass
class Conflict(DomainError):
    """The resource's state forbids the call. `code` is a machine slug where the vendor has one."""
    detail: str
    code: str | None = None
    field: str | None = None
    meta: dict | None = None  # vendor extras, e.g. Klaviyo's duplicate_profile_id
    status = 409


@dataclass
class AlreadyExists(DomainError):
    """A create named an id that a record of the same kind already holds (a surface picks the status)."""
    resource: str
    id: str | None = None
    status = 409


@dataclass
class Unauthorized(DomainError):
    detail: str = "missing or invalid API key"
    status = 401


@dataclass
class Forbidden(DomainError):
    detail: str = "not allowed"
    status = 403


@dataclass
class RateLimited(DomainError):
    decision: Any = None  # simulator.core.ratelimit.Decision
    status = 429


@dataclass
class MalformedBody(DomainError):
    """The body could not be read at all: not JSON, not UTF-8, not an object, or the wrong content type."""
    detail: str
    status: int = 400


@dataclass
class TooLarge(DomainError):
    limit: int
    status = 413
