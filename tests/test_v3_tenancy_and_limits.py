"""Brands are walled off from each other; closed key mode; the per-brand v3 rate limit on the virtual clock.

The limit is `v3_rate_limit` (400) requests per `v3_rate_window_seconds` (60) per brand, reported on
every response in X-Rate-Limit-Limit / -Remaining / -Reset (seconds left in the period). The
sandbox starts at 10:00:00, so a fixed period is 10:MM:00-10:MM:59 and Reset starts at 60."""
from __future__ import annotations

import pytest

from simulator import Sandbox
from simulator.core.keys import KeysFileError
from tests.conftest import new_contact

TEXT_429 = "to many requests (rate limit) - current limit is 400 requests per period"


def rate(response) -> tuple[int, int, int]:
    """(limit, remaining, reset) from the response headers; fails the test if one is missing."""
    headers = response.headers
    for name in ("X-Rate-Limit-Limit", "X-Rate-Limit-Remaining", "X-Rate-Limit-Reset"):
        assert name in headers, f"{response.request.method} {response.request.url.path} -> {response.status_code}: no {name}"
    return int(headers["X-Rate-Limit-Limit"]), int(headers["X-Rate-Limit-Remaining"]), int(headers["X-Rate-Limit-Reset"])


def burst(client, count: int) -> list:
    responses = [client.get("/contacts") for _ in range(count)]
    assert [r.status_code for r in responses] == [200] * count
    return responses


def assert_429(response, reset: int) -> None:
    assert response.status_code == 429, response.text
    assert response.json() == {"error": TEXT_429, "statusCode": 429}
    assert rate(response) == (400, 0, reset)
    assert response.headers["Retry-After"] == str(max(1, reset))


# -- tenancy -----------------------------------------------------------------------------------

def test_brands_do_not_see_each_others_contacts(sb, v3, other_brand_key):
    mine = new_contact(v3, "ann@example.com", firstName="Ann")
    theirs = sb.client(key=other_brand_key)
    assert theirs.get("/contacts").json()["contacts"] == []
    assert theirs.get("/contacts", params={"email": "ann@example.com"}).json()["contacts"] == []
    assert theirs.get(f"/contacts/{mine}").status_code == 404
    patched = theirs.patch(f"/contacts/{mine}", json={"firstName": "Mallory"})
    assert patched.status_code == 404 and patched.json()["statusCode"] == 404
    assert v3.get(f"/contacts/{mine}").json()["firstName"] == "Ann"

    # the same email in the other brand is another contact, and the upsert stays inside that brand
    their_ann = new_contact(theirs, "ann@example.com", firstName="Other Ann")
    assert their_ann != mine
    assert v3.get(f"/contacts/{their_ann}").status_code == 404
    assert v3.get(f"/contacts/{mine}").json()["firstName"] == "Ann"
    assert [c["contactID"] for c in v3.get("/contacts").json()["contacts"]] == [mine]
    assert [c["contactID"] for c in theirs.get("/contacts").json()["contacts"]] == [their_ann]
    assert {a["id"]: a["contacts"] for a in sb.accounts()} == {
        sb.test_keys()["omnisend"].split("-")[0]: 1, other_brand_key.split("-")[0]: 1}


def test_keys_of_one_brand_share_its_contacts_and_budget(sb, v3):
    brand = sb.test_keys()["omnisend"].split("-")[0]
    second_key = sb.client(key=f"{brand}-anotherSecret")
    mine = new_contact(v3)
    assert [c["contactID"] for c in second_key.get("/contacts").json()["contacts"]] == [mine]
    remaining = rate(v3.get("/contacts"))[1]
    assert rate(second_key.get("/contacts"))[1] == remaining - 1


def test_listed_key_works_and_any_other_is_refused(tmp_path):
    listed = "0123456789abcdef01234567-listedSecret"
    keys = tmp_path / "keys.yaml"
    keys.write_text(f"omnisend:\n  - key: {listed}\n    scopes: [contacts.read, contacts.write]\n")
    sb = Sandbox(keys=keys)
    assert sb.test_keys() == {"omnisend": listed}
    assert sb.client().get("/contacts").status_code == 200  # the default client uses the listed key
    for other in ("0123456789abcdef01234567-otherSecret",  # same brand, unlisted secret
                  "fedcba9876543210fedcba98-listedSecret",  # well-formed, unlisted
                  "0123456789abcdef01234567-listedsecret"):  # case matters
        response = sb.client(key=other).get("/contacts")
        assert response.status_code == 401, other
        assert response.json()["error"] == "Unauthorized - authorization error (invalid basic auth data or API key)"
    assert [a["id"] for a in sb.accounts()] == ["0123456789abcdef01234567"]


def test_open_mode_takes_any_well_formed_key(sb):
    assert sb.client(key="fedcba9876543210fedcba98-anything").get("/contacts").status_code == 200


@pytest.mark.parametrize("text", ["omnisend:\n  - key: not-a-key\n", "omnisend:\n  - scopes: []\n", "- just a list\n",
                                  "omnisend: [\n"])
def test_malformed_keys_file_is_refused(tmp_path, text):
    keys = tmp_path / "keys.yaml"
    keys.write_text(text)
    with pytest.raises(KeysFileError):
        Sandbox(keys=keys)


# -- the fixed window --------------------------------------------------------------------------

def test_every_response_carries_the_budget_and_it_counts_down(sb, v3):
    contact_id = new_contact(v3)  # request 1
    seen = []
    for i in range(1, 400):
        second = (i // 100) * 10  # move 10 s on every 100 requests: Reset must follow
        if i % 100 == 0:
            sb.clock.advance(seconds=10)
        kind = i % 4
        if kind == 0:
            response = v3.get("/contacts")
        elif kind == 1:
            response = v3.get(f"/contacts/{contact_id}")
        elif kind == 2:
            response = v3.get("/contacts/nope")  # a 404 is answered, so it is charged
        else:
            response = v3.get("/contacts", params={"limit": "0"})  # so is a 400
        assert response.status_code == (200, 200, 404, 400)[kind]
        seen.append(rate(response))
        assert seen[-1] == (400, 399 - i, 60 - second), (i, seen[-1])
    over = v3.get("/contacts")
    assert_429(over, 30)
    # a refused write writes nothing, and a refused request spends nothing
    refused = v3.post("/contacts", json={"identifiers": [
        {"type": "email", "id": "late@example.com", "channels": {"email": {"status": "subscribed"}}}]})
    assert_429(refused, 30)
    sb.clock.advance(seconds=30)
    listed = v3.get("/contacts")
    assert listed.status_code == 200 and rate(listed) == (400, 399, 60)
    assert [c["contactID"] for c in listed.json()["contacts"]] == [contact_id]


def test_the_401st_request_is_429_until_the_next_period(sb, v3, other_brand_key):
    sb.clock.advance(seconds=15)  # 10:00:15
    responses = burst(v3, 400)
    assert [rate(r)[1] for r in responses] == list(range(399, -1, -1))
    assert {rate(r)[2] for r in responses} == {45}
    assert_429(v3.get("/contacts"), 45)
    assert_429(v3.get("/contacts/nope"), 45)  # even a route that would 404

    other = sb.client(key=other_brand_key).get("/contacts")
    assert other.status_code == 200 and rate(other) == (400, 399, 45)

    sb.clock.advance(seconds=44)  # 10:00:59, still the same period
    assert_429(v3.get("/contacts"), 1)
    sb.clock.advance(seconds=1)  # 10:01:00: a new period
    fresh = v3.get("/contacts")
    assert fresh.status_code == 200 and rate(fresh) == (400, 399, 60)


def test_limit_and_period_are_settings(sb, v3):
    assert sb.settings.update({"v3_rate_limit": 3, "v3_rate_window_seconds": 10}) == []
    assert [rate(r) for r in burst(v3, 3)] == [(3, 2, 10), (3, 1, 10), (3, 0, 10)]
    over = v3.get("/contacts")
    assert over.status_code == 429 and rate(over) == (3, 0, 10)
    assert over.json()["error"] == "to many requests (rate limit) - current limit is 3 requests per period"
    sb.clock.advance(seconds=10)
    assert rate(v3.get("/contacts")) == (3, 2, 10)


# -- fixed versus sliding ----------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["fixed", "sliding"])
def test_sliding_window_counts_the_last_period_not_the_calendar(sb, v3, other_brand_key, kind):
    assert sb.settings.update({"v3_rate_window_kind": kind}) == []
    burst(v3, 200)  # at 10:00:00
    sb.clock.advance(seconds=30)
    last = burst(v3, 200)[-1]  # at 10:00:30: the budget is spent either way
    assert rate(last) == (400, 0, 30)
    assert_429(v3.get("/contacts"), 30)
    sb.clock.advance(seconds=29)  # 10:00:59
    assert_429(v3.get("/contacts"), 1)
    assert rate(sb.client(key=other_brand_key).get("/contacts"))[1] == 399

    sb.clock.advance(seconds=1)  # 10:01:00
    first = v3.get("/contacts")
    assert first.status_code == 200
    if kind == "fixed":
        # a new calendar period: the whole budget is back
        assert rate(first) == (400, 399, 60)
        assert burst(v3, 399)[-1].status_code == 200
    else:
        # only the 200 requests of 10:00:00 have left the last 60 s; those of 10:00:30 still count,
        # and Reset is when the oldest of them leaves
        assert rate(first) == (400, 199, 30)
        last = burst(v3, 199)[-1]
        assert rate(last) == (400, 0, 30)
        assert_429(v3.get("/contacts"), 30)  # where a fixed window would still have 200 left
        sb.clock.advance(seconds=29)  # 10:01:29
        assert_429(v3.get("/contacts"), 1)
        sb.clock.advance(seconds=1)  # 10:01:30: the 10:00:30 requests leave the window
        assert rate(v3.get("/contacts")) == (400, 199, 30)
