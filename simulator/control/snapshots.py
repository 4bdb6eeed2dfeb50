"""Snapshots (`/_sim/snapshots`) and `simulator serve --state FILE`: the whole sandbox saved, exported
as one JSON document, imported and restored, as LocalStack's state export, Firebase's `--import` /
`--export-on-exit` and moto's persistence do.

A snapshot holds every account, the clock, the settings, the keys, the fault rules, the queue of
scheduled jobs, the engine's runs, the outbox and the journal: the object graph written by
core/graph.py. Restoring reads the document afresh, so the sandbox goes on exactly as the original
would (the same jobs due at the same times), however often it is restored. The document is written
canonically: export, import, export gives the same bytes."""
from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path

from flask import Response, g, jsonify, request

from simulator.control import blueprint, checked_body
from simulator.core.graph import GraphError, dump, load
from simulator.core.timefmt import iso
from simulator.errors import Invalid, MalformedBody, NotFound, Problem

FORMAT, VERSION = "flow-sandbox-snapshot", 1
# The sandbox's state: everything but its lock, app, server-side settings (admin token) and the
# snapshots themselves.
STATE = ("seed", "clock", "scheduler", "keyring", "settings", "journal", "messages", "limiter", "tokens",
         "request_ids", "engine", "omnisend_engine", "klaviyo_engine", "faults", "_brands", "_klaviyo")
NAME = "^[A-Za-z0-9._-]{1,100}$"
NAME_SCHEMA = {"type": "object", "additionalProperties": False, "required": ["name"],
               "properties": {"name": {"type": "string", "pattern": NAME}}}


def _externals(sandbox) -> dict:
    """What a restore takes from the live sandbox: the lock its server holds, the webhook poster and
    its threads (calls in flight are not state), and the sandbox itself (batch jobs call its app)."""
    return {"sandbox": sandbox, "lock": sandbox.lock, "webhooks": sandbox.engine.webhooks}


def capture(sandbox) -> dict:
    """The sandbox as a snapshot document."""
    with sandbox.lock:
        state = dump({name: getattr(sandbox, name) for name in STATE}, _externals(sandbox))
        return {"format": FORMAT, "version": VERSION, "clock": iso(sandbox.clock.now()),
                "summary": {"accounts": len(sandbox.accounts()), "scheduled_jobs": sandbox.scheduler.pending(),
                            "runs": len(sandbox.runs()), "messages": len(sandbox.messages.messages())},
                "state": state}


def restore(sandbox, document: dict) -> None:
    """Make `sandbox` what the document says it was."""
    with sandbox.lock:
        state = load(document["state"], _externals(sandbox))
        for name in STATE:
            setattr(sandbox, name, state[name])


def encode(document: dict) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


def decode(raw: bytes, sandbox) -> dict:
    """A snapshot document read from bytes, checked by reading it into objects (then dropped)."""
    try:
        document = json.loads(raw)
    except ValueError:
        raise MalformedBody("a snapshot document (JSON)") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT or document.get("version") != VERSION:
        raise Invalid([Problem("format", "invalid", detail=f"not a {FORMAT} version {VERSION} document")])
    try:
        state = load(document.get("state"), _externals(sandbox))
        missing = [name for name in STATE if name not in state]
    except (GraphError, LookupError, TypeError, ValueError, AttributeError) as error:
        raise Invalid([Problem("state", "invalid", detail=str(error))]) from None
    if missing:
        raise Invalid([Problem("state", "invalid", detail=f"missing {', '.join(missing)}")])
    return document


# -- --state FILE ------------------------------------------------------------------------------------

def load_state_file(sandbox, path: str | Path) -> bool:
    """Restore `sandbox` from `path` if it exists; True if it did."""
    path = Path(path)
    if not path.exists():
        return False
    restore(sandbox, decode(path.read_bytes(), sandbox))
    return True


def save_state_file(sandbox, path: str | Path) -> None:
    """Write the sandbox to `path` atomically: a temporary file beside it, flushed to disk, then
    renamed over it, so a failed write leaves the previous file whole."""
    path = Path(path)
    data = encode(capture(sandbox))
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or ".")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


# -- /_sim/snapshots ---------------------------------------------------------------------------------

def _summary(name: str, document: dict) -> dict:
    return {"name": name, "clock": document["clock"], **document["summary"]}


def _stored(name: str) -> dict:
    document = g.sandbox.snapshots.get(name)
    if document is None:
        raise NotFound("snapshot", name)
    return document


@blueprint.get("/snapshots")
def list_snapshots():
    return jsonify({"snapshots": [_summary(n, d) for n, d in sorted(g.sandbox.snapshots.items())]})


@blueprint.post("/snapshots")
def take_snapshot():
    name = checked_body(NAME_SCHEMA)["name"]
    document = g.sandbox.snapshots[name] = capture(g.sandbox)
    response = jsonify(_summary(name, document))
    response.status_code = 201
    return response


@blueprint.get("/snapshots/<name>")
def export_snapshot(name: str):
    return Response(encode(_stored(name)), mimetype="application/json")


@blueprint.put("/snapshots/<name>")
def import_snapshot(name: str):
    if re.fullmatch(NAME, name) is None:
        raise Invalid([Problem("name", "invalid", detail="letters, digits, '.', '_' and '-', at most 100")])
    document = g.sandbox.snapshots[name] = decode(request.get_data(), g.sandbox)
    return jsonify(_summary(name, document))


@blueprint.post("/snapshots/<name>/restore")
def restore_snapshot(name: str):
    restore(g.sandbox, _stored(name))
    return jsonify({"restored": name, "now": iso(g.sandbox.clock.now()), "mode": g.sandbox.clock.mode})


@blueprint.delete("/snapshots/<name>")
def delete_snapshot(name: str):
    _stored(name)
    del g.sandbox.snapshots[name]
    return Response(status=204)
