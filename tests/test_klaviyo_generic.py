"""Operations served from the table alone (no hand-written model): create, get, list, update and
delete; related resources and linkage both ways; include with `included: []`; sparse fieldsets
refusing unknown fields; filters, sort and cursor paging as the table declares; bulk jobs moving from
queued to complete on the clock. Every answer is checked against Klaviyo's published schema."""
from __future__ import annotations

from tests.klaviyo_bodies import (  # noqa: F401 (kl, account are fixtures)
    account, errors, every_page, kl, members, new_list, new_profile, pointers)


def category(kl, external_id: str, name: str) -> str:
    body = {"data": {"type": "catalog-category", "attributes": {"external_id": external_id, "name": name}}}
    response = kl.post("/catalog-categories", json=body)
    assert response.status_code == 201, response.text
    return response.json()["data"]["id"]


def item_body(external_id: str, title: str, categories: tuple[str, ...] = (), **extra) -> dict:
    attributes = {"external_id": external_id, "title": title, "description": f"{title}.",
                  "url": f"https://shop.example.com/{external_id}", **extra}
    out = {"data": {"type": "catalog-item", "attributes": attributes}}
    if categories:
        out["data"]["relationships"] = {"categories": {"data": [{"type": "catalog-category", "id": c}
                                                               for c in categories]}}
    return out


def item(kl, external_id: str, title: str, *categories: str, **extra) -> str:
    response = kl.post("/catalog-items", json=item_body(external_id, title, categories, **extra))
    assert response.status_code == 201, response.text
    return response.json()["data"]["id"]


def test_create_get_update_delete(kl):
    made = kl.post("/catalog-items", json=item_body("SKU-1", "Blue shirt", price=42))
    assert made.status_code == 201
    data = made.json()["data"]
    assert data["type"] == "catalog-item" and data["attributes"]["title"] == "Blue shirt"
    assert data["attributes"]["created"] == data["attributes"]["updated"]
    assert data["links"]["self"].endswith(f"/catalog-items/{data['id']}/")
    got = kl.get(f"/catalog-items/{data['id']}").json()["data"]
    assert got["attributes"]["price"] == 42
    patch = {"data": {"type": "catalog-item", "id": data["id"], "attributes": {"title": "Navy shirt"}}}
    changed = kl.patch(f"/catalog-items/{data['id']}", json=patch)
    assert changed.status_code == 200 and changed.json()["data"]["attributes"]["title"] == "Navy shirt"
    assert kl.get(f"/catalog-items/{data['id']}").json()["data"]["attributes"]["price"] == 42
    assert kl.delete(f"/catalog-items/{data['id']}").status_code == 204
    errors(kl.get(f"/catalog-items/{data['id']}"), 404)
    errors(kl.delete(f"/catalog-items/{data['id']}"), 404)


def test_catalog_ids_come_from_the_external_id_and_repeat_is_a_conflict(kl):
    made = kl.post("/catalog-items", json=item_body("SKU-1", "Blue shirt")).json()["data"]
    assert made["id"] == "$custom:::$default:::SKU-1"
    assert kl.get(f"/catalog-items/{made['id']}").json()["data"]["attributes"]["title"] == "Blue shirt"
    again = kl.post("/catalog-items", json=item_body("SKU-1", "Other"))
    assert pointers(again, 409) == ["/data/attributes/external_id"]
    assert category(kl, "SKU-1", "Shirts") == "$custom:::$default:::SKU-1"  # another type: no clash


def test_the_table_checks_the_body(kl):
    body = item_body("SKU-1", "Shirt")
    del body["data"]["attributes"]["url"]
    body["data"]["attributes"].update(price="cheap", colour="blue")
    assert sorted(pointers(kl.post("/catalog-items", json=body))) == [
        "/data/attributes/colour", "/data/attributes/price", "/data/attributes/url"]
    body = item_body("SKU-1", "Shirt")
    body["data"]["type"] = "catalog-variant"
    assert pointers(kl.post("/catalog-items", json=body)) == ["/data/type"]
    assert kl.get("/catalog-items").json()["data"] == []  # nothing refused was stored


def test_related_resources_and_linkage_both_ways(kl):
    shirts, sale = category(kl, "C1", "Shirts"), category(kl, "C2", "Sale")
    blue = item(kl, "SKU-1", "Blue shirt", shirts)
    red = item(kl, "SKU-2", "Red shirt")
    assert [i["id"] for i in kl.get(f"/catalog-categories/{shirts}/items").json()["data"]] == [blue]
    assert kl.get(f"/catalog-items/{blue}/relationships/categories").json()["data"] == [
        {"type": "catalog-category", "id": shirts}]
    added = kl.post(f"/catalog-categories/{sale}/relationships/items",
                    json={"data": [{"type": "catalog-item", "id": red}, {"type": "catalog-item", "id": blue}]})
    assert added.status_code == 204
    assert {i["id"] for i in kl.get(f"/catalog-categories/{sale}/items").json()["data"]} == {red, blue}
    removed = kl.request("DELETE", f"/catalog-categories/{sale}/relationships/items",
                         json={"data": [{"type": "catalog-item", "id": red}]})
    assert removed.status_code == 204
    assert [i["id"] for i in kl.get(f"/catalog-categories/{sale}/relationships/items").json()["data"]] == [blue]
    errors(kl.get("/catalog-categories/NOPE/items"), 404)


def test_include_is_present_even_when_empty(kl):
    blue = item(kl, "SKU-1", "Blue shirt")
    listed = kl.get("/catalog-items", params={"include": "variants"}).json()
    assert listed["included"] == []
    assert kl.get(f"/catalog-items/{blue}", params={"include": "variants"}).json()["included"] == []
    assert "included" not in kl.get(f"/catalog-items/{blue}").json()
    assert pointers(kl.get("/catalog-items", params={"include": "owners"})) == ["include"]


def test_sparse_fieldsets_keep_named_fields_and_refuse_unknown_ones(kl):
    item(kl, "SKU-1", "Blue shirt", price=10)
    found = kl.get("/catalog-items", params={"fields[catalog-item]": "title,price"}).json()["data"][0]
    assert found["attributes"] == {"title": "Blue shirt", "price": 10}
    assert pointers(kl.get("/catalog-items", params={"fields[catalog-item]": "title,colour"})) == [
        "fields[catalog-item]"]
    assert pointers(kl.get("/catalog-items", params={"fields[planet]": "name"})) == ["fields[planet]"]
    new_profile(kl)  # a hand-written operation refuses them too: the check reads the table
    assert pointers(kl.get("/profiles", params={"fields[profile]": "email,shoe_size"})) == ["fields[profile]"]


def test_filter_sort_and_cursor_pages_from_the_table(sb, kl):
    ids = []
    for n in range(5):
        ids.append(item(kl, f"SKU-{n}", f"Shirt {n}", published=n % 2 == 0))
        sb.clock.advance(seconds=1)
    seen, pages = every_page(kl, "/catalog-items", **{"page[size]": "2", "sort": "-created"})
    assert [i["id"] for i in seen] == ids[::-1] and pages == 3
    published = kl.get("/catalog-items", params={"filter": "equals(published,true)"}).json()["data"]
    assert [i["id"] for i in published] == ids[0::2]
    some = kl.get("/catalog-items", params={"filter": f'any(ids,["{ids[1]}","{ids[3]}"])'}).json()["data"]
    assert [i["id"] for i in some] == [ids[1], ids[3]]
    titled = kl.get("/catalog-items", params={"filter": 'contains(title,"t 4")'}).json()["data"]
    assert [i["id"] for i in titled] == [ids[4]]
    assert pointers(kl.get("/catalog-items", params={"filter": 'equals(url,"x")'})) == ["filter"]
    assert pointers(kl.get("/catalog-items", params={"sort": "title"})) == ["sort"]
    assert pointers(kl.get("/catalog-items", params={"page[size]": "101"})) == ["page[size]"]


def test_a_required_filter_is_required(kl):
    assert pointers(kl.get("/campaigns")) == ["filter"]
    assert kl.get("/campaigns", params={"filter": "equals(messages.channel,'email')"}).status_code == 200


def test_bulk_jobs_move_from_queued_to_complete_on_the_clock(sb, kl):
    good, bad = item_body("SKU-1", "Blue shirt")["data"], {"attributes": {"title": "no type"}}
    body = {"data": {"type": "catalog-item-bulk-create-job",
                     "attributes": {"items": {"data": [good, bad]}}}}
    accepted = kl.post("/catalog-item-bulk-create-jobs", json=body)
    assert accepted.status_code == 202, accepted.text
    job = accepted.json()["data"]
    assert job["attributes"]["status"] == "queued" and job["attributes"]["total_count"] == 2
    assert kl.get(f"/catalog-item-bulk-create-jobs/{job['id']}").json()["data"]["attributes"]["status"] == "queued"
    assert kl.get("/catalog-items").json()["data"] == []
    sb.clock.advance(seconds=1)
    done = kl.get(f"/catalog-item-bulk-create-jobs/{job['id']}").json()["data"]["attributes"]
    assert (done["status"], done["completed_count"], done["failed_count"]) == ("complete", 1, 1)
    assert [i["attributes"]["title"] for i in kl.get("/catalog-items").json()["data"]] == ["Blue shirt"]
    assert [j["id"] for j in kl.get("/catalog-item-bulk-create-jobs").json()["data"]] == [job["id"]]


def test_a_profiles_lists_come_from_the_list_model(kl):
    ann = new_profile(kl)
    vip, news = new_list(kl, "VIP"), new_list(kl, "News")
    assert kl.post(f"/lists/{vip}/relationships/profiles", json=members(ann)).status_code == 204
    assert [x["id"] for x in kl.get(f"/profiles/{ann}/lists").json()["data"]] == [vip]
    assert kl.get(f"/profiles/{ann}/relationships/lists").json()["data"] == [{"type": "list", "id": vip}]
    assert kl.get(f"/lists/{vip}/relationships/profiles").json()["data"] == [{"type": "profile", "id": ann}]
    assert kl.get(f"/lists/{news}/relationships/profiles").json()["data"] == []
    errors(kl.get("/profiles/NOPE/lists"), 404)
    assert kl.get(f"/profiles/{ann}/segments").json()["data"] == []  # generic: no segment holds her


def test_accounts_answer_the_keys_account(sb, kl):
    accounts = kl.get("/accounts").json()["data"]
    assert [a["id"] for a in accounts] == [sb.company_id()]
    assert accounts[0]["attributes"]["public_api_key"] == sb.company_id()
    assert kl.get(f"/accounts/{sb.company_id()}").status_code == 200
    sb.clock.advance(seconds=1)  # get_account allows one call a second
    errors(kl.get("/accounts/XXXXXX"), 404)


def test_tagging_a_list_shows_the_tag_on_the_list(kl):
    made = kl.post("/tags", json={"data": {"type": "tag", "attributes": {"name": "VIP"}}})
    assert made.status_code == 201, made.text
    tag = made.json()["data"]["id"]
    vip = new_list(kl, "VIP")
    linked = kl.post(f"/tags/{tag}/relationships/lists", json={"data": [{"type": "list", "id": vip}]})
    assert linked.status_code == 204
    assert [t["attributes"]["name"] for t in kl.get(f"/lists/{vip}/tags").json()["data"]] == ["VIP"]
    assert kl.get(f"/lists/{vip}/relationships/tags").json()["data"] == [{"type": "tag", "id": tag}]
    assert kl.get(f"/tags/{tag}/relationships/lists").json()["data"] == [{"type": "list", "id": vip}]
