"""Klaviyo flows: created from a definition (simulator/klaviyo/flow_definition.py checks it), read,
switched between draft, manual and live, deleted.

What the flow engine reads: `flows_of(account)` iterates the account's flows, each with `id`, `name`,
`status` and `definition` (server ids throughout, the form get_flow answers), and `actions` (by id),
each with `type`, `status`, `definition` (the same dict as in the flow's definition) and `messages`.

Statuses: a created flow is `draft`; each action keeps the status its definition gave (send actions
default to `draft`; actions whose definition has no status field start `draft` too). Setting the
flow's status sets every action's status to it, a send action's `data.status` included, whatever it
was before (Klaviyo: "Update the status of a flow ... and all actions in that flow"). An action can
therefore be `live` in a `draft` flow only if it was created so; the engine sends a message only
when both the flow and its action are `live`."""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field

from simulator.klaviyo import flow_definition
from simulator.klaviyo.account import Account
from simulator.core.records import Records

TRIGGER_TYPES = {"list": "Added to List", "segment": "Added to List", "metric": "Metric", "date": "Date Based",
                 "price-drop": "Price Drop", "low-inventory": "Low Inventory"}
_MESSAGE_NAMES = {"email": "Email", "sms": "SMS", "push-notification": "Push", "webhook": "Webhook",
                  "whatsapp": "WhatsApp", "internal-alert": "Internal Alert"}


@dataclass(eq=False)
class FlowMessage:
    id: str
    action: "FlowAction" = field(repr=False)
    channel: str
    name: str  # the definition's `name`, else "Email #1", "SMS #2"... in the flow
    created: _dt.datetime
    updated: _dt.datetime

    @property
    def definition(self) -> dict:
        return self.action.definition["data"]["message"]


@dataclass(eq=False)
class FlowAction:
    id: str
    flow: "Flow" = field(repr=False)
    definition: dict  # {"id", "type", "links"?, "data"?}: the very dict in the flow's definition
    created: _dt.datetime
    updated: _dt.datetime
    messages: list[FlowMessage] = field(default_factory=list)
    _status: str = "draft"  # for types whose definition has no status field

    @property
    def type(self) -> str:
        return self.definition["type"]

    @property
    def carries_status(self) -> bool:
        return self.type in flow_definition.STATUS_TYPES and isinstance(self.definition.get("data"), dict)

    @property
    def status(self) -> str:
        return self.definition["data"]["status"] if self.carries_status else self._status

    def set_status(self, status: str, now: _dt.datetime) -> None:
        if self.carries_status:
            self.definition["data"]["status"] = status
        else:
            self._status = status
        self.updated = now
        for message in self.messages:
            message.updated = now


@dataclass(eq=False)
class Flow:
    id: str
    name: str
    definition: dict
    created: _dt.datetime
    updated: _dt.datetime
    status: str = "draft"
    archived: bool = False
    actions: dict[str, FlowAction] = field(default_factory=dict)

    @property
    def trigger_type(self) -> str:
        triggers = self.definition.get("triggers") or []
        return TRIGGER_TYPES.get(triggers[0]["type"], "Unconfigured") if triggers else "Unconfigured"

    def set_status(self, status: str, now: _dt.datetime) -> None:
        self.status, self.updated = status, now
        for action in self.actions.values():
            action.set_status(status, now)


class FlowBook:
    """An account's flows, and their actions and messages by id (the API reads those directly)."""

    def __init__(self, account: Account):
        self.account = account
        self.records: Records[Flow] = Records("flow")
        self._actions: Records[FlowAction] = Records("flow-action")
        self._messages: Records[FlowMessage] = Records("flow-message")

    def __iter__(self):
        return iter(self.records)

    def get(self, flow_id: str) -> Flow:
        return self.records.get(flow_id)

    def action(self, action_id: str) -> FlowAction:
        return self._actions.get(action_id)

    def message(self, message_id: str) -> FlowMessage:
        return self._messages.get(message_id)

    def create(self, name: str, definition: dict, now: _dt.datetime) -> Flow:
        """A draft flow from a definition `flow_definition.problems` has passed."""
        ids = self.account.ids
        stored = flow_definition.stored(definition, lambda: ids.next("flow-action", "digits_9"),
                                        lambda: ids.next("flow-message", "ulid", at=now))
        flow = Flow(ids.next("flow", "base62_6"), name, stored, now, now)
        counts: dict[str, int] = {}
        for action_definition in stored["actions"]:
            action = self._actions.add(action_definition["id"], FlowAction(action_definition["id"], flow,
                                                                           action_definition, now, now))
            flow.actions[action.id] = action
            data = action_definition.get("data")
            message = data.get("message") if isinstance(data, dict) else None
            if action.type in flow_definition.CHANNELS and isinstance(message, dict):
                channel = flow_definition.CHANNELS[action.type]
                counts[channel] = counts.get(channel, 0) + 1
                name_ = message.get("name") or f"{_MESSAGE_NAMES[channel]} #{counts[channel]}"
                action.messages.append(self._messages.add(message["id"], FlowMessage(message["id"], action, channel,
                                                                                      name_, now, now)))
        return self.records.add(flow.id, flow)

    def delete(self, flow_id: str) -> None:
        flow = self.records.remove(flow_id)
        for action in flow.actions.values():
            self._actions.remove(action.id)
            for message in action.messages:
                self._messages.remove(message.id)


def flows_of(account: Account) -> FlowBook:
    return account.flows
