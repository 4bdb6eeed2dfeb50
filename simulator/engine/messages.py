"""Sending to the outbox and the engagement recorded on what was sent.

A workflow's message lands in the sandbox outbox (never a real inbox) with an id from the account's
id factory, so the same seed and inputs give the same ids. Opens and clicks are recorded on the
message by the control API, which is what message-engagement splits read."""
from __future__ import annotations

import datetime as _dt

from simulator.core.ids import IdFactory
from simulator.core.outbox import Message, Outbox
from simulator.core.timefmt import iso
from simulator.errors import Invalid, NotFound, Problem

KINDS = ("open", "click")


def send(outbox: Outbox, ids: IdFactory, *, vendor: str, account: str, channel: str, recipient: str,
         workflow_id: str, workflow_name: str, step_id: str, subject: str | None, now: _dt.datetime,
         html: str | None = None, text: str | None = None, campaign_id: str | None = None) -> Message:
    return outbox.add(Message(id=ids.next("message", "uuid"), vendor=vendor, account=account, channel=channel,
                              recipient=recipient, workflow_id=workflow_id, workflow_name=workflow_name,
                              step_id=step_id, subject=subject, sent_at=iso(now), html=html, text=text,
                              campaign_id=campaign_id))


def engage(outbox: Outbox, message_id: str, kind: str, url: str | None, now: _dt.datetime) -> Message:
    """Record an open or a click (with the URL clicked) on a sent message."""
    if kind not in KINDS:
        raise Invalid([Problem("type", "enum", expected=list(KINDS), got=kind)])
    message = outbox.get(message_id)
    if message is None:
        raise NotFound("message", message_id)
    entry = {"type": kind, "at": iso(now)}
    if url is not None:
        entry["url"] = url
    message.engagement.append(entry)
    return message


def url_matches(url: str | None, match: dict | None) -> bool:
    """A clicked URL against `{operator: any|is|contains|startsWith|endsWith, value}` (None: any)."""
    operator = (match or {}).get("operator", "any")
    if operator == "any":
        return True
    value, url = (match or {}).get("value") or "", url or ""
    return {"is": url == value, "contains": value in url, "startsWith": url.startswith(value),
            "endsWith": url.endswith(value)}.get(operator, False)


def engaged(message: Message | None, kind: str, match: dict | None = None) -> bool:
    """Whether the message was opened (`kind="open"`) or clicked on a matching URL."""
    if message is None:
        return False
    return any(e["type"] == kind and (kind != "click" or url_matches(e.get("url"), match))
               for e in message.engagement)
