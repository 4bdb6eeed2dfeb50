"""Control API for Klaviyo accounts: their own settings, and the webhook deliveries made for them.

    GET  /_sim/klaviyo/account?account=                  -> {"account", "settings"}
    POST /_sim/klaviyo/account {"account"?, "timezone"?, "preferred_currency"?, "locale"?, "industry"?,
                                "test_account"?, "contact_information"?}  -> {"account", "settings"}
    GET  /_sim/klaviyo/webhook-deliveries?account=&webhook_id=&state=  -> {"deliveries": [...]}

`account` is the company id (public key), by default the seed's test key's. The settings are what
`GET /api/accounts` answers; Klaviyo sets them in its app, which has no API. A delivery lists each
attempt (`at`, `url`, `status` or `error`), its `state` (pending, retrying, delivered, failed) and
when the next attempt is due."""
from __future__ import annotations

from flask import g, jsonify, request

from simulator.control import blueprint, checked_body
from simulator.errors import Invalid, Problem
from simulator.klaviyo.account_settings import account_settings_of
from simulator.klaviyo.webhooks import deliveries_of

_TEXT = {"type": "string"}
ACCOUNT = {
    "type": "object", "additionalProperties": False,
    "properties": {"account": _TEXT, "timezone": _TEXT, "preferred_currency": _TEXT, "locale": _TEXT,
                   "industry": {"type": ["string", "null"]}, "test_account": {"type": "boolean"},
                   "contact_information": {"type": "object"}},
}
DELIVERY_FILTERS = ("account", "webhook_id", "state")


def _account(company_id: str | None):
    sandbox = g.sandbox
    return sandbox.klaviyo_account(company_id or sandbox.company_id())


def _settings_json(owner) -> dict:
    return {"account": owner.id, "settings": account_settings_of(owner).to_json()}


@blueprint.get("/klaviyo/account")
def get_klaviyo_account():
    return jsonify(_settings_json(_account(request.args.get("account"))))


@blueprint.post("/klaviyo/account")
def change_klaviyo_account():
    data = checked_body(ACCOUNT)
    owner = _account(data.pop("account", None))
    account_settings_of(owner).change(data)
    return jsonify(_settings_json(owner))


@blueprint.get("/klaviyo/webhook-deliveries")
def webhook_deliveries():
    unknown = sorted(set(request.args) - set(DELIVERY_FILTERS))
    if unknown:
        raise Invalid([Problem(name, "unknown", detail=f"filters are {', '.join(DELIVERY_FILTERS)}")
                       for name in unknown])
    found = deliveries_of(_account(request.args.get("account"))).find(request.args.get("webhook_id"),
                                                                       request.args.get("state"))
    return jsonify({"deliveries": [d.to_json() for d in found]})
