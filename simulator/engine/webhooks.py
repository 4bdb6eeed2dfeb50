"""Webhook calls a workflow makes: recorded at once, POSTed outside the sandbox lock.

A workflow step runs under the sandbox lock (inside a request or a clock advance). Holding it
through an HTTP call would stall every other client for as long as a slow target takes, so the
step records the call and queues it; a worker thread POSTs it with httpx (short timeout) and then,
under the lock, hands the outcome (`delivered` + status, or `failed` + error) to the step. A
failure never stops a run. `transport` is injectable (an `httpx.MockTransport` in tests), and
`background=False` POSTs inline instead, bounded by the same timeout. `drain()` waits until the
queue is empty; call it without holding the sandbox lock."""
from __future__ import annotations

import collections
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    import httpx


@dataclass
class WebhookCall:
    url: str
    headers: dict
    body: str
    on_result: Callable[[dict], None]  # called under the sandbox lock with the delivery outcome


def traced(poster: "WebhookPoster", url: str, headers: dict, body: str) -> dict:
    """Submit a call and return the dict a run step shows; its `delivery` fills in when the POST ends."""
    call = {"url": url, "body": body, "delivery": {"state": "pending"}}

    def record(outcome: dict) -> None:
        call["delivery"] = outcome

    poster.submit(WebhookCall(url, headers, body, record))
    return call


class WebhookPoster:
    def __init__(self, lock: threading.RLock, transport: "httpx.BaseTransport | None" = None,
                 timeout: float = 3.0, background: bool = True):
        self.lock = lock
        self.transport = transport
        self.timeout = timeout
        self.background = background
        self._queue: collections.deque[WebhookCall] = collections.deque()
        self._guard = threading.Condition()
        self._running = False

    def submit(self, call: WebhookCall) -> None:
        if not self.background:
            self._deliver(call)
            return
        with self._guard:
            self._queue.append(call)
            if not self._running:
                self._running = True
                threading.Thread(target=self._work, name="webhook-poster", daemon=True).start()

    def drain(self, timeout: float | None = None) -> bool:
        """Wait until every queued call was delivered or failed; False if `timeout` ran out first."""
        with self._guard:
            return self._guard.wait_for(lambda: not self._running, timeout)

    def _work(self) -> None:
        while True:
            with self._guard:
                if not self._queue:
                    self._running = False
                    self._guard.notify_all()
                    return
                call = self._queue.popleft()
            self._deliver(call)

    def _deliver(self, call: WebhookCall) -> None:
        import httpx  # only a workflow that calls a webhook needs it; a server start should not pay for it
        try:
            with httpx.Client(transport=self.transport, timeout=self.timeout) as client:
                response = client.post(call.url, content=call.body.encode(), headers=call.headers)
            outcome = {"state": "delivered", "status": response.status_code}
        except Exception as error:  # any failure of the target is the target's, never the engine's
            outcome = {"state": "failed", "error": f"{type(error).__name__}: {error}"}
        with self.lock:
            call.on_result(outcome)
