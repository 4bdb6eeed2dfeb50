"""API keys and the accounts they belong to.

Open mode (no keys file): any well-formed key is valid and names its own account, created on first
use. Closed mode (`--keys FILE`): only the listed keys are valid, each with its scopes.

Keys file (YAML)::

    omnisend:
      - key: 0123456789abcdef01234567-secret
        scopes: [contacts.read, contacts.write]   # optional; default every scope
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

OMNISEND_KEY = re.compile(r"^([0-9a-f]{24})-([A-Za-z0-9_.]+)$")


@dataclass(frozen=True)
class Credential:
    vendor: str
    key: str
    account: str
    scopes: frozenset[str] | None = None  # None: every scope


class KeysFileError(ValueError):
    pass


def omnisend_brand_of(key: str) -> str | None:
    """The brand id an Omnisend key names, or None when the key is malformed."""
    match = OMNISEND_KEY.match(key or "")
    return match.group(1) if match else None


@dataclass
class Keyring:
    closed: bool = False
    _by_key: dict[tuple[str, str], Credential] = field(default_factory=dict)

    @classmethod
    def from_file(cls, path: str | Path) -> "Keyring":
        try:
            data = yaml.safe_load(Path(path).read_text())
        except (OSError, yaml.YAMLError) as exc:
            raise KeysFileError(f"{path}: {exc}") from exc
        if not isinstance(data, dict):
            raise KeysFileError(f"{path}: expected a mapping of vendor to a list of keys")
        ring = cls(closed=True)
        for vendor, entries in data.items():
            if vendor != "omnisend":
                continue  # other vendors' keys are read by their own surfaces
            for i, entry in enumerate(entries or []):
                if not isinstance(entry, dict) or "key" not in entry:
                    raise KeysFileError(f"{path}: {vendor}[{i}] needs a 'key'")
                brand = omnisend_brand_of(str(entry["key"]))
                if brand is None:
                    raise KeysFileError(f"{path}: {vendor}[{i}].key is not <24 hex brand id>-<secret>")
                scopes = entry.get("scopes")
                ring.add(Credential("omnisend", str(entry["key"]), brand,
                                    frozenset(scopes) if scopes is not None else None))
        return ring

    def add(self, credential: Credential) -> None:
        self._by_key[(credential.vendor, credential.key)] = credential

    def credentials(self, vendor: str | None = None) -> list[Credential]:
        return [c for c in self._by_key.values() if vendor is None or c.vendor == vendor]

    def omnisend(self, key: str | None) -> Credential | None:
        """The credential for an Omnisend key, or None when the key is not valid here."""
        if not key:
            return None
        known = self._by_key.get(("omnisend", key))
        if known is not None or self.closed:
            return known
        brand = omnisend_brand_of(key)
        return Credential("omnisend", key, brand) if brand else None
