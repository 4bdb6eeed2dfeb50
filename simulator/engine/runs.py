"""The run trace: one `Run` per time a contact met a workflow's trigger, entered or not.

A user asks "why did (or didn't) this fire?" by reading runs: every block reached is a `Step` with
an outcome and a reason, and a trigger that did not lead to an entry is kept as a run with status
`not_entered` and the reason. Vendor-neutral: Klaviyo flows record the same shape."""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any, Callable

from simulator.core.timefmt import iso

# pending: waiting for the trigger's inactivity period; active: in the workflow
LIVE = ("pending", "active")
FINISHED = ("completed", "exited", "cancelled", "not_entered")


@dataclass
class Step:
    step_id: str | None
    type: str
    at: str
    outcome: str  # entered | sent | skipped | waited | branched | applied | cancelled | exited | reset
    reason: str
    detail: dict = field(default_factory=dict)  # message_id, webhook call and delivery...

    def to_json(self) -> dict:
        return {"step_id": self.step_id, "type": self.type, "at": self.at, "outcome": self.outcome,
                "reason": self.reason, **self.detail}


@dataclass(eq=False)
class Run:
    id: str
    vendor: str
    account: str
    workflow_id: str
    workflow_name: str
    contact_id: str
    recipient: str
    trigger_event: dict
    created_at: _dt.datetime
    status: str = "pending"
    entered_at: _dt.datetime | None = None
    finished_at: _dt.datetime | None = None
    reason: str | None = None  # why it finished (or never entered)
    steps: list[Step] = field(default_factory=list)
    # interpreter state, never shown
    workflow: Any = None
    stack: list = field(default_factory=list)  # [[blocks, next index], ...] of nested sequences
    job: Any = None  # the scheduler job it waits on
    sent: dict = field(default_factory=dict)  # block id -> message id
    trigger: Any = None  # the event object that started it

    @property
    def live(self) -> bool:
        return self.status in LIVE

    def step(self, step_id: str | None, type_: str, at: _dt.datetime, outcome: str, reason: str,
             **detail) -> Step:
        step = Step(step_id, type_, iso(at), outcome, reason, detail)
        self.steps.append(step)
        return step

    def finish(self, status: str, at: _dt.datetime, reason: str) -> None:
        self.status, self.finished_at, self.reason = status, at, reason
        if self.job is not None:
            self.job.cancel()
            self.job = None
        self.stack = []

    def to_json(self) -> dict:
        return {"id": self.id, "vendor": self.vendor, "account": self.account, "workflow_id": self.workflow_id,
                "workflow_name": self.workflow_name, "recipient": self.recipient, "contact_id": self.contact_id,
                "status": self.status, "reason": self.reason, "created_at": iso(self.created_at),
                "entered_at": iso(self.entered_at) if self.entered_at else None,
                "finished_at": iso(self.finished_at) if self.finished_at else None,
                "trigger_event": self.trigger_event, "steps": [s.to_json() for s in self.steps]}


class RunLog:
    """The runs of the sandbox, oldest first: every live one, and the last `limit()` finished."""

    def __init__(self, limit: Callable[[], int] = lambda: 100_000):
        self._runs: list[Run] = []
        self._limit = limit

    def add(self, run: Run) -> Run:
        self._runs.append(run)
        limit = self._limit()
        if len(self._runs) > limit + limit // 10:
            finished = sum(1 for r in self._runs if not r.live)
            drop = max(0, finished - limit)
            kept = []
            for r in self._runs:
                if drop and not r.live:
                    drop -= 1
                else:
                    kept.append(r)
            self._runs = kept
        return run

    def clear(self) -> None:
        self._runs.clear()

    def __len__(self) -> int:
        return len(self._runs)

    def runs(self, vendor: str | None = None, account: str | None = None, workflow_id: str | None = None,
             recipient: str | None = None, status: str | None = None) -> list[Run]:
        return [r for r in self._runs
                if (vendor is None or r.vendor == vendor) and (account is None or r.account == account)
                and (workflow_id is None or r.workflow_id == workflow_id)
                and (recipient is None or r.recipient == recipient) and (status is None or r.status == status)]
