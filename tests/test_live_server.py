"""The sandbox over a real socket: waitress on a loopback port, many client threads at once, and the
`simulator serve` command as a user starts it."""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from simulator import Sandbox, Settings
from simulator.server import LiveServer
from tests.conftest import check_contract
from tests.conftest import START

ROOT = Path(__file__).resolve().parents[1]
THREADS = 12
CONTACTS = 300


@pytest.fixture(scope="module")
def _server():
    server = LiveServer(Sandbox(seed=7, start=START), threads=8).start()
    yield server
    server.stop()  # waitress notices within its 1 s loop timeout: one server for the module


@pytest.fixture
def live(_server):
    """The module's server with an empty sandbox and default settings."""
    _server.sandbox.reset()
    assert _server.sandbox.settings.update(Settings().to_json()) == []
    return _server


def v3_client(server: LiveServer, **kwargs) -> httpx.Client:
    return httpx.Client(base_url=server.base_urls()["omnisend-v3"], timeout=10,
                        headers={"X-API-KEY": server.sandbox.test_keys()["omnisend"]},
                        event_hooks={"response": [check_contract]}, **kwargs)


def contact_body(email: str, **extra) -> dict:
    return {"identifiers": [{"type": "email", "id": email, "channels": {"email": {"status": "subscribed"}}}], **extra}


def all_contacts(client: httpx.Client) -> list[dict]:
    """Every contact, following `paging.next` (absolute URLs on this server) to the end."""
    found, url, pages = [], "/contacts?limit=250", 0
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.text
        page = response.json()
        found += page["contacts"]
        url = page["paging"]["next"]
        pages += 1
        assert pages <= 20, "paging does not end"
    return found


def test_round_trip_over_a_socket(live):
    assert live.host == "127.0.0.1" and live.port > 0
    with v3_client(live) as client:
        created = client.post("/contacts", json=contact_body("ann@example.com", firstName="Ann", tags=["vip"]))
        assert created.status_code == 200, created.text
        assert created.headers["content-type"].startswith("application/json")
        assert created.headers["X-Rate-Limit-Remaining"] == "399"
        contact_id = created.json()["contactID"]
        got = client.get(f"/contacts/{contact_id}").json()
        assert (got["firstName"], got["tags"], got["identifiers"][0]["id"]) == ("Ann", ["vip"], "ann@example.com")
        patched = client.patch(f"/contacts/{contact_id}", json={"lastName": "Lee"})
        assert patched.json() == {"email": "ann@example.com", "contactID": contact_id}
        listed = client.get("/contacts").json()
        assert [c["lastName"] for c in listed["contacts"]] == ["Lee"]
        assert client.get("/contacts/nope").json()["statusCode"] == 404
        unauthorized = httpx.get(live.base_urls()["omnisend-v3"] + "/contacts", timeout=10)
        assert unauthorized.status_code == 401
    # the control API answers on the same port, from loopback
    clock = httpx.get(live.base_urls()["control"] + "/clock", timeout=10)
    assert clock.json() == {"now": "2026-11-02T10:00:00Z", "mode": "frozen"}


def test_oversized_chunked_body_is_413_over_the_socket(live):
    """Without a Content-Length the limit must still hold (waitress de-chunks the body)."""
    chunk = b" " * 65536

    def body():
        yield b'{"identifiers": []'
        for _ in range(live.sandbox.settings.max_body_bytes // len(chunk) + 2):
            yield chunk
        yield b"}"

    with v3_client(live) as client:
        response = client.post("/contacts", content=body(), headers={"Content-Type": "application/json"})
        assert response.status_code == 413, response.text
        assert response.json() == {"error": "Request Entity Too Large", "statusCode": 413}
        assert client.get("/contacts").json()["contacts"] == []


def test_hostile_bodies_over_the_socket(live):
    """A server thread survives what the in-process sweep sends: deep nesting, bad bytes, surrogates."""
    with v3_client(live) as client:
        for raw in (b"[" * 100_000 + b"]" * 100_000, b'{"firstName": "\xff"}', b'{"firstName": "\\ud800"}',
                    b'{"identifiers": [}'):
            response = client.post("/contacts", content=raw, headers={"Content-Type": "application/json"})
            assert response.status_code == 400, response.text
            assert set(response.json()) == {"error", "statusCode"}
        assert client.get("/contacts").json()["contacts"] == []


def test_many_threads_creating_distinct_contacts(live):
    assert live.sandbox.settings.update({"v3_rate_limit": 100_000}) == []
    emails = [f"user{i:03d}@example.com" for i in range(CONTACTS)]
    barrier = threading.Barrier(THREADS)
    local = threading.local()
    clients: list[httpx.Client] = []
    lock = threading.Lock()

    def create(email: str):
        if not hasattr(local, "client"):
            local.client = v3_client(live)
            with lock:
                clients.append(local.client)
            barrier.wait(timeout=10)  # every thread starts sending at once
        response = local.client.post("/contacts", json=contact_body(email, firstName=email[:7]))
        return email, response.status_code, response.json()

    try:
        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            # the first THREADS tasks each land on their own thread (each waits at the barrier)
            results = list(pool.map(create, emails))
    finally:
        for client in clients:
            client.close()
    statuses = {status for _, status, _ in results}
    assert statuses == {200}, [r for r in results if r[1] != 200][:5]
    ids = {body["contactID"] for _, _, body in results}
    assert len(ids) == CONTACTS, "two creations were answered with the same contactID"
    assert {body["email"] for _, _, body in results} == set(emails)

    with v3_client(live) as client:
        stored = all_contacts(client)
    assert len(stored) == CONTACTS
    assert {c["contactID"] for c in stored} == ids
    assert sorted(c["identifiers"][0]["id"] for c in stored) == emails
    assert all(c["firstName"] == c["identifiers"][0]["id"][:7] for c in stored)
    assert {a["contacts"] for a in live.sandbox.accounts()} == {CONTACTS}


def test_concurrent_upserts_of_one_email_make_one_contact(live):
    barrier = threading.Barrier(THREADS)

    def upsert(n: int):
        with v3_client(live) as client:
            barrier.wait(timeout=10)
            results = []
            for round_ in range(5):
                response = client.post("/contacts", json=contact_body("Same@Example.com", tags=[f"t{n}-{round_}"]))
                results.append((response.status_code, response.json().get("contactID")))
            return results

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        results = [r for batch in pool.map(upsert, range(THREADS)) for r in batch]
    assert {status for status, _ in results} == {200}
    assert len({contact_id for _, contact_id in results}) == 1
    with v3_client(live) as client:
        stored = all_contacts(client)
    assert len(stored) == 1
    assert sorted(stored[0]["tags"]) == sorted(f"t{n}-{r}" for n in range(THREADS) for r in range(5))


# -- `simulator serve` -------------------------------------------------------------------------

BANNER = re.compile(r"^Flow Sandbox on (http://\S+)\s+\(seed (\d+), clock (\w+) at (\S+)\)$")


def _read_banner(process: subprocess.Popen, deadline: float) -> list[str]:
    """Lines of the banner, read until the test key line (bounded by `deadline`)."""
    lines: list[str] = []
    box: dict = {}

    def reader():
        for raw in process.stdout:
            lines.append(raw.rstrip("\n"))
            if "test key:" in raw:
                break
        box["done"] = True

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    thread.join(timeout=max(0.1, deadline - time.monotonic()))
    assert box.get("done"), f"no complete banner in time; got {lines!r}, stderr: {_stderr(process)}"
    return lines


def _stderr(process: subprocess.Popen) -> str:
    if process.poll() is None:
        return "(still running)"
    return process.stderr.read() if process.stderr else ""


def _listening_addresses(port: int) -> set[str]:
    """Local addresses of the sockets listening on `port`, from /proc (Linux)."""
    found = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            address, hex_port = fields[1].split(":")
            if int(hex_port, 16) == port and fields[3] == "0A":  # 0A: LISTEN
                if width == 8:
                    found.add(socket.inet_ntop(socket.AF_INET, bytes.fromhex(address)[::-1]))
                else:
                    raw = b"".join(bytes.fromhex(address[i:i + 8])[::-1] for i in range(0, 32, 8))
                    found.add(socket.inet_ntop(socket.AF_INET6, raw))
    return found


@dataclass
class Served:
    process: subprocess.Popen
    url: str
    urls: dict[str, str]
    key: str
    banner: tuple[str, str, str]  # seed, clock, start as printed
    first_answer: float | None  # seconds from process start to the first 200
    body: dict | None


def serve(*args: str) -> Served:
    """Start `python -m simulator serve ARGS`, read its banner, poll until its first 200 (bounded)."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, "-m", "simulator", "serve", *args], cwd=ROOT, env=env,
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = _read_banner(process, started + 10)
        match = BANNER.match(lines[0])
        assert match, f"unexpected first banner line {lines[0]!r}"
        url, *printed = match.groups()
        urls = dict(re.match(r"^\s+(\S+)\s+(http://\S+)$", line).groups() for line in lines[1:]
                    if re.match(r"^\s+\S+\s+http://", line))
        key = next(line.split("test key:")[1].strip() for line in lines if "test key:" in line)
        first_answer, body = None, None
        while time.monotonic() < started + 20:  # bounded polling: the process may still be binding
            try:
                response = httpx.get(urls["omnisend-v3"] + "/contacts", headers={"X-API-KEY": key}, timeout=0.5)
            except httpx.TransportError:
                time.sleep(0.01)
                continue
            if response.status_code == 200:
                first_answer, body = time.monotonic() - started, response.json()
                break
        return Served(process, url, urls, key, tuple(printed), first_answer, body)
    except BaseException:
        stop(process)
        raise


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)
    for stream in (process.stdout, process.stderr):
        if stream:
            stream.close()


def test_serve_command_prints_its_banner_and_answers():
    # How fast it answers is measured by bench/startup.py (target: within 1 s of start), not here:
    # wall time beside the rest of the suite says more about the machine than about the server.
    served = serve("--port", "0", "--clock", "frozen", "--start", "2026-01-01T00:00:00Z", "--seed", "3")
    if served.first_answer is None:
        stop(served.process)
        pytest.fail("the server never answered")
    try:
        assert served.banner == ("3", "frozen", "2026-01-01T00:00:00Z")
        host_port = re.fullmatch(r"http://127\.0\.0\.1:(\d+)", served.url)
        assert host_port, f"{served.url}: the default bind must be 127.0.0.1"
        port = int(host_port.group(1))
        assert port > 0, "the banner must print the port actually bound, not 0"
        assert served.urls["omnisend-v3"] == f"{served.url}/omnisend/v3"
        assert served.urls["control"] == f"{served.url}/_sim"
        assert re.fullmatch(r"[0-9a-f]{24}-[A-Za-z0-9_.]+", served.key), served.key
        assert served.body == {"contacts": [], "paging": {"previous": None, "next": None, "limit": 100}}
        assert httpx.get(served.urls["control"] + "/clock", timeout=2).json() == {
            "now": "2026-01-01T00:00:00Z", "mode": "frozen"}

        # loopback only: nothing listens on another address, and 127.0.0.2 (also loopback) is refused
        listening = _listening_addresses(port)
        if listening:
            assert listening == {"127.0.0.1"}, f"listening on {listening}"
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.2", port), timeout=1).close()
    finally:
        stop(served.process)

