"""API keys and the accounts they belong to.

Open mode (no keys file): any well-formed key is valid and names its own account, created on first
use. Closed mode (`--keys FILE`): only the listed keys are valid, each with its scopes.

Keys file (YAML)::

    omnisend:
      - key: 0123456789abcdef01234567-secret
        scopes: [contacts.read, contacts.write]   # optional; default every scope
    klaviyo:
      - key: pk_0123456789abcdefghijklmnopqrstuvwx
        company_id: AbC123                         # optional; default derived from the key
        scopes: [events:write, profiles:read]
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path


OMNISEND_KEY = re.compile(r"^([0-9a-f]{24})-([A-Za-z0-9_.]+)$")
KLAVIYO_KEY = re.compile(r"^pk_[A-Za-z0-9]{34}$")
COMPANY_ID = re.compile(r"^[A-Za-z0-9]{6}$")
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


@dataclass(frozen=True)
class Credential:
    vendor: str
    key: str
    account: str  # Omnisend: the brand id; Klaviyo: the company id (public key)
    scopes: frozenset[str] | None = None  # None: every scope


class KeysFileError(ValueError):
    pass


def omnisend_brand_of(key: str) -> str | None:
    """The brand id an Omnisend key names, or None when the key is malformed."""
    match = OMNISEND_KEY.match(key or "")
    return match.group(1) if match else None


@lru_cache(maxsize=256)
def klaviyo_company_of(key: str) -> str | None:
    """The company id (6-character public key) a well-formed private key stands for in open mode
    (remembered for the last few keys: every request of a key asks).

    A real account can have many private keys; here each key names its own account, derived from
    the key so it is the same on every run."""
    if not KLAVIYO_KEY.match(key or ""):
        return None
    number = int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big")
    return "".join(_BASE62[(number // 62 ** i) % 62] for i in range(6))


ACCOUNT_OF = {"omnisend": omnisend_brand_of, "klaviyo": klaviyo_company_of}
SHAPES = {"omnisend": "<24 hex brand id>-<secret>", "klaviyo": "pk_ and 34 letters or digits"}


@dataclass
class Keyring:
    closed: bool = False
    _by_key: dict[tuple[str, str], Credential] = field(default_factory=dict)

    @classmethod
    def from_file(cls, path: str | Path) -> "Keyring":
        import yaml  # only a keys file needs it; a server start without one should not pay for it
        try:
            data = yaml.safe_load(Path(path).read_text())
        except (OSError, yaml.YAMLError) as exc:
            raise KeysFileError(f"{path}: {exc}") from exc
        if not isinstance(data, dict):
            raise KeysFileError(f"{path}: expected a mapping of vendor to a list of keys")
        ring = cls(closed=True)
        for vendor, entries in data.items():
            if vendor not in ACCOUNT_OF:
                raise KeysFileError(f"{path}: unknown vendor {vendor!r} (expected {', '.join(ACCOUNT_OF)})")
            for i, entry in enumerate(entries or []):
                ring.add(credential_of(vendor, entry, f"{path}: {vendor}[{i}]"))
        return ring

    def add(self, credential: Credential) -> None:
        self._by_key[(credential.vendor, credential.key)] = credential

    def credentials(self, vendor: str | None = None) -> list[Credential]:
        return [c for c in self._by_key.values() if vendor is None or c.vendor == vendor]

    def lookup(self, vendor: str, key: str | None) -> Credential | None:
        """The credential for a vendor's key, or None when the key is not valid here."""
        if not key:
            return None
        known = self._by_key.get((vendor, key))
        if known is not None or self.closed:
            return known
        account = ACCOUNT_OF[vendor](key)
        return Credential(vendor, key, account) if account else None

    def grantable(self, vendor: str, account: str) -> tuple[bool, frozenset[str] | None]:
        """Whether an OAuth grant may name `account`, and the scopes it may grant there (None: any).
        Closed mode admits a listed account only, with no scope beyond its keys' scopes."""
        if not self.closed:
            return True, None
        listed = [c for c in self.credentials(vendor) if c.account == account]
        if not listed:
            return False, None
        if any(c.scopes is None for c in listed):
            return True, None
        return True, frozenset().union(*(c.scopes for c in listed))

    def company(self, company_id: str | None) -> str | None:
        """The Klaviyo account a public key (company id) names: in closed mode one of the listed."""
        if not company_id or not COMPANY_ID.match(company_id):
            return None
        if self.closed and all(c.account != company_id for c in self.credentials("klaviyo")):
            return None
        return company_id


def credential_of(vendor: str, entry, where: str) -> Credential:
    """A credential from a keys-file entry `{key, scopes?, company_id?}`; `where` names it in errors."""
    if vendor not in ACCOUNT_OF:
        raise KeysFileError(f"{where}: unknown vendor {vendor!r} (expected {', '.join(ACCOUNT_OF)})")
    if not isinstance(entry, dict) or "key" not in entry:
        raise KeysFileError(f"{where} needs a 'key'")
    key = str(entry["key"])
    account = ACCOUNT_OF[vendor](key)
    if account is None:
        raise KeysFileError(f"{where}.key is not {SHAPES[vendor]}")
    if vendor == "klaviyo" and "company_id" in entry:
        account = str(entry["company_id"])
        if not COMPANY_ID.match(account):
            raise KeysFileError(f"{where}.company_id must be 6 letters or digits")
    scopes = entry.get("scopes")
    if scopes is not None and not (isinstance(scopes, list) and all(isinstance(x, str) for x in scopes)):
        raise KeysFileError(f"{where}.scopes must be a list of scope names")
    return Credential(vendor, key, account, frozenset(scopes) if scopes is not None else None)
