"""Behaviour switches for what the vendors leave undocumented.

Each default is the sandbox's best reading of the evidence; docs/ names the evidence for each. They
can be changed per sandbox (`Sandbox(settings=...)`) or at run time through `POST /_sim/settings`."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass


@dataclass
class Settings:
    # Omnisend v3
    v3_error_status_code: bool = True  # put "statusCode" in v3 error bodies
    v3_contact_exists: str = "upsert"  # POST /contacts with a known identifier: "upsert" | "reject"
    v3_reject_unknown_fields: bool = True  # a body field the spec does not name -> 400
    v3_rate_limit: int = 400  # requests per brand per window
    v3_rate_window_seconds: int = 60
    v3_rate_window_kind: str = "fixed"  # "fixed" | "sliding"
    v3_batch_start_seconds: int = 1  # a batch moves pending -> inProgress this long after creation
    v3_batch_item_seconds: float = 0.1  # and spends this long on each item
    v3_batch_retention_days: int = 7  # batches older than this drop out of lists and gets
    # which campaigns DELETE may remove: "except_inProgress" (all but one being sent), "only_sent_draft"
    # (the spec note read as "can"), "except_sent_draft" (the note read literally)
    v3_campaign_delete: str = "except_inProgress"
    v3_campaign_send_seconds: int = 60  # a started campaign is inProgress this long, then sent
    # Omnisend dated API
    api_rate_limit: int = 400  # the default bucket's requests per brand per sliding minute
    oauth_token_seconds: int = 3600  # lifetime of an OAuth access token
    api_tags_delay_seconds: int = 1  # POST/DELETE /contacts/tags apply this long after the 202 (0: at once)
    # the Content-Type of error bodies: the spec files declare application/json; RFC 9457 says problem+json
    api_problem_content_type: str = "application/json"
    # Klaviyo
    klaviyo_reject_future_revision: bool = True  # a revision later than the clock's date -> 404
    klaviyo_rate_limits: bool = True  # False: no Klaviyo request is throttled (and none carries RateLimit-*)
    klaviyo_rate_limit_scale: float = 1.0  # each published limit times this (at least 1): 10.0 relaxes tenfold
    # a 202 (events, subscriptions, client profiles) is processed this long after receipt (0: at the next clock step)
    klaviyo_event_processing_seconds: int = 1
    # Smart Sending windows per channel: a flow message is skipped when the profile got one on that channel this recently
    klaviyo_smart_sending_email_hours: int = 16
    klaviyo_smart_sending_sms_hours: int = 24
    klaviyo_smart_sending_push_hours: int = 24
    # Every surface
    max_body_bytes: int = 2 * 1024 * 1024
    journal_limit: int = 50_000

    def update(self, changes: dict) -> list[str]:
        """Apply `changes`; return the problems (unknown names, wrong types) and apply nothing if any."""
        fields = {f.name: f for f in dataclasses.fields(self)}
        problems = []
        for name, value in changes.items():
            if name not in fields:
                problems.append(f"unknown setting {name!r}")
                continue
            current = getattr(self, name)
            if type(value) is not type(current) and not (isinstance(current, float) and type(value) is int):
                problems.append(f"{name} must be {type(current).__name__}")
        allowed = {"v3_contact_exists": ("upsert", "reject"), "v3_rate_window_kind": ("fixed", "sliding"),
                   "v3_campaign_delete": ("except_inProgress", "only_sent_draft", "except_sent_draft"),
                   "api_problem_content_type": ("application/json", "application/problem+json")}
        for name, choices in allowed.items():
            if name in changes and changes[name] not in choices:
                problems.append(f"{name} must be one of {', '.join(choices)}")
        scale = changes.get("klaviyo_rate_limit_scale", 1.0)
        if isinstance(scale, (int, float)) and scale <= 0:
            problems.append("klaviyo_rate_limit_scale must be above 0 (switch limits off with klaviyo_rate_limits)")
        if not problems:
            for name, value in changes.items():
                setattr(self, name, value)
        return problems

    def to_json(self) -> dict:
        return dataclasses.asdict(self)
