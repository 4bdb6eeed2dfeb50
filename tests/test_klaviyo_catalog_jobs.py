"""Catalog bulk jobs and back-in-stock subscriptions through HTTP (every answer checked against
Klaviyo's published schema): a job is queued, then complete on the clock with its counts; each item
it cannot apply fails alone and is said in the job's `errors` with a pointer to it (a missing
required attribute, an external id already used, an unknown id to update or delete, a variant of
no item); past 100 items the request is refused whole. A back-in-stock subscription becomes the
profile's "Subscribed to Back in Stock" event, which triggers a flow on that metric."""
from __future__ import annotations

from tests.klaviyo_bodies import account, errors, kl, new_profile, pointers  # noqa: F401 (fixtures)
from tests.test_klaviyo_generic import item_body

CREATE = "/catalog-item-bulk-create-jobs"


def job_body(type_: str, items: list[dict], name: str = "items") -> dict:
    return {"data": {"type": type_, "attributes": {name: {"data": items}}}}


def run_job(sb, kl, path: str, body: dict) -> dict:
    accepted = kl.post(path, json=body)
    assert accepted.status_code == 202, accepted.text
    job = accepted.json()["data"]
    assert job["attributes"]["status"] == "queued"
    sb.clock.advance(seconds=1)
    return kl.get(f"{path}/{job['id']}", params={"include": "items"} if path in (CREATE, "/catalog-item-bulk-update-jobs") else None).json()


def item(external_id: str, **attributes) -> dict:
    return item_body(external_id, f"Item {external_id}", **attributes)["data"]


def test_one_bad_item_fails_alone_and_is_said_in_errors(sb, kl):
    no_url = item("SKU-2")
    del no_url["attributes"]["url"]
    done = run_job(sb, kl, CREATE, job_body("catalog-item-bulk-create-job", [item("SKU-1"), no_url, item("SKU-3")]))
    job = done["data"]["attributes"]
    assert (job["status"], job["total_count"], job["completed_count"], job["failed_count"]) == ("complete", 3, 2, 1)
    (error,) = job["errors"]
    assert (error["code"], error["source"]["pointer"]) == ("invalid", "/data/attributes/items/data/1/attributes/url")
    assert "'url' is a required field." == error["detail"]
    served = [i["id"] for i in kl.get("/catalog-items").json()["data"]]
    assert served == ["$custom:::$default:::SKU-1", "$custom:::$default:::SKU-3"]
    assert [r["id"] for r in done["data"]["relationships"]["items"]["data"]] == served
    assert [i["id"] for i in done["included"]] == served


def test_duplicates_and_unknown_ids_fail_per_item(sb, kl):
    run_job(sb, kl, CREATE, job_body("catalog-item-bulk-create-job", [item("SKU-1")]))
    again = run_job(sb, kl, CREATE, job_body("catalog-item-bulk-create-job", [item("SKU-1"), item("SKU-2"), item("SKU-2")]))
    job = again["data"]["attributes"]
    assert (job["completed_count"], job["failed_count"]) == (1, 2)
    assert [(e["code"], e["source"]["pointer"]) for e in job["errors"]] == [
        ("conflict", "/data/attributes/items/data/0"), ("conflict", "/data/attributes/items/data/2")]
    assert job["errors"][0]["detail"] == "A catalog item with this external_id already exists."

    update = job_body("catalog-item-bulk-update-job", [
        {"type": "catalog-item", "id": "$custom:::$default:::SKU-1", "attributes": {"title": "Renamed"}},
        {"type": "catalog-item", "id": "$custom:::$default:::NOPE", "attributes": {"title": "x"}},
        {"type": "catalog-item", "id": "$custom:::$default:::SKU-2", "attributes": {"price": "cheap"}}])
    job = run_job(sb, kl, "/catalog-item-bulk-update-jobs", update)["data"]["attributes"]
    assert [(e["code"], e["source"]["pointer"]) for e in job["errors"]] == [
        ("not_found", "/data/attributes/items/data/1"), ("invalid", "/data/attributes/items/data/2/attributes/price")]
    assert kl.get("/catalog-items/$custom:::$default:::SKU-1").json()["data"]["attributes"]["title"] == "Renamed"

    delete = job_body("catalog-item-bulk-delete-job", [{"type": "catalog-item", "id": "$custom:::$default:::SKU-2"},
                                                        {"type": "catalog-item", "id": "$custom:::$default:::NOPE"}])
    job = run_job(sb, kl, "/catalog-item-bulk-delete-jobs", delete)["data"]["attributes"]
    assert (job["completed_count"], job["failed_count"], job["errors"][0]["code"]) == (1, 1, "not_found")
    assert [i["id"] for i in kl.get("/catalog-items").json()["data"]] == ["$custom:::$default:::SKU-1"]


def variant(external_id: str, item_id: str | None, **extra) -> dict:
    out = {"type": "catalog-variant", "attributes": {
        "external_id": external_id, "title": external_id, "description": "-", "sku": external_id,
        "inventory_quantity": 0, "price": 10, "url": f"https://shop.example.com/{external_id}", **extra}}
    if item_id is not None:
        out["relationships"] = {"item": {"data": {"type": "catalog-item", "id": item_id}}}
    return out


def test_variants_need_an_item_that_exists_and_categories_link(sb, kl):
    run_job(sb, kl, CREATE, job_body("catalog-item-bulk-create-job", [item("SKU-1")]))
    shirt = "$custom:::$default:::SKU-1"
    body = job_body("catalog-variant-bulk-create-job", [variant("V-1", shirt), variant("V-2", None),
                                                        variant("V-3", "$custom:::$default:::NOPE")], "variants")
    done = run_job(sb, kl, "/catalog-variant-bulk-create-jobs", body)["data"]
    assert [(e["code"], e["source"]["pointer"]) for e in done["attributes"]["errors"]] == [
        ("invalid", "/data/attributes/variants/data/1"), ("not_found", "/data/attributes/variants/data/2")]
    assert [v["id"] for v in kl.get(f"/catalog-items/{shirt}/variants").json()["data"]] == ["$custom:::$default:::V-1"]

    categories = job_body("catalog-category-bulk-create-job", [
        {"type": "catalog-category", "attributes": {"external_id": "C-1", "name": "Shirts"},
         "relationships": {"items": {"data": [{"type": "catalog-item", "id": shirt}]}}}], "categories")
    done = run_job(sb, kl, "/catalog-category-bulk-create-jobs", categories)["data"]
    assert done["attributes"]["failed_count"] == 0
    assert [i["id"] for i in kl.get("/catalog-categories/$custom:::$default:::C-1/items").json()["data"]] == [shirt]


def test_more_than_100_items_refuse_the_request(kl):
    body = job_body("catalog-item-bulk-create-job", [item(f"SKU-{i}") for i in range(101)])
    assert pointers(kl.post(CREATE, json=body)) == ["/data/attributes/items/data"]
    assert kl.get(CREATE).json()["data"] == []


def test_back_in_stock_records_the_trigger_event(sb, kl):
    run_job(sb, kl, CREATE, job_body("catalog-item-bulk-create-job", [item("SKU-1")]))
    run_job(sb, kl, "/catalog-variant-bulk-create-jobs",
            job_body("catalog-variant-bulk-create-job", [variant("V-1", "$custom:::$default:::SKU-1")], "variants"))
    body = {"data": {"type": "back-in-stock-subscription", "attributes": {
        "channels": ["EMAIL"], "profile": {"data": {"type": "profile", "attributes": {"email": "ann@example.com"}}}},
        "relationships": {"variant": {"data": {"type": "catalog-variant", "id": "$custom:::$default:::V-1"}}}}}
    response = kl.post("/back-in-stock-subscriptions", json=body)
    assert response.status_code == 202 and response.content == b""
    web = sb.client("klaviyo-client")
    body["data"]["attributes"]["channels"] = ["SMS"]
    body["data"]["attributes"]["profile"]["data"]["attributes"] = {"phone_number": "+15005550006"}
    client = web.post("/back-in-stock-subscriptions", params={"company_id": sb.company_id()}, json=body)
    assert client.status_code == 202, client.text
    assert kl.get("/events").json()["data"] == []  # not processed yet
    sb.clock.advance(seconds=1)
    read = kl.get("/events", params={"include": "metric,profile"}).json()
    assert [(m["attributes"]["name"], m["attributes"]["integration"]["name"])
            for m in read["included"] if m["type"] == "metric"] == [("Subscribed to Back in Stock", "Klaviyo")]
    assert sorted(p["attributes"]["email"] or p["attributes"]["phone_number"]
                  for p in read["included"] if p["type"] == "profile") == ["+15005550006", "ann@example.com"]
    recorded = [e["attributes"]["event_properties"] for e in read["data"]]
    assert [(r["variant_id"], r["item_id"], r["channels"]) for r in recorded] == [
        ("$custom:::$default:::V-1", "$custom:::$default:::SKU-1", ["EMAIL"]),
        ("$custom:::$default:::V-1", "$custom:::$default:::SKU-1", ["SMS"])]


def test_back_in_stock_checks_channels_and_the_variant(kl):
    def body(channels, who, variant_id="$custom:::$default:::V-1"):
        return {"data": {"type": "back-in-stock-subscription", "attributes": {
            "channels": channels, "profile": {"data": {"type": "profile", "attributes": who}}},
            "relationships": {"variant": {"data": {"type": "catalog-variant", "id": variant_id}}}}}
    assert pointers(kl.post("/back-in-stock-subscriptions", json=body(["SMS"], {"email": "ann@example.com"}))) == [
        "/data/attributes/channels"]
    assert pointers(kl.post("/back-in-stock-subscriptions", json=body(["FAX"], {"email": "ann@example.com"}))) == [
        "/data/attributes/channels/0"]
    assert pointers(kl.post("/back-in-stock-subscriptions", json=body(["EMAIL"], {}))) == [
        "/data/attributes/profile/data/attributes", "/data/attributes/channels"]
    missing = errors(kl.post("/back-in-stock-subscriptions", json=body(["EMAIL"], {"email": "ann@example.com"})), 404)
    assert missing[0]["source"]["pointer"] == "/data/relationships/variant/data/id"
