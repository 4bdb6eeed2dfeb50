"""Control API for credentials a test needs without restarting the server with a keys file:
restricted keys and OAuth bearer tokens with chosen scopes.

    POST /_sim/keys   {"vendor": "omnisend"|"klaviyo", "key", "scopes"?, "company_id"?} -> 201 the credential
    POST /_sim/tokens {"vendor", "account", "scopes", "client_id"?, "expires_in"?}     -> 201 a bearer token

A key added here is valid at once, with the scopes given (all when none are); in closed mode
(`--keys`) it joins the listed keys. A token is what an OAuth app would hold for that account; each
client id has its own Klaviyo quota."""
from __future__ import annotations

import datetime as _dt

from flask import g, jsonify

from simulator.control import blueprint, checked_body
from simulator.core.keys import ACCOUNT_OF, KeysFileError, credential_of
from simulator.core.tokens import Grant
from simulator.errors import Invalid, Problem

_SCOPES = {"type": "array", "items": {"type": "string", "minLength": 1}}
KEY = {"type": "object", "additionalProperties": False, "required": ["vendor", "key"],
       "properties": {"vendor": {"type": "string", "enum": sorted(ACCOUNT_OF)}, "key": {"type": "string"},
                      "scopes": _SCOPES, "company_id": {"type": "string"}}}
TOKEN = {"type": "object", "additionalProperties": False, "required": ["vendor", "account", "scopes"],
         "properties": {"vendor": {"type": "string", "enum": sorted(ACCOUNT_OF)}, "account": {"type": "string"},
                        "scopes": _SCOPES, "client_id": {"type": "string", "minLength": 1},
                        "expires_in": {"type": "integer", "minimum": 1, "maximum": 10 * 365 * 86_400}}}


@blueprint.post("/keys")
def add_key():
    data = checked_body(KEY)
    try:
        credential = credential_of(data["vendor"], {k: v for k, v in data.items() if k != "vendor"}, "key")
    except KeysFileError as error:
        raise Invalid([Problem("key", "invalid", detail=str(error))]) from None
    g.sandbox.keyring.add(credential)
    response = jsonify({"vendor": credential.vendor, "key": credential.key, "account": credential.account,
                        "scopes": sorted(credential.scopes) if credential.scopes is not None else None})
    response.status_code = 201
    return response


@blueprint.post("/tokens")
def add_token():
    data = checked_body(TOKEN)
    sandbox, now = g.sandbox, g.sandbox.clock.now()
    lifetime = _dt.timedelta(seconds=data.get("expires_in", sandbox.settings.oauth_token_seconds))
    grant = Grant(data["vendor"], data["account"], frozenset(data["scopes"]), data.get("client_id", "sandbox-app"),
                  None, now + lifetime)
    access, refresh = sandbox.tokens.issue_tokens(grant, lifetime, now)
    response = jsonify({"access_token": access, "token_type": "Bearer", "expires_in": int(lifetime.total_seconds()),
                        "refresh_token": refresh, "scope": " ".join(sorted(grant.scopes))})
    response.status_code = 201
    return response
