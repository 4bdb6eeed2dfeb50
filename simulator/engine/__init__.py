"""The automation engine: vendor interpreters of workflow definitions on the sandbox's virtual clock.

The pieces every vendor shares live in their own modules (run trace, sending, engagement, filters,
durations, A/B choice, webhooks); `Engine` bundles what they need from the sandbox, so a vendor
interpreter (`omnisend.py`, `klaviyo.py`) needs nothing else."""
from __future__ import annotations

from dataclasses import dataclass

from simulator.core.clock import Clock
from simulator.core.outbox import Outbox
from simulator.core.scheduler import Scheduler
from simulator.engine.runs import RunLog
from simulator.engine.webhooks import WebhookPoster


@dataclass
class Engine:
    """The sandbox's clock, queue and outbox, plus the run trace and the webhook poster."""
    seed: int
    clock: Clock
    scheduler: Scheduler
    outbox: Outbox
    runs: RunLog
    webhooks: WebhookPoster
