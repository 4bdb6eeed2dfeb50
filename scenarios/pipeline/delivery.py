"""Delivery: send one (event, destination)'s requests in order, retry what the vendor may take later,
and account for the pair exactly once.

Retried: 429, 5xx and transport errors. The wait is the vendor's own hint when it gives one
(Klaviyo's `Retry-After` header, the Omnisend dated API's `retryAfter` body field, v3's
`X-Rate-Limit-Reset` header), else Upstack's webhook schedule 1 s, 5 s, 30 s, 2 min, 10 min
(docs.upstackdata.com; the last step repeats), each retry a job on the run's clock, never a sleep.
A 429 pauses the destination and queues its calls until the vendor's window opens (`_hold`), with
no limit on tries: the vendor said when to come back. A 5xx or transport error is tried at most
`max_attempts` times. Any other 4xx fails the pair with the status and the vendor's own error text."""
from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import Callable

import httpx

from simulator.scenarios.forwarder import ForwarderContext

BACKOFF = (1, 5, 30, 120, 600)


@dataclass(slots=True)
class Call:
    """One request. `label` names it the same for every event ("omnisend-v3 PUT /carts/{cartID}"),
    so the reasons it ends with group across events. `follow`, given the answer (a success or a
    4xx), may name the request that answer calls for next (a list add needs the id profile-import
    returned; a create that finds the record already there turns into its update); None lets the
    answer stand."""
    method: str
    label: str
    url: str
    json: dict | None = None
    follow: Callable[[httpx.Response], "Call | None"] | None = None


class Job:
    """The requests one (event, destination) pair still has to make."""
    __slots__ = ("event_id", "destination", "headers", "calls")

    def __init__(self, event_id: str, destination: str, headers: dict, calls: list[Call]):
        self.event_id = event_id
        self.destination = destination
        self.headers = headers
        self.calls = deque(calls)


class Sender:
    def __init__(self, context: ForwarderContext, max_attempts: int):
        if max_attempts < 1:
            raise ValueError("max_attempts is at least 1")
        self.context = context
        self.max_attempts = max_attempts
        self.retries = 0  # requests sent again, over the whole run
        self._held: dict[str, deque] = {}  # destination -> (job, call, attempt) waiting out its 429

    def send(self, job: Job) -> None:
        held = self._held.get(job.destination)
        if held is not None:
            held.append((job, job.calls.popleft(), 1))
        else:
            self._try(job, job.calls.popleft(), 1)

    def _try(self, job: Job, call: Call, attempt: int) -> None:
        try:
            response = self.context.http.request(call.method, call.url, json=call.json, headers=job.headers)
        except httpx.TransportError as error:
            self._again(job, call, attempt, None, f"{type(error).__name__}: {error}")
            return
        latency = getattr(response, "latency", 0.0)  # a fault's added latency, in-process: virtual seconds
        if latency:
            self.context.schedule(self.context.now() + math.ceil(latency),
                                  lambda: self._answered(job, call, attempt, response))
        else:
            self._answered(job, call, attempt, response)

    def _answered(self, job: Job, call: Call, attempt: int, response) -> None:
        status = response.status_code
        if status == 429:
            self._hold(job, call, attempt, retry_after(response))
            return
        if status >= 500:
            self._again(job, call, attempt, retry_after(response), f"{status} {vendor_detail(response)}")
            return
        then = call.follow(response) if call.follow is not None else None
        if then is not None:
            self._try(job, then, 1)
        elif status >= 400:
            self._record(job, "failed", f"{call.label} -> {status}: {vendor_detail(response)}")
        elif job.calls:
            self._try(job, job.calls.popleft(), 1)
        else:
            self._record(job, "delivered", f"{call.label} -> {status}")

    def _hold(self, job: Job, call: Call, attempt: int, hint: int | None) -> None:
        """A 429 pauses the whole destination, not just this call: a thundering herd of retries
        at the second the vendor named would be refused again. The refused call goes first in the
        destination's queue; from that second the queue drains in order, one call at a time, until
        it is empty or the vendor refuses again. A rate limit only delays a pair: it never fails one."""
        self.retries += 1
        destination = job.destination
        queue = self._held.get(destination)
        if queue is None:
            queue = self._held[destination] = deque()
            wait = hint if hint is not None else BACKOFF[0]
            self.context.schedule(self.context.now() + max(1, wait), lambda: self._drain(destination))
        queue.appendleft((job, call, attempt + 1))

    def _drain(self, destination: str) -> None:
        queue = self._held.pop(destination)
        while queue:
            self._try(*queue.popleft())
            paused = self._held.get(destination)
            if paused is not None:  # refused again: the rest wait behind the refused call
                paused.extend(queue)
                return

    def _again(self, job: Job, call: Call, attempt: int, hint: int | None, problem: str) -> None:
        if attempt >= self.max_attempts:
            self._record(job, "failed",
                         f"{call.label}: gave up after {attempt} attempts, last {problem}")
            return
        self.retries += 1
        wait = hint if hint is not None else BACKOFF[min(attempt, len(BACKOFF)) - 1]
        self.context.schedule(self.context.now() + max(1, wait), lambda: self._try(job, call, attempt + 1))

    def _record(self, job: Job, outcome: str, reason: str) -> None:
        self.context.record(job.event_id, job.destination, outcome, reason)


def retry_after(response: httpx.Response) -> int | None:
    """Seconds the vendor asks us to wait, if it says."""
    header = response.headers.get("Retry-After")
    if header is not None and header.isdigit():
        return int(header)
    if response.headers.get("content-type", "").endswith("json"):
        body = _json(response)
        if isinstance(body, dict) and isinstance(body.get("retryAfter"), int):
            return body["retryAfter"]
    reset = response.headers.get("X-Rate-Limit-Reset")
    return int(reset) if reset is not None and reset.isdigit() else None


def vendor_detail(response: httpx.Response) -> str:
    """The vendor's own words for a failure: Klaviyo's `errors[].detail`, an Omnisend problem's
    `detail` and field errors, v3's `error` and `fields`."""
    body = _json(response)
    if not isinstance(body, dict):
        return response.text[:200]
    if isinstance(body.get("errors"), list) and "detail" not in body:
        return "; ".join(str(e.get("detail") or e.get("title")) for e in body["errors"] if isinstance(e, dict))
    if "detail" in body:
        fields = [f"{e.get('field')}: {e.get('message')}" for e in body.get("errors") or () if isinstance(e, dict)]
        return "; ".join([str(body["detail"]), *fields])
    fields = [str(m) for group in body.get("fields") or () for m in (group if isinstance(group, list) else [group])]
    return "; ".join([str(body.get("error") or body)[:200], *fields])


def _json(response: httpx.Response):
    try:
        return response.json()
    except ValueError:
        return None
