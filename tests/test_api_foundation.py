"""The dated API's front door: version header, auth and OAuth scopes, problem bodies, rate limits."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from simulator import Sandbox
from tests.conftest import START

KEY_FILE = """
omnisend:
  - key: 0123456789abcdef01234567-readonly
    scopes: [brands.read]
"""


def oauth_token(sb, scopes: str, brand: str | None = None, client_id: str = "app") -> dict:
    oauth = sb.client("omnisend-oauth", follow_redirects=False)
    params = {"client_id": client_id, "redirect_uri": "https://app.example/cb", "response_type": "code",
              "scope": scopes, "state": "xyz", **({"brand": brand} if brand else {})}
    answer = oauth.get("/authorize", params=params)
    assert answer.status_code == 302
    location = urlsplit(answer.headers["location"])
    query = parse_qs(location.query)
    assert location.netloc == "app.example" and query["state"] == ["xyz"]
    token = oauth.post("/token", data={"grant_type": "authorization_code", "code": query["code"][0],
                                       "client_id": client_id, "client_secret": "s",
                                       "redirect_uri": "https://app.example/cb"})
    assert token.status_code == 200, token.text
    return token.json()


def test_version_header_rules(api):
    assert api.get("/brands/current").status_code == 200
    assert api.get("/brands/current", headers={"Omnisend-Version": "2026-preview"}).status_code == 200
    assert api.get("/brands/current", headers={"Omnisend-Version": "2026-09-01"}).status_code == 200  # -> 2026-03-15
    retired = api.get("/brands/current", headers={"Omnisend-Version": "2025-06-01"})
    assert retired.status_code == 410
    assert retired.json()["type"] == "https://problems.omnisend.com/version-retired"
    for bad in ("2026-13-01", "latest", "v3", " "):
        response = api.get("/brands/current", headers={"Omnisend-Version": bad})
        assert response.status_code == 400, bad
        assert response.json()["errors"][0]["field"] == "Omnisend-Version"
    missing = api.get("/brands/current", headers={"Omnisend-Version": ""})
    assert missing.status_code == 400 and missing.json()["errors"][0]["code"] == "required"


def test_problem_bodies_are_rfc9457_sent_as_the_spec_declares(sb, api):
    response = api.get("/no/such/thing")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"  # every error response in the spec files
    body = response.json()
    assert (body["type"], body["title"], body["status"]) == ("https://problems.omnisend.com/not-found", "Not found", 404)
    assert body["instance"].startswith("urn:omnisend:request:")
    sb.settings.update({"api_problem_content_type": "application/problem+json"})
    assert api.get("/no/such/thing").headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("header", ["", "Omnisend-API-Key", "Omnisend-API-Key not-a-key", "Bearer nope",
                                    "X-API-KEY d4702e49be525ec7c655640d-49ee32959cde439e"])
def test_bad_credentials_are_401(sb, header):
    response = sb.client("omnisend-api", headers={"Authorization": header}).get("/brands/current")
    assert response.status_code == 401
    assert response.json()["type"] == "https://problems.omnisend.com/unauthorized"


def test_oauth_token_carries_its_scopes_and_brand(sb):
    brand = "abcdefabcdefabcdefabcdef"
    token = oauth_token(sb, "brands.read", brand=brand)
    assert (token["token_type"], token["scope"], token["expires_in"]) == ("Bearer", "brands.read", 3600)
    client = sb.client("omnisend-api", headers={"Authorization": f"Bearer {token['access_token']}"})
    assert client.get("/brands/current").json()["brandID"] == brand
    refused = client.post("/brands/current", json={"platform": "wordpress", "version": "2", "website": "https://x.example"})
    assert refused.status_code == 403
    assert "brands.write" in refused.json()["detail"]


def test_connect_brand_is_oauth_only(sb, api):
    body = {"platform": "wordpress", "version": "6.5", "website": "https://shop.example", "currency": "EUR"}
    assert api.post("/brands/current", json=body).status_code == 403
    token = oauth_token(sb, "brands.read brands.write")
    client = sb.client("omnisend-api", headers={"Authorization": f"Bearer {token['access_token']}"})
    connected = client.post("/brands/current", json=body)
    assert connected.status_code == 200
    assert api.get("/brands/current").json() == connected.json()
    assert connected.json()["connected"] is True and connected.json()["currency"] == "EUR"


def test_oauth_codes_are_single_use_short_lived_and_tokens_expire(sb):
    oauth = sb.client("omnisend-oauth", follow_redirects=False)
    ask = {"client_id": "app", "redirect_uri": "https://app.example/cb", "response_type": "code", "scope": "brands.read"}

    def code():
        return parse_qs(urlsplit(oauth.get("/authorize", params=ask).headers["location"]).query)["code"][0]

    def swap(value, client_id="app"):
        return oauth.post("/token", data={"grant_type": "authorization_code", "code": value,
                                          "client_id": client_id, "client_secret": "s"})

    first = code()
    assert swap(first).status_code == 200
    reused = swap(first)
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
    assert swap(code(), client_id="other").json()["error"] == "invalid_grant"
    late = code()
    sb.clock.advance(minutes=11)
    assert swap(late).json()["error"] == "invalid_grant"
    tokens = swap(code()).json()
    client = sb.client("omnisend-api", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert client.get("/brands/current").status_code == 200
    sb.clock.advance(seconds=3600)
    assert client.get("/brands/current").status_code == 401
    renewed = oauth.post("/token", data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"],
                                         "client_id": "app", "client_secret": "s"})
    assert renewed.status_code == 200
    fresh = sb.client("omnisend-api", headers={"Authorization": f"Bearer {renewed.json()['access_token']}"})
    assert fresh.get("/brands/current").status_code == 200


@pytest.mark.parametrize("params,error", [
    ({"client_id": "app", "redirect_uri": "https://a.example", "response_type": "token", "scope": "brands.read"},
     "unsupported_response_type"),
    ({"client_id": "app", "redirect_uri": "https://a.example", "response_type": "code", "scope": "everything"},
     "invalid_scope"),
    ({"redirect_uri": "https://a.example", "response_type": "code", "scope": "brands.read"}, "invalid_request"),
])
def test_authorize_refuses_bad_requests(sb, params, error):
    response = sb.client("omnisend-oauth").get("/authorize", params=params)
    assert response.status_code == 400 and response.json()["error"] == error


def test_keys_file_scopes_limit_an_api_key(tmp_path):
    keys = tmp_path / "keys.yaml"
    keys.write_text(KEY_FILE)
    sb = Sandbox(start=START, keys=keys)
    client = sb.client("omnisend-api", key="0123456789abcdef01234567-readonly")
    assert client.get("/brands/current").status_code == 200
    assert client.post("/brands/current", json={}).status_code == 403
    assert sb.client("omnisend-api", key="0123456789abcdef01234567-other").get("/brands/current").status_code == 401


def test_default_budget_is_a_sliding_minute_per_brand(sb, api):
    sb.clock.advance(seconds=30)  # 10:00:30, mid-minute
    statuses = [api.get("/brands/current").status_code for _ in range(400)]
    assert set(statuses) == {200}
    refused = api.get("/brands/current")
    assert refused.status_code == 429
    body = refused.json()
    assert body["type"] == "https://problems.omnisend.com/rate-limit-exceeded" and body["retryAfter"] == 60
    assert sb.client("omnisend-api", key="bbbbbbbbbbbbbbbbbbbbbbbb-x").get("/brands/current").status_code == 200
    assert sb.client("omnisend-v3").get("/contacts").status_code == 200  # v3 keeps its own budget
    sb.clock.advance(seconds=31)  # 10:01:01: a calendar-minute window would have reset
    still = api.get("/brands/current")
    assert still.status_code == 429 and still.json()["retryAfter"] == 29
    sb.clock.advance(seconds=29)
    assert api.get("/brands/current").status_code == 200
