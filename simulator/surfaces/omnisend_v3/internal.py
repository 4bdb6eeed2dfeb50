"""Running one v3 request inside the sandbox: how a batch item gets the single endpoint's answer.

The request goes through the whole app (routing, contract check, model, error rendering), so a
batch item is validated and answered exactly as the same call made on its own would be. It is
marked `simulator.app.INTERNAL` (no due jobs, no journal entry, no rate-limit charge: see app.py).

Batch items run from scheduler jobs, which hold the sandbox lock: the app is called directly (not
through `LockedApp`), and in a fresh application context, so that a job run while a request is
being served (real clock, catching up) leaves that request's `g` untouched."""
from __future__ import annotations

import json

from werkzeug.test import EnvironBuilder, run_wsgi_app

from simulator.app import INTERNAL

PREFIX = "/omnisend/v3"


def call(sandbox, key: str, method: str, path: str, body) -> tuple[int, dict]:
    """`method PREFIX+path` with `body` as JSON, as the holder of `key`: (status, parsed body or {})."""
    builder = EnvironBuilder(path=PREFIX + path, method=method, json=body, headers={"X-API-KEY": key},
                             base_url="http://sandbox.internal")
    try:
        environ = builder.get_environ()
    finally:
        builder.close()
    environ[INTERNAL] = True
    with sandbox.app.app_context():
        chunks, status, _headers = run_wsgi_app(sandbox.app, environ, buffered=True)
        raw = b"".join(chunks)
    code = int(status.split(" ", 1)[0])
    try:
        data = json.loads(raw) if raw else {}
    except ValueError:
        data = {"error": raw.decode("utf-8", "replace")}
    return code, data if isinstance(data, dict) else {"items": data}
