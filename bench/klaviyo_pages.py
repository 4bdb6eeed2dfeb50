"""Klaviyo list pages and generic operations, in process, as ratios measured in the same run:

* a `GET /api/profiles` page (20 profiles, no filter) at 10,000 profiles against the same page at
  100: a page should cost what it holds, not what the account holds (target >= 0.8);
* generic operations (served from the operation table) against hand-modelled ones of the same shape:
  create a catalog category vs create a list, get one vs get one (target >= 0.8 each);
* live, over a socket (waitress, one keep-alive connection): the same page from the sandbox at
  10,000 profiles against a bare Flask app on waitress answering the very same bytes (target >= 0.3).

Rate limits are switched off (`klaviyo_rate_limits`) so the requests measure the work, not the
budget. In process, rates are per CPU second and rounds alternate (bench/omnisend_v3_contacts.py
says why); live, per wall second. Usage: python bench/klaviyo_pages.py [--n 2000] [--rounds 3]"""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from omnisend_v3_contacts import Wsgi, alternating, arguments  # noqa: E402 (the same helpers, not copies)

import httpx  # noqa: E402
from flask import Flask, Response  # noqa: E402

from simulator import Sandbox  # noqa: E402
from simulator.klaviyo.profiles import profiles_of  # noqa: E402
from simulator.sandbox import KLAVIYO_REVISION  # noqa: E402
from simulator.server import LiveServer  # noqa: E402


def sandbox(profiles: int = 0):
    sb = Sandbox(seed=1, start="2026-11-01T00:00:00Z")
    sb.settings.update({"klaviyo_rate_limits": False})
    book = profiles_of(sb.klaviyo_account(sb.company_id()))
    for i in range(profiles):
        book.create_new({"email": f"shopper{i}@example.com"}, sb.clock.now())
    return sb, sb.client("klaviyo-api")


def per_second(n: int, call, timer=time.process_time) -> float:
    started = timer()  # bench timing reads the machine's clocks by nature; the sandbox never does
    for i in range(n):
        response = call(i)
        if response.status_code >= 300:
            raise SystemExit(f"unexpected {response.status_code}: {response.text[:300]}")
    return n / (timer() - started)


def page_rate(profiles: int, n: int) -> float:
    _, client = sandbox(profiles)
    second = client.get("/profiles").json()["links"]["next"]  # a page deep in the list, by its cursor
    return per_second(n, lambda i: client.get(second if i % 2 else "/profiles"))


def create_rate(n: int, path: str, type_: str, attributes) -> float:
    _, client = sandbox()
    return per_second(n, lambda i: client.post(path, json={"data": {"type": type_, "attributes": attributes(i)}}))


def get_rate(n: int, path: str, type_: str, attributes: dict) -> float:
    _, client = sandbox()
    made = client.post(path, json={"data": {"type": type_, "attributes": attributes}}).json()["data"]["id"]
    return per_second(n, lambda i: client.get(f"{path}/{made}"))


def live_page_rates(n: int, rounds: int) -> tuple[float, float]:
    """(floor, sandbox) pages a wall second, live: the first page of 20 at 10,000 profiles, and a bare
    Flask app on the same server answering the same bytes with the same content type."""
    sb, client = sandbox(10_000)
    page = client.get("/profiles")
    floor = Flask("floor")
    floor.get("/klaviyo/api/profiles")(lambda: Response(page.content, content_type=page.headers["Content-Type"]))
    servers = [LiveServer(Wsgi(floor)).start(), LiveServer(sb).start()]
    headers = {"Authorization": f"Klaviyo-API-Key {sb.test_keys()['klaviyo']}", "revision": KLAVIYO_REVISION}
    try:
        with httpx.Client(base_url=servers[0].url + "/klaviyo/api") as bare, \
                httpx.Client(base_url=servers[1].url + "/klaviyo/api", headers=headers) as ours:
            return tuple(alternating(rounds, lambda r: per_second(n, lambda i: bare.get("/profiles"), time.perf_counter),
                                     lambda r: per_second(n, lambda i: ours.get("/profiles"), time.perf_counter)))
    finally:
        for server in servers:
            server.stop()


def main() -> None:
    n, rounds = arguments()
    small, large = alternating(rounds, lambda r: page_rate(100, n), lambda r: page_rate(10_000, n))
    print(f"GET /klaviyo/api/profiles pages of 20, in process, {n} a round, best of {rounds}, per CPU second")
    print(f"{'at 100':>12}{'at 10,000':>12}{'ratio':>8}")
    print(f"{small:12.0f}{large:12.0f}{large / small:8.2f}   (target >= 0.80)")
    print(f"\ngeneric (catalog-category) against hand-modelled (list), in process, {n} a round, best of {rounds}")
    print(f"{'':>8}{'modelled':>10}{'generic':>10}{'ratio':>8}")
    for label, modelled, generic in (
            ("create", lambda r: create_rate(n, "/lists", "list", lambda i: {"name": f"List {i}"}),
             lambda r: create_rate(n, "/catalog-categories", "catalog-category",
                                   lambda i: {"external_id": f"C{i}", "name": f"Category {i}"})),
            ("get", lambda r: get_rate(n, "/lists", "list", {"name": "VIP"}),
             lambda r: get_rate(n, "/catalog-categories", "catalog-category", {"external_id": "C1", "name": "Shirts"}))):
        hand, table = alternating(rounds, modelled, generic)
        print(f"{label:>8}{hand:10.0f}{table:10.0f}{table / hand:8.2f}   (target >= 0.80)")
    floor, live = live_page_rates(n // 2, rounds)
    print(f"\nthe same page live (waitress, one keep-alive connection) at 10,000 profiles, {n // 2} a round, "
          f"best of {rounds}")
    print(f"{'floor':>12}{'sandbox':>10}{'ratio':>8}")
    print(f"{floor:12.0f}{live:10.0f}{live / floor:8.2f}   (target >= 0.30)")


if __name__ == "__main__":
    main()
