"""The experiment layer: paired arms (common random numbers), replications with intervals from
paired differences, the holdout, the calibration table and a store's projection."""
from __future__ import annotations

import json
import textwrap
from dataclasses import replace

import pytest

from simulator.scenarios import intervals
from simulator.scenarios.experiment import Experiment, replicate
from simulator.scenarios.runner import run_arms
from simulator.scenarios.scenario import parse
from simulator.scenarios.store import load_store
from simulator.cli import main

PAIRED = textwrap.dedent("""\
    name: paired
    seed: 5
    visitors: 600
    horizon_days: 10
    accounts: {klaviyo: {}}
    identity: {match_rate: 0.9}
    settings: {klaviyo_smart_sending_email_hours: 0}  # so the exclusion, not Smart Sending, keeps clones out
    destinations:
      - {name: klaviyo, api: klaviyo, options: {metric_suffix: " - Upstack Data"}}
    workflows:
      - {name: Abandoned Cart, vendor: klaviyo, fixture: abandoned-cart}
      - {name: Browse Abandonment, vendor: klaviyo, fixture: browse-abandonment}
      - {name: Checkout reminder, vendor: klaviyo, fixture: abandoned-cart}
      - {name: Product reminder, vendor: klaviyo, fixture: browse-abandonment}
      - {name: AC clone, vendor: klaviyo, fixture: abandoned-cart, metric_suffix: " - Upstack Data",
         first_delay_minutes: 75}
      - {name: AC clone excluding native, vendor: klaviyo, fixture: abandoned-cart,
         metric_suffix: " - Upstack Data", first_delay_minutes: 75, exclude: [Abandoned Cart]}
    arms:
      - {name: native, workflows: [Abandoned Cart, Browse Abandonment]}
      - {name: native renamed, workflows: [Checkout reminder, Product reminder]}
      - {name: clones, forwarder: reference, workflows: [Abandoned Cart, Browse Abandonment, AC clone]}
      - {name: clones excluding, forwarder: reference,
         workflows: [Abandoned Cart, Browse Abandonment, AC clone excluding native]}
""")

NAMED = ("workflow_entries", "messages_by_workflow", "duplicates_by_pair", "description")


@pytest.fixture(scope="module")
def paired():
    return run_arms(parse(PAIRED))


def test_arms_that_differ_only_in_flow_names_give_identical_figures(paired):
    _, results = paired
    native, renamed = results["native"].figures, results["native renamed"].figures
    assert native["messages_sent"] > 20 and native["orders"] > 0
    assert {k: v for k, v in native.items() if k not in NAMED} == {k: v for k, v in renamed.items() if k not in NAMED}
    assert list(native["workflow_entries"].values()) == list(renamed["workflow_entries"].values())
    assert results["native"].revenue() == results["native renamed"].revenue()


def test_a_klaviyo_arm_reads_what_klaviyos_dashboard_says_through_the_reporting_api(paired):
    """The flow-values report the arm reads at its end counts the flows' messages the run counted, and
    credits what the run's own last touch credits: with no false identity matches, Klaviyo receives
    every order under its shopper's profile, so the two independent computations must agree."""
    _, results = paired
    for result in results.values():
        figures = result.figures
        said = figures["klaviyo_dashboard"]
        assert said["recipients"] == figures["messages_sent"] and said["opens_unique"] > 0
        assert said["conversion_value"] == figures["attributed_revenue"]
        assert said["conversions"] <= figures["orders"]
    assert results["clones"].figures["klaviyo_dashboard"]["conversions"] == 1


def test_exclusions_change_only_the_outcomes_of_shoppers_whose_messages_changed(paired):
    population, results = paired
    with_clones, excluding = results["clones"], results["clones excluding"]
    changed = set()
    for shopper in population.shoppers.values():
        def received(result):
            return sorted((m["sent_at"], m["channel"]) for m in result.messages if m["recipient"] == shopper.email)
        if received(with_clones) != received(excluding):
            changed.add(shopper.id)
    assert changed, "the exclusion should keep some clone emails from going out"
    differing = {s for s in population.shoppers
                 if with_clones.revenue().get(s, 0.0) != excluding.revenue().get(s, 0.0)}
    assert differing <= changed


def test_intervals_come_from_paired_differences():
    base, same = [10.0, 12.0, 8.0, 11.0], [10.0, 12.0, 8.0, 11.0]
    assert intervals.ratio_interval(base, same, 1) == {"mean": 0.0, "low": 0.0, "high": 0.0}
    shifted = [b * 1.2 for b in base]
    assert intervals.ratio_interval(base, shifted, 1) == {"mean": 0.2, "low": 0.2, "high": 0.2}
    # a large common swing between replications moves both arms: paired, the interval stays narrow
    noisy = [10.0, 100.0, 1.0, 50.0]
    paired_interval = intervals.ratio_interval(noisy, [v + 1 for v in noisy], 1)
    assert paired_interval["high"] - paired_interval["low"] < 0.2
    spread = intervals.mean_interval(noisy, 1)
    assert spread["low"] < spread["mean"] < spread["high"]


def test_replications_report_intervals_and_identical_arms_have_zero_uplift(tmp_path):
    scenario = parse(PAIRED.replace("visitors: 600", "visitors: 150"))
    scenario = replace(scenario, arms=scenario.arms[:2])
    report = Experiment(scenario, replications=3, jobs=1).report()
    assert report["replications"] == 3
    assert report["intervals"]["method"] == intervals.METHOD
    arms = report["intervals"]["arms"]
    assert set(arms["native"]) == {"identified", "workflow_entries", "messages_sent", "duplicates", "orders",
                                   "recovered_revenue", "attributed_revenue"}
    for figure in arms["native"].values():
        assert figure["low"] <= figure["mean"] <= figure["high"]
    for figure, value in report["intervals"]["uplift"]["native renamed"].items():
        assert value is None or value == {"mean": 0.0, "low": 0.0, "high": 0.0}, figure
    single = Experiment(scenario, replications=1).report()
    assert "intervals" not in single and single["replications"] == 1


def test_a_holdout_keeps_its_shoppers_out_of_the_clones_flows():
    text = PAIRED.replace("- {name: clones, forwarder: reference,",
                          "- {name: clones, forwarder: reference, holdout: 0.3,")
    population, results = run_arms(parse(text))
    held = results["clones"].held_out
    assert 0.2 < len(held) / len(population.shoppers) < 0.4
    held_emails = {population.shoppers[s].email for s in held}
    clone_mail = [m for m in results["clones"].messages if m["workflow_name"] == "AC clone"]
    native_mail = [m for m in results["clones"].messages if m["workflow_name"] == "Abandoned Cart"]
    assert clone_mail and not any(m["recipient"] in held_emails for m in clone_mail)
    assert any(m["recipient"] in held_emails for m in native_mail)  # only the clones leave them out
    assert set(results["clones"].forwarded_to) & held  # their events still flow
    report = Experiment(parse(text), replications=1).report()
    holdout = report["holdout"]["clones"]
    assert holdout["share"] == 0.3 and holdout["held_out"] > 0
    assert holdout["measured"]["low"] <= holdout["measured"]["mean"] <= holdout["measured"]["high"]


def test_a_holdout_needs_clones_on_klaviyo():
    with pytest.raises(Exception, match="holdout"):
        parse(PAIRED.replace("- {name: native, workflows", "- {name: native, holdout: 0.1, workflows"))


def test_every_target_is_in_the_calibration_table_with_its_verdict():
    report = Experiment(parse(PAIRED), replications=1).report()
    from simulator.scenarios.journeys import targets
    rows = {row["name"]: row for row in report["calibration"]}
    assert set(rows) == {name.removesuffix("_target") for name in targets()}
    for row in rows.values():
        assert {"name", "target", "achieved", "low", "high", "within"} <= set(row)
        if row["achieved"] is not None:
            assert row["within"] == (row["note"] == "")
    assert rows["abandonment_entries_lift"]["achieved"] > 0


def test_a_store_calibrates_the_shoppers_and_projects_its_month(tmp_path):
    store_file = tmp_path / "store.yaml"
    store_file.write_text("monthly_sessions: 50000\naverage_order_value: 150\nvisit_purchase_rate: 0.03\n")
    store = load_store(str(store_file))
    scenario = store.calibrate(parse(PAIRED))
    assert scenario.parameters["price_scale"] > 1 and scenario.parameters["add_to_cart_rate"] > 0.065
    runs = [replicate(replace(scenario, seed=scenario.seed + i)) for i in range(2)]
    projection = store.projection(scenario, runs, list(runs[0]["arms"]))
    spread = projection["monthly_incremental_revenue"]
    assert spread["low"] <= spread["mean"] <= spread["high"]
    (tmp_path / "bad.yaml").write_text("monthly_visits: 3\n")
    assert main(["run", "duplicates", "--store", str(tmp_path / "bad.yaml"), "--out", str(tmp_path)]) == 2


def test_the_bundled_example_store_runs_end_to_end(tmp_path):
    code = main(["run", "uplift-klaviyo", "--visitors", "150", "--replications", "2", "--jobs", "1",
                 "--store", "fixtures/stores/example.yaml", "--out", str(tmp_path)])
    report = json.loads((tmp_path / "report.json").read_text())
    assert code in (0, 1) and report["replications"] == 2
    assert set(report["projection"]["monthly_incremental_revenue"]) == {"mean", "low", "high"}
