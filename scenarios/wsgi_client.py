"""A lean in-process HTTP client for the scenario driver: a request straight into a WSGI app.

A run makes thousands of vendor calls, and building each through httpx (URL model, header model,
cookie jar, event hooks, a byte stream either way) cost about as much as the sandbox took to answer
it. This client builds the WSGI environ itself and hands it to the same app, so every call still
goes through the sandbox's admission, validation and journal; it just skips the client machinery.

It speaks only what the run's own senders use: `request(method, url, json=, headers=, params=)`,
answered by a `WsgiResponse` with `status_code`, `headers`, `text` and `json()`. A body is encoded
as httpx encodes one (compact UTF-8 JSON, `Content-Type: application/json` unless the caller names
another), and the environ is what httpx's WSGI transport builds, less httpx's own default headers
(`Accept`, `Accept-Encoding`, `Connection`, `User-Agent`), which nothing in the sandbox reads. The
user-facing `Sandbox.client()`, a server run and a user's own forwarder stay on httpx."""
from __future__ import annotations

import io
import json as jsonlib
import sys
from typing import Any, Callable, Iterable, Mapping
from urllib.parse import unquote, urlencode, urlsplit

from werkzeug.datastructures import Headers

from simulator.control.faults import FAULT

WsgiApp = Callable[[dict, Callable], Iterable[bytes]]


class WsgiResponse:
    """The answer: status code, case-insensitive headers, and the body as bytes, text or JSON, and
    `latency`: the seconds a fault rule said the answer takes (a scenario waits them out on its own
    clock; a live client would have waited them in wall time)."""
    __slots__ = ("status_code", "headers", "content", "latency")

    def __init__(self, status_code: int, headers: Headers, content: bytes, latency: float = 0.0):
        self.status_code = status_code
        self.headers = headers
        self.content = content
        self.latency = latency

    @property
    def text(self) -> str:
        return self.content.decode(self.headers.get("content-type", "").partition("charset=")[2] or "utf-8",
                                   errors="replace")

    def json(self) -> Any:
        return jsonlib.loads(self.content)


class WsgiClient:
    """Calls `app` in this thread with absolute URLs (`http://host/path?query`); no socket, no
    cookies, no redirects followed. An exception the app lets escape propagates to the caller."""

    def __init__(self, app: WsgiApp, remote_addr: str = "127.0.0.1"):
        self.app = app
        self.remote_addr = remote_addr

    def request(self, method: str, url: str, json: Any = None, headers: Mapping[str, str] | None = None,
                params: Mapping[str, Any] | None = None) -> WsgiResponse:
        scheme, netloc, path, query, _ = urlsplit(url)
        if params:  # they replace the URL's own query, as with httpx
            query = urlencode(params)
        host, _, port = netloc.partition(":")
        body = b"" if json is None else jsonlib.dumps(json, ensure_ascii=False, separators=(",", ":"),
                                                       allow_nan=False).encode("utf-8")
        environ = {
            "wsgi.version": (1, 0), "wsgi.url_scheme": scheme, "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr, "wsgi.multithread": True, "wsgi.multiprocess": False,
            "wsgi.run_once": False, "REQUEST_METHOD": method.upper(), "SCRIPT_NAME": "",
            "PATH_INFO": unquote(path) or "/", "QUERY_STRING": query, "SERVER_NAME": host,
            "SERVER_PORT": port or ("443" if scheme == "https" else "80"), "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": self.remote_addr, "HTTP_HOST": netloc,
        }
        if json is not None:
            environ["CONTENT_TYPE"] = "application/json"
        if json is not None or environ["REQUEST_METHOD"] in ("POST", "PUT", "PATCH"):
            environ["CONTENT_LENGTH"] = str(len(body))
        for name, value in (headers or {}).items():
            key = name.upper().replace("-", "_")
            environ[key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else "HTTP_" + key] = value
        answer: list = []
        written: list[bytes] = []  # what an app passes to the legacy write() comes first

        def start_response(status: str, response_headers: list, exc_info=None):
            answer[:] = [status, response_headers]
            return written.append

        chunks = self.app(environ, start_response)
        try:
            content = b"".join(chunks)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
        delay = environ.get(FAULT)  # a latency rule leaves its seconds here; a lost connection, a tuple
        return WsgiResponse(int(answer[0].split(None, 1)[0]), Headers(answer[1]), b"".join(written) + content,
                            delay if isinstance(delay, float) else 0.0)

    def close(self) -> None:
        """Nothing to release; here so the driver closes either client the same way."""
