"""Soak: the resident memory of `simulator serve` over 20,000 requests that each add state (new
contacts, Omnisend and Klaviyo events, a new account every few requests), with the retention
settings lowered so that 20,000 requests pass every bound several times. The floor is the RSS after
a warm-up of the same traffic in the same run; the sandbox is steady when the last quarter adds
(almost) nothing to it. The defaults bound the same things, only later (docs/sandbox.md, Retention).

Usage: python bench/soak.py [--requests 20000] [--defaults]"""
from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import httpx

LOW = {"journal_limit": 2_000, "outbox_limit": 2_000, "run_limit": 2_000, "event_limit": 500, "account_limit": 20}
KEYS = 200  # accounts the traffic cycles through (10 times the lowered account limit)


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise SystemExit("no VmRSS in /proc (the soak reads Linux's process status)")


def request(client: httpx.Client, base: str, n: int) -> None:
    """The n-th request of the traffic: one write on one of KEYS accounts per vendor."""
    account = n % KEYS
    omnisend_key = f"{account:024x}-soak"
    klaviyo_key = f"pk_{account:034d}"
    kind = n % 3
    if kind == 0:
        response = client.post(f"{base}/omnisend/v3/contacts", headers={"X-API-KEY": omnisend_key}, json={
            "identifiers": [{"type": "email", "id": f"shopper{n}@example.com",
                             "channels": {"email": {"status": "subscribed"}}}]})
    elif kind == 1:
        response = client.post(f"{base}/omnisend/api/events", headers={
            "Authorization": f"Omnisend-API-Key {omnisend_key}", "Omnisend-Version": "2026-03-15"}, json={
            "eventName": "soak ping", "origin": "api", "properties": {"n": n},
            "contact": {"email": f"shopper{n % 500}@example.com"}})
    else:
        response = client.post(f"{base}/klaviyo/api/events", headers={
            "Authorization": f"Klaviyo-API-Key {klaviyo_key}", "revision": "2026-10-15"}, json={"data": {
                "type": "event", "attributes": {"properties": {"n": n}, "unique_id": str(n), "metric": {"data": {
                    "type": "metric", "attributes": {"name": "Viewed Product"}}}, "profile": {"data": {
                        "type": "profile", "attributes": {"email": f"shopper{n % 500}@example.com"}}}}}})
    if response.status_code >= 300:
        raise SystemExit(f"request {n}: {response.status_code} {response.text[:200]}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--defaults", action="store_true", help="keep the default retention settings")
    args = parser.parse_args()
    process = subprocess.Popen([sys.executable, "-m", "simulator", "serve", "--port", "0", "--clock", "frozen",
                                "--start", "2026-11-02T10:00:00Z"], stdout=subprocess.PIPE, text=True)
    try:
        base = process.stdout.readline().split()[3]
        with httpx.Client(timeout=30) as client:
            sim = {"X-Flow-Sandbox": "1"}
            if not args.defaults:
                client.post(f"{base}/_sim/settings", json=LOW).raise_for_status()
            warm_up = args.requests // 4
            client.get(f"{base}/_sim/clock").raise_for_status()
            started = rss_kib(process.pid)
            marks = {}
            for n in range(args.requests + warm_up):
                request(client, base, n)
                if n % 100 == 99:  # let the Klaviyo events be processed and the rate windows pass
                    client.post(f"{base}/_sim/clock", json={"advance_seconds": 2}, headers=sim).raise_for_status()
                done = n + 1 - warm_up
                if done == 0 or (done > 0 and done % (args.requests // 4) == 0):
                    marks[done] = rss_kib(process.pid)
        floor = marks[0]
        print(f"simulator serve RSS over {args.requests} requests after a {warm_up}-request warm-up "
              f"({'default' if args.defaults else 'lowered'} retention); {started / 1024:.1f} MiB before any traffic")
        for done, kib in marks.items():
            print(f"  after {done:>6} requests  {kib / 1024:8.1f} MiB   ratio to floor {kib / floor:.3f}")
        quarter = list(marks.values())
        print(f"  last quarter grew by {(quarter[-1] - quarter[-2]) / 1024:.1f} MiB "
              f"(ratio {quarter[-1] / quarter[-2]:.3f})")
    finally:
        process.terminate()
        process.wait(timeout=10)


if __name__ == "__main__":
    main()
