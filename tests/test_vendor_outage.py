"""Faults in scenarios: `faults:` in a scenario file, set on the sandbox at setup (in process or on
a remote server), and the bundled `vendor-outage`: Klaviyo answering 503 for two hours of a busy
day, the reference forwarder losing nothing, the report showing retries, delays and late flows."""
from __future__ import annotations

import datetime as _dt
from dataclasses import replace

import httpx
import pytest

from simulator.scenarios.driver import Remote
from simulator.scenarios.lateness import lateness
from simulator.scenarios.report import write_reports
from simulator.scenarios.runner import run
from simulator.scenarios.scenario import ScenarioError, load, parse
from simulator import Sandbox
from simulator.server import LiveServer


def test_klaviyo_down_two_hours_the_forwarder_loses_nothing_and_the_report_says_what_it_cost(tmp_path):
    report = run(load("vendor-outage").with_overrides(visitors=900))
    arm = report["arms"]["native + identity resolution"]
    forwarded, native, late = arm["delivery"], arm["native_delivery"], arm["lateness"]
    assert forwarded["lost"] == forwarded["failed"] == 0 and forwarded["retries"] > 50
    assert native["failed"] > 0 and "gave up after 8 attempts, last 503" in " ".join(native["reasons"])
    assert late["late_runs"] >= 1 and late["delay_seconds"]["max"] > 3600  # an event held most of the outage
    assert late["delay_seconds"]["p50"] < 120  # outside the outage, the usual minute
    assert all(e["passed"] for e in report["expectations"]), report["expectations"]
    _, html = write_reports(report, tmp_path)
    shown = html.read_text()
    assert f"longest {late['delay_seconds']['max']:,.0f} s" in shown
    assert f"more than 10 min late: {late['late_runs']:,}" in shown


def test_the_same_scenario_without_the_outage_has_no_late_flows():
    calm = load("vendor-outage").with_overrides(visitors=900)
    arm = run(replace(calm, faults=[]))["arms"]["native + identity resolution"]
    assert arm["lateness"]["late_runs"] == 0 and arm["native_delivery"]["failed"] == 0


BASE = """\
name: faulty
visitors: 50
horizon_days: 2
accounts: {klaviyo: {}}
workflows: [{name: Abandoned Cart, vendor: klaviyo, fixture: abandoned-cart}]
arms: [{name: native, workflows: [Abandoned Cart]}]
faults:
"""


@pytest.mark.parametrize("rule, line", [
    ("  - {status: 418}", "faulty.yaml:8: faults.0.status: enum: one of 429, 500, 502, 503, 504"),
    ("  - {status: 503, latency_ms: 10}", "faulty.yaml:8: faults.0: give exactly one effect"),
    ("  - {status: 503}\n  - {status: 503, until: tomorrow}", "faulty.yaml:9: faults.1.until: an ISO-8601 instant"),
])
def test_bad_fault_rules_name_file_line_and_field(rule, line):
    with pytest.raises(ScenarioError) as raised:
        parse(BASE + rule + "\n", "faulty.yaml")
    assert str(raised.value).startswith(line)


def test_a_remote_server_gets_the_rules_moved_with_the_run():
    """The server's clock is past the scenario's start, so the run begins a whole week later: the
    outage window moves with it, and the server's own rules are replaced."""
    sandbox = Sandbox(seed=1, start="2026-11-30T00:00:00Z")
    server = LiveServer(sandbox).start()
    try:
        httpx.post(server.url + "/_sim/faults", json={"id": "old", "status": 500})
        driver = Remote(server.url, _dt.datetime(2026, 11, 26, tzinfo=_dt.timezone.utc))
        driver.add_faults([{"id": "outage", "status": 503, "from": "2026-11-27T18:00:00Z", "until": "2026-11-27T20:00:00Z"}])
        [rule] = httpx.get(server.url + "/_sim/faults").json()["faults"]
        assert (rule["id"], rule["from"], rule["until"]) == ("outage", "2026-12-04T18:00:00Z", "2026-12-04T20:00:00Z")
        driver.close()
    finally:
        server.stop()


def test_lateness_reads_runs():
    def run_of(name, acted, started, status="completed"):
        return {"workflow_name": name, "status": status, "created_at": started, "trigger_event": {"at": acted}}
    found = lateness([run_of("A", "2026-11-27T18:00:00Z", "2026-11-27T18:01:00Z"),
                      run_of("A", "2026-11-27T18:00:00Z", "2026-11-27T20:00:00Z"),
                      run_of("B", "2026-11-27T18:00:00Z", "2026-11-27T19:00:00Z", status="not_entered"),
                      {"workflow_name": "L", "status": "completed", "created_at": "2026-11-27T18:00:00Z",
                       "trigger_event": {"type": "list"}}])
    assert found == {"late_seconds": 600, "delay_seconds": {"p50": 3600.0, "p95": 7200.0, "max": 7200.0},
                     "late_runs": 1, "late_by_workflow": {"A": 1}}


def test_a_latency_rule_delays_a_scenarios_answers_on_its_own_clock():
    """In a run, a slow vendor costs virtual time, never wall time: the vendor takes each event when
    it arrives, and its answer reaches the forwarder `latency_ms` later on the run's clock, so every
    delivery is recorded that much later."""
    from simulator.scenarios.runner import run_arms
    calm = replace(load("vendor-outage").with_overrides(visitors=300), faults=[])
    calm = replace(calm, arms=[a for a in calm.arms if a.forwarder])
    slow = replace(calm, faults=[{"surface": "klaviyo-api", "path": "/api/events", "latency_ms": 1_800_000}])
    (name,) = [a.name for a in calm.arms]
    quick, late = run_arms(calm)[1][name].forwarded_to, run_arms(slow)[1][name].forwarded_to
    assert quick and set(late) == set(quick)
    assert all(late[s] - quick[s] == 1800 for s in quick)
