"""Helpers for the automation engine's end-to-end tests: automations through the dated Automations
API, events through the dated Events API and v3, and short builders for blocks."""
from __future__ import annotations

from simulator.omnisend.recommended import RULES


def brand_of(sb):
    return sb.omnisend_brand(sb.test_keys()["omnisend"][:24])


# -- automations ----------------------------------------------------------------------------------

def _walk(blocks: list[dict]):
    for block in blocks:
        yield block
        for key, branches in (("split", ("trueBlocks", "falseBlocks")), ("abTesting", ("aBlocks", "bBlocks"))):
            for branch in branches:
                yield from _walk((block.get(key) or {}).get(branch) or [])


def create(api, name: str, trigger: dict, blocks: list[dict], enable: bool = True, **fields) -> dict:
    """Create (and enable) an automation; the answer gains `ids`: temporaryID -> server block id."""
    response = api.post("/automations", json={"name": name, "trigger": trigger, "blocks": blocks, **fields})
    assert response.status_code == 201, response.text
    automation = response.json()
    automation["ids"] = {sent["temporaryID"]: got["id"]
                         for sent, got in zip(_walk(blocks), _walk(automation["blocks"]))}
    if enable:
        set_enabled(api, automation["id"], True)
    return automation


def set_enabled(api, automation_id: str, enabled: bool, enroll_existing: bool = False, mode: str = "keep"):
    path = f"/automations/{automation_id}/{'enable' if enabled else 'disable'}"
    response = api.post(path, json={"enrollExisting": enroll_existing} if enabled else {"contactsInWorkflow": mode})
    assert response.status_code == 200, response.text


def delete(api, automation_id: str) -> None:
    assert api.delete(f"/automations/{automation_id}").status_code == 204


def on(event: str, origin: str | None = None, groups: list | None = None, audience: dict | None = None,
       inactivity: tuple | None = None) -> dict:
    condition = {"event": event, **({"origin": origin} if origin else {}), **({"filterGroups": groups} if groups else {})}
    trigger = {"condition": condition}
    if audience:
        trigger["audienceFilterGroup"] = audience
    if inactivity:
        trigger["inactivitySettings"] = {"duration": {"amount": inactivity[0], "units": inactivity[1]}}
    return trigger


def group(*filters, op: str = "and") -> dict:
    return {"logicalOperator": op, "filters": list(filters)}


def rule(field: str, operator: str, value=None, **extra) -> dict:
    return {"field": field, "operator": operator, **({"value": value} if value is not None else {}), **extra}


def wait(tid: str, amount: int = 1, units: str = "h", **extra) -> dict:
    return {"temporaryID": tid, "type": "delay", "delay": {"mode": "duration", "duration": {"amount": amount, "units": units}, **extra}}


def wait_until(tid: str, time: str, **extra) -> dict:
    return {"temporaryID": tid, "type": "delay", "delay": {"mode": "specificTime", "time": time, **extra}}


def _action(tid: str, kind: str, config: dict) -> dict:
    return {"temporaryID": tid, "type": "action", "action": {"type": kind, kind: config}}


def email(tid: str, subject: str = "Come back", **extra) -> dict:
    return _action(tid, "sendEmail", {"subject": subject, "senderName": "Shop", "preheader": "p", "language": "en_US",
                                      "templateID": "000000000000000000000001", **extra})


def sms(tid: str, text: str = "Come back [[unsubscribe_link]]", **extra) -> dict:
    return _action(tid, "sendSms", {"message": text, "compliance": {
        "isStopKeywordIncluded": True, "isUnsubscribeLinkIncluded": True, "stopKeywordText": "Reply STOP",
        "unsubscribeLinkText": "Opt out: [[unsubscribe_link]]"}, **extra})


def push(tid: str, **extra) -> dict:
    return _action(tid, "sendPush", {"title": "Psst", "body": "Your cart", "clickUrl": "https://shop.example/cart", **extra})


def tag(tid: str, kind: str, value: str) -> dict:
    return _action(tid, kind, {"value": value})


def webhook(tid: str, url: str, body: str, headers: list | None = None) -> dict:
    return _action(tid, "sendWebhook", {"callbackUrl": url, "body": body, **({"headers": headers} if headers else {})})


def split(tid: str, filters: list, true: list, false: list | None = None, op: str = "and") -> dict:
    return {"temporaryID": tid, "type": "split",
            "split": {"filterGroup": group(*filters, op=op), "trueBlocks": true, "falseBlocks": false or []}}


def ab(tid: str, share: int, a: list, b: list) -> dict:
    return {"temporaryID": tid, "type": "abTesting", "abTesting": {"aBlocksPercentage": share, "aBlocks": a, "bBlocks": b}}


# -- contacts and events ------------------------------------------------------------------------------

def contact(v3, email: str | None = "ann@example.com", phone: str | None = None, email_status: str = "subscribed",
            sms_status: str = "subscribed", **extra) -> str:
    identifiers = []
    if email:
        identifiers.append({"type": "email", "id": email, "channels": {"email": {"status": email_status}}})
    if phone:
        identifiers.append({"type": "phone", "id": phone, "channels": {"sms": {"status": sms_status}}})
    response = v3.post("/contacts", json={"identifiers": identifiers, **extra})
    assert response.status_code == 200, response.text
    return response.json()["contactID"]


def event(api, email: str, name: str, properties: dict | None = None, origin: str = "api") -> None:
    """An event through `POST /omnisend/api/events`."""
    response = api.post("/events", json={"eventName": name, "origin": origin, "contact": {"email": email},
                                          **recommended(name, properties or {})})
    assert response.status_code == 202, response.text


_PLACEHOLDERS = {"string": "x", "number": 1.0, "array": [], "object": {}}


def recommended(name: str, properties: dict) -> dict:
    """`eventVersion` and `properties` for an event: a recommended event gets its version and any
    required property the test left out (so tests name only what they look at)."""
    rule = RULES.get(name)
    if rule is None:
        return {"properties": properties}
    filled = {key: _PLACEHOLDERS[kind] for key, kind in rule.required.items() if key not in properties}
    return {**({"eventVersion": rule.versions[-1]} if rule.versions[-1] else {}), "properties": {**filled, **properties}}


def cart_line(v3, cart_id: str, email: str, line: str, price: int = 1000) -> None:
    """A v3 cart write that adds a product line (-> `added product to cart`)."""
    product = {"cartProductID": line, "productID": f"p-{line}", "variantID": f"v-{line}", "title": f"Item {line}",
               "quantity": 1, "price": price}
    if v3.get(f"/carts/{cart_id}").status_code == 404:
        response = v3.post("/carts", json={"cartID": cart_id, "email": email, "currency": "USD", "cartSum": price,
                                           "products": [product]})
    else:
        response = v3.post(f"/carts/{cart_id}/products", json={**product, "currency": "USD"})
    assert response.status_code == 200, response.text


def order(v3, order_id: str, email: str, total: int = 1500) -> None:
    """A v3 order (-> `placed order`)."""
    response = v3.post("/orders", json={"orderID": order_id, "email": email, "currency": "USD", "orderSum": total,
                                        "createdAt": "2026-11-02T10:00:00Z", "products": []})
    assert response.status_code == 200, response.text


def steps(run: dict) -> list[tuple]:
    return [(s["type"], s["outcome"], s["at"][11:16]) for s in run["steps"]]
