"""The outbox: every message an automation or flow sends lands here instead of a real inbox.

It keeps the last `outbox_limit` messages (a setting, read as each is sent); offsets stay counted
from the first message ever sent, so a poller's offset means the same after old ones are dropped."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Callable

from simulator.core.records import trim_oldest


@dataclass
class Message:
    id: str
    vendor: str
    account: str
    channel: str  # email | sms | push
    recipient: str
    workflow_id: str
    workflow_name: str
    step_id: str
    subject: str | None
    sent_at: str
    engagement: list[dict] = field(default_factory=list)  # opens and clicks recorded on it
    test: bool = False  # a test send (e.g. an automation block's test email), not a real delivery
    html: str | None = None  # an email's rendered body (engine/email_render.py); None for SMS, push, tests
    text: str | None = None  # its plain-text part
    campaign_id: str | None = None  # the campaign that sent it (None for a flow's or an automation's message)

    def to_json(self) -> dict:
        return asdict(self)


class Outbox:
    def __init__(self, limit: Callable[[], int] = lambda: 100_000):
        self._messages: list[Message] = []
        self._by_id: dict[str, Message] = {}
        self._limit = limit
        self._dropped = 0  # messages sent and since dropped: the offset of the first one kept

    def add(self, message: Message) -> Message:
        self._messages.append(message)
        self._by_id[message.id] = message
        for old in trim_oldest(self._messages, self._limit()):
            del self._by_id[old.id]
            self._dropped += 1
        return message

    def get(self, message_id: str) -> Message | None:
        """The message with this id (engagement is recorded on it), or None."""
        return self._by_id.get(message_id)

    def clear(self) -> None:
        self._messages.clear()
        self._by_id.clear()
        self._dropped = 0

    def messages(self, vendor: str | None = None, recipient: str | None = None,
                 workflow_id: str | None = None, account: str | None = None, offset: int = 0) -> list[Message]:
        """The messages matching every filter given, in the order sent, from the `offset`-th sent on
        (a reader that polls keeps its offset: the outbox only grows, until a reset)."""
        return [m for m in self._messages[max(0, offset - self._dropped):]
                if (vendor is None or m.vendor == vendor)
                and (recipient is None or m.recipient == recipient)
                and (workflow_id is None or m.workflow_id == workflow_id)
                and (account is None or m.account == account)]
