"""Klaviyo's front door: keys and scopes, the revision header, JSON:API errors, rate-limit windows
and headers, cursors in all three spellings the official SDK sends."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from simulator import Sandbox
from simulator.klaviyo.metrics import metrics_of
from tests.conftest import START

KEY = "pk_" + "a" * 34


@pytest.fixture
def kl(sb):
    return sb.client("klaviyo-api")


def seed_metrics(sb, count: int) -> list[str]:
    book = metrics_of(sb.klaviyo_account(sb.company_id()))
    return [book.named(f"Metric {i:03}", sb.clock.now()).id for i in range(count)]


def only_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/vnd.api+json"
    (error,) = response.json()["errors"]
    assert error["status"] == status and error["code"] == code
    assert {"id", "title", "detail", "source"} <= error.keys()
    return error


def test_revision_rules(sb, kl):
    assert kl.get("/metrics").status_code == 200  # the SDK's 2026-10-15
    for accepted in ("2024-10-15", "2025-02-01", "2026-07-15.pre", "2026-11-01"):
        assert kl.get("/metrics", headers={"revision": accepted}).status_code == 200, accepted
    assert only_error(kl.get("/metrics", headers={"revision": ""}), 400, "invalid")["source"] == {"parameter": "revision"}
    for malformed in ("2026-13-01", "latest", "20261015"):
        assert only_error(kl.get("/metrics", headers={"revision": malformed}), 400, "invalid")
    future = only_error(kl.get("/metrics", headers={"revision": "2026-11-03"}), 404, "not_found")
    assert future["detail"] == "Unable to specify a future revision date"
    only_error(kl.get("/metrics", headers={"revision": "2024-07-15"}), 410, "gone")


def test_future_revision_check_follows_the_clock_and_can_be_switched_off():
    early = Sandbox(start="2026-08-01T00:00:00Z")
    assert early.client("klaviyo-api").get("/metrics").status_code == 404  # the SDK's revision is "future"
    early.settings.update({"klaviyo_reject_future_revision": False})
    assert early.client("klaviyo-api").get("/metrics").status_code == 200


@pytest.mark.parametrize("header,code", [
    ("", "not_authenticated"), ("Bearer " + KEY, "authentication_failed"), ("Klaviyo-API-Key pk_short", "authentication_failed"),
    ("Klaviyo-API-Key", "not_authenticated"), ("Basic abc", "not_authenticated")])
def test_credentials(sb, header, code):
    response = sb.client("klaviyo-api", headers={"Authorization": header}).get("/metrics")
    error = only_error(response, 401, code)
    if code == "not_authenticated":
        assert error["detail"] == "Missing or invalid authorization scheme. Please use Klaviyo-API-Key."


def test_accounts_are_separate_and_keys_file_scopes_apply(sb, tmp_path):
    seed_metrics(sb, 2)
    assert len(sb.client("klaviyo-api").get("/metrics").json()["data"]) == 2
    assert sb.client("klaviyo-api", key=KEY).get("/metrics").json()["data"] == []
    keys = tmp_path / "keys.yaml"
    keys.write_text(f"klaviyo:\n  - key: {KEY}\n    company_id: AbC123\n    scopes: [events:read]\n")
    closed = Sandbox(start=START, keys=keys)
    assert closed.company_id() == "AbC123"
    refused = only_error(closed.client("klaviyo-api").get("/metrics"), 403, "permission_denied")
    assert "metrics:read" in refused["detail"]
    only_error(closed.client("klaviyo-api", key="pk_" + "b" * 34).get("/metrics"), 401, "authentication_failed")


def test_burst_and_steady_windows_with_headers(sb, kl):
    answers = [kl.get("/metrics") for _ in range(11)]  # get_metrics: 10/s burst, 150/m steady
    assert [a.status_code for a in answers] == [200] * 10 + [429]
    assert [a.headers["RateLimit-Remaining"] for a in answers[:3]] == ["149", "148", "147"]
    assert answers[0].headers["RateLimit-Limit"] == "150" and answers[0].headers["RateLimit-Reset"] == "60"
    throttled = answers[10]
    assert throttled.headers["Retry-After"] == "1" and "RateLimit-Limit" not in throttled.headers
    error = only_error(throttled, 429, "throttled")
    assert error["detail"] == "Request was throttled. Expected available in 1 second."
    for _ in range(14):  # 140 more, ten a second, fill the steady minute
        sb.clock.advance(seconds=1)
        assert all(kl.get("/metrics").status_code == 200 for _ in range(10))
    sb.clock.advance(seconds=1)
    late = kl.get("/metrics")
    assert late.status_code == 429 and late.headers["Retry-After"] == "45"  # 10:00:15 -> the minute ends at 10:01:00
    assert sb.client("klaviyo-api", key=KEY).get("/metrics").status_code == 200  # another account's quota
    sb.clock.advance(seconds=45)
    assert kl.get("/metrics").status_code == 200


def test_media_types_and_trailing_slash(kl):
    for path in ("/metrics", "/metrics/"):
        response = kl.get(path, headers={"Accept": "application/json"})
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/vnd.api+json"


@pytest.mark.parametrize("spelling", ["bare", "leading-equals", "whole-url"])
def test_following_next_in_each_cursor_spelling_sees_every_metric_once(sb, kl, spelling):
    made = seed_metrics(sb, 450)
    seen, response = [], kl.get("/metrics")
    while True:
        body = response.json()
        seen += [m["id"] for m in body["data"]]
        assert all(m["links"]["self"].startswith("http://sandbox.local/klaviyo/api/metrics/") for m in body["data"])
        link = body["links"].get("next")
        if link is None:
            break
        cursor = parse_qs(urlsplit(link).query)["page[cursor]"][0]
        sent = {"bare": cursor, "leading-equals": "=" + cursor, "whole-url": link}[spelling]
        response = kl.get("/metrics", params={"page[cursor]": sent})
    assert seen == made


def test_bad_cursor_filter_and_unknown_metric(kl):
    assert only_error(kl.get("/metrics", params={"page[cursor]": "nonsense"}), 400, "invalid")["detail"] == \
        "Invalid cursor provided."
    assert only_error(kl.get("/metrics", params={"filter": 'equals(name,"x")'}), 400, "invalid")["source"] == \
        {"parameter": "filter"}
    assert only_error(kl.get("/metrics", params={"filter": 'or(equals(integration.name,"x"))'}), 400, "invalid")
    assert kl.get("/metrics", params={"filter": 'equals(integration.name,"Shopify")'}).json()["data"] == []
    only_error(kl.get("/metrics/NOPE00"), 404, "not_found")


def test_client_endpoints_take_a_company_id(sb):
    client = sb.client("klaviyo-client")
    assert only_error(client.get("/anything", params={"company_id": ""}), 400, "invalid")["source"] == \
        {"parameter": "company_id"}
    assert only_error(client.get("/anything", params={"company_id": "toolong1"}), 400, "invalid")
    only_error(client.get("/anything"), 404, "not_found")  # a valid company id reaches routing
