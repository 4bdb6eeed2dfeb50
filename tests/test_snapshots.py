"""Snapshots: the whole sandbox saved, exported, imported and restored through /_sim/snapshots, and
a restored sandbox going on exactly as the original (same jobs, same times, same messages)."""
from __future__ import annotations

import datetime

import pytest

from simulator import Sandbox
from simulator.control.snapshots import capture
from simulator.core.graph import GraphError
from simulator.klaviyo.fixtures import flow_body, metric_names, with_metric_ids
from tests.conftest import START
from tests.engine_support import contact, create, email, event, on, wait


def kl_event(metric: str, who: str, **properties) -> dict:
    return {"data": {"type": "event", "attributes": {
        "properties": properties, "metric": {"data": {"type": "metric", "attributes": {"name": metric}}},
        "profile": {"data": {"type": "profile", "attributes": {"email": who}}}}}}


def busy(sb: Sandbox) -> None:
    """A sandbox with something of everything in flight: automation and flow runs waiting, a v3
    batch half done, tags on a delay, a fault rule with a seeded probability, settings changed."""
    api, v3, kl, sim = sb.client("omnisend-api"), sb.client("omnisend-v3"), sb.client("klaviyo-api"), sb.client("sim")
    create(api, "Visits", on("visited site"), [wait("w1", 2, "h"), email("e1"), wait("w2", 1, "d"), email("e2", "Still here")])
    for who in ("ann@example.com", "bob@example.com"):
        contact(v3, who)
        event(api, who, "visited site")
    assert v3.post("/batches", json={"method": "POST", "endpoint": "contacts", "items": [
        {"identifiers": [{"type": "email", "id": f"b{i}@example.com", "channels": {"email": {"status": "subscribed"}}}]}
        for i in range(5)]}).status_code == 200
    assert api.post("/contacts/tags", json={"emails": ["ann@example.com"], "tags": ["vip"]}).status_code == 202
    body = flow_body("abandoned-cart")
    for metric in metric_names(body):
        kl.post("/events", json=kl_event(metric, "setup@example.com"))
    sb.clock.advance(seconds=1)
    ids = {m["attributes"]["name"]: m["id"] for m in kl.get("/metrics").json()["data"]}
    flow = kl.post("/flows", json=with_metric_ids(body, ids)).json()["data"]
    kl.patch(f"/flows/{flow['id']}", json={"data": {"type": "flow", "id": flow["id"], "attributes": {"status": "live"}}})
    kl.post("/events", json=kl_event("Started Checkout", "cat@example.com", value=30))
    sim.post("/faults", json={"surface": "klaviyo", "method": "GET", "status": 503, "probability": 0.3})
    sim.post("/settings", json={"v3_rate_limit": 300})
    sb.clock.advance(seconds=0.4)  # the batch is part way through


def go_on(sb: Sandbox) -> dict:
    """What happens next, as seen through the APIs: the same calls give the same answers only if
    the state, the queue and the counters all came back."""
    api, v3, kl = sb.client("omnisend-api"), sb.client("omnisend-v3"), sb.client("klaviyo-api")
    event(api, "bob@example.com", "visited site")
    statuses = [kl.get("/profiles").status_code for _ in range(10)]
    sb.clock.advance(hours=3)
    kl.post("/events", json=kl_event("Started Checkout", "dan@example.com"))
    sb.clock.advance(days=2)
    return {"outbox": sb.outbox(), "runs": sb.runs(), "statuses": statuses, "now": sb.clock.now(),
            "contacts": v3.get("/contacts").json(), "batches": v3.get("/batches").json(),
            "journal": sb.journal.entries()[-15:], "pending": sb.scheduler.pending(),
            "settings": sb.settings.to_json()}


def test_a_restored_sandbox_goes_on_exactly_as_the_original():
    original = Sandbox(seed=7, start=START)
    busy(original)
    sim = original.client("sim")
    saved = sim.post("/snapshots", json={"name": "before"})
    assert saved.status_code == 201
    assert saved.json()["scheduled_jobs"] > 3 and saved.json()["clock"] == "2026-11-02T10:00:01Z"
    expected = go_on(original)
    assert len(expected["outbox"]) >= 5 and 503 in expected["statuses"]  # it did go on

    assert sim.post("/snapshots/before/restore").status_code == 200
    assert go_on(original) == expected
    assert sim.post("/snapshots/before/restore").status_code == 200  # restoring twice: the snapshot is untouched
    assert go_on(original) == expected

    elsewhere = Sandbox(seed=1, start="2030-01-01T00:00:00Z")  # another sandbox, imported by document
    other = elsewhere.client("sim")
    assert other.put("/snapshots/moved", content=sim.get("/snapshots/before").content).status_code == 200
    assert other.post("/snapshots/moved/restore").json()["now"] == "2026-11-02T10:00:01Z"
    assert go_on(elsewhere) == expected


def test_export_import_export_is_byte_identical_and_a_restore_changes_nothing():
    sb = Sandbox(seed=7, start=START)
    busy(sb)
    sim = sb.client("sim")
    sim.post("/snapshots", json={"name": "a"})
    exported = sim.get("/snapshots/a")
    assert exported.headers["content-type"] == "application/json" and exported.json()["format"] == "flow-sandbox-snapshot"
    assert sim.put("/snapshots/b", content=exported.content).status_code == 200
    assert sim.get("/snapshots/b").content == exported.content
    sim.post("/snapshots/b/restore")
    sim.post("/snapshots", json={"name": "c"})  # the restored sandbox, saved again
    assert sim.get("/snapshots/c").content == exported.content
    assert [s["name"] for s in sim.get("/snapshots").json()["snapshots"]] == ["a", "b", "c"]
    assert sim.delete("/snapshots/a").status_code == 204 and sim.get("/snapshots/a").status_code == 404


def test_what_a_snapshot_refuses():
    sb = Sandbox(seed=7, start=START)
    sim = sb.client("sim")
    assert sim.post("/snapshots", json={"name": "no spaces"}).status_code == 400
    assert sim.post("/snapshots/missing/restore").status_code == 404
    assert sim.put("/snapshots/x", content=b"{not json").status_code == 400
    assert sim.put("/snapshots/x", json={"format": "something-else"}).status_code == 400
    hostile = {"format": "flow-sandbox-snapshot", "version": 1, "clock": START, "summary": {},
               "state": {"$object": "os:system", "state": {"$dict": {}}}}
    refused = sim.put("/snapshots/x", json=hostile)
    assert refused.status_code == 400 and "not part of simulator" in refused.json()["error"]
    sb.scheduler.after(datetime.timedelta(hours=1), lambda: None, "a closure")  # a job that is not data
    with pytest.raises(GraphError, match="<lambda>"):
        capture(sb)


def test_reset_can_set_the_clock_even_backwards():
    sb = Sandbox(seed=7, start=START)
    busy(sb)
    sim = sb.client("sim")
    answer = sim.post("/reset", json={"clock": "2026-10-30T09:00:00Z"})
    assert answer.status_code == 200 and answer.json()["now"] == "2026-10-30T09:00:00Z"
    assert sb.scheduler.pending() == 0 and sb.outbox() == []
    v3 = sb.client("omnisend-v3")
    contact(v3, "new@example.com")
    assert v3.get("/contacts").json()["contacts"][0]["createdAt"].startswith("2026-10-30T09:00:00")
    assert sim.post("/reset", json={"clock": "yesterday"}).status_code == 400
    assert sim.post("/reset").json()["now"] == "2026-10-30T09:00:00Z"  # no body: the clock stays
