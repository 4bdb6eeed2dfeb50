"""OAuth authorization codes and bearer tokens, on the virtual clock.

Vendor-neutral: a token names a vendor, an account and the scopes granted. Codes are single use
and short-lived; tokens expire after `lifetime`; refresh tokens swap for a new pair. Values are
derived from the seed, so runs are reproducible."""
from __future__ import annotations

import datetime as _dt
import hashlib
import itertools
from dataclasses import dataclass


@dataclass(frozen=True)
class Grant:
    vendor: str
    account: str
    scopes: frozenset[str]
    client_id: str
    redirect_uri: str | None
    expires_at: _dt.datetime


class TokenStore:
    CODE_LIFETIME = _dt.timedelta(minutes=10)

    def __init__(self, seed: int):
        self._seed = seed
        self._n = itertools.count(1)
        self._codes: dict[str, Grant] = {}
        self._access: dict[str, Grant] = {}
        self._refresh: dict[str, Grant] = {}

    def _value(self, kind: str) -> str:
        return hashlib.blake2b(f"{self._seed}|{kind}|{next(self._n)}".encode(), digest_size=24).hexdigest()

    def issue_code(self, vendor: str, account: str, scopes, client_id: str, redirect_uri: str | None,
                   now: _dt.datetime) -> str:
        code = self._value("code")
        self._codes[code] = Grant(vendor, account, frozenset(scopes), client_id, redirect_uri, now + self.CODE_LIFETIME)
        return code

    def redeem_code(self, code: str, client_id: str, redirect_uri: str | None, now: _dt.datetime) -> Grant | None:
        """The grant behind a code (which is spent), or None if unknown, expired or issued to another client."""
        grant = self._codes.pop(code, None)
        if grant is None or grant.expires_at <= now or grant.client_id != client_id:
            return None
        if grant.redirect_uri and redirect_uri and grant.redirect_uri != redirect_uri:
            return None
        return grant

    def issue_tokens(self, grant: Grant, lifetime: _dt.timedelta, now: _dt.datetime) -> tuple[str, str]:
        access, refresh = self._value("access"), self._value("refresh")
        live = Grant(grant.vendor, grant.account, grant.scopes, grant.client_id, grant.redirect_uri, now + lifetime)
        self._access[access] = live
        self._refresh[refresh] = live
        return access, refresh

    def refresh(self, token: str, client_id: str) -> Grant | None:
        grant = self._refresh.pop(token, None)
        return grant if grant is not None and grant.client_id == client_id else None

    def bearer(self, vendor: str, token: str | None, now: _dt.datetime) -> Grant | None:
        grant = self._access.get(token or "")
        if grant is None or grant.vendor != vendor or grant.expires_at <= now:
            return None
        return grant
