"""`simulator run` end to end: reports written and byte-identical for a seed, the exit code per
expectation, a running server driven through its control API, a storm of 429s that loses nothing,
and a user's own forwarder."""
from __future__ import annotations

import json
import textwrap

import pytest

from simulator.scenarios.runner import run
from simulator.scenarios.scenario import load, parse
from simulator.cli import main
from simulator.sandbox import Sandbox
from simulator.server import LiveServer


def run_cli(tmp_path, *args: str) -> tuple[int, dict]:
    out = tmp_path / "out"
    code = main(["run", *args, "--out", str(out)])
    return code, json.loads((out / "report.json").read_text())


def test_same_seed_same_bytes_other_seed_other_figures(tmp_path):
    first, second, other = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    code = main(["run", "uplift-klaviyo", "--visitors", "250", "--out", str(first)])
    assert main(["run", "uplift-klaviyo", "--visitors", "250", "--out", str(second)]) == code
    main(["run", "uplift-klaviyo", "--visitors", "250", "--seed", "8", "--out", str(other)])
    assert (first / "report.json").read_bytes() == (second / "report.json").read_bytes()
    assert (first / "report.html").read_bytes() == (second / "report.html").read_bytes()
    a, c = (json.loads((d / "report.json").read_text()) for d in (first, other))
    assert (a["seed"], c["seed"]) == (7, 8)
    assert a["baseline"] != c["baseline"] and a["arms"] != c["arms"]


def test_the_report_has_every_figure_per_arm_and_the_uplift(tmp_path):
    _, report = run_cli(tmp_path, "uplift-klaviyo", "--visitors", "300")
    assert list(report["arms"]) == ["native", "native + identity resolution", "+ cross-flow exclusions"]
    native, resolved = report["arms"]["native"], report["arms"]["native + identity resolution"]
    for arm in report["arms"].values():
        assert {"visitors", "identified", "events_forwarded", "workflow_entries", "messages_sent", "duplicates",
                "orders", "revenue", "recovered_revenue", "attributed_revenue"} <= set(arm)
        assert arm["visitors"] == 300 and len(arm["by_day"]) == 30
        assert sum(d["messages"] for d in arm["by_day"]) == arm["messages_sent"]
        assert arm["revenue"] == pytest.approx(report["baseline"]["revenue"] + arm["recovered_revenue"])
    assert native["events_forwarded"] == 0 and resolved["events_forwarded"] > 0
    assert resolved["identified"] > native["identified"]
    assert set(resolved["workflow_entries"]) == {"Abandoned Cart", "Browse Abandonment",
                                                 "Abandoned Cart - Upstack Data", "Browse Abandonment - Upstack Data"}
    assert report["uplift"]["native + identity resolution"]["identified"] == pytest.approx(
        round(resolved["identified"] / native["identified"] - 1, 4))
    assert "native" not in report["uplift"]
    assert any(a["name"] == "email_open_rate_first" and a["source"] for a in report["assumptions"])


FAILING = textwrap.dedent("""\
    name: impossible
    visitors: 150
    horizon_days: 7
    accounts: {klaviyo: {}}
    workflows: [{name: Abandoned Cart, vendor: klaviyo, fixture: abandoned-cart}]
    arms: [{name: native, workflows: [Abandoned Cart]}]
    expectations:
      - {type: messages_per_shopper, arm: native, stat: max, max: 1000}
      - {type: metric, arm: native, path: messages_sent, min: 1000000}
    """)


def test_a_failed_expectation_exits_1_and_says_which(tmp_path, capsys):
    path = tmp_path / "impossible.yaml"
    path.write_text(FAILING)
    code, report = run_cli(tmp_path, str(path))
    assert code == 1
    assert [e["passed"] for e in report["expectations"]] == [True, False]
    assert "FAILED  native: messages_sent in [1000000, ]" in capsys.readouterr().out


def test_a_running_server_gives_the_same_report_as_in_process(tmp_path):
    scenario = load("uplift-omnisend").with_overrides(visitors=150)
    in_process = run(scenario)
    # the second arm cannot rewind the server's clock: it runs whole weeks later, with the same outcome
    server = LiveServer(Sandbox(seed=scenario.seed, start="2026-10-30T00:00:00Z", clock="frozen")).start()
    try:
        remote = run(scenario, sandbox_url=server.url)
    finally:
        server.stop()
    assert remote == in_process
    assert remote["arms"]["native + identity resolution"]["workflow_entries"]["Cart abandonment"] >= 0


def test_a_server_on_a_real_clock_is_refused(tmp_path, capsys):
    server = LiveServer(Sandbox(seed=0, clock="real")).start()
    try:
        assert main(["run", "uplift-omnisend", "--visitors", "10", "--sandbox-url", server.url,
                     "--out", str(tmp_path)]) == 2
    finally:
        server.stop()
    assert "--clock frozen" in capsys.readouterr().err


def test_a_429_storm_delays_events_and_loses_none():
    report = run(load("rate-limit-storm").with_overrides(visitors=700))
    for arm in report["arms"].values():
        assert arm["native_delivery"]["lost"] == arm["native_delivery"]["failed"] == 0
    forwarded = report["arms"]["native + identity resolution"]["delivery"]
    assert forwarded["retries"] > 0 and forwarded["lost"] == forwarded["failed"] == 0
    assert report["arms"]["native + identity resolution"]["native_delivery"]["retries"] > 0


def test_a_users_own_forwarder_runs_beside_the_reference_one():
    scenario = load("bring-your-own-forwarder").with_overrides(visitors=300)
    report = run(scenario)
    mine, reference = report["arms"]["example forwarder"], report["arms"]["reference forwarder"]
    assert mine["events_forwarded"] > 0 and mine["delivery"]["lost"] == 0
    assert mine["delivery"]["reasons"]["filtered: no email on the event"] > 0
    assert reference["identified"] > mine["identified"]  # resolution finds more than emails on the page


def test_a_forwarder_that_drops_events_shows_them_as_lost():
    text = textwrap.dedent("""\
        name: leaky
        visitors: 100
        horizon_days: 5
        accounts: {klaviyo: {}}
        destinations: [{name: klaviyo, api: klaviyo}]
        workflows: [{name: Abandoned Cart, vendor: klaviyo, fixture: abandoned-cart}]
        arms: [{name: leaky, native: false, forwarder: "tests.test_scenario_runs:Silent",
                workflows: [Abandoned Cart]}]
        """)
    report = run(parse(text, "leaky.yaml"))
    delivery = report["arms"]["leaky"]["delivery"]
    assert delivery["lost"] > 0 and delivery["delivered"] == 0


class Silent:
    """Accepts every event and accounts for none."""

    def start(self, context):
        pass

    def handle(self, event):
        pass
