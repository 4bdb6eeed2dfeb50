"""The console's pages and the control API they read, in-process: filters, a message's body, links
and run, a recipient's timeline, the schedule, the budgets; the access rule; nothing from outside."""
from __future__ import annotations

import re

import httpx
import pytest

from simulator import Sandbox
from tests.test_console_browser import world


@pytest.fixture(scope="module")
def sb() -> Sandbox:
    sandbox = world()
    sandbox.clock.advance(hours=1)
    return sandbox


@pytest.fixture
def sim(sb):
    return sb.client("sim")


def test_the_inbox_lists_newest_first_and_filters(sim):
    page = sim.get("/console").text.split('id="inbox"')[1]  # the table, past the filters' choices
    assert page.index("bob@example.com") < page.index("ann@example.com")
    only_klaviyo = sim.get("/console", params={"vendor": "klaviyo"}).text
    assert "You left something behind" in only_klaviyo and "Welcome to the shop" not in only_klaviyo
    assert "Welcome to the shop" in sim.get("/console", params={"q": "WELCOME"}).text
    assert "Welcome to the shop" in sim.get("/console", params={"channel": "email", "workflow": "Welcome"}).text
    assert "No messages match" in sim.get("/console", params={"recipient": "nobody@example.com"}).text


def test_a_message_has_its_body_text_headers_links_and_run(sb, sim):
    [delayed] = sb.outbox(vendor="klaviyo")
    seen = sim.get(f"/messages/{delayed['id']}").json()
    assert [i["name"] for i in seen["items"]] == ["Linen shirt", "Canvas tote"]
    action = seen["links"][0]["parameters"]
    assert action["utm_source"] == "Klaviyo" and action["utm_medium"] == "email" and action["_kx"]
    assert action["utm_campaign"] == "You left something behind" and action["utm_id"] == delayed["workflow_id"]
    assert seen["action"].startswith("https://shop.example/checkout/123?")
    assert seen["headers"]["To"] == "bob@example.com" and seen["headers"]["Date"] == "Mon, 02 Nov 2026 10:00:02 +0000"
    assert seen["run"]["workflow_id"] == delayed["workflow_id"] and "Linen shirt" in seen["text"]
    body = sim.get(f"/messages/{delayed['id']}/html")
    assert body.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert "Canvas tote" in body.text and "<script" not in body.text
    [welcome] = sb.outbox(vendor="omnisend")
    omnisend = sim.get(f"/messages/{welcome['id']}").json()["links"][0]["parameters"]
    assert omnisend["utm_source"] == "omnisend" and omnisend["utm_campaign"].startswith("automation: Welcome (")
    assert omnisend["omnisendContactID"]
    assert sim.get("/messages/nope").status_code == 404


def test_a_body_the_engine_rendered_is_the_one_the_inbox_shows(sb, sim):
    """An Omnisend automation email is rendered when it is sent (engine/email_render.py): the inbox
    shows exactly that body and text, not a layout of its own."""
    [welcome] = sb.outbox(vendor="omnisend")
    assert welcome["html"] and welcome["text"]
    assert sim.get(f"/messages/{welcome['id']}/html").text == welcome["html"]
    assert sim.get(f"/messages/{welcome['id']}").json()["text"] == welcome["text"]


def test_the_timeline_puts_events_runs_and_messages_on_one_axis(sim):
    entries = sim.get("/timeline", params={"recipient": "bob@example.com"}).json()["entries"]
    assert [(e["at"], e["kind"]) for e in entries if e["kind"] != "event"] == [
        ("2026-11-02T09:00:02Z", "entered"), ("2026-11-02T09:00:02Z", "waited"),
        ("2026-11-02T10:00:02Z", "sent"), ("2026-11-02T10:00:02Z", "completed")]
    assert [e["title"] for e in entries if e["kind"] == "event"][:2] == ["Started Checkout", "Started Checkout"]
    assert [e["at"] for e in entries] == sorted(e["at"] for e in entries)
    assert sim.get("/timeline").status_code == 400


def test_schedule_and_budgets(sb, sim):
    fresh = Sandbox(seed=1, start="2026-11-02T09:00:00Z")
    fresh.client("omnisend-v3").post("/batches", json={"method": "POST", "endpoint": "contacts", "items": [
        {"identifiers": [{"type": "email", "id": "a@example.com", "channels": {"email": {"status": "subscribed"}}}]}]})
    jobs = fresh.client("sim").get("/schedule").json()["jobs"]
    assert [j["due"] for j in jobs] == ["2026-11-02T09:00:01Z"] and jobs[0]["label"].endswith("start")
    budgets = sim.get("/ratelimits").json()["budgets"]
    v3 = [b for b in budgets if b["key"][0] == "omnisend"]
    assert v3 and v3[0]["limit"] == 400 and v3[0]["remaining"] == 400  # the window has rolled over since


def test_the_runs_page_counts_each_workflows_entries_and_outcomes(sim):
    table = sim.get("/console/runs").text.split('id="workflows"')[1].split("</table>")[0]
    rows = re.findall(r"<tr><td><strong>([^<]+)</strong>.*?</td>((?:<td>\d+</td>\s*)+)</tr>", table, re.S)
    counts = {name: [int(n) for n in re.findall(r"<td>(\d+)</td>", cells)] for name, cells in rows}
    assert counts == {"Welcome": [1, 1, 0, 1, 0, 0, 1, 0], "Checkout reminder": [1, 1, 0, 1, 0, 0, 1, 0]}


@pytest.mark.parametrize("page", ["/console", "/console/timeline?recipient=bob@example.com", "/console/runs",
                                  "/console/clock", "/console/journal", "/console/settings"])
def test_every_page_stands_alone(sim, page):
    answer = sim.get(page)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in answer.headers["Content-Security-Policy"]
    html = answer.text
    assert not re.search(r"""<(script|link|img|iframe)[^>]+(src|href)=["']?(https?:)?//""", html)
    assert "@import" not in html and "url(" not in html


def test_the_console_answers_loopback_only_and_health_anyone(sb):
    remote = httpx.Client(transport=httpx.WSGITransport(app=sb.wsgi, remote_addr="203.0.113.7"),
                          base_url="http://sandbox.local/_sim")
    assert remote.get("/console").status_code == 403
    assert remote.get("/messages/x").status_code == 403
    assert remote.get("/health").status_code == 200
