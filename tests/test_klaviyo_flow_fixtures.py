"""Klaviyo's standard flows (fixtures/klaviyo/flows/) create through the API and read back."""
from __future__ import annotations

import pytest

from simulator.klaviyo.fixtures import FLOWS, standard_flow
from simulator.klaviyo.metrics import metrics_of

EXPECTED = {  # trigger metric, flow-filter metrics, the action types in order
    "abandoned-cart": ("Started Checkout", ["Placed Order"], ["time-delay", "send-email"] * 2),
    "browse-abandonment": ("Viewed Product", ["Added to Cart", "Started Checkout", "Placed Order", "Placed Order"],
                           ["time-delay", "send-email"]),
    "post-purchase": ("Placed Order", [], ["time-delay", "send-email"] * 2),
}
METRICS = ("Started Checkout", "Placed Order", "Viewed Product", "Added to Cart")


def test_every_fixture_is_listed():
    assert sorted(p.stem for p in FLOWS.glob("*.json")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_creates_and_reads_back(sb, name):
    account = sb.klaviyo_account(sb.company_id())
    ids = {n: metrics_of(account).named(n, sb.clock.now()).id for n in METRICS}
    client = sb.client("klaviyo-api")
    sent = standard_flow(name, account)
    created = client.post("/flows", json=sent)
    assert created.status_code == 201, created.text
    flow = created.json()["data"]
    sb.clock.advance(seconds=1)
    read = client.get(f"/flows/{flow['id']}", params={"additional-fields[flow]": "definition"}).json()["data"]
    assert read["attributes"] == flow["attributes"]
    trigger, filtered, steps = EXPECTED[name]
    found = read["attributes"]["definition"]
    assert read["attributes"]["name"] == sent["data"]["attributes"]["name"]
    assert read["attributes"]["trigger_type"] == "Metric"
    assert found["triggers"] == [{"type": "metric", "id": ids[trigger]}]
    conditions = [c for g in (found["profile_filter"] or {}).get("condition_groups", []) for c in g["conditions"]]
    assert [c["metric_id"] for c in conditions if c["type"] == "profile-metric"] == [ids[m] for m in filtered]
    assert [a["type"] for a in found["actions"]] == steps
    assert all(a["data"]["message"]["smart_sending_enabled"] and a["data"]["status"] == "draft"
               for a in found["actions"] if a["type"] == "send-email")


def test_abandoned_cart_takes_either_checkout_metric_name(sb):
    account = sb.klaviyo_account(sb.company_id())
    with pytest.raises(LookupError, match="'Started Checkout' or 'Checkout Started'"):
        standard_flow("abandoned-cart", account)
    shopify = metrics_of(account).named("Checkout Started", sb.clock.now()).id
    metrics_of(account).named("Placed Order", sb.clock.now())
    assert standard_flow("abandoned-cart", account)["data"]["attributes"]["definition"]["triggers"][0]["id"] == shopify
