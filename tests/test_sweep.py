"""`simulator sweep` end to end on a small scenario: the three files, the CSV's rows, the tornado's
order, byte-identical output however the work is spread, and bad `--vary` refused with exit 2."""
from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
from collections import Counter

import pytest

from simulator.scenarios.experiment import HEADLINE_FIGURES, Experiment
from simulator.scenarios.scenario import load
from simulator.scenarios.parallel import spread
from simulator.scenarios.sweep import sensitivity
from simulator.scenarios.sweep_report import BAR_COLOR, BASE_COLOR, HIGH_COLOR, LOW_COLOR
from simulator.cli import main
from tests.small_scenario import write_small_scenario

# identity.match_rate is the lever identity resolution pulls: from 0.1 to 0.7 it moves the headline
# far more than a week-long run's cookie lifetime, which no shopper outlives.
VARIES = ["identity.match_rate=0.1,0.7", "native_cookie_days=365,730"]
FILES = ("sweep.json", "sweep.csv", "sweep.html")


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sweep")
    scenario = write_small_scenario(folder)
    outs = []
    for jobs in ("2", "1"):
        out = folder / f"jobs{jobs}"
        args = ["sweep", str(scenario), "--replications", "2", "--jobs", jobs, "--out", str(out)]
        assert main(args + [a for v in VARIES for a in ("--vary", v)]) == 0
        outs.append(out)
    return scenario, outs


def test_the_same_sweep_gives_the_same_bytes_on_one_job_or_two(swept):
    _, (two, one) = swept
    for name in FILES:
        assert (two / name).read_bytes() == (one / name).read_bytes(), name


def test_sweep_json_has_every_point_with_its_intervals_and_the_tornado_widest_first(swept):
    _, (out, _) = swept
    sweep = json.loads((out / "sweep.json").read_text())
    assert sweep["replications"] == 2 and sweep["headline"] == {
        "figure": "recovered_revenue", "arm": "native + identity resolution", "against": "native"}
    assert sweep["base"]["values"] == {"identity.match_rate": 0.35, "native_cookie_days": 730}
    assert [(p["parameter"], p["value"]) for p in sweep["points"]] == [
        ("identity.match_rate", 0.1), ("identity.match_rate", 0.7),
        ("native_cookie_days", 365), ("native_cookie_days", 730)]
    low_match, high_match = sweep["points"][:2]
    identified = [p["intervals"]["arms"]["native + identity resolution"]["identified"]["mean"]
                  for p in (low_match, high_match)]
    assert identified[0] < identified[1], "a higher match rate identifies more shoppers"
    for point in [sweep["base"], *sweep["points"]]:
        assert set(point["intervals"]["arms"]["native"]) == set(HEADLINE_FIGURES)
        uplift = point["intervals"]["uplift"]["native + identity resolution"]["recovered_revenue"]
        assert uplift["low"] <= uplift["mean"] <= uplift["high"]
    bars = sweep["tornado"]
    assert [b["parameter"] for b in bars] == ["identity.match_rate", "native_cookie_days"]
    assert bars[0]["width"] > bars[1]["width"] == 0, "a week-long run: no shopper outlives either cookie"
    assert (bars[1]["low"]["value"], bars[1]["high"]["value"]) == (365, 730), "a tie: lowest value at the low end"
    for bar in bars:
        headlines = {p["value"]: p["intervals"]["uplift"]["native + identity resolution"]["recovered_revenue"]
                     for p in sweep["points"] if p["parameter"] == bar["parameter"]}
        means = [h["mean"] for h in headlines.values()]
        assert bar["low"]["uplift"] == headlines[bar["low"]["value"]] and bar["low"]["uplift"]["mean"] == min(means)
        assert bar["high"]["uplift"] == headlines[bar["high"]["value"]] and bar["high"]["uplift"]["mean"] == max(means)
        assert bar["width"] == round(max(means) - min(means), 4)


def test_sweep_csv_has_a_row_per_point_and_arm_with_interval_columns(swept):
    _, (out, _) = swept
    sweep = json.loads((out / "sweep.json").read_text())
    rows = list(csv.DictReader((out / "sweep.csv").open(encoding="utf-8")))
    assert [(r["parameter"], r["value"], r["arm"]) for r in rows] == [
        (parameter, value, arm) for parameter, value in [("base", ""), ("identity.match_rate", "0.1"),
                                                         ("identity.match_rate", "0.7"), ("native_cookie_days", "365"),
                                                         ("native_cookie_days", "730")]
        for arm in ("native", "native + identity resolution")]
    for figure in HEADLINE_FIGURES:
        assert {f"{figure}_mean", f"{figure}_low", f"{figure}_high"} <= set(rows[0])
    assert rows[0]["uplift_recovered_revenue_mean"] == "", "the first arm is the comparison base"
    point = sweep["points"][1]["intervals"]
    assert float(rows[5]["orders_high"]) == point["arms"]["native + identity resolution"]["orders"]["high"]
    assert float(rows[5]["uplift_recovered_revenue_low"]) == \
        point["uplift"]["native + identity resolution"]["recovered_revenue"]["low"]


def test_sweep_html_is_one_offline_page_with_the_tornado_in_order(swept):
    scenario, (out, _) = swept
    page = (out / "sweep.html").read_text(encoding="utf-8")
    sweep = json.loads((out / "sweep.json").read_text())
    assert "<script" not in page and "src=" not in page and "<link" not in page
    assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", page), "nothing to fetch from the network"
    assert str(scenario) not in page and ".yaml" not in page and "fixtures/" not in page, "no file a reader cannot open"
    bars = re.findall(r'class="bar tornado-bar" data-parameter="([^"]+)" data-low="([^"]+)" data-high="([^"]+)"', page)
    assert [(p, float(lo), float(hi)) for p, lo, hi in bars] == [
        (b["parameter"], b["low"]["uplift"]["mean"], b["high"]["uplift"]["mean"]) for b in sweep["tornado"]]
    base = sweep["base"]["intervals"]["uplift"]["native + identity resolution"]["recovered_revenue"]["mean"]
    assert f'id="base-line" data-value="{base}"' in page
    assert page.count('class="whisker low"') == page.count('class="whisker high"') == len(bars)
    assert f"Seed {sweep['seed']}" in page and "2 replications per point" in page


def test_sensitivity_on_a_reports_own_runs_gives_the_headline_per_parameter_and_value_as_the_sweep_does(
        swept, monkeypatch):
    scenario, (out, _) = swept
    sweep = json.loads((out / "sweep.json").read_text())
    base_runs = Experiment(load(str(scenario)), 2, jobs=1).run()  # as a report that has run the scenario has them
    tasks = []
    monkeypatch.setattr("simulator.scenarios.sweep.spread",
                        lambda fn, todo, jobs, dask: tasks.extend(todo) or spread(fn, todo, jobs))
    panel = sensitivity(load(str(scenario)), {"identity.match_rate": [0.1, 0.35, 0.7]}, replications=2, jobs=1,
                        base_runs=base_runs)
    seed = load(str(scenario)).seed
    assert [(t.identity["match_rate"], t.seed) for t in tasks] == [(0.1, seed), (0.1, seed + 1), (0.7, seed),
                                                                   (0.7, seed + 1)], \
        "neither the base runs nor the point at the scenario's own value are run again"
    json.dumps(panel)  # plain data
    headline = sweep["base"]["intervals"]["uplift"]["native + identity resolution"]["recovered_revenue"]
    assert panel["base"] == headline and "2 replications" in panel["description"]
    low, high = (p["intervals"]["uplift"]["native + identity resolution"]["recovered_revenue"]
                 for p in sweep["points"][:2])
    assert panel["parameters"] == [{"name": "identity.match_rate", "base_value": 0.35, "points": [
        {"value": 0.1, "uplift": low}, {"value": 0.35, "uplift": headline}, {"value": 0.7, "uplift": high}]}]
    with pytest.raises(ValueError, match="not this scenario's replications"):
        sensitivity(load(str(scenario)), {"identity.match_rate": [0.1]}, replications=2, base_runs=base_runs[::-1])


@pytest.mark.parametrize("vary, says", [
    ("match_rate", "expected NAME=V1,V2"),
    ("no_such_thing=1,2", "no_such_thing: no such parameter"),
    ("identity.match_rate=0.2,lots", "'lots' is not a number"),
    ("identity.match_rate=0.2,1.5", "1.5 is not a probability"),
    ("identity.match_rate=0.2,0.2", "0.2 is given twice"),
    ("cart_abandonment_target=0.5,0.6", "a calibration target"),
    ("hour_of_day_weights=1,2", "only a numeric parameter"),
    ("email_click_rate_first=0.9", "cannot exceed email_open_rate_first"),
    ("days_between_sessions_mean=-1", "-1 is negative"),
    ("cart_keep_days=7,1e999", "1e999 is negative or too large"),
])
def test_a_bad_vary_exits_2_and_says_why(tmp_path, capsys, vary, says):
    code = main(["sweep", "uplift-klaviyo", "--vary", vary, "--replications", "2", "--out", str(tmp_path / "out")])
    assert code == 2
    assert says in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_no_vary_a_repeated_vary_one_replication_or_one_arm_exits_2(tmp_path, capsys):
    out = str(tmp_path / "out")
    assert main(["sweep", "uplift-klaviyo", "--replications", "2", "--out", out]) == 2
    assert "at least one --vary" in capsys.readouterr().err
    assert main(["sweep", "uplift-klaviyo", "--vary", "login_rate=0.2", "--vary", "login_rate=0.8", "--out", out]) == 2
    assert "given twice" in capsys.readouterr().err
    assert main(["sweep", "uplift-klaviyo", "--vary", "login_rate=0.2", "--replications", "1", "--out", out]) == 2
    assert "--replications 2 or more" in capsys.readouterr().err
    one_arm = write_small_scenario(tmp_path, arms=1)
    assert main(["sweep", str(one_arm), "--vary", "login_rate=0.2", "--replications", "2", "--out", out]) == 2
    assert "has one arm" in capsys.readouterr().err


CHROMIUM = shutil.which("chromium")


@pytest.mark.skipif(CHROMIUM is None, reason="no `chromium` on PATH: install Debian's chromium for the browser test")
def test_chromium_draws_the_tornado(swept, tmp_path):
    from tests.test_report import chromium, decode_png, hex_rgb
    _, (out, _) = swept
    page = (out / "sweep.html").as_uri()
    dom = chromium("--dump-dom", page, profile=tmp_path / "profile").stdout.decode("utf-8")
    assert dom.count("tornado-bar") == 2 and "<tbody>" in dom
    shot = tmp_path / "shot.png"
    chromium("--window-size=1100,900", f"--screenshot={shot}", page, profile=tmp_path / "profile")
    width, height, rows = decode_png(shot.read_bytes())
    pixels = Counter(pixel for row in rows for pixel in zip(row[0::3], row[1::3], row[2::3]))
    assert pixels[hex_rgb(BAR_COLOR)] > 500, "the tornado's bars are drawn"
    for color in (BASE_COLOR, LOW_COLOR, HIGH_COLOR):
        assert pixels[hex_rgb(color)] > 20, f"{color}: the base line, each end's whiskers and labels are drawn"
