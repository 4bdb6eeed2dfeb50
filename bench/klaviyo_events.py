"""Events per second through Klaviyo's create-event (`POST /klaviyo/api/events`), in process, beside
the bare-Flask floor of bench/omnisend_v3_contacts.py measured in the same run.

Each event is processed too: the clock is advanced after every batch, so the processing (profile
upsert, metric, event record) and the flow engine (a live abandoned-cart flow whose runs enter and
wait on a delay) are counted. The rate limit (create_event: 350 a second, 3500 a minute) is met on
the virtual clock instead of being raised: after each batch of BATCH events the clock moves on
STEP seconds, which keeps under both windows. Timed in CPU seconds, rounds alternating (as
bench/omnisend_v3_contacts.py says why). Usage: python bench/klaviyo_events.py [--n 3000]"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from omnisend_v3_contacts import alternating, floor_app  # noqa: E402 (the same floor, not a copy)

from simulator import Sandbox  # noqa: E402
from simulator.klaviyo.metrics import metrics_of  # noqa: E402

BATCH, STEP = 100, 2  # 100 events per 2 virtual seconds: 3000 a minute, under 3500


def body(i: int) -> dict:
    return {"data": {"type": "event", "attributes": {
        "properties": {"$value": i % 97, "items": [{"sku": f"S{i % 13}"}]},
        "metric": {"data": {"type": "metric", "attributes": {"name": "Started Checkout"}}},
        "profile": {"data": {"type": "profile", "attributes": {"email": f"shopper{i % 500}@example.com"}}}}}}


def rate(client: httpx.Client, n: int, advance=None) -> float:
    started = time.process_time()  # bench timing reads the machine's clocks by nature; the sandbox never does
    for i in range(n):
        response = client.post("/events", json=body(i))
        if response.status_code != 202:
            raise SystemExit(f"unexpected {response.status_code}: {response.text}")
        if advance is not None and (i + 1) % BATCH == 0:
            advance()
    if advance is not None:
        advance()
    return n / (time.process_time() - started)


def sandbox_rate(n: int) -> float:
    sb = Sandbox(seed=1, start="2026-11-01T00:00:00Z")
    client = sb.client("klaviyo-api")
    account = sb.klaviyo_account(sb.company_id())
    metric = metrics_of(account).named("Started Checkout", sb.clock.now()).id
    definition = {"triggers": [{"type": "metric", "id": metric}], "entry_action_id": "wait",
                  "actions": [{"temporary_id": "wait", "type": "time-delay", "links": {"next": "mail"},
                               "data": {"value": 1, "unit": "hours"}},
                              {"temporary_id": "mail", "type": "send-email", "links": {"next": None},
                               "data": {"message": {"subject_line": "Come back"}}}]}
    flow = client.post("/flows", json={"data": {"type": "flow", "attributes": {"name": "Bench", "definition": definition}}})
    flow_id = flow.json()["data"]["id"]
    client.patch(f"/flows/{flow_id}", json={"data": {"type": "flow", "id": flow_id, "attributes": {"status": "live"}}})
    measured = rate(client, n, lambda: sb.clock.advance(seconds=STEP))
    assert len(sb.runs(vendor="klaviyo")) == n, "every event reached the flow engine"
    return measured


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=3000, help="events per round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    floor = floor_app("/klaviyo/api/events", lambda data: "", status=202)
    floor_client = httpx.Client(transport=httpx.WSGITransport(app=floor), base_url="http://floor/klaviyo/api")
    in_floor, in_sandbox = alternating(args.rounds, lambda r: rate(floor_client, args.n),
                                       lambda r: sandbox_rate(args.n))
    print(f"POST /klaviyo/api/events in-process, processed on the clock, {args.n} events a round, best of {args.rounds}, per CPU second")
    print(f"{'floor eps':>12}{'sandbox eps':>14}{'ratio':>8}")
    print(f"{in_floor:12.0f}{in_sandbox:14.0f}{in_sandbox / in_floor:8.2f}   (target >= 0.60)")


if __name__ == "__main__":
    main()
