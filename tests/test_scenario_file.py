"""Scenario files: bad YAML and bad fields are refused with the file, the line and the field, and
`simulator run` exits 2 for them; `--list` names the bundled scenarios."""
from __future__ import annotations

import textwrap

import pytest

from simulator.scenarios.scenario import ScenarioError, bundled_names, load, parse
from simulator.cli import main

GOOD = textwrap.dedent("""\
    name: tiny
    accounts:
      klaviyo: {}
    destinations:
      - {name: klaviyo, api: klaviyo, options: {metric_suffix: " - X"}}
    workflows:
      - {name: Abandoned Cart, vendor: klaviyo, fixture: abandoned-cart}
      - name: Clone
        vendor: klaviyo
        fixture: abandoned-cart
        metric_suffix: " - X"
        exclude: [Abandoned Cart]
    arms:
      - name: native
        workflows: [Abandoned Cart]
      - name: forwarded
        forwarder: reference
        workflows: [Abandoned Cart, Clone]
    expectations:
      - {type: entries, arm: native, workflow: Abandoned Cart, min: 0}
    """)


def refused(text: str) -> str:
    with pytest.raises(ScenarioError) as caught:
        parse(text, "s.yaml")
    return str(caught.value)


def test_a_good_scenario_reads_with_its_defaults():
    scenario = parse(GOOD, "s.yaml")
    assert (scenario.seed, scenario.visitors, scenario.horizon_days) == (0, 2000, 30)
    assert scenario.workflows["Clone"].exclude == ("Abandoned Cart",)
    assert scenario.workflows["Clone"].exclusion_days == 7
    assert [a.forwarder for a in scenario.arms] == [None, "reference"]
    assert scenario.accounts == {"klaviyo": "auto"}


@pytest.mark.parametrize("change, expected", [
    (("  - name: forwarded\n", "  - name: forwarded\n    forwarderr: reference\n"),
     "s.yaml:16: arms.1: unknown field ('forwarderr' was unexpected)"),
    (("workflow: Abandoned Cart, min: 0", "workflow: Abandoned Cart, min: zero"),
     "s.yaml:20: expectations.0.min: 'zero' is not of type 'number'"),
    (("    workflows: [Abandoned Cart, Clone]", "    workflows: [Abandoned Cart, Clown]"),
     "s.yaml:18: arms.1.workflows.1: no workflow named 'Clown'"),
    (("    workflows: [Abandoned Cart, Clone]", "    workflows: [Clone]"),
     "s.yaml:18: arms.1.workflows.0: 'Clone' excludes 'Abandoned Cart', which this arm does not create"),
    (("    exclude: [Abandoned Cart]", "    exclude: [Later]"),
     "s.yaml:12: workflows.1.exclude.0: 'Later' is not a workflow declared above this one"),
    (("fixture: abandoned-cart}", "fixture: abandoned-kart}"),
     "s.yaml:7: workflows.0.fixture: no klaviyo fixture 'abandoned-kart'"),
    (("  klaviyo: {}", "  omnisend: {}"), "s.yaml:7: workflows.0.vendor: no klaviyo account under `accounts`"),
    (("expectations:", "parameters: {subscriber_sharre: 0.5}\nexpectations:"),
     "s.yaml:19: parameters: no journey parameter named 'subscriber_sharre'"),
    (("name: tiny", "name: tiny\nsettings: {api_rate_limit: lots}"), "s.yaml:2: settings:"),
    (('options: {metric_suffix: " - X"}', 'options: {metric_sufix: " - X"}'),
     "s.yaml:5: destinations.0: klaviyo: unknown options ['metric_sufix'] for klaviyo"),
    (("    forwarder: reference", "    forwarder: no_such_module:Forwarder"),
     "s.yaml:17: arms.1.forwarder: cannot load no_such_module:Forwarder: No module named 'no_such_module'"),
    (("{type: entries, arm: native, workflow: Abandoned Cart, min: 0}", "{type: uplift, arm: forwarded, min: 0}"),
     "s.yaml:20: expectations.0: a `uplift` expectation needs `metric`"),
])
def test_bad_fields_name_file_line_and_field(change, expected):
    old, new = change
    text = GOOD.replace(old, new)
    assert text != GOOD
    assert refused(text).startswith(expected)


def test_bad_yaml_names_the_line():
    assert refused("name: x\narms: [\n  - oops: {\n").startswith("s.yaml:3: not valid YAML")
    assert refused("- a list\n") == "s.yaml:1: a scenario is a mapping of fields"


def test_unknown_scenario_names_the_bundled_ones():
    with pytest.raises(ScenarioError, match="no bundled scenario of that name.*uplift-klaviyo"):
        load("no-such-scenario")


def test_every_bundled_scenario_loads():
    assert {"uplift-klaviyo", "uplift-omnisend", "duplicates", "rate-limit-storm",
            "bring-your-own-forwarder"} <= set(bundled_names())
    for name in bundled_names():
        assert load(name).name == name


def test_cli_exits_2_for_a_bad_scenario_and_lists_the_bundled_ones(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD.replace("name: native", "name: forwarded"))
    assert main(["run", str(bad), "--out", str(tmp_path / "out")]) == 2
    assert f"{bad}:16: arms.1.name: a second arm named 'forwarded'" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
    assert main(["run", "--list"]) == 0
    listed = capsys.readouterr().out
    assert all(name in listed for name in bundled_names())
