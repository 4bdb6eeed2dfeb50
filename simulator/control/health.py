"""`GET /_sim/health`: a readiness probe for containers and CI. It is open like the vendor APIs (the
control surface's admission lets it through), and says nothing a caller could misuse."""
from __future__ import annotations

import time
from importlib.metadata import PackageNotFoundError, version

from flask import g, jsonify

from simulator.control import blueprint
from simulator.core.timefmt import iso

HEALTH_PATH = "/_sim/health"


def package_version() -> str:
    try:
        return version("flow-sandbox")
    except PackageNotFoundError:  # a source tree that was never installed
        return "unknown"


@blueprint.get("/health")
def health():
    sandbox = g.sandbox
    return jsonify({"status": "ok", "version": package_version(),
                    "uptime_seconds": round(time.monotonic() - sandbox.started, 3),
                    "clock": iso(sandbox.clock.now())})
