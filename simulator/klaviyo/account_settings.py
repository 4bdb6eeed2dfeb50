"""A Klaviyo account's own settings, as `GET /api/accounts` answers them: contact information,
industry, timezone, preferred currency and locale (get_accounts: "account-specific data (contact
information, timezone, currency, Public API key, etc.)").

The timezone is where the account's calendar runs: a flow delay "until a time of day" in the
profile's timezone uses it for a profile whose own timezone is unknown (engine/klaviyo.py). Set
through `POST /_sim/klaviyo/account`; the defaults are the sandbox's (UTC, USD, en-US)."""
from __future__ import annotations

import copy
from dataclasses import asdict, dataclass, field


from simulator.core.timefmt import known_zone
from simulator.errors import Invalid, Problem
from simulator.klaviyo.account import Account

CHANGEABLE = ("test_account", "industry", "timezone", "preferred_currency", "locale", "contact_information")


def _contact() -> dict:
    return {"default_sender_name": "Flow Sandbox", "default_sender_email": "sender@example.com",
            "website_url": "https://example.com", "organization_name": "Flow Sandbox",
            "street_address": {"address1": None, "address2": None, "city": None, "region": None, "country": None,
                               "zip": None}}


@dataclass
class AccountSettings:
    test_account: bool = False
    industry: str | None = None
    timezone: str = "UTC"  # an IANA name
    preferred_currency: str = "USD"
    locale: str = "en-US"
    contact_information: dict = field(default_factory=_contact)

    @classmethod
    def made(cls, account: Account) -> "AccountSettings":
        """The defaults, for a new account (the factory its declared part names)."""
        return cls()

    def to_json(self) -> dict:
        return copy.deepcopy(asdict(self))

    def change(self, changes: dict) -> None:
        """Apply `changes` (already of the right JSON types); `contact_information` is merged, one
        level deep. An unknown timezone or a currency that is not three capitals is refused."""
        problems = []
        if "timezone" in changes and known_zone(changes["timezone"]) is None:
            problems.append(Problem("timezone", "invalid", detail="an IANA timezone name"))
        currency = changes.get("preferred_currency", "USD")
        if not (len(currency) == 3 and currency.isascii() and currency.isalpha() and currency.isupper()):
            problems.append(Problem("preferred_currency", "invalid", detail="an ISO 4217 code, e.g. EUR"))
        if problems:
            raise Invalid(problems)
        for name, value in changes.items():
            if name == "contact_information":
                for key, part in value.items():
                    current = self.contact_information.get(key)
                    if isinstance(current, dict) and isinstance(part, dict):
                        current.update(part)
                    else:
                        self.contact_information[key] = copy.deepcopy(part)
            else:
                setattr(self, name, value)


def account_settings_of(account: Account) -> AccountSettings:
    return account.account_settings
