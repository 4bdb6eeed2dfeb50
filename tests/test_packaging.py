"""The installed package is the whole package: every source package and every contract ships."""
from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_python_package_is_listed_for_installation():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    found = {".".join(init.parent.relative_to(ROOT).parts) for top in ("simulator", "scenarios")
             for init in (ROOT / top).rglob("__init__.py")}
    assert found - listed == set(), "packages missing from pyproject.toml (a wheel install would lack them)"
    assert config["package-dir"]["simulator.contracts"] == "contracts"
    assert config["package-data"]["simulator.contracts"] == ["*/*.json"]
