"""The shipped pytest plugin, used the way a user's CI would: a test file with no setup of its own."""
from __future__ import annotations

USER_TESTS = '''
import httpx

def test_in_process(flow_sandbox):
    client = flow_sandbox.client("omnisend-v3")
    made = client.post("/contacts", json={"identifiers": [
        {"type": "email", "id": "u@example.com", "channels": {"email": {"status": "subscribed"}}}]})
    assert made.status_code == 200
    flow_sandbox.clock.advance(minutes=30)
    assert flow_sandbox.outbox() == []

def test_each_test_gets_a_fresh_sandbox(flow_sandbox):
    assert flow_sandbox.client().get("/contacts").json()["contacts"] == []

def test_live_server(flow_sandbox_server):
    base = flow_sandbox_server.base_urls()["omnisend-v3"]
    key = flow_sandbox_server.sandbox.test_keys()["omnisend"]
    made = httpx.post(base + "/contacts", headers={"X-API-KEY": key}, json={"identifiers": [
        {"type": "email", "id": "live@example.com", "channels": {"email": {"status": "subscribed"}}}]})
    assert made.status_code == 200
    assert httpx.get(base + "/contacts", headers={"X-API-KEY": key}).json()["contacts"][0]["contactID"] == made.json()["contactID"]

def test_live_server_is_reset_between_tests(flow_sandbox_server):
    base = flow_sandbox_server.base_urls()["omnisend-v3"]
    key = flow_sandbox_server.sandbox.test_keys()["omnisend"]
    assert httpx.get(base + "/contacts", headers={"X-API-KEY": key}).json()["contacts"] == []
'''


def test_plugin_fixtures_work_from_a_plain_test_file(pytester):
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest("-p", "no:xdist", "--flow-sandbox-seed", "3")
    result.assert_outcomes(passed=4)
