"""Omnisend's standard abandonment automations (fixtures/omnisend/automations/) create through the API."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "omnisend" / "automations"
EXPECTED = {
    "cart-abandonment": ("added product to cart", {"amount": 30, "units": "m"}, ["started checkout", "placed order"]),
    "checkout-abandonment": ("started checkout", {"amount": 1, "units": "h"}, ["placed order"]),
    "product-abandonment": ("viewed product", {"amount": 1, "units": "h"}, ["added product to cart", "placed order"]),
}


def test_every_fixture_is_listed():
    assert sorted(p.stem for p in FIXTURES.glob("*.json")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_creates_and_reads_back(api, name):
    body = json.loads((FIXTURES / f"{name}.json").read_text())
    created = api.post("/automations", json=body)
    assert created.status_code == 201, created.text
    read = api.get(f"/automations/{created.json()['id']}").json()
    assert read == created.json()
    event, inactivity, exits = EXPECTED[name]
    assert read["name"] == body["name"] and read["isEnabled"] is False
    assert read["trigger"] == {"condition": {"event": event, "origin": "api"},
                               "inactivitySettings": {"duration": inactivity}}
    assert [e["event"] for e in read["exitConditions"]] == exits
    assert read["settings"]["frequencyLimiter"] == {"mode": "interval", "duration": {"amount": 1, "units": "d"}}
    assert [(b["type"], b.get("action", {}).get("type")) for b in read["blocks"]] == [
        ("delay", None), ("action", "sendEmail"), ("delay", None), ("action", "sendEmail")]
    assert [b["delay"]["duration"] for b in read["blocks"][::2]] == [{"amount": 1, "units": "h"}, {"amount": 1, "units": "d"}]
    subjects = [b["action"]["sendEmail"]["subject"] for b in body["blocks"][1::2]]
    assert [b["action"]["sendEmail"]["subject"] for b in read["blocks"][1::2]] == subjects
    assert api.post(f"/automations/{read['id']}/enable", json={"enrollExisting": True}).status_code == 200
