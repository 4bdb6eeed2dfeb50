"""Behaviour switches for what the vendors leave undocumented.

Each default is the sandbox's best reading of the evidence; docs/ names the evidence for each. They
can be changed per sandbox (`Sandbox(settings=...)`) or at run time through `POST /_sim/settings`.

The comments in `Settings` are its documentation: `markdown_table()` turns them into the table in
docs/sandbox.md, and tests/test_docs.py fails when that table drifts (a comment line before a field
with its own comment heads a group; one before fields without their own describes them)."""
from __future__ import annotations

import dataclasses
import inspect
import json
import re
from dataclasses import dataclass


CHOICES = {"v3_contact_exists": ("upsert", "reject"), "v3_rate_window_kind": ("fixed", "sliding"),
           "v3_campaign_delete": ("except_inProgress", "only_sent_draft", "except_sent_draft"),
           "api_problem_content_type": ("application/json", "application/problem+json"),
           "klaviyo_campaign_email_consent": ("receivable", "subscribed"),
           "klaviyo_campaign_recipients_at": ("send_time", "scheduled_time")}
# The range of a number, by what its name counts. The highs keep every `now + setting` a datetime
# (a clock may stand near its 3000-01-01 horizon) and every count a sane size.
BOUNDS = {"_seconds": (0, 10 * 365 * 86_400), "_hours": (0, 10 * 365 * 24), "_days": (0, 10 * 365),
          "_limit": (1, 10 ** 9), "_bytes": (1, 2 ** 30), "_scale": (0.01, 1000), "_hour_of_day": (0, 23)}
LEAST = {"v3_rate_window_seconds": 1}  # a zero-length window would divide by zero


def bounds(name: str) -> tuple[float, float] | None:
    """The (low, high) a numeric setting may take, or None when its name says nothing."""
    for suffix, (low, high) in BOUNDS.items():
        if name.endswith(suffix):
            return LEAST.get(name, low), high
    return None


@dataclass
class Settings:
    # Omnisend v3
    v3_error_status_code: bool = True  # put "statusCode" in v3 error bodies
    v3_contact_exists: str = "upsert"  # POST /contacts with a known identifier: "upsert" | "reject"
    v3_reject_unknown_fields: bool = True  # a body field the spec does not name -> 400
    v3_rate_limit: int = 400  # requests per brand per window
    v3_rate_window_seconds: int = 60  # length of that window
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
    api_reject_unknown_fields: bool = True  # a body field the spec does not name -> 400 `unknown_field`
    oauth_token_seconds: int = 3600  # lifetime of an OAuth access token
    api_tags_delay_seconds: int = 1  # POST/DELETE /contacts/tags apply this long after the 202 (0: at once)
    omnisend_birthday_hour_of_day: int = 0  # birthday automations start at this hour (brand timezone) on the day
    # re-check every member of the segments `entered segment` automations watch this often (0: only on changes)
    omnisend_segment_sweep_hours: int = 1
    # the Content-Type of error bodies: the spec files declare application/json; RFC 9457 says problem+json
    api_problem_content_type: str = "application/json"
    # Klaviyo
    klaviyo_reject_future_revision: bool = True  # a revision later than the clock's date -> 404
    rate_limit_wall_retry_after: bool = True  # a 429's Retry-After also frees its window after that many wall seconds, for live clients on a frozen clock; False: windows move on the virtual clock only (scenario runs)
    klaviyo_rate_limits: bool = True  # False: no Klaviyo request is throttled (and none carries RateLimit-*)
    klaviyo_rate_limit_scale: float = 1.0  # each published limit times this (each at least 1): 10.0 relaxes tenfold
    # a 202 (events, subscriptions, client profiles) is processed this long after receipt (0: at the next clock step)
    klaviyo_event_processing_seconds: int = 1
    # Smart Sending windows per channel: a flow or campaign message is skipped when the profile got one on that channel this recently
    klaviyo_smart_sending_email_hours: int = 16
    klaviyo_smart_sending_sms_hours: int = 24
    klaviyo_smart_sending_push_hours: int = 24
    klaviyo_kx_links: bool = True  # "email to website tracking": click-tracked email links carry the recipient's `_kx`
    # while a segment counts from now ("in the last 30 days"), re-check every profile this often (0: only on changes)
    klaviyo_segment_sweep_seconds: int = 3600
    # Campaigns
    klaviyo_campaign_recipients_at: str = "send_time"  # when a campaign's audience is taken: "send_time" (as the send starts) | "scheduled_time" (when the send job is made; local-time sends always are)
    klaviyo_campaign_email_consent: str = "receivable"  # who a campaign emails: "receivable" (subscribed or never subscribed, as Klaviyo sends) | "subscribed" (explicit opt-in only)
    # system webhooks: a delivery that failed (no answer, 429 or 5xx) is tried again this long after, doubling each time
    klaviyo_webhook_retry_seconds: int = 60
    klaviyo_webhook_attempt_limit: int = 5  # attempts per delivery, the first included; then it is failed
    # Conversion attribution windows for reports, Klaviyo's defaults (https://help.klaviyo.com/hc/en-us/articles/28413442705435)
    klaviyo_attribution_email_open_hours: int = 120  # a conversion this soon after an email open is credited to it (0: opens credit nothing)
    klaviyo_attribution_email_click_hours: int = 120  # after an email click
    klaviyo_attribution_sms_click_hours: int = 120  # after an SMS click
    klaviyo_attribution_sms_delivery_hours: int = 12  # after an SMS is delivered
    klaviyo_attribution_push_open_hours: int = 24  # after a push notification is opened
    # Every surface
    max_body_bytes: int = 2 * 1024 * 1024  # a larger request body is refused with 413
    # Retention: what a long-running server keeps, oldest dropped first, so its memory stays bounded
    journal_limit: int = 50_000  # requests in /_sim/journal
    outbox_limit: int = 100_000  # messages in the outbox (offsets stay counted from the first ever sent)
    webhook_delivery_limit: int = 10_000  # Klaviyo webhook deliveries per account in /_sim/klaviyo/webhook-deliveries
    run_limit: int = 100_000  # finished automation and flow runs in /_sim/runs (live runs are always kept)
    event_limit: int = 100_000  # events per account: what segments, filters and GET /events can still see
    account_limit: int = 1_000  # accounts per vendor; one more drops the one least recently used, with its data

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
        for name, choices in CHOICES.items():
            if name in changes and changes[name] not in choices:
                problems.append(f"{name} must be one of {', '.join(choices)}")
        for name, value in changes.items():
            limits = bounds(name) if name in fields and not isinstance(value, bool) else None
            if limits and isinstance(value, (int, float)) and not limits[0] <= value <= limits[1]:
                problems.append(f"{name} must be between {limits[0]} and {limits[1]}")
        if not problems:
            for name, value in changes.items():
                setattr(self, name, value)
        return problems

    def to_json(self) -> dict:
        return dataclasses.asdict(self)


_FIELD = re.compile(r"^\s+(\w+):[^=]+=[^#]+?(?:\s+#\s*(.*))?$")
_COMMENT = re.compile(r"^\s+#\s*(.*)$")


def markdown_table() -> str:
    """The settings as a Markdown table (group rows in bold), read from `Settings`' own source."""
    defaults = Settings().to_json()
    rows, pending, shared = ["| setting | default | allowed | what it does |", "|---|---|---|---|"], [], ""
    for line in inspect.getsource(Settings).splitlines():
        comment, field = _COMMENT.match(line), _FIELD.match(line)
        if comment:
            pending.append(comment.group(1))
        elif field and field.group(1) in defaults:
            name, own = field.groups()
            if own and pending:
                rows.append(f"| **{' '.join(pending)}** | | | |")
            elif pending:
                shared = " ".join(pending)
            text = own or shared
            shared = shared if not own else ""
            pending = []
            rows.append(f"| `{name}` | `{json.dumps(defaults[name])}` | {_allowed(name, defaults[name])} "
                        f"| {text.replace('|', chr(92) + '|')} |")
    return "\n".join(rows) + "\n"


def _allowed(name: str, default) -> str:
    if name in CHOICES:
        return ", ".join(f"`{c}`" for c in CHOICES[name])
    limits = bounds(name)
    if limits and not isinstance(default, bool):
        return f"{limits[0]:,} to {limits[1]:,}"
    return type(default).__name__
