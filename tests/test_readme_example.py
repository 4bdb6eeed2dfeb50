"""The README's plugin example, run as written in a fresh pytest: the official Klaviyo SDK against
`flow_sandbox_server`, a bundled flow fixture, the clock advanced, the email found."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest.importorskip("klaviyo_api", reason="the test extras install klaviyo-api")
README = Path(__file__).resolve().parents[1] / "README.md"


def plugin_example() -> str:
    section = README.read_text().split("## In your own CI: the pytest plugin", 1)[1].split("\n## ", 1)[0]
    [code] = re.findall(r"```python\n(.*?)```", section, re.S)
    return code


def test_the_readme_plugin_example_passes(pytester):
    pytester.makepyfile(test_readme=plugin_example())
    result = pytester.runpytest("-p", "no:xdist")
    result.assert_outcomes(passed=1)
