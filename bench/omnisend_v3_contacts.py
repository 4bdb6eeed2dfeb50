"""Requests per second for `POST /omnisend/v3/contacts`, beside a bare Flask floor, in one run.

Four measurements, each the best of a few rounds:
  floor  in-process  a bare Flask app parsing the same JSON and answering the same shape, via httpx WSGI
  sandbox in-process  the sandbox through `Sandbox.client()` (auth, rate limit, contract check, model, journal)
  floor  live        the bare app on waitress over loopback, one keep-alive connection
  sandbox live        the sandbox on waitress the same way
and the ratios sandbox/floor (target in-process: 0.7 or more). Then how the cost of one create
grows with the contacts already stored. Usage: python bench/omnisend_v3_contacts.py [--n 2000]

In process, a request is timed in this process's CPU seconds (`time.process_time`), not wall
seconds: on a machine shared with other work, wall time counts whatever else ran meanwhile, and one
thread does all the work. Live, the server's threads share the process, so wall time it is. Rounds
alternate between floor and sandbox, so a change in the machine's load moves both alike.
"""
from __future__ import annotations

import argparse
import time

import httpx
from flask import Flask, jsonify, request

from simulator import Sandbox
from simulator.server import LiveServer


def floor_app(path: str = "/omnisend/v3/contacts", answer=None, status: int = 200) -> Flask:
    """A bare Flask app parsing the JSON body at `path` and answering `answer(body)` (by default the
    create-contact shape); other benches import it for their own route."""
    app = Flask("floor")

    @app.post(path)
    def create():
        data = request.get_json()
        if answer is None:
            return jsonify({"email": data["identifiers"][0]["id"], "contactID": "x" * 27})
        return answer(data), status

    return app


class Wsgi:
    """The smallest object LiveServer needs: something with a `wsgi` callable."""

    def __init__(self, app):
        self.wsgi = app


def body(i: int) -> dict:
    return {"identifiers": [{"type": "email", "id": f"shopper{i}@example.com",
                             "channels": {"email": {"status": "subscribed"}}}],
            "firstName": "Bench", "lastName": f"Shopper {i}", "tags": ["bench"], "customProperties": {"n": i}}


def rate(client: httpx.Client, n: int, offset: int = 0, timer=time.process_time) -> float:
    started = timer()  # bench timing reads the machine's clocks by nature; the sandbox never does
    for i in range(offset, offset + n):
        response = client.post("/contacts", json=body(i))
        if response.status_code != 200:
            raise SystemExit(f"unexpected {response.status_code}: {response.text}")
    return n / (timer() - started)


def sandbox() -> Sandbox:
    sb = Sandbox(seed=1, start="2026-11-01T00:00:00Z")
    sb.settings.update({"v3_rate_limit": 10**9})
    return sb


def best(rounds: int, measure) -> float:
    return max(measure(r) for r in range(rounds))


def alternating(rounds: int, *measures) -> list[float]:
    """The best of `rounds` of each measure, the measures taking turns within each round."""
    seen = [[measure(r) for measure in measures] for r in range(rounds)]
    return [max(column) for column in zip(*seen)]


def arguments() -> tuple[int, int]:
    """(requests per round, rounds) from `--n` and `--rounds`; other benches read theirs here too."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=2000, help="requests per round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    return args.n, args.rounds


def main() -> None:
    n, rounds = arguments()

    floor = floor_app()
    floor_client = httpx.Client(transport=httpx.WSGITransport(app=floor), base_url="http://floor/omnisend/v3")
    in_floor, in_sandbox = alternating(rounds, lambda r: rate(floor_client, n),
                                       lambda r: rate(sandbox().client(), n))

    floor_server = LiveServer(Wsgi(floor)).start()
    sb = sandbox()
    sb_server = LiveServer(sb).start()
    key = sb.test_keys()["omnisend"]
    try:
        with httpx.Client(base_url=floor_server.url + "/omnisend/v3") as floor_live, \
                httpx.Client(base_url=sb_server.url + "/omnisend/v3", headers={"X-API-KEY": key}) as sandbox_live:
            live_floor, live_sandbox = alternating(
                rounds, lambda r: rate(floor_live, n // 2, r * n, time.perf_counter),
                lambda r: rate(sandbox_live, n // 2, r * n, time.perf_counter))
    finally:
        floor_server.stop()
        sb_server.stop()

    print(f"POST /omnisend/v3/contacts, {n} requests a round, best of {rounds} (in process: per CPU second)")
    print(f"{'':12}{'floor rps':>12}{'sandbox rps':>14}{'ratio':>8}")
    print(f"{'in-process':12}{in_floor:12.0f}{in_sandbox:14.0f}{in_sandbox / in_floor:8.2f}   (target >= 0.70)")
    print(f"{'live':12}{live_floor:12.0f}{live_sandbox:14.0f}{live_sandbox / live_floor:8.2f}")

    print("\ncost of one create as the brand grows (in-process)")
    sb = sandbox()
    client = sb.client()
    stored = 0
    baseline = None
    for size in (0, 10_000, 50_000):
        while stored < size:
            step = min(5000, size - stored)
            rate(client, step, 10**6 + stored)
            stored += step
        measured = rate(client, 1000, 10**7 + size)
        baseline = baseline or measured
        print(f"  {size:>7} contacts stored: {measured:7.0f} rps  ({measured / baseline:.2f} of the empty brand)")


if __name__ == "__main__":
    main()
