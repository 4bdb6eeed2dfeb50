"""The virtual clock and the due-time queue: modes, ordering, jobs scheduling jobs, freezegun."""
from __future__ import annotations

import datetime as dt

import pytest
from freezegun import freeze_time

from simulator import Sandbox
from simulator.core.clock import Clock
from simulator.core.scheduler import Scheduler
from simulator.core.timefmt import iso

T0 = "2026-11-01T00:00:00Z"


def make():
    clock = Clock(T0, "frozen")
    return clock, Scheduler(clock)


def test_frozen_clock_moves_only_when_advanced():
    clock, _ = make()
    assert iso(clock.now()) == T0
    assert iso(clock.now()) == T0
    clock.advance(minutes=30)
    assert iso(clock.now()) == "2026-11-01T00:30:00Z"
    clock.advance_to("2026-11-02T00:00:00+02:00")
    assert iso(clock.now()) == "2026-11-01T22:00:00Z"
    with pytest.raises(ValueError):
        clock.advance_to(T0)
    with pytest.raises(ValueError):
        clock.advance(seconds=-1)


def test_jobs_run_in_time_order_at_their_own_due_time_including_jobs_they_schedule():
    clock, scheduler = make()
    ran = []

    def record(name):
        ran.append((name, iso(clock.now())))

    def parent():
        record("parent")
        scheduler.after(dt.timedelta(minutes=5), lambda: record("child"))  # due 00:15, before "late"

    scheduler.at(clock.now() + dt.timedelta(minutes=20), lambda: record("late"))
    scheduler.at(clock.now() + dt.timedelta(minutes=10), parent)
    scheduler.at(clock.now() + dt.timedelta(minutes=10), lambda: record("same-time-second"))
    scheduler.at(clock.now() + dt.timedelta(hours=2), lambda: record("beyond"))
    clock.advance(minutes=30)
    assert ran == [("parent", "2026-11-01T00:10:00Z"), ("same-time-second", "2026-11-01T00:10:00Z"),
                   ("child", "2026-11-01T00:15:00Z"), ("late", "2026-11-01T00:20:00Z")]
    assert iso(clock.now()) == "2026-11-01T00:30:00Z"
    assert scheduler.pending() == 1


def test_cancelled_job_does_not_run():
    clock, scheduler = make()
    ran = []
    job = scheduler.after(dt.timedelta(seconds=1), lambda: ran.append(1))
    job.cancel()
    clock.advance(seconds=2)
    assert ran == [] and scheduler.pending() == 0


def test_real_clock_follows_wall_time_under_freezegun_and_catches_up_due_jobs():
    with freeze_time("2026-03-01T12:00:00Z") as frozen:
        clock = Clock(None, "real")
        scheduler = Scheduler(clock)
        assert iso(clock.now()) == "2026-03-01T12:00:00Z"
        ran = []
        scheduler.after(dt.timedelta(seconds=30), lambda: ran.append(iso(clock.now())))
        frozen.tick(dt.timedelta(seconds=45))
        assert iso(clock.now()) == "2026-03-01T12:00:45Z"
        clock.catch_up()
        assert ran == ["2026-03-01T12:00:30Z"]
        clock.advance(hours=1)  # a real clock can be advanced too: the offset stays
        frozen.tick(dt.timedelta(seconds=15))
        assert iso(clock.now()) == "2026-03-01T13:01:00Z"


def test_switching_mode_keeps_the_time():
    with freeze_time("2026-03-01T12:00:00Z") as frozen:
        clock = Clock("2026-05-05T05:05:05Z", "frozen")
        clock.set_mode("real")
        frozen.tick(dt.timedelta(seconds=10))
        assert iso(clock.now()) == "2026-05-05T05:05:15Z"
        clock.set_mode("frozen")
        frozen.tick(dt.timedelta(seconds=10))
        assert iso(clock.now()) == "2026-05-05T05:05:15Z"


def test_sandbox_without_start_takes_the_wall_time_freezegun_gives():
    with freeze_time("2026-07-04T08:30:00Z"):
        assert iso(Sandbox().clock.now()) == "2026-07-04T08:30:00Z"


def test_same_seed_same_ids_other_seed_other_ids():
    def ids(seed):
        client = Sandbox(seed=seed, start=T0).client()
        return [client.post("/contacts", json={"identifiers": [
            {"type": "email", "id": f"p{i}@example.com", "channels": {"email": {"status": "subscribed"}}}]}
        ).json()["contactID"] for i in range(3)]

    assert ids(1) == ids(1)
    assert ids(1) != ids(2)
    assert all(len(i) == 27 for i in ids(1))
