"""Klaviyo limits real clients survive: a throttled client that waits its Retry-After (wall seconds)
gets in on a frozen clock; a test that advances the virtual clock gets its budget back too; the
limits can be relaxed or switched off through /_sim/settings."""
from __future__ import annotations

from tests.klaviyo_bodies import kl  # noqa: F401 (a fixture)
from tests.test_ratelimit import WallClock


def test_a_client_waiting_its_retry_after_recovers_on_a_frozen_clock(sb, kl):
    wall = sb.limiter._wall = WallClock()  # the wall clock the limiter keeps promises in, moved by hand
    assert kl.get("/accounts").status_code == 200  # get_accounts: 1 a second, 15 a minute
    throttled = kl.get("/accounts")
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "1"
    assert kl.get("/accounts").status_code == 429  # no wall time has passed: still refused
    wall.wait(float(throttled.headers["Retry-After"]))
    assert kl.get("/accounts").status_code == 200  # the virtual clock never moved
    assert kl.get("/accounts").status_code == 429  # and the fresh window counts exactly


def test_advancing_the_virtual_clock_still_gives_the_budget_back(sb, kl):
    sb.limiter._wall = WallClock()
    assert [kl.get("/accounts").status_code for _ in range(2)] == [200, 429]
    sb.clock.advance(seconds=1)
    assert kl.get("/accounts").status_code == 200


def test_limits_can_be_relaxed_or_switched_off(sb, kl):
    sim = sb.client("sim")
    assert sim.post("/settings", json={"klaviyo_rate_limit_scale": 3.0}).status_code == 200
    answers = [kl.get("/accounts") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[0].headers["RateLimit-Limit"] == "45"  # the steady 15 a minute, times 3
    assert sim.post("/settings", json={"klaviyo_rate_limits": False}).status_code == 200
    free = [kl.get("/accounts") for _ in range(50)]
    assert {a.status_code for a in free} == {200} and "RateLimit-Limit" not in free[0].headers
    assert sim.post("/settings", json={"klaviyo_rate_limit_scale": 0}).status_code == 400
