"""Consent per channel on a profile (what bulk subscribe and client subscriptions record), email
suppressions, and the one rule that says whether email marketing may reach a profile."""
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


# Why a profile is suppressed, as Klaviyo names the reasons (`subscriptions.email.marketing.suppression`)
SUPPRESSION_REASONS = ("HARD_BOUNCE", "INVALID_EMAIL", "SPAM_COMPLAINT", "UNSUBSCRIBE", "USER_SUPPRESSED")
USER_SUPPRESSED = "USER_SUPPRESSED"  # the one reason the bulk suppress and unsuppress jobs set and remove


def email_refusal(email: str | None, consent: Consent, suppression: dict) -> str | None:
    """Why email marketing may not reach a profile with this email, consent and suppressions
    (reason -> since), or None. Klaviyo emails never-subscribed profiles; "suppressed profiles cannot
    receive email marketing, independent of their consent status" (bulk_suppress_profiles)."""
    if not email:
        return "the profile has no email"
    if suppression:
        return f"the profile is suppressed ({', '.join(sorted(suppression))}): it gets no email"
    if consent.consent == "UNSUBSCRIBED":
        return "the profile is unsubscribed from email marketing"
    return None
