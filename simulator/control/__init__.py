"""The control API under `/_sim`: test tooling, never vendor behaviour.

Reachable from loopback only, unless the server was started with an admin token, in which case a
request carrying `Authorization: Bearer <token>` is admitted from anywhere. `/_sim/health` is open
to all, for readiness probes."""
from __future__ import annotations

import hmac

from flask import Blueprint, Request, Response, g, jsonify, request

from simulator.core.clock import HORIZON, MODES
from simulator.core.net import is_loopback
from simulator.core.timefmt import iso, parse_instant
from simulator.errors import DomainError, Forbidden, Invalid, MalformedBody, NotFound, Problem
from simulator.app import IN_PROCESS
from simulator.http import is_json_type, read_json
from simulator.schemas import problems_of

blueprint = Blueprint("sim", __name__)


class ControlSurface:
    name = "sim"
    vendor = "sim"
    prefix = "/_sim"
    blueprint = blueprint

    def admit(self, sandbox, request: Request) -> str | None:
        """The admin token admits from anywhere; else the caller must be on loopback, name a loopback
        host (or one given at start: a DNS-rebinding page names its own) and, to change anything, send
        what a cross-site form cannot (a JSON content type or an `X-Flow-Sandbox` header)."""
        if request.path == "/_sim/health":  # a readiness probe, open like the vendor APIs
            return None
        scheme, _, offered = request.headers.get("Authorization", "").partition(" ")
        token = sandbox.admin_token
        if token and scheme == "Bearer" and hmac.compare_digest(offered.strip().encode(), token.encode()):
            return None
        if not is_loopback(request.remote_addr):
            raise Forbidden("the control API answers loopback only (start the server with --admin-token)")
        if request.environ.get(IN_PROCESS):
            return None  # the caller holds the Sandbox object: no browser in between
        if _host_name(request.host) not in LOOPBACK_HOSTS | set(sandbox.control_hosts):
            raise Forbidden(f"the control API answers only to a loopback Host, not {request.host!r} "
                            "(start the server with --control-host to add a name)")
        if request.method not in ("GET", "HEAD", "OPTIONS") and not is_json_type(request.mimetype) \
                and "X-Flow-Sandbox" not in request.headers:
            raise Forbidden("a control call that changes state needs Content-Type: application/json or an "
                            "X-Flow-Sandbox header (a cross-site form can send neither)")
        return None

    def decorate(self, sandbox, response: Response) -> None:
        response.headers["Cache-Control"] = "no-store"

    def render_error(self, sandbox, error: Exception) -> Response:
        status = error.status if isinstance(error, DomainError) else 500
        if isinstance(error, Invalid):
            detail = "; ".join(f"{p.path}: {p.detail or p.kind}" for p in error.problems)
        elif isinstance(error, NotFound):
            detail = f"no such {error.resource}"
        else:
            detail = getattr(error, "detail", None) or ("internal error" if status == 500 else "bad request")
        response = jsonify({"error": detail, "status": status})
        response.status_code = status
        return response


def check(schema: dict, data) -> dict:
    """`data`, which must be a JSON object matching `schema`: the control API's one body rule
    (every problem at once), for HTTP bodies and for the same calls made in-process."""
    if not isinstance(data, dict):
        raise MalformedBody("a JSON object")
    problems = problems_of(schema, data)
    if problems:
        raise Invalid(problems)
    return data


def checked_body(schema: dict) -> dict:
    return check(schema, read_json(request, g.sandbox.settings.max_body_bytes))


LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def _host_name(host: str) -> str:
    """The name of a Host header without its port: `[::1]:8787` -> `::1`."""
    host = host.lower()
    if host.startswith("["):
        return host[1:].partition("]")[0]
    return host.rpartition(":")[0] if host.count(":") == 1 else host


def _sandbox():
    return g.sandbox


def _clock_json():
    clock = _sandbox().clock
    return {"now": iso(clock.now()), "mode": clock.mode}


@blueprint.post("/reset")
def reset():
    """Empty every account; with `{"clock": "<ISO-8601>"}` also restart the clock there, even backwards."""
    data = checked_body(RESET_SCHEMA) if request.get_data(cache=True) else {}
    if "clock" in data:
        try:
            _sandbox().clock.restart_at(data["clock"])
        except ValueError:
            raise Invalid([Problem("clock", "invalid", detail="an ISO-8601 instant")]) from None
    _sandbox().reset()
    return jsonify({"reset": True, **_clock_json()})


RESET_SCHEMA = {"type": "object", "additionalProperties": False, "properties": {"clock": {"type": "string"}}}


@blueprint.get("/clock")
def get_clock():
    return jsonify(_clock_json())


@blueprint.post("/clock")
def move_clock():
    data = read_json(request, _sandbox().settings.max_body_bytes)
    if not isinstance(data, dict) or len(data.keys() & {"advance_seconds", "to", "mode"}) != 1 or len(data) != 1:
        raise Invalid([Problem("", "invalid", detail='give exactly one of "advance_seconds", "to", "mode"')])
    clock = _sandbox().clock
    if "advance_seconds" in data:
        seconds = data["advance_seconds"]
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
            raise Invalid([Problem("advance_seconds", "invalid", detail="a number of seconds, 0 or more")])
        if seconds >= (HORIZON - clock.now()).total_seconds():
            raise Invalid([Problem("advance_seconds", "invalid", detail=clock.refusal(HORIZON))])
        clock.advance(seconds=seconds)
    elif "to" in data:
        try:
            target = parse_instant(data["to"])
        except (TypeError, ValueError):
            raise Invalid([Problem("to", "invalid", detail="an ISO-8601 instant")]) from None
        if clock.refusal(target):
            raise Invalid([Problem("to", "invalid", detail=clock.refusal(target))])
        clock.advance_to(target)
    else:
        if data["mode"] not in MODES:
            raise Invalid([Problem("mode", "invalid", detail="frozen or real")])
        clock.set_mode(data["mode"])
    return jsonify(_clock_json())


JOURNAL_PAGE = 1000  # entries in a journal answer unless `limit` asks for fewer or more
JOURNAL_PAGE_MAX = 10_000


def _count(name: str, default: int, detail: str, high: int | None = None) -> int:
    raw = request.args.get(name, str(default))
    if not raw.isascii() or not raw.isdigit() or (high is not None and not 1 <= int(raw) <= high):
        raise Invalid([Problem(name, "invalid", detail=detail)])
    return int(raw)


@blueprint.get("/journal")
def journal():
    status = request.args.get("status")
    if status is not None and (not status.isascii() or not status.isdigit()):
        raise Invalid([Problem("status", "invalid", detail="an HTTP status code")])
    offset = _count("offset", 0, "the seq of the last entry already read, 0 or more")
    limit = _count("limit", JOURNAL_PAGE, f"between 1 and {JOURNAL_PAGE_MAX}", JOURNAL_PAGE_MAX)
    entries = _sandbox().journal.entries(vendor=request.args.get("vendor"), path=request.args.get("path"),
                                         status=int(status) if status else None, offset=offset, limit=limit + 1)
    return jsonify({"requests": entries[:limit], "has_more": len(entries) > limit})


@blueprint.get("/outbox")
def outbox():
    offset = _count("offset", 0, "the number of messages to pass over, 0 or more")
    return jsonify({"messages": _sandbox().outbox(vendor=request.args.get("vendor"),
                                                  recipient=request.args.get("recipient"),
                                                  workflow_id=request.args.get("workflow_id"), offset=offset)})


@blueprint.get("/accounts")
def accounts():
    return jsonify({"accounts": _sandbox().accounts()})


@blueprint.get("/settings")
def get_settings():
    return jsonify(_sandbox().settings.to_json())


@blueprint.post("/settings")
def change_settings():
    data = read_json(request, _sandbox().settings.max_body_bytes)
    if not isinstance(data, dict):
        raise MalformedBody("a JSON object of setting names to values")
    problems = _sandbox().settings.update(data)
    if problems:
        raise Invalid([Problem("", "invalid", detail=p) for p in problems])
    return jsonify(_sandbox().settings.to_json())


# Seeding what vendor APIs cannot create lives in one module per vendor, on the same blueprint.
from simulator.control import access, console, faults, health, klaviyo, omnisend, runs, snapshots  # noqa: E402,F401
