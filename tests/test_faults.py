"""Fault injection through a live server, seen by an httpx client as a real integration would see
it: vendor error bodies, 429s with Retry-After, wall-clock latency, lost connections; each faulted
request's journal entry names its rule."""
from __future__ import annotations

import threading
import time

import httpx
import pytest

from simulator import Sandbox, __version__
from simulator.server import LiveServer
from tests.conftest import START

EVENT = {"data": {"type": "event", "attributes": {
    "properties": {}, "metric": {"data": {"type": "metric", "attributes": {"name": "Viewed Product"}}},
    "profile": {"data": {"type": "profile", "attributes": {"email": "ann@example.com"}}}}}}


@pytest.fixture
def server():
    running = LiveServer(Sandbox(seed=3, start=START)).start()
    yield running
    running.stop()


@pytest.fixture
def sim(server):
    # X-Flow-Sandbox: what a DELETE with no body sends in place of a JSON content type (see control/__init__.py)
    with httpx.Client(base_url=server.url + "/_sim", headers={"X-Flow-Sandbox": "1"}) as client:
        yield client


@pytest.fixture
def klaviyo(server):
    headers = {"Authorization": f"Klaviyo-API-Key {server.sandbox.test_keys()['klaviyo']}", "revision": "2026-10-15"}
    with httpx.Client(base_url=server.url + "/klaviyo", headers=headers, timeout=5) as client:
        yield client


@pytest.fixture
def v3(server):
    with httpx.Client(base_url=server.url + "/omnisend/v3", timeout=5,
                      headers={"X-API-KEY": server.sandbox.test_keys()["omnisend"]}) as client:
        yield client


def test_the_one_line_form_fails_the_next_two_calls_with_klaviyos_body(sim, klaviyo):
    made = sim.post("/faults", json={"surface": "klaviyo-api", "method": "POST", "path": "/api/events",
                                     "status": 503, "times": 2})
    assert made.status_code == 201 and made.json()["id"] == "fault-1"
    answers = [klaviyo.post("/api/events", json=EVENT) for _ in range(3)]
    assert [a.status_code for a in answers] == [503, 503, 202]
    error = answers[0].json()["errors"][0]
    assert (error["status"], error["code"], error["title"]) == (503, "error", "A server error occurred.")
    assert answers[0].headers["content-type"] == "application/vnd.api+json"
    assert klaviyo.get("/api/lists").status_code == 200  # GET, another path: untouched
    journal = sim.get("/journal").json()["requests"]
    assert [(e["status"], e["fault"]) for e in journal] == [(503, "fault-1"), (503, "fault-1"), (202, None), (200, None)]
    [rule] = sim.get("/faults").json()["faults"]
    assert (rule["matched"], rule["remaining"]) == (2, 0)
    assert sim.delete("/faults").status_code == 204 and sim.get("/faults").json() == {"faults": []}


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_each_server_error_in_each_vendors_words(sim, klaviyo, v3, server, status):
    sim.post("/faults", json={"status": status, "times": 3})
    kl = klaviyo.get("/api/profiles")
    assert kl.status_code == status and kl.json()["errors"][0]["status"] == status
    om = v3.get("/contacts")
    assert om.status_code == status and om.json()["statusCode"] == status and om.json()["error"]
    headers = {"Authorization": f"Omnisend-API-Key {server.sandbox.test_keys()['omnisend']}", "Omnisend-Version": "2026-03-15"}
    dated = httpx.get(server.url + "/omnisend/api/contacts", headers=headers)
    # the dated line's errors carry its configured content type (application/json, as its spec declares)
    assert dated.status_code == status
    assert dated.headers["content-type"] == server.sandbox.settings.api_problem_content_type
    assert dated.json()["status"] == status


def test_a_429_carries_the_vendors_headers_and_retry_after(sim, klaviyo, v3):
    sim.post("/faults", json={"surface": "klaviyo", "status": 429, "retry_after": 7, "times": 1})
    sim.post("/faults", json={"surface": "omnisend-v3", "status": 429, "retry_after": 9, "times": 1})
    throttled = klaviyo.get("/api/lists")
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "7"
    assert throttled.json()["errors"][0]["detail"] == "Request was throttled. Expected available in 7 seconds."
    omnisend = v3.get("/contacts")
    assert omnisend.status_code == 429 and omnisend.headers["Retry-After"] == "9"
    assert omnisend.headers["X-Rate-Limit-Remaining"] == "0" and omnisend.headers["X-Rate-Limit-Limit"] == "400"
    assert klaviyo.get("/api/lists").status_code == 200 and v3.get("/contacts").status_code == 200


def test_fixed_latency_is_real_wall_time_and_other_clients_are_not_held(sim, klaviyo, v3, server):
    sim.post("/faults", json={"surface": "klaviyo", "latency_ms": 400, "times": 1})
    started, result = time.monotonic(), {}
    worker = threading.Thread(target=lambda: result.setdefault(
        "slow", httpx.get(server.url + "/klaviyo/api/lists", headers=klaviyo.headers)))
    worker.start()
    time.sleep(0.05)
    quick_started = time.monotonic()
    assert v3.get("/contacts").status_code == 200
    quick = time.monotonic() - quick_started
    worker.join()
    assert result["slow"].status_code == 200 and time.monotonic() - started >= 0.4
    assert quick < 0.3  # the slow answer waits outside the sandbox lock
    assert [e["fault"] for e in sim.get("/journal", params={"vendor": "klaviyo"}).json()["requests"]] == ["fault-1"]


def test_latency_from_a_seeded_distribution_repeats_run_to_run():
    def draws() -> list[float]:
        sandbox = Sandbox(seed=5, start=START)
        rule = sandbox.faults.add({"latency": {"distribution": "uniform", "min_ms": 10, "max_ms": 30}})
        from simulator.control.faults import _delay
        return [_delay(rule, sandbox.seed) for _ in range(5)]
    first = draws()
    assert first == draws() and len(set(first)) == 5 and all(0.01 <= d <= 0.03 for d in first)


@pytest.mark.parametrize("connection, error", [("drop", httpx.ReadError), ("empty", httpx.RemoteProtocolError),
                                               ("timeout", httpx.ReadTimeout)])
def test_a_lost_connection(sim, klaviyo, connection, error):
    sim.post("/faults", json={"path": "/api/lists", "method": "POST", "connection": connection, "times": 1,
                              **({"timeout_seconds": 1} if connection == "timeout" else {})})
    new_list = {"data": {"type": "list", "attributes": {"name": "News"}}}
    with pytest.raises(error) as raised:
        klaviyo.post("/api/lists", json=new_list, timeout=0.5)
    if connection == "empty":
        assert "without sending a response" in str(raised.value)
    assert klaviyo.get("/api/lists").json()["data"] == []  # the lost request never reached the vendor
    assert klaviyo.post("/api/lists", json=new_list).status_code == 201  # the next call goes through
    faulted = sim.get("/journal").json()["requests"][0]
    assert faulted["fault"] == "fault-1" and faulted["path"] == "/klaviyo/api/lists" and faulted["status"] == 0


def test_a_window_of_virtual_time_and_a_seeded_probability(sim, klaviyo, server):
    sim.post("/faults", json={"surface": "klaviyo", "status": 503, "from": "2026-11-02T11:00:00Z",
                              "until": "2026-11-02T13:00:00Z"})
    assert klaviyo.get("/api/lists").status_code == 200
    sim.post("/clock", json={"to": "2026-11-02T11:00:00Z"})
    assert klaviyo.get("/api/lists").status_code == 503
    sim.post("/clock", json={"to": "2026-11-02T13:00:00Z"})
    assert klaviyo.get("/api/lists").status_code == 200
    sim.delete("/faults")

    def pattern() -> list[int]:
        sandbox = Sandbox(seed=3, start=START)
        sandbox.client("sim").post("/faults", json={"id": "flaky", "status": 500, "probability": 0.5})
        client = sandbox.client("klaviyo-api")
        return [client.get("/lists").status_code for _ in range(40)]
    first = pattern()
    assert first == pattern() and 10 < first.count(500) < 30


def test_bad_rules_are_refused_with_every_problem(sim):
    answer = sim.post("/faults", json={"status": 503, "latency_ms": 5, "retry_after": 2, "from": "soon"})
    assert answer.status_code == 400
    detail = answer.json()["error"]
    assert "exactly one effect" in detail and "retry_after" in detail and "from" in detail
    assert sim.post("/faults", json={"status": 418}).status_code == 400
    assert sim.delete("/faults/nope").status_code == 404


def test_health_is_open_and_says_the_clock(server):
    answer = httpx.get(server.url + "/_sim/health")
    body = answer.json()
    assert answer.status_code == 200 and body["status"] == "ok" and body["clock"] == START
    assert body["version"] == __version__ and body["uptime_seconds"] >= 0
