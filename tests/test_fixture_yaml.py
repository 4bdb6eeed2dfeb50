"""The journey fixtures read the same through libyaml's loader as through PyYAML's own."""
from __future__ import annotations

import pytest
import yaml

from simulator.scenarios.journeys import FIXTURE_LOADER, FIXTURES


@pytest.mark.parametrize("name", ["journeys.yaml", "catalog.yaml"])
def test_a_fixture_loads_the_same_either_way(name):
    text = (FIXTURES / name).read_text()
    assert yaml.load(text, Loader=FIXTURE_LOADER) == yaml.safe_load(text)
