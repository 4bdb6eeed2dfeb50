"""The sandbox console at `/_sim/console`: an inbox, recipient timelines, runs, the clock, the
journal with rate-limit budgets, settings and faults, in a browser.

Plain server-rendered HTML (Jinja, autoescaped) with a little inline JavaScript, under the same
access rule as the rest of `/_sim`. Every page reads what a control API call answers (the same
functions serve both), and every change it makes is a control API call made from the page by
`fetch` (`POST /_sim/clock`, `/_sim/settings`, `/_sim/faults`), so the console can do nothing the
API cannot. It loads nothing from outside: styles and scripts are inline, a message's HTML is shown
in a sandboxed frame under a policy that blocks remote images."""
from __future__ import annotations

import dataclasses

from flask import Response, g, jsonify, request
from jinja2 import Environment, PackageLoader, select_autoescape

from simulator.control import blueprint
from simulator.control.console.mail import view
from simulator.control.console.timeline import timeline
from simulator.core.timefmt import iso
from simulator.errors import Invalid, Problem

_pages = Environment(loader=PackageLoader("simulator.control.console", "templates"),
                     autoescape=select_autoescape(default=True, default_for_string=True))
PAGE_POLICY = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; "
               "frame-src 'self'; form-action 'self'; img-src 'self' data:")
MAIL_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"  # no remote images, no scripts
INBOX_FILTERS = ("account", "vendor", "workflow", "recipient", "channel")


def _page(name: str, **context) -> Response:
    sandbox = g.sandbox
    html = _pages.get_template(name).render(now=iso(sandbox.clock.now()), mode=sandbox.clock.mode, page=name, **context)
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = PAGE_POLICY
    return response


# -- the API the pages read (also for scripts) ------------------------------------------------------

@blueprint.get("/messages/<message_id>")
def message_json(message_id: str):
    return jsonify(view(g.sandbox, message_id))


@blueprint.get("/messages/<message_id>/html")
def message_html(message_id: str):
    """The message's HTML body alone: what the inbox shows in its sandboxed frame. The body the
    engine rendered when it sent the message, where it did (engine/email_render.py); else the
    console's default layout."""
    sent = g.sandbox.messages.get(message_id)
    body = sent.html if sent is not None and sent.html else _pages.get_template("email.html").render(
        **view(g.sandbox, message_id))
    response = Response(body, mimetype="text/html")
    response.headers["Content-Security-Policy"] = MAIL_POLICY
    return response


@blueprint.get("/timeline")
def timeline_json():
    recipient = request.args.get("recipient")
    if not recipient:
        raise Invalid([Problem("recipient", "required", detail="the address whose timeline to show")])
    return jsonify({"recipient": recipient, "entries": timeline(g.sandbox, recipient)})


@blueprint.get("/schedule")
def schedule_json():
    """The jobs waiting on the clock, in the order they will run."""
    return jsonify({"now": iso(g.sandbox.clock.now()), "jobs": _jobs()})


@blueprint.get("/ratelimits")
def ratelimits_json():
    return jsonify({"budgets": g.sandbox.limiter.budgets(g.sandbox.clock.now())})


def _jobs() -> list[dict]:
    return [{"due": iso(job.due), "seq": job.seq, "label": job.label} for job in g.sandbox.scheduler.upcoming()]


# -- pages ------------------------------------------------------------------------------------------

def _inbox_rows(filters: dict, query: str) -> list[dict]:
    rows = []
    for message in reversed(g.sandbox.messages.messages()):
        if filters["account"] and message.account != filters["account"]:
            continue
        if filters["vendor"] and message.vendor != filters["vendor"]:
            continue
        if filters["workflow"] and filters["workflow"] not in (message.workflow_id, message.workflow_name):
            continue
        if filters["recipient"] and message.recipient != filters["recipient"]:
            continue
        if filters["channel"] and message.channel != filters["channel"]:
            continue
        text = " ".join(str(v) for v in (message.subject, message.recipient, message.workflow_name)).lower()
        if query and query.lower() not in text:
            continue
        rows.append(message.to_json())
    return rows


@blueprint.get("/console")
def console_inbox():
    filters = {name: request.args.get(name, "") for name in INBOX_FILTERS}
    query = request.args.get("q", "")
    every = g.sandbox.messages.messages()
    choices = {"account": sorted({m.account for m in every}), "vendor": sorted({m.vendor for m in every}),
               "workflow": sorted({m.workflow_name for m in every}), "recipient": sorted({m.recipient for m in every}),
               "channel": sorted({m.channel for m in every})}
    return _page("inbox.html", rows=_inbox_rows(filters, query), filters=filters, q=query, choices=choices,
                 total=len(every))


@blueprint.get("/console/messages/<message_id>")
def console_message(message_id: str):
    return _page("message.html", **view(g.sandbox, message_id))


@blueprint.get("/console/timeline")
def console_timeline():
    recipient = request.args.get("recipient", "")
    entries = timeline(g.sandbox, recipient) if recipient else []
    known = sorted({m.recipient for m in g.sandbox.messages.messages()} | {r.recipient for r in g.sandbox.engine.runs.runs()})
    return _page("timeline.html", recipient=recipient, entries=entries, known=known)


@blueprint.get("/console/runs")
def console_runs():
    status = request.args.get("status") or None
    vendor = request.args.get("vendor") or None
    runs = [run.to_json() for run in reversed(g.sandbox.engine.runs.runs(vendor=vendor, status=status))]
    return _page("runs.html", runs=runs, status=status or "", vendor=vendor or "", workflows=_tally(runs))


def _tally(runs: list[dict]) -> list[dict]:
    """Per workflow: runs, entries, non-entries, and each finish and step outcome counted."""
    found: dict[tuple, dict] = {}
    for run in reversed(runs):  # oldest first, so workflows appear in the order they first ran
        row = found.setdefault((run["vendor"], run["workflow_id"]), {
            "vendor": run["vendor"], "name": run["workflow_name"], "runs": 0, "entered": 0, "not_entered": 0,
            "completed": 0, "exited": 0, "live": 0, "sent": 0, "skipped": 0})
        row["runs"] += 1
        row["entered"] += run["entered_at"] is not None
        row["not_entered"] += run["status"] == "not_entered"
        row["completed"] += run["status"] == "completed"
        row["exited"] += run["status"] in ("exited", "cancelled")
        row["live"] += run["status"] in ("pending", "active")
        row["sent"] += sum(step["outcome"] == "sent" for step in run["steps"])
        row["skipped"] += sum(step["outcome"] == "skipped" for step in run["steps"])
    return list(found.values())


@blueprint.get("/console/clock")
def console_clock():
    return _page("clock.html", jobs=_jobs()[:50], pending=g.sandbox.scheduler.pending(),
                 sent=len(g.sandbox.messages.messages()))


@blueprint.get("/console/journal")
def console_journal():
    status = request.args.get("status", "")
    entries = g.sandbox.journal.entries(vendor=request.args.get("vendor") or None,
                                        path=request.args.get("path") or None,
                                        status=int(status) if status.isdigit() else None)
    if request.args.get("faulted"):
        entries = [e for e in entries if e["fault"]]
    return _page("journal.html", entries=list(reversed(entries))[:500], total=len(entries), args=request.args,
                 budgets=g.sandbox.limiter.budgets(g.sandbox.clock.now()))


@blueprint.get("/console/settings")
def console_settings():
    settings = [(f.name, getattr(g.sandbox.settings, f.name)) for f in dataclasses.fields(g.sandbox.settings)]
    return _page("settings.html", settings=settings, faults=[r.to_json() for r in g.sandbox.faults.rules])
