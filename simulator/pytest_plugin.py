"""pytest fixtures for testing your own integration against the sandbox (installed as a plugin).

* `flow_sandbox`: a fresh in-process `Sandbox` for each test (frozen clock, fixed seed and start).
* `flow_sandbox_server`: a live server on a free loopback port, shared by the session and reset
  before each test; use `.base_urls()["omnisend-v3"]` and `.sandbox.test_keys()`.

Options: `--flow-sandbox-seed N`, `--flow-sandbox-start ISO-8601`.
"""
from __future__ import annotations

import pytest

DEFAULT_START = "2026-01-05T09:00:00Z"


def pytest_addoption(parser):
    group = parser.getgroup("flow-sandbox")
    group.addoption("--flow-sandbox-seed", type=int, default=0, help="seed of the sandbox fixtures")
    group.addoption("--flow-sandbox-start", default=DEFAULT_START, help="start time of their clocks")


@pytest.fixture
def flow_sandbox(request):
    from simulator.sandbox import Sandbox
    return Sandbox(seed=request.config.getoption("--flow-sandbox-seed"),
                   start=request.config.getoption("--flow-sandbox-start"))


@pytest.fixture(scope="session")
def _flow_sandbox_live(request):
    from simulator.sandbox import Sandbox
    from simulator.server import LiveServer
    sandbox = Sandbox(seed=request.config.getoption("--flow-sandbox-seed"),
                      start=request.config.getoption("--flow-sandbox-start"))
    server = LiveServer(sandbox).start()
    yield server
    server.stop()


@pytest.fixture
def flow_sandbox_server(_flow_sandbox_live):
    _flow_sandbox_live.sandbox.reset()
    return _flow_sandbox_live
