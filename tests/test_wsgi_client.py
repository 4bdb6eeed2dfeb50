"""The scenario driver's lean WSGI client: the app sees the request httpx's WSGI transport would
build (bar httpx's own default headers), so a sandbox answers it the same, with the same journal."""
from __future__ import annotations

import io

import httpx
import pytest

from simulator.scenarios.wsgi_client import WsgiClient
from simulator.sandbox import IN_PROCESS_HOST, KLAVIYO_REVISION, Sandbox

START = "2026-11-02T10:00:00Z"
HTTPX_OWN = {"HTTP_ACCEPT", "HTTP_ACCEPT_ENCODING", "HTTP_CONNECTION", "HTTP_USER_AGENT"}  # nothing reads them


def _environ_seen(send) -> dict:
    """The environ an app is handed for one request, with the body read out of `wsgi.input`."""
    seen = {}

    def app(environ, start_response):
        seen.update(environ, body=environ["wsgi.input"].read())
        start_response("204 No Content", [])
        return [b""]
    send(app)
    return {k: v for k, v in seen.items() if k not in ("wsgi.input", "wsgi.errors") and k not in HTTPX_OWN}


@pytest.mark.parametrize("method,url,json,headers,params", [
    ("POST", "http://sandbox.local/klaviyo/api/events", {"data": {"name": "Zoë", "n": [1, 2.5, None]}},
     {"Authorization": "Klaviyo-API-Key pk_x", "Content-Type": "application/vnd.api+json"}, None),
    ("GET", "http://sandbox.local/omnisend/v3/contacts?email=ann%40example.com", None, {"X-API-KEY": "k"},
     {"limit": 5, "after": "a b"}),
    ("PUT", "http://sandbox.local:8787/omnisend/v3/carts/c%2F1", {}, None, None),
    ("POST", "https://sandbox.local/omnisend/api/automations/a1/enable", None, None, None),
    ("DELETE", "http://sandbox.local/klaviyo/api/lists/L1", None, None, {"page[size]": 2}),
])
def test_the_app_sees_what_httpx_would_hand_it(method, url, json, headers, params):
    ours = _environ_seen(lambda app: WsgiClient(app).request(method, url, json=json, headers=headers, params=params))
    theirs = _environ_seen(lambda app: httpx.Client(transport=httpx.WSGITransport(app=app)).request(
        method, url, json=json, headers=headers, params=params))
    assert ours == theirs


def _klaviyo_calls(http, base: str) -> list[tuple]:
    """A few Klaviyo calls, accepted and refused, as (status, headers, body) with both clients."""
    key = {"Authorization": f"Klaviyo-API-Key {Sandbox(seed=3).test_keys()['klaviyo']}",
           "revision": KLAVIYO_REVISION, "Content-Type": "application/vnd.api+json"}
    event = {"data": {"type": "event", "attributes": {
        "properties": {"value": 3}, "metric": {"data": {"type": "metric", "attributes": {"name": "Viewed Product"}}},
        "profile": {"data": {"type": "profile", "attributes": {"email": "ann@example.com"}}}}}}
    answers = [http.request("POST", f"{base}/klaviyo/api/events", json=event, headers=key),
               http.request("POST", f"{base}/klaviyo/api/events", json={"data": []}, headers=key),
               http.request("GET", f"{base}/klaviyo/api/profiles", headers=key, params={"page[size]": 1}),
               http.request("GET", f"{base}/klaviyo/api/no-such-thing", headers=key),
               http.request("POST", f"{base}/klaviyo/api/events", json=event, headers={**key, "Authorization": "x"})]
    return [(a.status_code, sorted((k.lower(), v) for k, v in a.headers.items()), a.text) for a in answers]


def test_a_sandbox_answers_and_journals_it_as_it_does_httpx():
    lean, full = Sandbox(seed=3, start=START), Sandbox(seed=3, start=START)
    ours = _klaviyo_calls(WsgiClient(lean._in_process_wsgi), IN_PROCESS_HOST)
    theirs = _klaviyo_calls(httpx.Client(transport=httpx.WSGITransport(app=full._in_process_wsgi)), IN_PROCESS_HOST)
    assert [status for status, _, _ in ours] == [202, 400, 200, 404, 401]
    assert ours == theirs
    assert lean.journal.entries() == full.journal.entries()
    assert len(lean.journal.entries()) == 5


def test_the_response_reads_as_text_json_and_case_free_headers():
    def app(environ, start_response):
        write = start_response("429 Too Many Requests", [("Content-Type", "application/json; charset=latin-1"),
                                                          ("Retry-After", "7")])
        write(b'{"detail": "caf')
        return io.BytesIO(b'\xe9"}')  # an iterable with close(), which the client must call
    response = WsgiClient(app).request("GET", "http://h/x")
    assert response.status_code == 429
    assert response.headers.get("retry-after") == response.headers["Retry-After"] == "7"
    assert response.text == '{"detail": "café"}'
    with pytest.raises(ValueError):  # latin-1 bytes are not the UTF-8 JSON requires
        response.json()


def test_an_exception_the_app_lets_escape_reaches_the_caller():
    def app(environ, start_response):
        raise RuntimeError("boom")
    with pytest.raises(RuntimeError, match="boom"):
        WsgiClient(app).request("GET", "http://h/x")
