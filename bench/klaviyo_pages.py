"""Klaviyo list pages and generic operations, in process, as ratios measured in the same run:

* a `GET /api/profiles` page (20 profiles, no filter) at 10,000 profiles against the same page at
  100: a page should cost what it holds, not what the account holds (target >= 0.8);
* generic operations (served from the operation table) against hand-modelled ones of the same shape:
  create a catalog category vs create a list, get one vs get one (target >= 0.8 each).

Rate limits are switched off (`klaviyo_rate_limits`) so the requests measure the work, not the
budget. Usage: python bench/klaviyo_pages.py [--n 2000] [--rounds 3]"""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from omnisend_v3_contacts import arguments, best  # noqa: E402 (the same best-of and arguments, not copies)

from simulator import Sandbox  # noqa: E402
from simulator.klaviyo.profiles import profiles_of  # noqa: E402


def sandbox(profiles: int = 0):
    sb = Sandbox(seed=1, start="2026-11-01T00:00:00Z")
    sb.settings.update({"klaviyo_rate_limits": False})
    book = profiles_of(sb.klaviyo_account(sb.company_id()))
    for i in range(profiles):
        book.create_new({"email": f"shopper{i}@example.com"}, sb.clock.now())
    return sb, sb.client("klaviyo-api")


def per_second(n: int, call) -> float:
    started = time.perf_counter()  # bench timing is wall time by nature; the sandbox never reads it
    for i in range(n):
        response = call(i)
        if response.status_code >= 300:
            raise SystemExit(f"unexpected {response.status_code}: {response.text[:300]}")
    return n / (time.perf_counter() - started)


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


def main() -> None:
    n, rounds = arguments()
    small = best(rounds, lambda r: page_rate(100, n))
    large = best(rounds, lambda r: page_rate(10_000, n))
    print(f"GET /klaviyo/api/profiles pages of 20, in process, {n} a round, best of {rounds}")
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
        hand, table = best(rounds, modelled), best(rounds, generic)
        print(f"{label:>8}{hand:10.0f}{table:10.0f}{table / hand:8.2f}   (target >= 0.80)")


if __name__ == "__main__":
    main()
