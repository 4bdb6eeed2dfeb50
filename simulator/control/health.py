"""`GET /_sim/health`: a readiness probe for containers and CI. It is open like the vendor APIs (the
control surface's admission lets it through), and says nothing a caller could misuse."""
from __future__ import annotations


from flask import g, jsonify

from simulator.control import blueprint
from simulator.core.clock import wall_elapsed
from simulator.core.timefmt import iso


@blueprint.get("/health")
def health():
    from simulator import __version__  # the package imports the sandbox, which imports this module
    sandbox = g.sandbox
    return jsonify({"status": "ok", "version": __version__,
                    "uptime_seconds": round(wall_elapsed(sandbox.started), 3),
                    "clock": iso(sandbox.clock.now())})
