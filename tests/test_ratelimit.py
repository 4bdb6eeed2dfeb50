"""Fixed and sliding windows on the virtual clock."""
from __future__ import annotations

import datetime as dt

import pytest

from simulator.core.ratelimit import RateLimiter, Window

T0 = dt.datetime(2026, 11, 1, 10, 0, 0, tzinfo=dt.timezone.utc)


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def test_fixed_window_counts_calendar_periods_and_resets():
    limiter, window = RateLimiter(), Window(3, 60, "fixed")
    decisions = [limiter.hit(("a",), (window,), at(50 + i)) for i in range(4)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert [d.remaining for d in decisions] == [2, 1, 0, 0]
    assert decisions[0].reset_seconds == 10 and decisions[3].reset_seconds == 7
    assert limiter.hit(("a",), (window,), at(60)).allowed  # the next calendar minute
    assert limiter.hit(("b",), (window,), at(53)).remaining == 2  # keys never share a budget


def test_sliding_window_frees_each_slot_one_period_after_its_use():
    limiter, window = RateLimiter(), Window(3, 60, "sliding")
    for t in (0, 20, 40):
        assert limiter.hit(("a",), (window,), at(t)).allowed
    refused = limiter.hit(("a",), (window,), at(59))
    assert not refused.allowed and refused.reset_seconds == 1 and refused.retry_after == 1
    assert limiter.hit(("a",), (window,), at(60)).allowed  # the hit at 0 expired
    assert not limiter.hit(("a",), (window,), at(61)).allowed  # a fixed window would have reset here
    assert limiter.hit(("a",), (window,), at(80)).allowed


def test_all_windows_must_allow_and_a_refusal_spends_nothing():
    limiter = RateLimiter()
    burst, steady = Window(2, 1, "fixed"), Window(3, 60, "fixed")
    results = [limiter.hit(("a",), (burst, steady), at(t)).allowed for t in (0, 0.1, 0.2, 1, 1.5, 2)]
    assert results == [True, True, False, True, False, False]
    decision = limiter.hit(("a",), (burst, steady), at(2))
    assert decision.limit == 3 and decision.remaining == 0  # the tightest window is reported


def test_window_rejects_nonsense():
    with pytest.raises(ValueError):
        Window(0, 60)
    with pytest.raises(ValueError):
        Window(1, 60, "leaky")


class WallClock:
    """A wall clock the test moves by hand (tests never wait)."""

    def __init__(self):
        self.now = dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc)

    def __call__(self) -> dt.datetime:
        return self.now

    def wait(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


@pytest.mark.parametrize("kind", ["fixed", "sliding"])
def test_a_refusal_frees_its_window_once_the_wall_time_it_promised_has_passed(kind):
    """On a frozen virtual clock a client that waits its Retry-After in wall seconds gets in again;
    counts stay exact otherwise: no refusal, no early budget."""
    wall = WallClock()
    limiter, window = RateLimiter(wall=wall), Window(2, 60, kind)
    assert [limiter.hit(("a",), (window,), at(0)).allowed for _ in range(3)] == [True, True, False]
    refused = limiter.hit(("a",), (window,), at(0))
    assert not refused.allowed and refused.retry_after == 60
    wall.wait(59)
    assert not limiter.hit(("a",), (window,), at(0)).allowed  # not yet: the promise was 60 s
    wall.wait(1)
    assert [limiter.hit(("a",), (window,), at(0)).allowed for _ in range(3)] == [True, True, False]  # exact again
    assert limiter.hit(("b",), (window,), at(0)).remaining == 1  # other keys were never touched


def test_the_virtual_clock_still_frees_a_window_and_wall_time_alone_does_not():
    wall = WallClock()
    limiter, window = RateLimiter(wall=wall), Window(1, 1, "fixed")
    assert limiter.hit(("a",), (window,), at(0)).allowed
    wall.wait(3600)  # an hour of wall time with no refusal in between gives nothing back
    assert not limiter.hit(("a",), (window,), at(0)).allowed
    assert limiter.hit(("a",), (window,), at(1)).allowed  # a test that advances the clock
