"""Fault injection (`/_sim/faults`): make a vendor fail, slow down or go away, as WireMock's faults
and LocalStack's chaos API do, so an integration's retry logic meets more than 429s.

A rule matches on surface (or vendor), operation, path (a glob on the sandbox path or the vendor's
own, e.g. `/api/events`), account and method, optionally only inside a window of virtual time, with
a seeded probability, or for the next N matching calls. The first live rule that matches a request
the vendor admitted (known key, within its rate limit) decides its fate:

* `status` 500/502/503/504: the vendor's error body for that status; 429: the vendor's throttle
  body and headers, with `retry_after` seconds;
* `latency_ms`, or `latency` {distribution: uniform (min_ms, max_ms) | exponential (mean_ms)}: the
  real answer, late by that much wall time (a live client's wall-clock promise);
* `connection`: `drop` (reset by peer), `empty` (closed with no bytes) or `timeout` (held
  `timeout_seconds`, then closed): live-server clients only, since an in-process client has no
  connection to lose.

The request's journal entry names the rule in its `fault` field. Latency and connection effects
happen outside the sandbox lock (`deliver`), so a slow answer never stalls other clients."""
from __future__ import annotations

import datetime as _dt
import fnmatch
import hashlib
import math
import socket
import struct
import threading
from dataclasses import dataclass, field

from flask import Response, g, jsonify

from simulator.control import blueprint, check, checked_body
from simulator.core.clock import wall_wait
from simulator.core.ratelimit import Decision
from simulator.core.timefmt import parse_instant
from simulator.errors import DomainError, Invalid, NotFound, Problem, RateLimited

FAULT = "flow_sandbox.fault"  # WSGI environ key: the late or lost answer `deliver` must carry out
CHANNEL = "flow_sandbox.channel"  # WSGI environ key: the waitress channel of a live request (simulator.server)
SERVER_ERRORS = {500: "A server error occurred.", 502: "Bad gateway.", 503: "Service temporarily unavailable.",
                 504: "Gateway timeout."}
CONNECTION = ("drop", "empty", "timeout")
SURFACES = ("klaviyo", "klaviyo-api", "klaviyo-client", "omnisend", "omnisend-v3", "omnisend-api", "omnisend-oauth")
_TEXT = {"type": "string", "minLength": 1}
RULE_SCHEMA = {
    "type": "object", "additionalProperties": False,
    "properties": {
        "id": _TEXT, "surface": {"enum": list(SURFACES)}, "operation": _TEXT, "path": _TEXT, "account": _TEXT,
        "method": {"enum": ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]},
        "status": {"enum": [429, *SERVER_ERRORS]}, "retry_after": {"type": "integer", "minimum": 1},
        "latency_ms": {"type": "number", "minimum": 0},
        "latency": {"type": "object", "additionalProperties": False, "required": ["distribution"], "properties": {
            "distribution": {"enum": ["uniform", "exponential"]}, "min_ms": {"type": "number", "minimum": 0},
            "max_ms": {"type": "number", "minimum": 0}, "mean_ms": {"type": "number", "minimum": 0}}},
        "connection": {"enum": list(CONNECTION)}, "timeout_seconds": {"type": "number", "minimum": 0, "maximum": 600},
        "times": {"type": "integer", "minimum": 1}, "probability": {"type": "number", "minimum": 0, "maximum": 1},
        "from": _TEXT, "until": _TEXT,
    },
}
EFFECTS = ("status", "latency_ms", "latency", "connection")


class ServerFault(DomainError):
    """A 5xx the vendor would answer in an outage; each surface words it as its vendor does."""

    def __init__(self, status: int):
        super().__init__(SERVER_ERRORS[status])
        self.status = status
        self.detail = SERVER_ERRORS[status]


@dataclass
class Rule:
    spec: dict  # the rule as posted, with its id
    remaining: int | None  # calls left when `times` was given
    matched: int = 0
    draws: int = 0  # random numbers drawn so far (probability, latency): the next one is a function of it

    @property
    def id(self) -> str:
        return self.spec["id"]

    def to_json(self) -> dict:
        return {**self.spec, "matched": self.matched, "remaining": self.remaining}

    def draw(self, seed: int) -> float:
        """A number in [0, 1) from the seed, the rule and how many were drawn: runs repeat exactly."""
        self.draws += 1
        digest = hashlib.blake2b(f"{seed}|{self.id}|{self.draws}".encode(), digest_size=8).digest()
        return struct.unpack(">Q", digest)[0] / 2 ** 64


@dataclass
class Faults:
    """The sandbox's fault rules, in the order they were set."""
    rules: list[Rule] = field(default_factory=list)
    made: int = 0

    def add(self, spec: dict) -> Rule:
        problems = [Problem(name, "invalid", detail="an ISO-8601 instant") for name in ("from", "until")
                    if name in spec and not _is_instant(spec[name])]
        effects = [name for name in EFFECTS if name in spec]
        if len(effects) != 1:
            problems.append(Problem("", "invalid", detail=f"give exactly one effect of {', '.join(EFFECTS)}"))
        if "retry_after" in spec and spec.get("status") != 429:
            problems.append(Problem("retry_after", "invalid", detail="only with status 429"))
        if "timeout_seconds" in spec and spec.get("connection") != "timeout":
            problems.append(Problem("timeout_seconds", "invalid", detail='only with connection "timeout"'))
        if any(rule.id == spec.get("id") for rule in self.rules):
            problems.append(Problem("id", "invalid", detail="a rule with this id exists"))
        if problems:
            raise Invalid(problems)
        rule_id = spec.get("id")
        while rule_id is None or any(rule.id == rule_id for rule in self.rules):  # a made id skips taken ones
            self.made += 1
            rule_id = f"fault-{self.made}"
        spec = {"id": rule_id, **{k: v for k, v in spec.items() if k != "id"}}
        rule = Rule(spec, spec.get("times"))
        self.rules.append(rule)
        return rule

    def remove(self, rule_id: str) -> None:
        kept = [rule for rule in self.rules if rule.id != rule_id]
        if len(kept) == len(self.rules):
            raise NotFound("fault", rule_id)
        self.rules = kept

    def clear(self) -> None:
        self.rules = []

    def match(self, seed: int, now: _dt.datetime, surface, method: str, path: str, endpoint: str | None,
              account: str | None, live: bool) -> Rule | None:
        """The rule that fires on this request, counted as fired; None when none does."""
        for rule in self.rules:
            spec = rule.spec
            if rule.remaining == 0 or (spec.get("connection") and not live):
                continue
            if "surface" in spec and spec["surface"] not in (surface.name, surface.vendor):
                continue
            if spec.get("method", method) != method or spec.get("account", account) != account:
                continue
            if "operation" in spec and (endpoint or "").rsplit(".", 1)[-1] != spec["operation"]:
                continue
            if "path" in spec and not _path_matches(spec["path"], path):
                continue
            if ("from" in spec and now < parse_instant(spec["from"])) or ("until" in spec and now >= parse_instant(spec["until"])):
                continue
            if "probability" in spec and rule.draw(seed) >= spec["probability"]:
                continue
            rule.matched += 1
            if rule.remaining is not None:
                rule.remaining -= 1
            return rule
        return None


def _is_instant(value) -> bool:
    try:
        parse_instant(value)
    except (TypeError, ValueError):
        return False
    return True


def _path_matches(pattern: str, path: str) -> bool:
    """On the sandbox path (`/klaviyo/api/events`) or the vendor's own (`/api/events`, `/v3/contacts`)."""
    pattern, path = pattern.rstrip("/") or "/", path.rstrip("/") or "/"
    vendor_path = "/" + path.lstrip("/").partition("/")[2]
    return fnmatch.fnmatchcase(path, pattern) or fnmatch.fnmatchcase(vendor_path, pattern)


# -- the request pipeline (simulator.app) ----------------------------------------------------------

def intercept(sandbox, req, surface, account: str | None) -> Response | None:
    """Called once a vendor surface admitted `req`: the fault's answer, if a rule fires and answers
    in the vendor's words; latency and connection effects are left in the environ for `deliver`."""
    if not sandbox.faults.rules or surface.vendor == "sim":
        return None
    rule = sandbox.faults.match(sandbox.seed, sandbox.clock.now(), surface, req.method, req.path,
                        req.url_rule.endpoint if req.url_rule else None, account, CHANNEL in req.environ)
    if rule is None:
        return None
    g.fault = rule.id
    spec = rule.spec
    if "status" in spec:
        if spec["status"] == 429:
            return _throttled(sandbox, surface, spec.get("retry_after", 1))
        return surface.render_error(sandbox, ServerFault(spec["status"]))
    if "connection" in spec:  # the request never reaches the vendor: nothing is done, nothing answered
        req.environ[FAULT] = (spec["connection"], spec.get("timeout_seconds", 30))
        return Response(status=0)  # never sent: the journal's status 0 says no answer went out
    req.environ[FAULT] = _delay(rule, sandbox.seed)
    return None


def _throttled(sandbox, surface, retry_after: int) -> Response:
    """The vendor's own 429: its body from the surface, its headers from the surface's decorate, which
    reads the throttle decision from `g.rate` in the surface's shape."""
    real = g.get("rate")  # the request's own decision: its limit is the one the body names
    limit = (real[0] if isinstance(real, tuple) else real).limit if real else 0
    decision = Decision(False, limit, 0, retry_after)
    if surface.vendor == "klaviyo":
        g.rate = (decision, limit, 0, retry_after)
    elif surface.name == "omnisend-v3":
        g.rate = decision
    response = surface.render_error(sandbox, RateLimited(decision))
    response.headers["Retry-After"] = str(retry_after)
    return response


def _delay(rule: Rule, seed: int) -> float:
    """The added latency in seconds: fixed, or drawn from the rule's seeded distribution."""
    spec = rule.spec
    if "latency_ms" in spec:
        return spec["latency_ms"] / 1000
    shape = spec["latency"]
    if shape["distribution"] == "uniform":
        low, high = shape.get("min_ms", 0), shape.get("max_ms", shape.get("min_ms", 0))
        return (low + (high - low) * rule.draw(seed)) / 1000
    return -math.log(1 - rule.draw(seed)) * shape.get("mean_ms", 0) / 1000


def deliver(environ: dict, body: list) -> list:
    """Outside the sandbox lock, before the first byte goes out: wait the added latency, or lose
    the connection as the rule says (through waitress's own loop, on its thread)."""
    effect = environ.get(FAULT)
    if effect is None:
        return body
    channel = environ.get(CHANNEL)
    if not isinstance(effect, tuple):
        if channel is not None:  # a live client: real delay; in-process, time is virtual
            wall_wait(effect)
        return body
    connection, timeout_seconds = effect
    if connection == "timeout":
        wall_wait(timeout_seconds)
    _close(channel, reset=connection == "drop")
    return []


def _close(channel, reset: bool) -> None:
    closed = threading.Event()

    def close():
        if reset and channel.socket is not None:  # linger 0: the close sends RST, "connection reset by peer"
            channel.socket.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        channel.close()
        closed.set()

    try:
        channel.server.trigger.pull_trigger(close)
    except OSError:  # the server stopped meanwhile (a timeout outlived it): its connections are gone
        return
    closed.wait(5)


# -- /_sim/faults ------------------------------------------------------------------------------------

@blueprint.get("/faults")
def list_faults():
    return jsonify({"faults": [rule.to_json() for rule in g.sandbox.faults.rules]})


@blueprint.post("/faults")
def add_fault():
    rule = g.sandbox.faults.add(checked_body(RULE_SCHEMA))
    response = jsonify(rule.to_json())
    response.status_code = 201
    return response


@blueprint.delete("/faults")
def clear_faults():
    g.sandbox.faults.clear()
    return Response(status=204)


@blueprint.delete("/faults/<rule_id>")
def remove_fault(rule_id: str):
    g.sandbox.faults.remove(rule_id)
    return Response(status=204)


def add_faults(sandbox, specs: list[dict]) -> list[dict]:
    """Set rules in-process (a scenario's `faults:`), with the same checks as `POST /_sim/faults`."""
    with sandbox.lock:
        return [sandbox.faults.add(check(RULE_SCHEMA, spec)).to_json() for spec in specs]
