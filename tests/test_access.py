"""Nothing gets around the keys (issue 12): OAuth grants stay within the keys file, the control API
refuses what a cross-site page or a DNS-rebinding page can send, the vendor surfaces grant no CORS,
a public bind needs a token, and the server keeps answering past waitress's default connection
limit."""
from __future__ import annotations

import socket
import subprocess
import sys
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from werkzeug.test import Client as WerkzeugClient

from simulator import Sandbox, cli
from tests.conftest import START

LISTED = "0123456789abcdef01234567"
OTHER = "fedcba9876543210fedcba98"
ASK = {"client_id": "app", "redirect_uri": "https://app.example/cb", "response_type": "code"}


@pytest.fixture
def closed(tmp_path) -> Sandbox:
    """Closed mode: one brand, whose only key may read and write contacts."""
    keys = tmp_path / "keys.yaml"
    keys.write_text(f"omnisend:\n  - key: {LISTED}-secret\n    scopes: [contacts.read, contacts.write]\n")
    return Sandbox(start=START, keys=keys)


def _authorize(sb: Sandbox, **params) -> httpx.Response:
    return sb.client("omnisend-oauth", follow_redirects=False).get("/authorize", params={**ASK, **params})


def _token(sb: Sandbox, answer: httpx.Response) -> str:
    code = parse_qs(urlsplit(answer.headers["location"]).query)["code"][0]
    swapped = sb.client("omnisend-oauth").post("/token", data={
        "grant_type": "authorization_code", "code": code, "client_id": "app", "client_secret": "s",
        "redirect_uri": ASK["redirect_uri"]})
    assert swapped.status_code == 200, swapped.text
    return swapped.json()["access_token"]


# -- OAuth stays within the keys file -------------------------------------------------------------

def test_oauth_cannot_grant_a_brand_the_keys_file_does_not_list(closed):
    refused = _authorize(closed, brand=OTHER, scope="contacts.write")
    assert refused.status_code == 403, refused.text
    assert refused.json()["error"] == "access_denied"
    assert "location" not in refused.headers
    contact = {"identifiers": [{"type": "email", "id": "ann@example.com"}]}
    assert [a["id"] for a in closed.accounts()] == []  # nothing was made for the unlisted brand
    granted = _authorize(closed, brand=LISTED, scope="contacts.write")
    assert granted.status_code == 302
    writer = closed.client("omnisend-api", headers={"Authorization": f"Bearer {_token(closed, granted)}"})
    assert writer.post("/contacts", json=contact).status_code in (200, 201)


def test_oauth_cannot_grant_scopes_beyond_the_brands_keys(closed):
    refused = _authorize(closed, brand=LISTED, scope="contacts.read automations.write")
    assert refused.status_code == 400
    assert refused.json() == {"error": "invalid_scope",
                              "error_description": f"brand {LISTED}'s keys do not allow: automations.write"}
    granted = _authorize(closed, scope="contacts.read")  # no brand: the first listed key's
    reader = closed.client("omnisend-api", headers={"Authorization": f"Bearer {_token(closed, granted)}"})
    assert reader.get("/contacts").status_code == 200
    assert reader.get("/automations").status_code == 403


def test_open_mode_grants_any_brand_and_scope():
    sb = Sandbox(start=START)
    assert _authorize(sb, brand=OTHER, scope="automations.write brands.write").status_code == 302


# -- the control API against cross-site pages -----------------------------------------------------

def _raw(sb: Sandbox, host: str = "127.0.0.1:8787", remote: str = "127.0.0.1") -> httpx.Client:
    """A client as a browser on this machine reaches the server: a socket's WSGI environ, no marks."""
    return httpx.Client(transport=httpx.WSGITransport(app=sb.wsgi, remote_addr=remote), base_url=f"http://{host}/_sim")


def test_a_cross_site_form_cannot_change_the_sandbox():
    sb = Sandbox(start=START)
    made = sb.client().post("/contacts", json={"identifiers": [
        {"type": "email", "id": "ann@example.com", "channels": {"email": {"status": "subscribed"}}}]})
    assert made.status_code == 200, made.text
    browser = _raw(sb)
    for content_type in ("application/x-www-form-urlencoded", "text/plain", "multipart/form-data; boundary=x"):
        refused = browser.post("/reset", content=b"", headers={"Content-Type": content_type})
        assert refused.status_code == 403, content_type
        assert "X-Flow-Sandbox" in refused.json()["error"]
    assert browser.post("/reset").status_code == 403  # no body, no content type: what a form can send too
    assert browser.post("/clock", content=b'{"advance_seconds": 5}', headers={"Content-Type": "text/plain"}
                        ).status_code == 403
    assert sb.accounts()[0]["contacts"] == 1
    assert browser.post("/reset", json={}).status_code == 200
    assert browser.post("/reset", headers={"X-Flow-Sandbox": "1"}).status_code == 200
    assert sb.accounts() == []  # a reset drops the accounts themselves
    assert browser.get("/clock").status_code == 200  # reading needs neither


def test_the_control_api_answers_only_to_a_loopback_host():
    sb = Sandbox(start=START)
    for host in ("127.0.0.1:8787", "localhost:8787", "LOCALHOST", "[::1]:8787", "127.0.0.1"):
        assert _raw(sb, host).get("/journal").status_code == 200, host
    for host in ("attacker.example:8787", "attacker.example", "127.0.0.1.attacker.example", "sandbox.local"):
        refused = _raw(sb, host).get("/journal")
        assert refused.status_code == 403, host
        assert "Host" in refused.json()["error"]
    named = Sandbox(start=START, control_hosts=("sandbox.test",))
    assert _raw(named, "sandbox.test:8787").get("/outbox").status_code == 200
    assert sb.client("sim").get("/journal").status_code == 200  # in-process calls have no browser between


def test_the_admin_token_needs_its_bearer_prefix_and_survives_odd_bytes():
    sb = Sandbox(start=START, admin_token="s3cret")
    remote = _raw(sb, "sandbox.example:8787", remote="10.1.2.3")
    assert remote.get("/clock", headers={"Authorization": "Bearer s3cret"}).status_code == 200
    # httpx sends ASCII headers only; werkzeug's client puts any bytes in the environ, as a server does
    raw = WerkzeugClient(sb.wsgi)
    for header in (b"s3cret", b"Basic s3cret", b"bearer s3cret", "Bearer s3cr\u00e9t".encode(), b"Bearer \xff\xfe",
                   "Bearer \u00e9".encode("latin-1")):
        refused = raw.get("/_sim/clock", headers=[("Authorization", header.decode("latin-1"))],
                          environ_base={"REMOTE_ADDR": "10.1.2.3"})
        assert refused.status_code == 403, header
        assert refused.json["status"] == 403


@pytest.mark.parametrize("surface", ["omnisend-v3", "omnisend-api", "omnisend-oauth", "klaviyo-api", "klaviyo-client"])
def test_vendor_surfaces_send_no_permissive_cors_headers(surface):
    sb = Sandbox(start=START)
    client = sb.client(surface)
    origin = {"Origin": "https://attacker.example", "Access-Control-Request-Method": "POST",
              "Access-Control-Request-Headers": "content-type, authorization"}
    for response in (client.options("/contacts", headers=origin), client.get("/profiles", headers=origin),
                     client.get("/contacts", headers=origin)):
        granted = {k for k in response.headers if k.lower().startswith("access-control-")}
        assert granted == set(), f"{surface}: {granted}"


# -- a public bind needs a token ------------------------------------------------------------------

class _Bound(Exception):
    """Raised in place of binding: the command got past its checks."""


@pytest.fixture
def no_bind(monkeypatch):
    seen = {}

    def fake_server(sandbox, host, port, threads, connection_limit):
        seen.update(sandbox=sandbox, host=host, connection_limit=connection_limit)
        raise _Bound

    monkeypatch.setattr("simulator.server.LiveServer", fake_server)
    return seen


def test_a_public_bind_without_a_token_is_refused(no_bind, capsys):
    assert cli.main(["serve", "--host", "0.0.0.0"]) == 2
    assert "--unsafe-open-to-network" in capsys.readouterr().err
    assert no_bind == {}
    for args in (["--admin-token", "t"], ["--unsafe-open-to-network"]):
        with pytest.raises(_Bound):
            cli.main(["serve", "--host", "0.0.0.0", *args])
        assert no_bind["host"] == "0.0.0.0"
    for loopback in ("127.0.0.1", "127.0.0.2", "::1", "localhost"):
        no_bind.clear()
        with pytest.raises(_Bound):
            cli.main(["serve", "--host", loopback])
        assert no_bind["host"] == loopback


def test_serve_passes_the_connection_limit_and_control_hosts(no_bind):
    with pytest.raises(_Bound):
        cli.main(["serve", "--connection-limit", "7", "--control-host", "Sandbox.Test", "--control-host", "b.test"])
    assert no_bind["connection_limit"] == 7
    assert no_bind["sandbox"].control_hosts == ("sandbox.test", "b.test")


def _serve(*args: str) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen([sys.executable, "-m", "simulator", "serve", "--port", "0", "--clock", "frozen", *args],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    return process, process.stdout.readline().split()[3]


@pytest.mark.parametrize("limit,answers", [(None, True), ("100", False)], ids=["default", "waitress-100"])
def test_idle_connections_past_the_limit_make_the_next_client_wait(limit, answers):
    """150 idle connections: the default limit still answers; waitress's old 100 makes the next wait."""
    process, url = _serve(*(["--connection-limit", limit] if limit else []))
    idle = []
    try:
        host, port = url.removeprefix("http://").split(":")
        for _ in range(150):
            idle.append(socket.create_connection((host, int(port)), timeout=5))
        try:
            answered = httpx.get(f"{url}/_sim/clock", timeout=2).status_code == 200
        except httpx.TimeoutException:
            answered = False
        assert answered is answers
    finally:
        for connection in idle:
            connection.close()
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()
