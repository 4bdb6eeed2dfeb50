"""Retention (issue 12): what grows with traffic (journal, outbox, runs, events, accounts) keeps what
its setting says, oldest or least recently used dropped first, so a long-running server stays bounded.
Every limit is a setting that takes effect at the next write it bounds, also over `POST /_sim/settings`."""
from __future__ import annotations

import datetime as _dt

import pytest

from simulator import Sandbox
from simulator.core.outbox import Message, Outbox
from simulator.engine.runs import Run, RunLog
from simulator.klaviyo.events import events_of
from tests.conftest import START
from tests.klaviyo_bodies import event

NOW = _dt.datetime(2026, 11, 2, 10, tzinfo=_dt.timezone.utc)


@pytest.fixture
def box():
    return Sandbox(seed=7, start=START)


def _message(n: int) -> Message:
    return Message(f"m{n}", "omnisend", "b", "email", "a@x.io", "w", "W", "s", "Hi", "t")


def _run(n: int) -> Run:
    return Run(f"r{n}", "omnisend", "b", "w", "W", f"c{n}", "a@x.io", {}, NOW)


def test_the_journal_limit_applies_at_once_and_pages_by_seq(box):
    sim, v3 = box.client("sim"), box.client()
    assert sim.post("/settings", json={"journal_limit": 5}).status_code == 200
    for _ in range(12):
        v3.get("/contacts")
    kept = sim.get("/journal").json()
    assert [e["seq"] for e in kept["requests"]] == [8, 9, 10, 11, 12] and kept["has_more"] is False
    page = sim.get("/journal", params={"offset": 8, "limit": 2}).json()
    assert [e["seq"] for e in page["requests"]] == [9, 10] and page["has_more"] is True
    assert [e["seq"] for e in sim.get("/journal", params={"offset": 3}).json()["requests"]] == [8, 9, 10, 11, 12]
    assert sim.get("/journal", params={"offset": "9" * 30}).json() == {"requests": [], "has_more": False}
    for bad in ({"limit": "0"}, {"limit": "10001"}, {"offset": "-1"}, {"offset": "x"}, {"limit": "\u0661"}):
        assert sim.get("/journal", params=bad).status_code == 400, bad
    assert sim.post("/settings", json={"journal_limit": 0}).status_code == 400


def test_the_journal_answers_a_bounded_page_by_default(box):
    for n in range(1_500):
        box.journal.record(time=START, vendor="omnisend", method="GET", path="/x", query="", status=200, account=None)
    first = box.client("sim").get("/journal").json()
    assert len(first["requests"]) == 1_000 and first["has_more"] is True
    rest = box.client("sim").get("/journal", params={"offset": first["requests"][-1]["seq"]}).json()
    assert len(rest["requests"]) == 500 and rest["has_more"] is False


def test_the_outbox_keeps_its_limit_and_offsets_keep_counting_from_the_first_message():
    limit = [10]
    outbox = Outbox(lambda: limit[0])
    for n in range(1, 31):
        outbox.add(_message(n))
    kept = [m.id for m in outbox.messages()]
    assert 10 <= len(kept) <= 11 and kept[-1] == "m30"
    assert [m.id for m in outbox.messages(offset=27)] == ["m28", "m29", "m30"]  # absolute, as before the drop
    assert outbox.get("m1") is None and outbox.get("m30") is not None
    assert [m.id for m in outbox.messages(offset=0)] == kept  # an old offset starts at the oldest kept


def test_finished_runs_are_dropped_oldest_first_and_live_ones_kept():
    log = RunLog(lambda: 10)
    live = log.add(_run(0))
    for n in range(1, 40):
        log.add(_run(n)).finish("completed", NOW, "end")
    runs = log.runs()
    assert live in runs and live.status == "pending"
    finished = [r.id for r in runs if not r.live]
    assert 10 <= len(finished) <= 11 and finished[-1] == "r39"


def test_klaviyo_events_keep_the_newest_event_limit_per_account(box):
    box.settings.update({"event_limit": 3})
    kl = box.client("klaviyo-api")
    for n in range(6):
        box.clock.advance(seconds=2)
        assert kl.post("/events", json=event(properties={"n": n}, unique_id=f"u{n}")).status_code == 202
    box.clock.advance(seconds=5)
    book = events_of(box.klaviyo_account(box.company_id()))
    assert [e.properties["n"] for e in book.records] == [3, 4, 5]
    assert [e["attributes"]["event_properties"]["n"] for e in kl.get("/events").json()["data"]] == [3, 4, 5]


def test_omnisend_activity_keeps_about_the_event_limit(box):
    box.settings.update({"event_limit": 20})
    api = box.client("omnisend-api")
    for n in range(60):
        assert api.post("/events", json={"eventName": "viewed", "origin": "api", "properties": {"n": n},
                                         "contact": {"email": "ann@example.com"}}).status_code == 202
    box.clock.advance(seconds=5)
    activity = box.omnisend_brand(box.test_keys()["omnisend"][:24]).activity
    assert 20 <= len(activity) <= 22 and activity[-1].properties["n"] == 59


def test_accounts_past_the_limit_drop_the_least_recently_used(box):
    box.settings.update({"account_limit": 2})
    keys = [f"{n:024x}-secret" for n in (1, 2, 3)]
    contact = {"identifiers": [{"type": "email", "id": "ann@example.com", "channels": {"email": {"status": "subscribed"}}}]}
    for key in keys:
        assert box.client(key=key).post("/contacts", json=contact).status_code == 200
    box.client(key=keys[1]).get("/contacts")  # the second is used again: the third is now older than it
    box.client(key=keys[0]).get("/contacts")  # the first comes back, empty: the third is dropped
    assert [(a["id"], a["contacts"]) for a in box.accounts()] == [(keys[0][:24], 0), (keys[1][:24], 1)]


def test_reset_drops_the_accounts_themselves(box):
    box.client().get("/contacts")
    box.client("klaviyo-api").get("/profiles")
    assert len(box.accounts()) == 2
    assert box.client("sim").post("/reset").status_code == 200
    assert box.accounts() == []
