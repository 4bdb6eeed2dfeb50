"""What the automation engine costs: events per second with 20 enabled automations beside none,
and how advancing the clock grows with the number of waiting runs, all measured in one run.

1. `POST /omnisend/api/events` in-process (the dated Events API; the v3 `/events` door when the
   dated one is not there), the same stream of events into a brand with no enabled automation and
   into one with 20 (five event names, four automations each: filters, inactivity, exit conditions,
   delays, splits, sends). Ratio = with / without (target 0.5 or more).
2. n runs waiting at a delay (1k, 10k, 100k), due 100 per second of virtual time: the cost of one
   clock advance that makes 1,000 of them due, and of one that makes none due. Waiting runs are
   scheduler jobs in a heap, so both should stay flat as n grows (O(due * log n)).

Usage: python bench/omnisend_automations.py [--events 2000] [--rounds 3]"""
from __future__ import annotations

import argparse
import datetime as _dt
import gc
import time

from simulator import Sandbox
from simulator.omnisend.automations import automations_of
from simulator.omnisend.contacts import ContactInput, contacts_of

NAMES = ("bench view", "bench cart", "bench checkout", "bench order", "bench visit")
CONTACTS = 200
SECOND, DAY = _dt.timedelta(seconds=1), _dt.timedelta(days=1)


def sandbox() -> Sandbox:
    sb = Sandbox(seed=1, start="2026-11-02T10:00:00Z")
    sb.settings.update({"api_rate_limit": 10**9, "v3_rate_limit": 10**9})
    return sb


def email(subject: str) -> dict:
    return {"type": "action", "action": {"type": "sendEmail", "sendEmail": {
        "subject": subject, "senderName": "Shop", "preheader": "p", "language": "en_US",
        "templateID": "000000000000000000000001"}}}


def delay(amount: int, units: str) -> dict:
    return {"type": "delay", "delay": {"mode": "duration", "duration": {"amount": amount, "units": units}}}


def numbered(blocks: list[dict], prefix: str) -> list[dict]:
    return [{"temporaryID": f"{prefix}-{i}", **block} for i, block in enumerate(blocks)]


def definition(i: int) -> dict:
    """The i-th of 20 automations: a mix of what the standard ones use."""
    name = NAMES[i % len(NAMES)]
    trigger = {"condition": {"event": name}}
    if i % 4 == 1:
        trigger["inactivitySettings"] = {"duration": {"amount": 30, "units": "m"}}
    if i % 4 == 2:
        trigger["condition"]["filterGroups"] = [{"logicalOperator": "and", "filters": [
            {"field": "value", "operator": "gte", "value": 10}]}]
    branch = {"type": "split", "split": {"filterGroup": {"logicalOperator": "and", "filters": [
        {"type": "event", "field": "value", "operator": "gt", "value": 50}]},
        "trueBlocks": numbered([email("big")], f"t{i}"), "falseBlocks": numbered([email("small")], f"f{i}")}}
    blocks = numbered([delay(1, "h"), email("first"), delay(1, "d"), branch], f"b{i}")
    exits = [{"event": "bench order"}] if name != "bench order" else []
    return {"name": f"Automation {i}", "trigger": trigger, "blocks": blocks, "exitConditions": exits}


def prepare(sb: Sandbox, automations: int):
    api = sb.client("omnisend-api")
    brand = sb.omnisend_brand(sb.test_keys()["omnisend"][:24])
    with sb.lock:
        for c in range(CONTACTS):
            contacts_of(brand).create_or_update(ContactInput(identifiers=[
                {"type": "email", "id": f"shopper{c}@example.com", "status": "subscribed"}]), sb.clock.now())
            for name in NAMES:  # every event known under origin "api" before automations name it
                brand.record_event(contacts_of(brand).by_email(f"shopper{c}@example.com").id, name, "api", {"value": 1.0},
                                   sb.clock.now())
        book = automations_of(brand)
        for i in range(automations):
            book.enable(book.create(definition(i), sb.clock.now()), False, sb.clock.now())
    return api, brand


def dated_door(sb: Sandbox, api):
    """A function sending event i, through the dated Events API when it answers, else v3 /events."""
    probe = api.post("/events", json={"eventName": "probe", "origin": "api",
                                      "contact": {"email": "shopper0@example.com"}, "properties": {}})
    if probe.status_code == 202:
        def send(i: int):
            return api.post("/events", json={"eventName": NAMES[i % len(NAMES)], "origin": "api",
                                             "contact": {"email": f"shopper{i % CONTACTS}@example.com"},
                                             "properties": {"value": float(i % 100), "cartID": f"c{i}"}})
        return "POST /omnisend/api/events", send, 202
    v3 = sb.client("omnisend-v3")

    def send_v3(i: int):
        return v3.post("/events", json={"name": NAMES[i % len(NAMES)], "systemName": NAMES[i % len(NAMES)],
                                        "email": f"shopper{i % CONTACTS}@example.com",
                                        "fields": {"value": float(i % 100) + 0.5, "cartID": f"c{i}"}})
    return f"POST /omnisend/v3/events (dated /events answered {probe.status_code})", send_v3, 204


def events_rate(automations: int, n: int) -> tuple[str, float, int]:
    sb = sandbox()
    api, _ = prepare(sb, automations)
    door, send, ok = dated_door(sb, api)
    started = time.perf_counter()  # bench timing is wall time by nature; the sandbox never reads it
    for i in range(n):
        response = send(i)
        if response.status_code != ok:
            raise SystemExit(f"unexpected {response.status_code}: {response.text}")
    rate = n / (time.perf_counter() - started)
    return door, rate, len(sb.engine.runs)


def waiting(n: int) -> tuple[float, float]:
    """(seconds for an advance making 1,000 runs due, seconds for one making none due) with n waiting."""
    sb = sandbox()
    brand = sb.omnisend_brand(sb.test_keys()["omnisend"][:24])
    with sb.lock:
        book, now = contacts_of(brand), sb.clock.now()
        ids = [book.create_or_update(ContactInput(identifiers=[
            {"type": "email", "id": f"w{i}@example.com", "status": "subscribed"}]), now)[0].id for i in range(n)]
        automations = automations_of(brand)
        flow = {"name": "Wait", "trigger": {"condition": {"event": "tick"}},
                "blocks": numbered([delay(1, "d"), email("later")], "w"), "exitConditions": [{"event": "tock"}]}
        brand.record_event(ids[0], "tock", "api", {}, now)  # both events known under origin "api"
        brand.record_event(ids[0], "tick", "api", {}, now)
        automations.enable(automations.create(flow, now), False, now)
        for i, contact_id in enumerate(ids):
            if i and i % 100 == 0:
                sb.clock.advance(seconds=1)
            brand.record_event(contact_id, "tick", "api", {}, sb.clock.now())
    first_due = sb.clock.now() - (n // 100 - 1) * SECOND + DAY  # batch k of 100 is due at first_due + k s
    sb.clock.advance_to(first_due - SECOND / 2)
    gc.collect()
    quiet_started = time.perf_counter()
    for _ in range(100):
        sb.clock.advance(seconds=0.001)  # nothing falls due
    quiet = (time.perf_counter() - quiet_started) / 100
    started = time.perf_counter()
    sb.clock.advance(seconds=10)  # batches 0..9: 1,000 runs resume and send
    busy = time.perf_counter() - started
    assert len(sb.messages.messages()) == 1000
    return busy, quiet


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sizes", default="1000,10000,100000")
    args = parser.parse_args()

    base = [events_rate(0, args.events) for _ in range(args.rounds)]
    full = [events_rate(20, args.events) for _ in range(args.rounds)]
    door = base[0][0]
    none_rate, with_rate = max(r[1] for r in base), max(r[1] for r in full)
    print(f"{door}: {args.events} events a round, {CONTACTS} contacts, best of {args.rounds}")
    print(f"  no enabled automation : {none_rate:8.0f} events/s")
    print(f"  20 enabled automations: {with_rate:8.0f} events/s  ({full[0][2]} runs traced a round)")
    print(f"  ratio                 : {with_rate / none_rate:8.2f}   (target >= 0.50)")

    print("\nadvancing the clock with n runs waiting at a delay")
    baseline = None
    for size in (int(s) for s in args.sizes.split(",")):
        busy, quiet = waiting(size)
        baseline = baseline or busy
        print(f"  {size:>7} waiting: 1,000 due in {busy * 1000:7.1f} ms ({busy / baseline:.2f} of the smallest); "
              f"nothing due: {quiet * 1e6:6.1f} us an advance")


if __name__ == "__main__":
    main()
