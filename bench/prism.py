"""Requests per second of the sandbox beside Prism (https://github.com/stoplightio/prism), the
spec-driven mock most users would pick instead, driven live side by side by the same load generator:
the same client (stdlib http.client, one keep-alive connection per worker), the same requests, the
same concurrency, rounds alternating between the two. Target: the sandbox answers at least twice as
many requests a second on each operation.

Operations: Klaviyo create-event and list profiles (from Klaviyo's 2026-07-15 stable spec) and
Omnisend v3 create contact. Prism mocks a copy of each spec cut down to those operations and the
components they use, logging errors only (its best case: nothing else to route or log), answering
the spec's examples and validating requests as it does by default; the sandbox runs as
`simulator serve`, with its rate limits lifted so the requests measure the work, and 100 profiles
stored so a profiles page is a full one.

Prism is installed with npm (`@stoplight/prism-cli`, pinned below) into a cache folder outside the
repository (`$XDG_CACHE_HOME/flow-sandbox/prism`, or `--cache`). Without npm, or when the install
fails, the script says so and exits 0.

Usage: python bench/prism.py [SPECS_DIR] [--seconds 3] [--rounds 3] [--concurrency 4] [--cache DIR]
SPECS_DIR holds `klaviyo/klaviyo-openapi-stable-2026-07-15.json` and `omnisend/v3/contacts.json`
(default: the folder `FLOW_SANDBOX_SPECS` names, as for the suite: README, "Spec-driven tests")."""
from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
PRISM = "@stoplight/prism-cli@5.14.2"
KLAVIYO_SPEC = "klaviyo/klaviyo-openapi-stable-2026-07-15.json"
V3_SPEC = "omnisend/v3/contacts.json"
REVISION = "2026-07-15"


@dataclass
class Operation:
    label: str
    spec: str  # the spec file (under SPECS_DIR) Prism mocks
    method: str
    path: str  # as the spec names it; Prism serves it at its root, the sandbox under `prefix`
    prefix: str
    status: int
    body: object = None  # i -> JSON body, or None for no body

    def request(self, i: int) -> tuple[bytes | None, dict]:
        if self.body is None:
            return None, {}
        return json.dumps(self.body(i)).encode(), {"Content-Type": "application/json"}


def event(i: int) -> dict:
    return {"data": {"type": "event", "attributes": {
        "properties": {"$value": i % 97},
        "metric": {"data": {"type": "metric", "attributes": {"name": "Started Checkout"}}},
        "profile": {"data": {"type": "profile", "attributes": {"email": f"shopper{i % 500}@example.com"}}}}}}


def contact(i: int) -> dict:
    return {"identifiers": [{"type": "email", "id": f"shopper{i}@example.com",
                             "channels": {"email": {"status": "subscribed"}}}],
            "firstName": "Bench", "lastName": f"Shopper {i}", "tags": ["bench"]}


OPERATIONS = [
    Operation("Klaviyo create event", KLAVIYO_SPEC, "POST", "/api/events", "/klaviyo", 202, event),
    Operation("Klaviyo list profiles", KLAVIYO_SPEC, "GET", "/api/profiles", "/klaviyo", 200),
    Operation("Omnisend v3 create contact", V3_SPEC, "POST", "/contacts", "/omnisend/v3", 200, contact),
]


# -- the two servers -------------------------------------------------------------------------------

def prism_binary(cache: Path) -> Path | None:
    """Prism's executable in `cache`, installed there with npm first if needed; None (with the
    reason printed) when that cannot be done."""
    binary = cache / "node_modules" / ".bin" / "prism"
    if binary.exists():
        return binary
    if shutil.which("npm") is None:
        print("skipped: npm is not installed, so Prism cannot be (it is an npm package)")
        return None
    print(f"installing {PRISM} into {cache} ...", flush=True)
    cache.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(cache), PRISM],
                          capture_output=True, text=True)
    if done.returncode != 0 or not binary.exists():
        print(f"skipped: npm could not install {PRISM}:\n{done.stderr[-2000:]}")
        return None
    return binary


def cut_spec(source: Path, keep: list[Operation], folder: Path) -> Path:
    """A copy of the spec at `source` holding only the operations of `keep` and the components they
    refer to (Prism reads, and resolves, the whole file at start)."""
    document = json.loads(source.read_text())
    wanted = {(op.path, op.method.lower()) for op in keep}
    document["paths"] = {path: {method: op for method, op in item.items() if (path, method) in wanted}
                         for path, item in document["paths"].items() if any(path == p for p, _ in wanted)}
    components, kept = document.get("components", {}), {}
    pending = _refs(document["paths"])
    while pending:
        section, name = pending.pop()
        if name not in kept.setdefault(section, {}):
            kept[section][name] = components[section][name]
            pending |= _refs(kept[section][name])
    kept["securitySchemes"] = components.get("securitySchemes", {})
    document["components"] = kept
    target = folder / source.name
    target.write_text(json.dumps(document))
    return target


def _refs(node) -> set[tuple[str, str]]:
    """(section, name) of every `#/components/<section>/<name>` reference under `node`."""
    if isinstance(node, list):
        return set().union(*map(_refs, node)) if node else set()
    if not isinstance(node, dict):
        return set()
    found = set().union(*map(_refs, node.values())) if node else set()
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/components/"):
        section, name = ref.split("/")[2:4]
        found.add((section, name.replace("~1", "/").replace("~0", "~")))
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(process: subprocess.Popen, port: int, what: str) -> None:
    deadline = time.monotonic() + 180  # a bench reads wall time; the sandbox itself never does
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{what} exited with {process.returncode} before listening")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{what} did not listen on port {port} within 180 s")


def start_prism(binary: Path, spec: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen([str(binary), "mock", str(spec), "-h", "127.0.0.1", "-p", str(port),
                                "--verboseLevel", "error"],  # its per-request logging would slow it
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(process, port, f"prism mock {spec.name}")
    return process, f"127.0.0.1:{port}"


def start_sandbox() -> tuple[subprocess.Popen, str, dict]:
    """`simulator serve` on a free port: (process, host:port, vendor -> test key)."""
    process = subprocess.Popen([sys.executable, "-m", "simulator", "serve", "--port", "0"],
                               stdout=subprocess.PIPE, text=True)
    keys, address = {}, None
    for line in process.stdout:
        if line.startswith("Flow Sandbox on "):
            address = urlsplit(line.split()[3]).netloc
        elif "test key:" in line:
            keys[line.split()[0]] = line.split()[-1]
        elif line.startswith("  klaviyo company id"):
            break
    if address is None:
        raise SystemExit("simulator serve exited before printing its address")
    threading.Thread(target=process.stdout.read, daemon=True).start()  # drain it, so it never blocks
    return process, address, keys


def prepare_sandbox(address: str, headers: dict) -> None:
    """Rate limits lifted and 100 profiles stored (so a profiles page holds 20)."""
    connection = http.client.HTTPConnection(address)
    calls = [("POST", "/_sim/settings", {"klaviyo_rate_limits": False, "v3_rate_limit": 10**9})]
    calls += [("POST", "/klaviyo/api/profiles",
               {"data": {"type": "profile", "attributes": {"email": f"stored{i}@example.com"}}}) for i in range(100)]
    for method, path, body in calls:
        connection.request(method, path, json.dumps(body), {**headers, "Content-Type": "application/json"})
        response = connection.getresponse()
        response.read()
        if response.status >= 300:
            raise SystemExit(f"{method} {path} on the sandbox answered {response.status}")
    connection.close()


# -- the load generator ----------------------------------------------------------------------------

def drive(address: str, op: Operation, path: str, headers: dict, seconds: float, concurrency: int,
          offset: int) -> float:
    """Requests per second over `seconds`, `concurrency` workers each on its own keep-alive
    connection; every answer must have the operation's success status."""
    counts, failures = [0] * concurrency, []
    start = threading.Barrier(concurrency + 1)
    stop = threading.Event()

    def worker(w: int) -> None:
        connection = http.client.HTTPConnection(address, timeout=30)
        i = offset + w * 10**6
        start.wait()
        while not stop.is_set():
            body, extra = op.request(i)
            connection.request(op.method, path, body, {**headers, **extra})
            response = connection.getresponse()
            payload = response.read()
            if response.status != op.status:
                failures.append(f"{op.method} {path} answered {response.status}: {payload[:300]!r}")
                return
            counts[w] += 1
            i += 1
        connection.close()

    workers = [threading.Thread(target=worker, args=(w,)) for w in range(concurrency)]
    for thread in workers:
        thread.start()
    start.wait()
    began = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for thread in workers:
        thread.join()
    elapsed = time.perf_counter() - began
    if failures:
        raise SystemExit(failures[0])
    return sum(counts) / elapsed


def headers_for(op: Operation, keys: dict) -> dict:
    if op.spec == KLAVIYO_SPEC:
        return {"Authorization": f"Klaviyo-API-Key {keys['klaviyo']}", "revision": REVISION,
                "Accept": "application/vnd.api+json"}
    return {"X-API-KEY": keys["omnisend"], "Accept": "application/json"}


def compare(args, prism: dict, sandbox: str, keys: dict) -> None:
    print(f"live, {args.concurrency} keep-alive connections, {args.seconds:g} s a measurement, "
          f"median of {args.rounds} alternating rounds (Prism {PRISM.rsplit('@', 1)[1]})")
    print(f"{'':28}{'Prism rps':>11}{'sandbox rps':>13}{'ratio':>8}")
    for op in OPERATIONS:
        headers = headers_for(op, keys)
        theirs, ours = [], []
        for r in range(args.rounds):
            theirs.append(drive(prism[op.spec], op, op.path, headers, args.seconds, args.concurrency, r * 10**8))
            ours.append(drive(sandbox, op, op.prefix + op.path, headers, args.seconds, args.concurrency, r * 10**8))
        p, s = statistics.median(theirs), statistics.median(ours)
        print(f"{op.label:28}{p:11.0f}{s:13.0f}{s / p:8.2f}   (target >= 2.00)", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("specs", nargs="?", type=Path, default=Path(os.environ.get("FLOW_SANDBOX_SPECS") or ROOT.parent / "shared" / "specs"))
    parser.add_argument("--seconds", type=float, default=3.0, help="length of one measurement")
    parser.add_argument("--rounds", type=int, default=3, help="measurements of each server, alternating")
    parser.add_argument("--concurrency", type=int, default=4)
    cache_home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    parser.add_argument("--cache", type=Path, default=cache_home / "flow-sandbox" / "prism")
    args = parser.parse_args()
    missing = [name for name in (KLAVIYO_SPEC, V3_SPEC) if not (args.specs / name).is_file()]
    if missing:
        print(f"skipped: no {', '.join(missing)} under {args.specs} (give the specs folder as the argument)")
        return 0
    binary = prism_binary(args.cache)
    if binary is None:
        return 0

    processes = []
    with tempfile.TemporaryDirectory() as folder:
        try:
            sandbox, sandbox_address, keys = start_sandbox()
            processes.append(sandbox)
            prism = {}
            for spec in dict.fromkeys(op.spec for op in OPERATIONS):
                cut = cut_spec(args.specs / spec, [o for o in OPERATIONS if o.spec == spec], Path(folder))
                process, prism[spec] = start_prism(binary, cut)
                processes.append(process)
            prepare_sandbox(sandbox_address, headers_for(OPERATIONS[0], keys))
            compare(args, prism, sandbox_address, keys)
        finally:
            for process in processes:
                process.terminate()
                process.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
