"""The Omnisend dated API, mounted at `/omnisend/api`, over the same brands as v3.

Every request: `Authorization: Omnisend-API-Key <key>` (every scope, unless the keys file limits
it) or `Authorization: Bearer <token>` (the scopes its OAuth grant holds) -> the `Omnisend-Version`
header -> the operation's scopes -> the brand's sliding-window budget for that endpoint group.
Each view names its operation with `@operation("<operationId>")`, which ties it to its contract
(`contracts/omnisend-api/<operationId>.json`: request and response schemas, scopes)."""
from __future__ import annotations

from flask import Blueprint, Request, Response, g

from simulator.app import is_internal
from simulator.errors import Forbidden, RateLimited, Unauthorized
from simulator.schemas import contract
from simulator.surfaces.omnisend_api import problems, ratelimits, versions

blueprint = Blueprint("omnisend_api", __name__)
SURFACE = "omnisend-api"
_OPERATIONS: dict[str, str] = {}  # Flask endpoint -> operationId


def operation(operation_id: str):
    """Mark a view as the contract's operation (scopes, request and response schemas)."""
    def register(view):
        _OPERATIONS[f"{blueprint.name}.{view.__name__}"] = operation_id
        return view
    return register


def operation_of(request: Request) -> str | None:
    return _OPERATIONS.get(request.url_rule.endpoint) if request.url_rule is not None else None


class OmnisendApiSurface:
    name = "omnisend-api"
    vendor = "omnisend"
    prefix = "/omnisend/api"
    blueprint = blueprint

    def admit(self, sandbox, request: Request) -> str | None:
        account, scopes = self._authenticate(sandbox, request)
        g.oauth = request.headers.get("Authorization", "").startswith("Bearer ")
        g.scopes = scopes  # None: every scope (an API key); views needing more read it (common.require_scope)
        g.brand = sandbox.omnisend_brand(account)
        g.version = versions.resolve(request.headers.get(versions.HEADER))
        operation_id = operation_of(request)
        if operation_id is not None and scopes is not None:
            needed = contract(SURFACE, operation_id).document["operation"].get("scopes", [])
            if needed and not scopes & set(needed):
                raise Forbidden(f"Insufficient permissions for this operation: needs {' or '.join(needed)}.")
        if not is_internal(request):
            path = request.path[len(self.prefix):] or "/"
            name, windows = ratelimits.bucket(path, request.method, sandbox.settings.api_rate_limit)
            decision = sandbox.limiter.hit(("omnisend-api", account, name), windows, sandbox.clock.now())
            if not decision.allowed:
                raise RateLimited(decision)
        return account

    @staticmethod
    def _authenticate(sandbox, request: Request) -> tuple[str, frozenset[str] | None]:
        scheme, _, value = request.headers.get("Authorization", "").strip().partition(" ")
        value = value.strip()
        if scheme == "Omnisend-API-Key":
            credential = sandbox.credential("omnisend", value)
            if credential is not None:
                return credential.account, credential.scopes
            raise Unauthorized("The API key is not valid.")
        if scheme == "Bearer":
            grant = sandbox.tokens.bearer("omnisend", value, sandbox.clock.now())
            if grant is not None:
                return grant.account, grant.scopes
            raise Unauthorized("The access token is not valid or has expired.")
        raise Unauthorized("Send 'Authorization: Omnisend-API-Key <key>' or 'Authorization: Bearer <token>'.")

    def decorate(self, sandbox, response: Response) -> None:
        """The dated API documents no rate-limit or version headers: none are added."""

    def render_error(self, sandbox, error: Exception) -> Response:
        return problems.render(error, f"urn:omnisend:request:{sandbox.request_ids.next('request', 'uuid')}",
                               sandbox.settings.api_problem_content_type)


# Each resource module adds its routes to the blueprint.
from simulator.surfaces.omnisend_api import brands  # noqa: E402,F401
from simulator.surfaces.omnisend_api import batches, campaigns, contacts, events, segments  # noqa: E402,F401
from simulator.surfaces.omnisend_api import automations  # noqa: E402,F401
from simulator.surfaces.omnisend_api import catalog, event_metadata  # noqa: E402,F401
