"""Request bodies the automation tests share: small, valid blocks and a valid create body."""
from __future__ import annotations

import copy


def delay(temporary_id: str = "wait", amount: int = 1, units: str = "h") -> dict:
    return {"temporaryID": temporary_id, "type": "delay",
            "delay": {"mode": "duration", "duration": {"amount": amount, "units": units}}}


def email(temporary_id: str = "mail", subject: str = "Hello", template: str | None = "000000000000000000000001") -> dict:
    config = {"subject": subject, "preheader": "Pre", "senderName": "Shop", "language": "en_US"}
    if template is not None:
        config["templateID"] = template
    return {"temporaryID": temporary_id, "type": "action", "action": {"type": "sendEmail", "sendEmail": config}}


def tag(temporary_id: str = "tag", value: str = "VIP") -> dict:
    return {"temporaryID": temporary_id, "type": "action", "action": {"type": "addTag", "addTag": {"value": value}}}


def sms(temporary_id: str = "sms") -> dict:
    return {"temporaryID": temporary_id, "type": "action", "action": {"type": "sendSms", "sendSms": {
        "message": "Hi [[contact.first_name]]",
        "compliance": {"stopKeywordText": "Reply STOP to opt out", "unsubscribeLinkText": "Bye [[unsubscribe_link]]"}}}}


def push(temporary_id: str = "push") -> dict:
    return {"temporaryID": temporary_id, "type": "action", "action": {"type": "sendPush", "sendPush": {
        "title": "T", "body": "B", "clickUrl": "https://shop.example/p"}}}


def split(temporary_id: str, filters: list[dict], true_blocks: list | None = None,
          false_blocks: list | None = None) -> dict:
    config = {"filterGroup": {"logicalOperator": "and", "filters": filters}}
    if true_blocks is not None:
        config["trueBlocks"] = true_blocks
    if false_blocks is not None:
        config["falseBlocks"] = false_blocks
    return {"temporaryID": temporary_id, "type": "split", "split": config}


def automation(name: str = "Welcome", event: str = "placed order", blocks: list | None = None, **extra) -> dict:
    body = {"name": name, "trigger": {"condition": {"event": event}},
            "blocks": blocks if blocks is not None else [delay(), email()]}
    return copy.deepcopy({**body, **extra})


def create(api, body: dict | None = None, **kwargs) -> dict:
    response = api.post("/automations", json=body if body is not None else automation(**kwargs))
    assert response.status_code == 201, response.text
    return response.json()


def errors(response) -> dict[str, str]:
    """A 400's errors as field -> code."""
    assert response.status_code == 400, response.text
    return {e["field"]: e["code"] for e in response.json()["errors"]}
