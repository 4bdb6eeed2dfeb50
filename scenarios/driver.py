"""The sandbox a run drives: in this process (default), or a running `simulator serve` reached over
HTTP through its control API (`--sandbox-url`). Both give the runner the same few verbs; the
vendor calls themselves always go over `http` to `base_url`, as they would to the vendors.

In process, `http` is the lean `WsgiClient` (the run's own senders and setup need only its
`request`), and `user_http` an httpx client on the same app, for a user's own forwarder, which the
forwarder protocol promises an httpx client. A server run uses one httpx client for both."""
from __future__ import annotations

import datetime as _dt
import functools

import httpx

from simulator.scenarios.wsgi_client import WsgiClient
from simulator.core.timefmt import iso, parse_instant


WEEK = _dt.timedelta(days=7)


class DriverError(Exception):
    """The sandbox cannot host this run (e.g. a remote clock past the scenario's start)."""


class InProcess:
    def __init__(self, seed: int, start: _dt.datetime):
        from simulator.sandbox import IN_PROCESS_HOST, Sandbox
        self.origin = start
        self.sandbox = Sandbox(seed=seed, start=start, clock="frozen")
        self.sandbox.engine.webhooks.background = False  # a webhook outcome is then part of the deterministic trace
        self.base_url = IN_PROCESS_HOST
        self.http = WsgiClient(self.sandbox._in_process_wsgi)  # the same app as httpx's, minus its request building
        self._seen = 0

    @functools.cached_property
    def user_http(self) -> httpx.Client:
        """An httpx client on the same app, for a user's own forwarder: the protocol promises one."""
        return httpx.Client(transport=httpx.WSGITransport(app=self.sandbox._in_process_wsgi))

    def advance_to(self, instant: _dt.datetime) -> None:
        if instant > self.sandbox.clock.now():
            self.sandbox.clock.advance_to(instant)

    def configure(self, settings: dict) -> None:
        self.sandbox.settings.update(dict(settings))

    def add_faults(self, rules: list[dict]) -> None:
        """The scenario's fault rules (`faults:`), as `POST /_sim/faults` sets them."""
        from simulator.control.faults import add_faults
        add_faults(self.sandbox, rules)

    def new_messages(self) -> list[dict]:
        """Messages sent since the last call."""
        fresh = self.sandbox.messages.messages(offset=self._seen)
        self._seen += len(fresh)
        return [m.to_json() for m in fresh]

    def engage(self, message_id: str, kind: str, url: str | None = None) -> None:
        self.sandbox.engage(message_id, kind, url)

    def runs(self) -> list[dict]:
        return self.sandbox.runs()

    def close(self) -> None:
        self.http.close()
        if "user_http" in self.__dict__:
            self.user_http.close()


class Remote:
    """A server started with `simulator serve --clock frozen`; each arm resets it first (every
    account is emptied). Its clock only moves forward, so an arm that cannot begin at `start`
    begins whole weeks later (`origin`): weekdays and times of day stay what the scenario says."""

    def __init__(self, url: str, start: _dt.datetime):
        self.base_url = url.rstrip("/")
        self.http = self.user_http = httpx.Client(timeout=60)
        self._seen = 0
        try:
            clock = self._sim("GET", "/clock")
            if clock["mode"] != "frozen":
                raise DriverError(f"{self.base_url} runs a real clock; start it with --clock frozen "
                                  "so the run decides when time moves")
        except httpx.HTTPError as exc:
            self.http.close()
            raise DriverError(f"no sandbox answers at {self.base_url}: {exc}") from None
        except DriverError:
            self.http.close()
            raise
        self._now = parse_instant(clock["now"])
        weeks = max(0, -(-(self._now - start) // WEEK))  # ceiling division
        self.origin = start + weeks * WEEK
        self._shift = self.origin - start
        self._sim("POST", "/reset", json={})  # a state change over a socket needs a JSON content type
        self.advance_to(self.origin)

    def _sim(self, method: str, path: str, **kwargs):
        response = self.http.request(method, f"{self.base_url}/_sim{path}", **kwargs)
        if response.status_code != 200:
            raise DriverError(f"{method} /_sim{path} answered {response.status_code}: {response.text[:200]}")
        return response.json()

    def advance_to(self, instant: _dt.datetime) -> None:
        if instant > self._now:
            self._sim("POST", "/clock", json={"to": iso(instant)})
            self._now = instant

    def configure(self, settings: dict) -> None:
        self._sim("POST", "/settings", json=settings)

    def add_faults(self, rules: list[dict]) -> None:
        """The scenario's fault rules, in place of the server's own (a reset keeps those); their
        windows move with the run, whole weeks later when the server's clock was past the start."""
        self.http.delete(f"{self.base_url}/_sim/faults", headers={"X-Flow-Sandbox": "1"}).raise_for_status()
        for rule in rules:
            moved = {k: iso(parse_instant(v) + self._shift) if k in ("from", "until") else v for k, v in rule.items()}
            answer = self.http.post(f"{self.base_url}/_sim/faults", json=moved)
            if answer.status_code != 201:
                raise DriverError(f"POST /_sim/faults answered {answer.status_code}: {answer.text[:200]}")

    def new_messages(self) -> list[dict]:
        fresh = self._sim("GET", "/outbox", params={"offset": self._seen})["messages"]
        self._seen += len(fresh)
        return fresh

    def engage(self, message_id: str, kind: str, url: str | None = None) -> None:
        self._sim("POST", "/engagement", json={"message_id": message_id, "type": kind, **({"url": url} if url else {})})

    def runs(self) -> list[dict]:
        return self._sim("GET", "/runs")["runs"]

    def close(self) -> None:
        self.http.close()
