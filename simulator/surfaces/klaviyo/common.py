"""Helpers every Klaviyo resource module uses: the account, the clock, the checked body."""
from __future__ import annotations

from flask import g, request

from simulator.http import read_json
from simulator.klaviyo.account import Account


def account() -> Account:
    return g.sandbox.klaviyo_account(g.account_id)


def now():
    return g.sandbox.clock.now()


def body():
    return read_json(request, g.sandbox.settings.max_body_bytes)
