"""The control API under /_sim: clock, reset, journal, outbox, accounts, settings, access rules."""
from __future__ import annotations

import httpx
import pytest

from simulator import Sandbox
from tests.conftest import START, new_contact


@pytest.fixture
def sim(sb):
    return sb.client("sim")


def test_clock_get_and_each_way_to_move_it(sim):
    assert sim.get("/clock").json() == {"now": START, "mode": "frozen"}
    assert sim.post("/clock", json={"advance_seconds": 90}).json() == {"now": "2026-11-02T10:01:30Z", "mode": "frozen"}
    assert sim.post("/clock", json={"to": "2026-11-03T00:00:00+01:00"}).json()["now"] == "2026-11-02T23:00:00Z"
    assert sim.post("/clock", json={"mode": "real"}).json()["mode"] == "real"


@pytest.mark.parametrize("body", [{}, {"advance_seconds": -5}, {"advance_seconds": "10"}, {"to": "yesterday"},
                                  {"to": "2020-01-01T00:00:00Z"}, {"mode": "slow"},
                                  {"advance_seconds": 1, "mode": "real"}])
def test_clock_rejects_bad_moves(sim, body):
    response = sim.post("/clock", json=body)
    assert response.status_code == 400 and "error" in response.json()
    assert sim.get("/clock").json()["now"] == START


def test_advancing_runs_what_falls_due(sb, sim):
    import datetime as dt
    ran = []
    sb.scheduler.after(dt.timedelta(seconds=30), lambda: ran.append(sb.clock.now()))
    sim.post("/clock", json={"advance_seconds": 29})
    assert ran == []
    sim.post("/clock", json={"advance_seconds": 1})
    assert len(ran) == 1


def test_journal_records_vendor_requests_with_filters(sb, v3, sim):
    new_contact(v3)
    v3.get("/contacts/missing")
    entries = sim.get("/journal").json()["requests"]
    assert [(e["method"], e["path"], e["status"]) for e in entries] == [
        ("POST", "/omnisend/v3/contacts", 200), ("GET", "/omnisend/v3/contacts/missing", 404)]
    assert entries[0]["account"] == sb.test_keys()["omnisend"].split("-")[0]
    assert entries[0]["time"] == START and entries[0]["vendor"] == "omnisend"
    assert [e["status"] for e in sim.get("/journal", params={"status": 404}).json()["requests"]] == [404]
    assert len(sim.get("/journal", params={"path": "/omnisend/v3/contacts/"}).json()["requests"]) == 1
    assert sim.get("/journal", params={"vendor": "klaviyo"}).json()["requests"] == []


def test_reset_empties_accounts_but_keeps_keys_and_clock(sb, v3, sim):
    contact_id = new_contact(v3)
    sim.post("/clock", json={"advance_seconds": 60})
    assert sim.post("/reset").status_code == 200
    assert v3.get(f"/contacts/{contact_id}").status_code == 404
    assert v3.get("/contacts").json()["contacts"] == []
    assert sim.get("/clock").json()["now"] == "2026-11-02T10:01:00Z"
    assert [a["contacts"] for a in sim.get("/accounts").json()["accounts"]] == [0]


def test_accounts_and_outbox_shapes(sb, v3, sim):
    new_contact(v3)
    accounts = sim.get("/accounts").json()["accounts"]
    assert accounts == [{"vendor": "omnisend", "id": sb.test_keys()["omnisend"][:24],
                         "created_at": "2026-11-02T10:00:00+00:00", "contacts": 1}]
    assert sim.get("/outbox", params={"vendor": "omnisend"}).json() == {"messages": []}


def test_settings_change_behaviour_and_refuse_unknown_names(v3, sim):
    assert sim.get("/settings").json()["v3_error_status_code"] is True
    assert sim.post("/settings", json={"v3_error_status_code": False}).status_code == 200
    assert "statusCode" not in v3.get("/contacts/missing").json()
    refused = sim.post("/settings", json={"v3_rate_limit": "many", "nope": 1})
    assert refused.status_code == 400
    assert "nope" in refused.json()["error"] and "v3_rate_limit" in refused.json()["error"]


def test_control_api_is_loopback_only_unless_a_token_is_given():
    far = Sandbox(start=START)
    remote = httpx.Client(transport=httpx.WSGITransport(app=far.wsgi, remote_addr="10.1.2.3"),
                          base_url="http://sandbox.local/_sim")
    assert remote.get("/clock").status_code == 403
    guarded = Sandbox(start=START, admin_token="s3cret")
    remote = httpx.Client(transport=httpx.WSGITransport(app=guarded.wsgi, remote_addr="10.1.2.3"),
                          base_url="http://sandbox.local/_sim")
    assert remote.get("/clock").status_code == 403
    assert remote.get("/clock", headers={"Authorization": "Bearer wrong"}).status_code == 403
    assert remote.get("/clock", headers={"Authorization": "Bearer s3cret"}).status_code == 200
    local = httpx.Client(transport=httpx.WSGITransport(app=guarded.wsgi), base_url="http://127.0.0.1/_sim")
    assert local.get("/clock").status_code == 200


def test_restricted_keys_and_tokens_through_the_control_api(sb, sim):
    key = "pk_" + "r" * 34
    added = sim.post("/keys", json={"vendor": "klaviyo", "key": key, "scopes": ["events:read"], "company_id": "Rst123"})
    assert added.status_code == 201
    assert added.json() == {"vendor": "klaviyo", "key": key, "account": "Rst123", "scopes": ["events:read"]}
    restricted = sb.client("klaviyo-api", key=key)
    assert restricted.get("/metrics").status_code == 403
    assert restricted.get("/events").status_code == 200

    token = sim.post("/tokens", json={"vendor": "klaviyo", "account": "Rst123", "scopes": ["metrics:read"],
                                      "client_id": "app-1"})
    assert token.status_code == 201 and token.json()["token_type"] == "Bearer"
    bearer = sb.client("klaviyo-api", headers={"Authorization": f"Bearer {token.json()['access_token']}"})
    assert bearer.get("/metrics").status_code == 200
    assert bearer.get("/events").status_code == 403
    assert [bearer.get("/metrics").status_code for _ in range(9)] == [200] * 9  # 10/s burst, the app's own
    assert bearer.get("/metrics").status_code == 429
    assert sb.client("klaviyo-api").get("/metrics").status_code == 200  # the key's quota is untouched

    omnisend = sim.post("/tokens", json={"vendor": "omnisend", "account": "abcdefabcdefabcdefabcdef",
                                         "scopes": ["brands.read"], "expires_in": 60}).json()
    api = sb.client("omnisend-api", headers={"Authorization": f"Bearer {omnisend['access_token']}"})
    assert api.get("/brands/current").json()["brandID"] == "abcdefabcdefabcdefabcdef"
    sb.clock.advance(seconds=60)
    assert api.get("/brands/current").status_code == 401


@pytest.mark.parametrize("body", [{"vendor": "klaviyo", "key": "pk_short"}, {"vendor": "mailchimp", "key": "x"},
                                  {"vendor": "omnisend", "key": "abc-def"}, {"vendor": "omnisend"},
                                  {"vendor": "klaviyo", "key": "pk_" + "a" * 34, "company_id": "toolong7"}])
def test_bad_keys_are_refused(sim, body):
    response = sim.post("/keys", json=body)
    assert response.status_code == 400 and response.json()["error"]
