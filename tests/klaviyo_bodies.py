"""Request bodies, fixtures and helpers the Klaviyo data-plane tests share (a test module imports
the fixtures it uses by name)."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from simulator.klaviyo.profiles import ProfileChanged

KEY = "pk_" + "a" * 34


@pytest.fixture
def kl(sb):
    """The /klaviyo/api surface in-process, as the sandbox's test key's account."""
    return sb.client("klaviyo-api")


@pytest.fixture
def account(sb):
    return sb.klaviyo_account(sb.company_id())


@pytest.fixture
def heard(account) -> list:
    """What the account's listeners are told that may trigger a flow (processed events, list and
    segment membership changes: not `ProfileChanged`), in order."""
    told = []
    account.listeners.append(lambda _, happening: None if isinstance(happening, ProfileChanged) else told.append(happening))
    return told


def profile(email: str | None = "ann@example.com", **attributes) -> dict:
    if email is not None:
        attributes["email"] = email
    return {"data": {"type": "profile", "attributes": attributes}}


def event_attributes(metric: str = "Viewed Product", properties: dict | None = None, **extra) -> dict:
    return {"properties": properties if properties is not None else {"sku": "A1"},
            "metric": {"data": {"type": "metric", "attributes": {"name": metric}}}, **extra}


def event(email: str | None = "ann@example.com", metric: str = "Viewed Product", profile_attributes: dict | None = None,
          **extra) -> dict:
    """A create_event body as the 25.x SDK sends it: `backfill: false`, no `meta` on the profile."""
    who = dict(profile_attributes or {})
    if email is not None:
        who["email"] = email
    attributes = event_attributes(metric, **{"backfill": False, **extra})
    attributes["profile"] = {"data": {"type": "profile", "attributes": who}}
    return {"data": {"type": "event", "attributes": attributes}}


def bulk_entry(who: dict, events: list[dict], **extra) -> dict:
    return {"type": "event-bulk-create", "attributes": {
        "profile": {"data": {"type": "profile", "attributes": who}},
        "events": {"data": [{"type": "event", "attributes": e} for e in events]}, **extra}}


def bulk_events(*entries: dict) -> dict:
    return {"data": {"type": "event-bulk-create-job", "attributes": {"events-bulk-create": {"data": list(entries)}}}}


def subscribe(*profiles: dict, list_id: str | None = None, **attributes) -> dict:
    body = {"data": {"type": "profile-subscription-bulk-create-job", "attributes": {
        "profiles": {"data": [{"type": "profile", "attributes": p} for p in profiles]}, **attributes}}}
    if list_id is not None:
        body["data"]["relationships"] = {"list": {"data": {"type": "list", "id": list_id}}}
    return body


def email_marketing(email: str, **consent) -> dict:
    return {"email": email, "subscriptions": {"email": {"marketing": {"consent": "SUBSCRIBED", **consent}}}}


def members(*profile_ids: str) -> dict:
    return {"data": [{"type": "profile", "id": pid} for pid in profile_ids]}


def new_profile(kl, email: str = "ann@example.com", **attributes) -> str:
    response = kl.post("/profiles", json=profile(email, **attributes))
    assert response.status_code == 201, response.text
    return response.json()["data"]["id"]


def new_list(kl, name: str = "Newsletter", **attributes) -> str:
    response = kl.post("/lists", json={"data": {"type": "list", "attributes": {"name": name, **attributes}}})
    assert response.status_code == 201, response.text
    return response.json()["data"]["id"]


def errors(response, status: int) -> list[dict]:
    assert response.status_code == status, response.text
    return response.json()["errors"]


def pointers(response, status: int = 400) -> list[str]:
    return [e["source"].get("pointer") or e["source"].get("parameter") for e in errors(response, status)]


def every_page(kl, path: str, **params) -> tuple[list[dict], int]:
    """Every resource of a collection, following `links.next` (its cursor) to the end; and the page count."""
    seen, pages, response = [], 0, kl.get(path, params=params)
    while True:
        assert response.status_code == 200, response.text
        body = response.json()
        seen += body["data"]
        pages += 1
        link = body["links"].get("next")
        if link is None:
            return seen, pages
        query = {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}
        response = kl.get(path, params=query)
