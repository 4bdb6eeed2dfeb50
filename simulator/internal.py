"""Running one vendor request inside the sandbox: how a batch item gets the single endpoint's answer.

Both Omnisend lines batch (v3 `/omnisend/v3/batches`, the dated `/omnisend/api/batches`); each item is
run as the single request it stands for, on the batch's surface and with the batch's credentials.
The request goes through the whole app (routing, auth, contract check, model, error rendering), so an
item is validated and answered exactly as the same call made on its own would be. It is marked
`simulator.app.INTERNAL` (no due jobs, no journal entry, no rate-limit charge: see app.py).

Batch items run from scheduler jobs, which hold the sandbox lock: the app is called directly (not
through `LockedApp`), and in a fresh application context, so that a job run while a request is
being served (real clock, catching up) leaves that request's `g` untouched."""
from __future__ import annotations

import json

from werkzeug.test import EnvironBuilder, run_wsgi_app

from simulator.app import INTERNAL


def call(sandbox, prefix: str, headers: dict, method: str, path: str, body) -> tuple[int, dict]:
    """`method prefix+path` with `body` as JSON and `headers` (the credentials): (status, parsed body or {})."""
    builder = EnvironBuilder(path=prefix + path, method=method, json=body, headers=headers,
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
