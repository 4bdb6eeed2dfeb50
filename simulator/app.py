"""The one Flask app: every surface mounted under its prefix, with the shared request pipeline.

Pipeline for every request: take the sandbox lock (one in-memory model, many server threads) ->
run what wall time made due (real clock) -> the surface admits the request (auth, rate limit) ->
the view -> the surface decorates the response -> the journal records it. Errors anywhere become
the surface's vendor body; nothing escapes as a bare 500.

A request the sandbox makes to itself (each item of a batch, v3 or dated, runs as the single request
it stands for, so it gets exactly that endpoint's answer: `simulator.internal`) carries `INTERNAL` in
its WSGI environ: it runs no due jobs (it is itself run by a job, with the clock pinned), is not
journalled (the batch request was) and its surface does not charge it to the rate limit (the batch
request was charged)."""
from __future__ import annotations

import logging

from flask import Flask, Response, g, request
from werkzeug.routing import Rule
from werkzeug.exceptions import HTTPException, NotFound as RouteNotFound, RequestEntityTooLarge

from simulator.core.timefmt import http_date, iso
from simulator.errors import DomainError, NotFound, TooLarge

log = logging.getLogger("simulator")

INTERNAL = "simulator.internal"  # WSGI environ key of a request the sandbox makes to itself
IN_PROCESS = "simulator.in_process"  # WSGI environ key of a call from `Sandbox.client` (no socket)


def is_internal(req) -> bool:
    return bool(req.environ.get(INTERNAL))


class HttpStatusError(DomainError):
    """A werkzeug-level refusal (405, a bad request line...) to be said in the surface's words."""

    def __init__(self, status: int, detail: str = ""):
        super().__init__(detail)
        self.status = status
        self.detail = detail


class _LazyBuildRule(Rule):
    """A URL rule whose URL builder is compiled on first use: werkzeug compiles two builders per rule
    when the app is made, most of a sandbox's start-up (profiled), and the sandbox never builds a URL
    from a rule."""

    def _compile_builder(self, append_unknown: bool = True):
        compiled = []

        def build(rule, *args, **kwargs):
            if not compiled:
                compiled.append(Rule._compile_builder(rule, append_unknown).__get__(rule, None))
            return compiled[0](*args, **kwargs)
        return build


def create_app(sandbox, surfaces) -> Flask:
    from simulator.control import faults  # the control package imports this module: imported when used
    app = Flask("simulator")
    app.url_rule_class = _LazyBuildRule
    app.json.sort_keys = False
    app.json.compact = True
    app.url_map.strict_slashes = False
    app.config["MAX_CONTENT_LENGTH"] = None  # checked per request against the live setting
    for surface in surfaces:
        app.register_blueprint(surface.blueprint, url_prefix=surface.prefix)

    by_prefix = sorted(surfaces, key=lambda s: -len(s.prefix))

    def surface_of(path: str):
        for surface in by_prefix:
            if path == surface.prefix or path.startswith(surface.prefix + "/"):
                return surface
        return None

    # The hooks run on every request: each reads the request and `g` through their proxies once.
    @app.before_request
    def admit():
        req, ctx = request._get_current_object(), g._get_current_object()
        surface = ctx.surface = surface_of(req.path)
        ctx.sandbox = sandbox  # every view reaches the model through it
        ctx.account = None
        if not is_internal(req):
            sandbox.clock.catch_up()
        if surface is not None:
            ctx.account = surface.admit(sandbox, req)
            return faults.intercept(sandbox, req, surface, ctx.account)

    @app.after_request
    def finish(response: Response):
        now = sandbox.clock.now()
        response.headers["Date"] = http_date(now)  # virtual time, not the server's
        req, ctx = request._get_current_object(), g._get_current_object()
        surface = getattr(ctx, "surface", None)
        if surface is not None:
            surface.decorate(sandbox, response)
            if surface.vendor != "sim" and not is_internal(req):
                sandbox.journal.record(time=iso(now), vendor=surface.vendor,
                                       method=req.method, path=req.path,
                                       query=req.query_string.decode("latin-1"),
                                       status=response.status_code, account=ctx.account, fault=ctx.get("fault"))
        return response

    @app.errorhandler(Exception)
    def render(error: Exception):
        surface = getattr(g, "surface", None) or surface_of(request.path)
        if surface is None:  # outside every surface: werkzeug's own answer
            return error if isinstance(error, HTTPException) else Response("internal error", 500)
        allowed = getattr(error, "valid_methods", None)  # a 405 says which methods the path takes (RFC 9110)
        error = _as_domain_error(error)
        if not isinstance(error, DomainError):
            log.exception("unexpected error on %s %s", request.method, request.path)
        response = surface.render_error(sandbox, error)
        if allowed:
            response.headers["Allow"] = ", ".join(sorted(allowed))
        return response

    return app


def _as_domain_error(error: Exception) -> Exception:
    if isinstance(error, RequestEntityTooLarge):
        return TooLarge(0)
    if isinstance(error, RouteNotFound):
        return NotFound("route", request.path)
    if isinstance(error, HTTPException):
        return HttpStatusError(error.code or 500, error.description or "")
    return error


class LockedApp:
    """WSGI wrapper that runs each request under the sandbox lock; the body is already built."""

    def __init__(self, app: Flask, lock):
        from simulator.control.faults import deliver
        self.app = app
        self.lock = lock
        self.deliver = deliver  # a fault's latency or lost connection, carried out outside the lock

    def __call__(self, environ, start_response):
        with self.lock:
            body = list(self.app.wsgi_app(environ, start_response))
        return self.deliver(environ, body)
