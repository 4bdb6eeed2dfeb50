"""The Klaviyo surfaces: `/klaviyo/api` (private key or OAuth token) and `/klaviyo/client` (public
company id, no key), JSON:API throughout.

Every request: credentials -> the `revision` header -> the operation this view serves in that
revision (404 if the revision lacks it) -> its scopes -> its burst, steady and daily fixed windows
for the account. Non-429 answers carry `RateLimit-Limit/-Remaining/-Reset` for the steady window;
a 429 carries an integer `Retry-After` instead. Views name their operation(s) with `@operation`."""
from __future__ import annotations

from flask import Blueprint, Request, Response, g, request
from werkzeug.exceptions import MethodNotAllowed

from simulator.app import is_internal
from simulator.errors import (Forbidden, Invalid, MalformedBody, NotFound, Problem, RateLimited,
                              Unauthorized)
from simulator.http import is_json_type
from simulator.surfaces.klaviyo import errors, revisions
from simulator.surfaces.klaviyo.jsonapi import check_sparse_fields
from simulator.surfaces.klaviyo.operations import operation as operation_named, route, vendored_for

api_blueprint = Blueprint("klaviyo_api", __name__)
client_blueprint = Blueprint("klaviyo_client", __name__)
_OPERATIONS: dict[str, tuple[str, ...]] = {}  # Flask endpoint -> operation ids (one per revision range)
FORM_OPERATIONS = {"upload_image_from_file"}  # the spec's one multipart/form-data body (images.py)


def operation(*operation_ids: str):
    """Mark a view as serving these operations (a path renamed across revisions has two ids)."""
    def register(view):
        blueprint = client_blueprint if operation_named(operation_ids[0]).path.startswith("/client") else api_blueprint
        _OPERATIONS[f"{blueprint.name}.{view.__name__}"] = operation_ids
        return view
    return register


class _KlaviyoSurface:
    vendor = "klaviyo"
    blueprint: Blueprint

    def admit(self, sandbox, request: Request) -> str | None:
        ctx = g._get_current_object()  # read and written a dozen times a request: not through its proxy
        ctx.rate = None
        ctx.account_id, scopes, quota = self.credentials(sandbox, request)
        today = sandbox.clock.now().date()
        revision = revisions.resolve(request.headers.get("revision"), today,
                                     sandbox.settings.klaviyo_reject_future_revision)
        ctx.revision, ctx.vendored = revision, vendored_for(revision)
        if request.url_rule is None:
            return ctx.account_id  # an unknown path: routing answers 404 next
        op = self._operation(request)
        ctx.operation = op
        if scopes is not None and not set(op.scopes) <= scopes:
            missing = ", ".join(sorted(set(op.scopes) - scopes))
            raise Forbidden(f"You do not have permission to perform this action. Missing scopes: {missing}.")
        check_sparse_fields(op.facts.get("fields", {}))
        if (request.method in ("POST", "PATCH", "PUT") and request.content_length and not is_json_type(request.mimetype)
                and not (op.id in FORM_OPERATIONS and request.mimetype == "multipart/form-data")):
            raise MalformedBody(f"Unsupported media type \"{request.mimetype}\" in request.", 415)
        if not is_internal(request) and sandbox.settings.klaviyo_rate_limits:
            windows = op.windows(ctx.vendored, sandbox.settings.klaviyo_rate_limit_scale)
            key = ("klaviyo", ctx.account_id, quota, op.id)
            now = sandbox.clock.now()
            decision = sandbox.limiter.hit(key, windows, now)
            steady = next((w for w in windows if w.period_seconds == 60), windows[0])
            remaining, reset = sandbox.limiter.peek(key, steady, now)
            ctx.rate = (decision, steady.limit, remaining, reset)
            if not decision.allowed:
                raise RateLimited(decision)
        return ctx.account_id

    @staticmethod
    def _operation(request: Request):
        operation_ids = _OPERATIONS.get(request.url_rule.endpoint)
        if operation_ids is None:  # the generic route: the operation table routes the path
            methods, g.path_params = route(request.path[len("/klaviyo"):])
            operation_ids = methods.get(request.method, ())
            if not operation_ids:
                allowed = sorted(m for m, ids in methods.items() if any(g.vendored in operation_named(i).limits
                                                                        for i in ids))
                if allowed:
                    raise MethodNotAllowed(valid_methods=allowed)
                raise NotFound("route", request.path)
        for operation_id in operation_ids:
            op = operation_named(operation_id)
            if g.vendored in op.limits:
                return op
        raise NotFound("revision", "No valid revisions found for method")

    def decorate(self, sandbox, response: Response) -> None:
        if response.mimetype == "application/json":
            response.mimetype = "application/vnd.api+json"
        rate = g.get("rate")
        if rate is None:
            return
        decision, limit, remaining, reset = rate
        if decision.allowed and response.status_code != 429:
            response.headers["RateLimit-Limit"] = str(limit)
            response.headers["RateLimit-Remaining"] = str(remaining)
            response.headers["RateLimit-Reset"] = str(reset)
        else:
            response.headers["Retry-After"] = str(decision.retry_after)

    def render_error(self, sandbox, error: Exception) -> Response:
        return errors.render(error, lambda: sandbox.request_ids.next("klaviyo-error", "uuid"))


class KlaviyoApiSurface(_KlaviyoSurface):
    name = "klaviyo-api"
    prefix = "/klaviyo/api"
    blueprint = api_blueprint

    @staticmethod
    def credentials(sandbox, request: Request):
        """(account, scopes or None for all, quota key): private keys share the account's quota,
        each OAuth app has its own."""
        scheme, _, value = request.headers.get("Authorization", "").strip().partition(" ")
        value = value.strip()
        if scheme == "Klaviyo-API-Key" and value:
            credential = sandbox.credential("klaviyo", value)
            if credential is None:
                raise errors.BadCredentials("Incorrect authentication credentials.")
            return credential.account, credential.scopes, "keys"
        if scheme == "Bearer" and value:
            grant = sandbox.tokens.bearer("klaviyo", value, sandbox.clock.now())
            if grant is None:
                raise errors.BadCredentials("Incorrect authentication credentials.")
            return grant.account, grant.scopes, f"oauth:{grant.client_id}"
        raise Unauthorized("Missing or invalid authorization scheme. Please use Klaviyo-API-Key.")


class KlaviyoClientSurface(_KlaviyoSurface):
    name = "klaviyo-client"
    prefix = "/klaviyo/client"
    blueprint = client_blueprint

    @staticmethod
    def credentials(sandbox, request: Request):
        """Client endpoints take the public key as `company_id` and no Authorization header."""
        company = sandbox.keyring.company(request.args.get("company_id"))
        if company is None:
            detail = "company_id is required." if not request.args.get("company_id") else "Invalid company_id."
            raise Invalid([Problem("company_id", "invalid", detail=detail)])
        return company, None, "client"


# Each resource module adds its routes to the blueprints; `generic` last, for every operation left.
from simulator.surfaces.klaviyo import metrics, profiles, lists, events, subscriptions, client, flows, related  # noqa: E402,F401
from simulator.surfaces.klaviyo import images, reports, segments  # noqa: E402,F401
from simulator.surfaces.klaviyo import generic  # noqa: E402,F401
