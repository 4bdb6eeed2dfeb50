"""One recipient's story on one time axis (`GET /_sim/timeline?recipient=`): the events the vendors
received, each workflow entry and non-entry with its reason, the delays and steps of each run, the
messages sent, their opens and clicks, and the orders placed."""
from __future__ import annotations

import datetime as _dt

from simulator.core.timefmt import iso


def _at(value) -> str:
    return iso(value) if isinstance(value, _dt.datetime) else str(value)


def timeline(sandbox, recipient: str) -> list[dict]:
    """Entries `{at, kind, vendor, account, title, detail, link?}`, oldest first (ties: as found)."""
    found: list[dict] = []

    def add(at, kind: str, vendor: str, account: str, title: str, detail: str = "", **more) -> None:
        found.append({"at": _at(at), "kind": kind, "vendor": vendor, "account": account, "title": title,
                      "detail": detail, **more})

    for account in sandbox.accounts():
        if account["vendor"] == "omnisend":
            _omnisend(sandbox, account["id"], recipient, add)
        else:
            _klaviyo(sandbox, account["id"], recipient, add)
    for run in sandbox.engine.runs.runs(recipient=recipient):
        if run.status == "not_entered":
            add(run.created_at, "not entered", run.vendor, run.account, run.workflow_name, run.reason or "", run=run.id)
            continue
        for step in run.steps:
            add(step.at, step.outcome, run.vendor, run.account, f"{run.workflow_name}: {step.type}", step.reason,
                run=run.id, **({"message": step.detail["message_id"]} if "message_id" in step.detail else {}))
        if run.finished_at is not None:
            add(run.finished_at, run.status, run.vendor, run.account, run.workflow_name, run.reason or "", run=run.id)
    for message in sandbox.messages.messages(recipient=recipient):
        if not any(entry.get("message") == message.id for entry in found):
            add(message.sent_at, "sent", message.vendor, message.account, message.workflow_name,
                f"{message.channel}: {message.subject or ''}", message=message.id)
        for engagement in message.engagement:
            add(engagement["at"], engagement["type"], message.vendor, message.account, message.subject or message.id,
                engagement.get("url", ""), message=message.id)
    return sorted(found, key=lambda entry: entry["at"])


def _omnisend(sandbox, brand_id: str, recipient: str, add) -> None:
    from simulator.omnisend.contacts import contacts_of
    from simulator.omnisend.orders import OrderQuery, orders_of
    brand = sandbox.omnisend_brand(brand_id)
    contact = contacts_of(brand).by_email(recipient)
    if contact is not None:
        for event in brand.events_of(contact.id):
            add(event.at, "event", "omnisend", brand_id, event.name, f"origin {event.origin}")
    for order in orders_of(brand).query(OrderQuery(email=recipient)):
        add(order.created_at, "order", "omnisend", brand_id, f"order {order.id}",
            f"{order.total / 100:.2f} {order.currency}, {len(order.lines)} line(s)")


def _klaviyo(sandbox, company_id: str, recipient: str, add) -> None:
    from simulator.klaviyo.events import events_of
    from simulator.klaviyo.profiles import profiles_of
    account = sandbox.klaviyo_account(company_id)
    profile = profiles_of(account).holder("email", recipient)
    if profile is None:
        return
    for event in events_of(account).of(profile_id=profile.id):
        kind = "order" if event.metric_name == "Placed Order" else "event"
        add(event.time, kind, "klaviyo", company_id, event.metric_name,
            f"value {event.value}" if event.value is not None else "")
