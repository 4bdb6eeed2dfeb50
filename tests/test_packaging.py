"""The installed package is the whole package: every source package, contract and fixture ships, and
a wheel installed into a fresh virtual environment runs `simulator` with no checkout in sight."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_every_python_package_is_listed_for_installation():
    config = CONFIG["tool"]["setuptools"]
    listed = set(config["packages"])
    mapped = {"simulator": "simulator", "simulator.scenarios": "scenarios"}  # the package -> its folder
    found = {".".join((package, *init.parent.relative_to(ROOT / top).parts)) for package, top in mapped.items()
             for init in (ROOT / top).rglob("__init__.py")}
    assert found - listed == set(), "packages missing from pyproject.toml (a wheel install would lack them)"
    assert config["package-dir"] == {"simulator.contracts": "contracts", "simulator.fixtures": "fixtures",
                                     "simulator.scenarios": "scenarios"}
    assert not any(p == "scenarios" or p.startswith("scenarios.") for p in listed), \
        "no generic top-level `scenarios` module in a user's environment"
    assert config["package-data"]["simulator.contracts"] == ["*/*.json"]


def _run(args: list, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{args}: exit {done.returncode}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The bin/ of a fresh virtual environment with the project's wheel installed (and nothing else
    of the checkout: the wheel is built from a copy, and every command runs outside it)."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".venv", ".git", "out", "build", "dist", "*.egg-info",
                                                                 "__pycache__", ".pytest_cache"))
    built = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--verbose", "-w", work / "dist", source], work)
    log = built.stdout + built.stderr
    assert not re.search(r"is absent from the `packages` configuration", log), "setuptools warned of unlisted packages"
    (wheel,) = (work / "dist").glob("flow_sandbox-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert not any(name.startswith("scenarios/") for name in names), "the scenarios ship inside simulator/"
    for shipped in ("simulator/fixtures/journeys.yaml", "simulator/fixtures/klaviyo/flows/abandoned-cart.json",
                    "simulator/fixtures/omnisend/automations/cart-abandonment.json",
                    "simulator/contracts/klaviyo/create_flow.json", "simulator/scenarios/bundled/duplicates.yaml"):
        assert shipped in names, f"the wheel lacks {shipped}"
    _run([sys.executable, "-m", "venv", work / "venv"], work)
    _run([work / "venv" / "bin" / "python", "-m", "pip", "install", "--quiet", wheel], work, timeout=600)
    return work / "venv" / "bin"


def test_the_installed_wheel_reports_its_version(installed, tmp_path):
    assert _run([installed / "simulator", "--version"], tmp_path).stdout.strip() == \
        f"simulator {CONFIG['project']['version']}"


def test_the_installed_wheel_lists_and_runs_a_bundled_scenario(installed, tmp_path):
    listed = _run([installed / "simulator", "run", "--list"], tmp_path).stdout
    assert {line.split()[0] for line in listed.splitlines()} >= {"duplicates", "uplift-klaviyo", "uplift-omnisend"}
    ran = _run([installed / "simulator", "run", "duplicates", "--visitors", "100", "--out", tmp_path / "out"], tmp_path)
    assert "expectations: PASS" in ran.stdout and "FAIL" not in ran.stdout, ran.stdout
    assert (tmp_path / "out" / "report.json").is_file()


def test_the_installed_wheel_serves(installed, tmp_path):
    process = subprocess.Popen([installed / "simulator", "serve", "--port", "0", "--clock", "frozen"], cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = [process.stdout.readline() for _ in range(7)]
        url = lines[0].split()[3]
        key = next(line.split("test key:")[1].strip() for line in lines if "omnisend test key:" in line)
        answer = None
        for _ in range(100):  # bounded: the server is up once it printed its banner, but allow it a moment
            try:
                answer = httpx.get(f"{url}/omnisend/v3/contacts", headers={"X-API-KEY": key}, timeout=2)
                break
            except httpx.TransportError:
                continue
        assert answer is not None and answer.status_code == 200, answer
        assert answer.json()["contacts"] == []
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()
        process.stderr.close()
