"""`simulator serve --state FILE`: the sandbox survives a restart (SIGTERM or SIGINT), a delayed
email still arriving on time, and a failed write never loses the previous file."""
from __future__ import annotations

import json
import signal

import httpx
import pytest

from simulator import Sandbox
from simulator.control import snapshots
from tests.test_live_server import serve, stop

START = "2026-11-02T09:00:00Z"
FLOW = {"data": {"type": "flow", "attributes": {"name": "Checkout", "definition": {
    "triggers": [{"type": "metric", "id": "METRIC"}], "entry_action_id": "wait",
    "actions": [{"temporary_id": "wait", "type": "time-delay", "links": {"next": "mail"}, "data": {"value": 1, "unit": "hours"}},
                {"temporary_id": "mail", "type": "send-email", "links": {"next": None},
                 "data": {"message": {"subject_line": "Come back"}}}]}}}}


def checkout(email: str) -> dict:
    return {"data": {"type": "event", "attributes": {
        "properties": {}, "metric": {"data": {"type": "metric", "attributes": {"name": "Started Checkout"}}},
        "profile": {"data": {"type": "profile", "attributes": {"email": email}}}}}}


def stopped(process, how: int) -> None:
    process.send_signal(how)
    assert process.wait(timeout=10) == 0, process.stderr.read()


def test_state_survives_a_restart_and_the_delayed_email_arrives_on_time(tmp_path):
    state = tmp_path / "sandbox.json"
    args = ("--port", "0", "--clock", "frozen", "--start", START, "--seed", "7", "--state", str(state))
    first = serve(*args)
    try:
        sim = httpx.Client(base_url=first.url + "/_sim")
        kl = httpx.Client(base_url=first.urls["klaviyo-api"], headers={"revision": "2026-10-15"})
        key = Sandbox(seed=7).test_keys()["klaviyo"]
        kl.headers["Authorization"] = f"Klaviyo-API-Key {key}"
        assert kl.post("/events", json=checkout("setup@example.com")).status_code == 202
        sim.post("/clock", json={"advance_seconds": 1})
        metric = kl.get("/metrics").json()["data"][0]["id"]
        flow = kl.post("/flows", json=json.loads(json.dumps(FLOW).replace("METRIC", metric))).json()["data"]["id"]
        kl.patch(f"/flows/{flow}", json={"data": {"type": "flow", "id": flow, "attributes": {"status": "live"}}})
        assert kl.post("/events", json=checkout("ann@example.com")).status_code == 202  # at 09:00:01: email at 10:00:02
        sim.post("/clock", json={"advance_seconds": 1800})
    finally:
        stopped(first.process, signal.SIGTERM)
    saved = json.loads(state.read_text())
    assert saved["format"] == "flow-sandbox-snapshot" and saved["clock"] == "2026-11-02T09:30:01Z"
    assert saved["summary"]["scheduled_jobs"] == 1

    second = serve(*args)
    try:
        sim = httpx.Client(base_url=second.url + "/_sim")
        assert sim.get("/clock").json()["now"] == "2026-11-02T09:30:01Z"
        sim.post("/clock", json={"to": "2026-11-02T10:00:01Z"})
        assert sim.get("/outbox").json()["messages"] == []
        sim.post("/clock", json={"to": "2026-11-02T10:00:02Z"})
        [mail] = sim.get("/outbox").json()["messages"]
        assert (mail["recipient"], mail["workflow_id"], mail["sent_at"]) == ("ann@example.com", flow, "2026-11-02T10:00:02Z")
    finally:
        stopped(second.process, signal.SIGINT)
    assert json.loads(state.read_text())["summary"]["messages"] == 1  # saved again on Ctrl-C


def test_a_failed_write_keeps_the_previous_file(tmp_path, monkeypatch):
    state = tmp_path / "sandbox.json"
    sandbox = Sandbox(seed=7, start=START)
    snapshots.save_state_file(sandbox, state)
    before = state.read_bytes()
    made = sandbox.client("omnisend-v3").post("/contacts", json={"identifiers": [
        {"type": "email", "id": "a@example.com", "channels": {"email": {"status": "subscribed"}}}]})
    assert made.status_code == 200

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(snapshots.os, "fsync", broken)
    with pytest.raises(OSError):
        snapshots.save_state_file(sandbox, state)
    assert state.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["sandbox.json"]
    monkeypatch.undo()
    snapshots.save_state_file(sandbox, state)
    restored = Sandbox(seed=1)
    assert snapshots.load_state_file(restored, state)
    assert restored.client("omnisend-v3").get("/contacts").json()["contacts"][0]["identifiers"][0]["id"] == "a@example.com"
