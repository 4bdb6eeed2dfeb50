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


ORDERED_TESTS = '''
import httpx

def _make_and_count(server, name):
    base, key = server.base_urls()["omnisend-v3"], server.sandbox.test_keys()["omnisend"]
    made = httpx.post(base + "/contacts", headers={"X-API-KEY": key}, json={"identifiers": [
        {"type": "email", "id": "same@example.com", "channels": {"email": {"status": "subscribed"}}}]})
    server.sandbox.clock.advance(hours=1)
    listed = httpx.get(base + "/contacts", headers={"X-API-KEY": key}).json()["contacts"]
    print("\\nRESULT", name, made.json()["contactID"], len(listed), server.sandbox.clock.now().isoformat())

def test_FIRST(flow_sandbox_server):
    _make_and_count(flow_sandbox_server, "FIRST")

def test_SECOND(flow_sandbox_server):
    _make_and_count(flow_sandbox_server, "SECOND")
'''


def results(pytester, first: str, second: str) -> dict[str, str]:
    pytester.makepyfile(test_order=ORDERED_TESTS.replace("FIRST", first).replace("SECOND", second))
    run = pytester.runpytest("-p", "no:xdist", "-s", "-v")
    run.assert_outcomes(passed=2)
    lines = [line.split()[1:] for line in run.outlines if line.startswith("RESULT ")]
    assert [name for name, *_ in lines] == [first, second]  # they ran in the order asked
    return {name: " ".join(rest) for name, *rest in lines}


def test_flow_sandbox_server_tests_give_the_same_result_in_either_order(pytester):
    """Each test gets a fresh state and clock: the same contact id, one contact, the clock an hour on."""
    forward = results(pytester, "a", "b")
    backward = results(pytester, "b", "a")
    assert forward == backward
    assert forward["a"] == forward["b"]
    assert forward["a"].endswith(" 1 2026-11-02T10:00:00+00:00")


MARKED_TESTS = '''
import pytest

@pytest.mark.flow_sandbox(start="2027-03-01T12:00:00Z", seed=11, settings={"v3_rate_limit": 5})
def test_marked_in_process(flow_sandbox):
    assert flow_sandbox.clock.now().isoformat() == "2027-03-01T12:00:00+00:00"
    assert (flow_sandbox.seed, flow_sandbox.settings.v3_rate_limit) == (11, 5)

@pytest.mark.flow_sandbox(start="2027-03-01T12:00:00Z", settings={"v3_rate_limit": 5})
def test_marked_server(flow_sandbox_server):
    assert flow_sandbox_server.sandbox.clock.now().isoformat() == "2027-03-01T12:00:00+00:00"
    assert flow_sandbox_server.sandbox.settings.v3_rate_limit == 5

def test_unmarked_server_has_the_defaults(flow_sandbox_server):
    assert flow_sandbox_server.sandbox.clock.now().isoformat() == "2026-11-02T09:00:00+00:00"
    assert flow_sandbox_server.sandbox.settings.v3_rate_limit == 400

@pytest.mark.flow_sandbox(settings={"no_such_setting": 1})
def test_bad_marker(flow_sandbox):
    pass
'''


def test_the_marker_configures_either_fixture_per_test(pytester):
    pytester.makepyfile(test_marked=MARKED_TESTS)
    run = pytester.runpytest("-p", "no:xdist")
    run.assert_outcomes(passed=3, errors=1)
    run.stdout.fnmatch_lines(["*unknown setting 'no_such_setting'*"])


def test_the_default_start_accepts_the_klaviyo_sdk_revision():
    klaviyo_api = __import__("pytest").importorskip("klaviyo_api", reason="the test extras install klaviyo-api")
    from simulator.pytest_plugin import DEFAULT_START
    from simulator.sandbox import KLAVIYO_REVISION
    assert DEFAULT_START[:10] >= klaviyo_api.KlaviyoAPI._REVISION == KLAVIYO_REVISION
