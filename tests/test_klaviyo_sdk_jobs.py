"""The official Python SDK (`klaviyo-api`) against a live sandbox, for the work Klaviyo accepts now
and does later: a catalog bulk job with one bad item, a back-in-stock subscription that fires its
flow, a `backfill` event that fires none, a profile import job with a bad row, a suppression that
stops a flow email, and a merge and a deletion request completing on the clock. The SDK's pydantic
models parse every answer, so a shape the SDK cannot read fails here."""
from __future__ import annotations

import pytest

from tests.test_klaviyo_sdk import event, profile, sdk, server  # noqa: F401 (server: fixture)

klaviyo_api = pytest.importorskip("klaviyo_api", reason="the test extras install klaviyo-api")


def catalog_item(external_id: str, **attributes) -> dict:
    return {"type": "catalog-item", "attributes": {
        "external_id": external_id, "title": external_id, "description": "-",
        "url": f"https://shop.example.com/{external_id}", **attributes}}


def live_flow(k, metric_name: str, clock) -> str:
    """A live flow on `metric_name` that emails at once (the metric is made by a first event)."""
    (metric,) = [m for m in k.Metrics.get_metrics().data if m.attributes.name == metric_name]
    definition = {"triggers": [{"type": "metric", "id": metric.id}], "entry_action_id": "mail",
                  "actions": [{"temporary_id": "mail", "type": "send-email", "links": {"next": None},
                               "data": {"message": {"subject_line": f"About {metric_name}"}}}]}
    flow = k.Flows.create_flow({"data": {"type": "flow", "attributes": {"name": metric_name, "definition": definition}}})
    clock.advance(seconds=1)
    k.Flows.update_flow(flow.data.id, {"data": {"type": "flow", "id": flow.data.id, "attributes": {"status": "live"}}})
    return flow.data.id


def sent(server) -> list[tuple[str, str]]:
    return [(m["recipient"], m["subject"]) for m in server.sandbox.outbox(vendor="klaviyo")]


def test_a_catalog_bulk_job_with_one_bad_item(server):
    k, clock = sdk(server), server.sandbox.clock
    bad = catalog_item("SKU-1", title="the same external id again")  # the SDK itself refuses a malformed item
    job = k.Catalogs.bulk_create_catalog_items({"data": {"type": "catalog-item-bulk-create-job", "attributes": {
        "items": {"data": [catalog_item("SKU-1", price=12.5), bad, catalog_item("SKU-3")]}}}}).data
    assert (job.attributes.status, job.attributes.total_count) == ("queued", 3)
    clock.advance(seconds=1)
    done = k.Catalogs.get_bulk_create_catalog_items_job(job.id, include=["items"])
    attributes = done.data.attributes
    assert (attributes.status, attributes.completed_count, attributes.failed_count) == ("complete", 2, 1)
    (error,) = attributes.errors
    assert (error.code, error.source.pointer) == ("conflict", "/data/attributes/items/data/1")
    assert error.detail == "A catalog item with this external_id already exists."
    items = k.Catalogs.get_catalog_items().data
    assert [(i.attributes.external_id, i.attributes.price) for i in items] == [("SKU-1", 12.5), ("SKU-3", None)]
    assert [i.id for i in done.included] == [i.id for i in items]


def test_back_in_stock_fires_its_flow_and_backfill_fires_none(server):
    k, clock = sdk(server), server.sandbox.clock
    k.Catalogs.create_catalog_item({"data": catalog_item("SKU-1")})
    item_id = "$custom:::$default:::SKU-1"
    k.Catalogs.create_catalog_variant({"data": {"type": "catalog-variant", "attributes": {
        "external_id": "V-1", "title": "Blue", "description": "-", "sku": "V-1", "inventory_quantity": 0, "price": 9,
        "url": "https://shop.example.com/V-1"},
        "relationships": {"item": {"data": {"type": "catalog-item", "id": item_id}}}}})
    subscribe = {"data": {"type": "back-in-stock-subscription", "attributes": {
        "channels": ["EMAIL"], "profile": {"data": {"type": "profile", "attributes": {"email": "ann@example.com"}}}},
        "relationships": {"variant": {"data": {"type": "catalog-variant", "id": "$custom:::$default:::V-1"}}}}}
    k.Catalogs.create_back_in_stock_subscription(subscribe)
    k.Events.create_event(event("seed@example.com", "Placed Order"))
    clock.advance(seconds=1)
    live_flow(k, "Subscribed to Back in Stock", clock)
    live_flow(k, "Placed Order", clock)

    k.Catalogs.create_back_in_stock_subscription(subscribe)
    k.Events.create_event(event("old@example.com", "Placed Order", backfill=True, unique_id="o-1"))
    k.Events.create_event(event("new@example.com", "Placed Order", unique_id="o-2"))
    clock.advance(seconds=2)
    assert sorted(sent(server)) == [("ann@example.com", "About Subscribed to Back in Stock"),
                                    ("new@example.com", "About Placed Order")]
    (placed,) = [m for m in k.Metrics.get_metrics().data if m.attributes.name == "Placed Order"]
    orders = k.Events.get_events(filter=f'equals(metric_id,"{placed.id}")', include=["profile"])
    assert sorted(p["attributes"]["email"] for p in orders.included) == [
        "new@example.com", "old@example.com", "seed@example.com"]  # the backfilled order is recorded all the same
    runs = server.sandbox.runs(vendor="klaviyo")
    assert sorted(r["recipient"] for r in runs) == ["ann@example.com", "new@example.com"]


def test_an_import_job_with_a_bad_row(server):
    k, clock = sdk(server), server.sandbox.clock
    news = k.Lists.create_list({"data": {"type": "list", "attributes": {"name": "News"}}}).data
    job = k.Profiles.bulk_import_profiles({"data": {"type": "profile-bulk-import-job", "attributes": {"profiles": {
        "data": [profile("ann@example.com", first_name="Ann")["data"], profile("not-an-email")["data"],
                 profile("bob@example.com")["data"]]}},
        "relationships": {"lists": {"data": [{"type": "list", "id": news.id}]}}}}).data
    clock.advance(seconds=1)
    done = k.Profiles.get_bulk_import_profiles_job(job.id).data.attributes
    assert (done.status, done.total_count, done.completed_count, done.failed_count) == ("complete", 3, 2, 1)
    (problem,) = k.Profiles.get_errors_for_bulk_import_profiles_job(job.id).data
    assert problem.attributes.source.pointer == "/data/attributes/profiles/data/1/attributes/email"
    assert "not-an-email" in problem.attributes.detail
    imported = k.Profiles.get_profiles_for_bulk_import_profiles_job(job.id).data
    assert [p.attributes.email for p in imported] == ["ann@example.com", "bob@example.com"]
    assert [p.id for p in k.Lists.get_profiles_for_list(news.id).data] == [p.id for p in imported]


def test_suppression_stops_email(server):
    k, clock = sdk(server), server.sandbox.clock
    for who in ("ann@example.com", "bob@example.com"):
        k.Events.create_event(event(who, "Started Checkout"))
    clock.advance(seconds=1)
    live_flow(k, "Started Checkout", clock)
    k.Profiles.bulk_suppress_profiles({"data": {"type": "profile-suppression-bulk-create-job", "attributes": {
        "profiles": {"data": [{"type": "profile", "attributes": {"email": "ann@example.com"}}]}}}})
    clock.advance(seconds=1)
    for who in ("ann@example.com", "bob@example.com"):
        k.Events.create_event(event(who, "Started Checkout", unique_id=f"again-{who}"))
    clock.advance(seconds=1)
    assert sent(server) == [("bob@example.com", "About Started Checkout")]
    (ann,) = [p for p in k.Profiles.get_profiles(additional_fields_profile=["subscriptions"]).data
              if p.attributes.email == "ann@example.com"]
    marketing = ann.attributes.subscriptions.email.marketing
    assert marketing.can_receive_email_marketing is False and marketing.suppression[0].reason == "USER_SUPPRESSED"


def test_merge_and_deletion_complete_on_the_clock(server):
    k, clock = sdk(server), server.sandbox.clock
    ann = k.Profiles.create_profile(profile("ann@example.com", first_name="Ann")).data
    typo = k.Profiles.create_profile(profile("ann@exmaple.com", last_name="Lee")).data
    merged = k.Profiles.merge_profiles({"data": {"type": "profile-merge", "id": ann.id, "relationships": {
        "profiles": {"data": [{"type": "profile", "id": typo.id}]}}}})
    assert merged.data.id == ann.id
    clock.advance(seconds=1)
    (left,) = k.Profiles.get_profiles().data
    assert (left.id, left.attributes.first_name, left.attributes.last_name) == (ann.id, "Ann", "Lee")

    k.Data_Privacy.request_profile_deletion({"data": {"type": "data-privacy-deletion-job", "attributes": {
        "profile": {"data": {"type": "profile", "attributes": {"email": "ann@example.com"}}}}}})
    assert len(k.Profiles.get_profiles().data) == 1
    clock.advance(seconds=1)
    assert k.Profiles.get_profiles().data == []
