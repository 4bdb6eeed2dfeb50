"""Seconds from `simulator serve` starting to its first answer, beside a bare Flask app on the same
WSGI server started the same way (the floor), in one run, the runs of the two alternating (the
machine's load moves both alike). Target: the sandbox within 2 times the floor.

Both start as a user's machine starts them: Python caches each module's bytecode, so the first
start compiles the sandbox's own modules and later ones do not (its dependencies were compiled when
pip installed them). An environment that sets PYTHONDONTWRITEBYTECODE would make every start of the
sandbox compile about 130 modules the floor never has to, so it is unset for both, and each starts
once before the runs that count.

Usage: python bench/startup.py [--runs 5]"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

import httpx

FLOOR = """
import sys
from flask import Flask
from waitress.server import create_server
app = Flask("floor")
app.get("/ping")(lambda: "pong")
server = create_server(app, host="127.0.0.1", port=0)
print(f"http://127.0.0.1:{server.effective_port}/ping", flush=True)
server.run()
"""


def first_answer(command: list[str], url_of) -> float:
    """Seconds from spawning `command` to its first 200 (the URL is read from what it prints)."""
    started = time.perf_counter()  # a benchmark measures wall time; the sandbox itself never does
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
    try:
        url = None
        while url is None:
            line = process.stdout.readline()
            if not line:
                raise SystemExit(f"{command[0]} exited before printing its address")
            url = url_of(line)
        while time.perf_counter() < started + 30:
            try:
                if httpx.get(url, timeout=1).status_code == 200:
                    return time.perf_counter() - started
            except httpx.TransportError:
                pass
        raise SystemExit(f"{url} did not answer 200 within 30 s")
    finally:
        process.terminate()
        process.wait(timeout=10)


def sandbox_url(line: str) -> str | None:
    return line.split()[1] + "/clock" if line.startswith("  control") else None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    commands = {"sandbox": ([sys.executable, "-m", "simulator", "serve", "--port", "0"], sandbox_url),
                "floor": ([sys.executable, "-c", FLOOR], lambda line: line.strip() or None)}
    for command, url_of in commands.values():
        first_answer(command, url_of)  # bytecode cached, as on any machine after the first start
    times = {name: [] for name in commands}
    for _ in range(runs):
        for name, (command, url_of) in commands.items():
            times[name].append(first_answer(command, url_of))
    sandbox, floor = times["sandbox"], times["floor"]
    s, f = statistics.median(sandbox), statistics.median(floor)
    print(f"start to first answer, median of {runs} (max)")
    print(f"  bare Flask on waitress  {f:.3f} s ({max(floor):.3f})")
    print(f"  simulator serve         {s:.3f} s ({max(sandbox):.3f})   ratio {s / f:.2f}   (target <= 2.00)")


if __name__ == "__main__":
    main()
