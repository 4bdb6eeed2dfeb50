"""Consent per channel on a profile: what bulk subscribe and client subscriptions record."""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

# channel names as the subscribe bodies nest them ("email" -> "marketing"); push is "mobile_push" in responses
CHANNELS = ("email.marketing", "sms.marketing", "sms.transactional", "push.marketing",
            "whatsapp.marketing", "whatsapp.transactional")


@dataclass
class Consent:
    consent: str = "NEVER_SUBSCRIBED"  # or SUBSCRIBED (the only value the subscribe endpoints set)
    timestamp: _dt.datetime | None = None  # when consent was given: `consented_at` on a historical import
    last_updated: _dt.datetime | None = None
    method: str | None = None
    custom_method_detail: str | None = None  # the request's `custom_source`
    double_optin: bool | None = None

    @property
    def subscribed(self) -> bool:
        return self.consent == "SUBSCRIBED"
