"""Omnisend's OAuth 2.0 authorization-code flow, at `/omnisend/oauth2` (app.omnisend.com/oauth2).

There is no person to ask, so `authorize` approves at once: it redirects to `redirect_uri` with a
code for the brand named by the sandbox-only `brand` parameter (default: the seed's test brand)
and the scopes asked for. With a keys file (`--keys`) the brand must be listed there and the scopes
within what its keys have: a grant never reaches further than a key would. `token` swaps the code (or a refresh token) for a bearer token that the
dated API accepts with exactly those scopes. Errors use RFC 6749's `{"error", "error_description"}`."""
from __future__ import annotations

import datetime as _dt
import re
from urllib.parse import urlencode

from flask import Blueprint, Request, Response, g, jsonify, redirect, request

from simulator.errors import DomainError, TooLarge
from simulator.http import is_json_type, read_json

blueprint = Blueprint("omnisend_oauth", __name__)
SCOPES = frozenset({
    "contacts.read", "contacts.write", "events.read", "events.write", "products.read", "products.write",
    "automations.read", "automations.write", "campaigns.read", "campaigns.write", "segments.read",
    "segments.write", "brands.read", "brands.write", "analytics.read", "email-templates.read",
    "email-templates.write"})
BRAND = re.compile(r"^[0-9a-f]{24}$")


class OAuthError(DomainError):
    def __init__(self, error: str, description: str, status: int = 400):
        super().__init__(description)
        self.error, self.description, self.status = error, description, status


class OmnisendOAuthSurface:
    name = "omnisend-oauth"
    vendor = "omnisend"
    prefix = "/omnisend/oauth2"
    blueprint = blueprint

    def admit(self, sandbox, request: Request) -> str | None:
        """No key here: the client is named by `client_id` in each call."""
        return None

    def decorate(self, sandbox, response: Response) -> None:
        response.headers["Cache-Control"] = "no-store"

    def render_error(self, sandbox, error: Exception) -> Response:
        if not isinstance(error, OAuthError):
            status = error.status if isinstance(error, DomainError) else 500
            description = ("internal error" if status == 500 else getattr(error, "detail", None)
                           or ("the body is too large" if status == 413 else "bad request"))
            error = OAuthError("invalid_request" if status < 500 else "server_error", description, status)
        response = jsonify({"error": error.error, "error_description": error.description})
        response.status_code = error.status
        return response


def _scopes(raw: str) -> frozenset[str]:
    asked = frozenset(raw.replace(",", " ").split())
    unknown = sorted(asked - SCOPES)
    if not asked or unknown:
        raise OAuthError("invalid_scope", f"unknown scopes: {', '.join(unknown)}" if unknown else "scope is required")
    return asked


@blueprint.get("/authorize")
def authorize():
    args = request.args
    for name in ("client_id", "redirect_uri", "response_type"):
        if not args.get(name):
            raise OAuthError("invalid_request", f"{name} is required")
    if args["response_type"] != "code":
        raise OAuthError("unsupported_response_type", "only response_type=code is supported")
    sandbox = g.sandbox
    brand = args.get("brand") or sandbox.test_keys().get("omnisend", "")[:24]
    if not BRAND.match(brand):
        raise OAuthError("invalid_request", "brand must be a 24-hex brand id")
    admitted, allowed = sandbox.keyring.grantable("omnisend", brand)
    if not admitted:
        raise OAuthError("access_denied", f"brand {brand} is not in the sandbox's keys file", 403)
    scopes = _scopes(args.get("scope", ""))
    if allowed is not None and not scopes <= allowed:
        raise OAuthError("invalid_scope", f"brand {brand}'s keys do not allow: {', '.join(sorted(scopes - allowed))}")
    code = sandbox.tokens.issue_code("omnisend", brand, scopes, args["client_id"], args["redirect_uri"],
                                     sandbox.clock.now())
    query = {"code": code, **({"state": args["state"]} if "state" in args else {})}
    separator = "&" if "?" in args["redirect_uri"] else "?"
    return redirect(f"{args['redirect_uri']}{separator}{urlencode(query)}", 302)


def _token_fields() -> dict[str, str]:
    """The token request's fields, from a form or a JSON object, within the body limit."""
    limit = g.sandbox.settings.max_body_bytes
    if request.content_length is not None and request.content_length > limit:
        raise TooLarge(limit)
    fields = read_json(request, limit) if is_json_type(request.mimetype) else request.form
    if not isinstance(fields, dict):
        raise OAuthError("invalid_request", "the body must be a form or a JSON object")
    wrong = sorted(name for name, value in fields.items() if not isinstance(value, str))
    if wrong:
        raise OAuthError("invalid_request", f"{', '.join(wrong)} must be strings")
    return fields


@blueprint.post("/token")
def token():
    form = _token_fields()
    sandbox, now = g.sandbox, g.sandbox.clock.now()
    client_id = form.get("client_id")
    if not client_id or not form.get("client_secret"):
        raise OAuthError("invalid_client", "client_id and client_secret are required", 401)
    grant_type = form.get("grant_type")
    if grant_type == "authorization_code":
        grant = sandbox.tokens.redeem_code(form.get("code", ""), client_id, form.get("redirect_uri"), now)
    elif grant_type == "refresh_token":
        grant = sandbox.tokens.refresh(form.get("refresh_token", ""), client_id)
    else:
        raise OAuthError("unsupported_grant_type", "grant_type must be authorization_code or refresh_token")
    if grant is None:
        raise OAuthError("invalid_grant", "the code or refresh token is invalid, expired or spent")
    lifetime = _dt.timedelta(seconds=sandbox.settings.oauth_token_seconds)
    access, refresh = sandbox.tokens.issue_tokens(grant, lifetime, now)
    return jsonify({"access_token": access, "token_type": "Bearer", "expires_in": int(lifetime.total_seconds()),
                    "refresh_token": refresh, "scope": " ".join(sorted(grant.scopes))})
