"""Helpers every Klaviyo resource module uses: the account, the clock, the checked body, the empty
answers (202 for accepted work, 204)."""
from __future__ import annotations

from flask import Response, g, request

from simulator.http import read_json
from simulator.klaviyo.account import Account
from simulator.schemas import contract


def account() -> Account:
    return g.sandbox.klaviyo_account(g.account_id)


def now():
    return g.sandbox.clock.now()


def body():
    return read_json(request, g.sandbox.settings.max_body_bytes)


def checked_body(operation_id: str) -> dict:
    """The body, checked against contracts/klaviyo/<operationId>.json: every problem at once."""
    data = body()
    contract("klaviyo", operation_id).check_request(data)
    return data


def empty(status: int) -> Response:
    """202 (accepted for processing) and 204 carry no body."""
    return Response(status=status, mimetype="application/vnd.api+json")
