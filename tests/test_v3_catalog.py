"""v3 products and categories through the in-process client: CRUD, replace semantics, validation,
offset paging, filters and sorts."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

HAT = {
    "productID": "hat", "title": "Wool hat", "status": "inStock", "description": "Warm", "currency": "EUR",
    "productUrl": "https://shop.example.com/hat", "vendor": "Knits", "type": "hats",
    "createdAt": "2026-01-05T08:00:00Z", "tags": ["winter"], "categoryIDs": ["c-hats"],
    "images": [{"imageID": "img1", "url": "https://shop.example.com/hat.png", "isDefault": True, "variantIDs": ["hat-red"]}],
    "variants": [{"variantID": "hat-red", "title": "Red", "sku": "H-R", "status": "inStock", "price": 2599,
                  "oldPrice": 2999, "productUrl": "https://shop.example.com/hat?red", "imageID": "img1"}],
}


def product(product_id: str, **changes) -> dict:
    body = {"productID": product_id, "title": product_id.title(), "status": "inStock", "currency": "EUR",
            "productUrl": f"https://shop.example.com/{product_id}",
            "variants": [{"variantID": product_id, "title": product_id.title(), "status": "inStock", "price": 100}]}
    body.update(changes)
    return body


def messages(response) -> list[str]:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["error"] == f"{len(body['fields'])} error(s) found. Check 'fields' array for details."
    return [m for group in body["fields"] for m in group]


LISTS = {"productID": "products", "categoryID": "categories"}


def follow(v3, url: str, key: str) -> tuple[list[str], list[dict]]:
    """Every id from following paging.next to the end, and each page's paging object."""
    ids, pagings = [], []
    while url:
        page = v3.get(url)
        assert page.status_code == 200, page.text
        ids += [item[key] for item in page.json()[LISTS[key]]]
        pagings.append(page.json()["paging"])
        url = page.json()["paging"]["next"]
        if len(pagings) > 50:
            pytest.fail("paging never ends")
    return ids, pagings


# -- products ------------------------------------------------------------------------------------

def test_product_create_get_and_list(v3):
    response = v3.post("/products", json=HAT)
    assert response.status_code == 200
    assert response.json() == {"productID": "hat"}
    got = v3.get("/products/hat").json()
    assert got == {**HAT, "updatedAt": "2026-11-02T10:00:00Z"}  # createdAt kept as given, updatedAt = now
    listed = v3.get("/products").json()
    assert [p["productID"] for p in listed["products"]] == ["hat"]
    assert listed["products"][0] == got
    assert listed["paging"] == {"previous": None, "next": None, "offset": 0, "limit": 100}


def test_product_defaults_when_optional_fields_are_left_out(v3):
    v3.post("/products", json=product("cap"))
    got = v3.get("/products/cap").json()
    assert got["createdAt"] == got["updatedAt"] == "2026-11-02T10:00:00Z"
    assert (got["tags"], got["categoryIDs"], got["images"]) == ([], [], [])
    assert "vendor" not in got and "description" not in got


def test_put_replaces_everything_and_unsent_fields_are_deleted(sb, v3):
    v3.post("/products", json=HAT)
    sb.clock.advance(seconds=3600)
    replacement = {"title": "Wool hat II", "status": "outOfStock", "currency": "EUR", "updatedAt": "2026-11-02T10:30:00Z",
                   "variants": [{"variantID": "hat-blue", "title": "Blue", "status": "outOfStock", "price": 2000}]}
    response = v3.put("/products/hat", json=replacement)
    assert response.status_code == 200 and response.json() == {"productID": "hat"}
    got = v3.get("/products/hat").json()
    assert got == {"productID": "hat", "title": "Wool hat II", "status": "outOfStock", "currency": "EUR",
                   "createdAt": "2026-11-02T11:00:00Z",  # not passed: overwritten with now
                   "updatedAt": "2026-11-02T10:30:00Z", "tags": [], "categoryIDs": [], "images": [],
                   "variants": [{"variantID": "hat-blue", "title": "Blue", "status": "outOfStock", "price": 2000}]}


def test_put_keeps_the_variant_sku(v3):
    v3.post("/products", json=product("cap"))
    body = {k: v for k, v in product("cap").items() if k != "productID"}
    body["updatedAt"] = "2026-11-02T10:00:00Z"
    body["variants"] = [{**body["variants"][0], "sku": "CAP-1"}]
    assert v3.put("/products/cap", json=body).status_code == 200
    assert v3.get("/products/cap").json()["variants"][0]["sku"] == "CAP-1"


def test_delete_product_sticks(v3):
    v3.post("/products", json=product("cap"))
    response = v3.delete("/products/cap")
    assert response.status_code == 204 and response.content == b""
    assert v3.get("/products/cap").status_code == 404
    assert v3.get("/products").json()["products"] == []
    assert v3.delete("/products/cap").status_code == 404


def test_unknown_product_is_404(v3):
    assert v3.get("/products/nope").status_code == 404
    body = {k: v for k, v in product("nope").items() if k != "productID"} | {"updatedAt": "2026-11-02T10:00:00Z"}
    response = v3.put("/products/nope", json=body)
    assert response.status_code == 404
    assert response.json()["error"].endswith("(product nope not found)")
    assert v3.delete("/products/nope").status_code == 404


def test_taken_product_id_is_400_without_fields(v3):
    """So php-sdk's push() and the WooCommerce plugin fall back to PUT."""
    v3.post("/products", json=product("cap"))
    response = v3.post("/products", json=product("cap", title="Other"))
    assert response.status_code == 400
    body = response.json()
    assert "fields" not in body and "product cap already exists" in body["error"]
    assert v3.get("/products/cap").json()["title"] == "Cap"


def test_product_validation_names_every_problem_at_once(v3):
    body = product("cap", title=7, status="gone", productUrl="not a url", shoeSize=44,
                   variants=[{"variantID": "v1", "title": "V", "status": "inStock", "price": 12.5}])
    del body["currency"]
    named = messages(v3.post("/products", json=body))
    assert "currency: field required but not found in Json" in named
    assert "title: wrong field type, expected string but got integer" in named
    assert "'status' can't be 'gone'. Available values: inStock,outOfStock,notAvailable" in named
    assert "productUrl: 'not a url' is not a valid uri" in named
    assert "shoeSize: unknown field" in named
    assert "variants[0].price: wrong field type, expected integer but got number" in named
    assert len(named) == 6
    assert v3.get("/products").json()["products"] == []


@pytest.mark.parametrize("price", [1250.0, 1e3])
def test_money_written_as_a_float_is_refused_even_when_whole(v3, price):
    body = product("cap", variants=[{"variantID": "v1", "title": "V", "status": "inStock", "price": price}])
    named = messages(v3.post("/products", json=body))
    assert named == ["variants[0].price: wrong field type, expected integer but got number"]
    assert v3.get("/products/cap").status_code == 404


def test_negative_price_is_refused(v3):
    body = product("cap", variants=[{"variantID": "v1", "title": "V", "status": "inStock", "price": -1}])
    assert messages(v3.post("/products", json=body)) == ["variants[0].price: value violates minimum 0"]


def test_a_product_needs_a_variant_and_at_most_ten_images(v3):
    assert messages(v3.post("/products", json=product("cap", variants=[]))) == ["variants: value violates minItems 1"]
    images = [{"imageID": f"i{n}", "url": f"https://shop.example.com/{n}.png"} for n in range(11)]
    assert messages(v3.post("/products", json=product("cap", images=images))) == ["images: value violates maxItems 10"]
    assert v3.post("/products", json=product("cap", images=images[:10])).status_code == 200
    put = {"title": "Cap", "status": "inStock", "currency": "EUR", "updatedAt": "2026-11-02T10:00:00Z",
           "images": images}
    assert messages(v3.put("/products/cap", json=put)) == ["images: value violates maxItems 10"]
    assert len(v3.get("/products/cap").json()["images"]) == 10  # the refused PUT changed nothing


def test_a_replace_may_leave_variants_out_and_keeps_them(v3):
    assert v3.post("/products", json=product("cap")).status_code == 200
    before = v3.get("/products/cap").json()["variants"]
    put = {"title": "Flat cap", "status": "inStock", "currency": "EUR", "updatedAt": "2026-11-02T10:00:00Z"}
    assert v3.put("/products/cap", json=put).status_code == 200  # the spec does not require variants
    after = v3.get("/products/cap").json()
    assert after["title"] == "Flat cap" and after["variants"] == before


def test_variant_ids_are_unique_within_a_product(v3):
    twice = [{"variantID": "v", "title": "A", "status": "inStock", "price": 1},
             {"variantID": "v", "title": "B", "status": "inStock", "price": 2}]
    named = messages(v3.post("/products", json=product("cap", variants=twice)))
    assert named == ["variants[1].variantID: variant v is given twice"]


def test_put_requires_updated_at_as_the_spec_does(v3):
    v3.post("/products", json=product("cap"))
    body = {k: v for k, v in product("cap").items() if k != "productID"}
    assert messages(v3.put("/products/cap", json=body)) == ["updatedAt: field required but not found in Json"]


def test_unknown_fields_pass_when_the_setting_allows(sb, v3):
    sb.settings.update({"v3_reject_unknown_fields": False})
    assert v3.post("/products", json=product("cap", shoeSize=44)).status_code == 200
    assert "shoeSize" not in v3.get("/products/cap").json()


def test_following_next_sees_every_product_once(v3):
    created = [f"p{n}" for n in range(7)]
    for product_id in created:
        assert v3.post("/products", json=product(product_id)).status_code == 200
    ids, pagings = follow(v3, "/products?limit=3", "productID")
    assert ids == created
    assert [p["offset"] for p in pagings] == [0, 3, 6]
    assert pagings[0]["previous"] is None and pagings[-1]["next"] is None
    for link in [p["next"] for p in pagings[:-1]] + [p["previous"] for p in pagings[1:]]:
        parts = urlsplit(link)
        assert (parts.scheme, parts.netloc, parts.path) == ("http", "sandbox.local", "/omnisend/v3/products/")
    assert parse_qs(urlsplit(pagings[1]["previous"]).query) == {"offset": ["0"], "limit": ["3"]}


def test_paging_links_keep_the_filters(v3):
    for n in range(3):
        v3.post("/products", json=product(f"p{n}", vendor="Knits"))
    next_link = v3.get("/products", params={"vendor": "Knits", "limit": 2}).json()["paging"]["next"]
    assert parse_qs(urlsplit(next_link).query) == {"vendor": ["Knits"], "offset": ["2"], "limit": ["2"]}
    assert [p["productID"] for p in v3.get(next_link).json()["products"]] == ["p2"]


def test_product_filters_and_sorts(sb, v3):
    v3.post("/products", json=product("a", vendor="Knits", type="hats", createdAt="2026-01-01T00:00:00Z"))
    sb.clock.advance(seconds=60)
    v3.post("/products", json=product("b", vendor="Knits", type="scarves", createdAt="2026-03-01T00:00:00Z"))
    sb.clock.advance(seconds=60)
    v3.post("/products", json=product("c", vendor="Wovens", type="hats", createdAt="2026-02-01T00:00:00Z"))

    def ids(**params):
        response = v3.get("/products", params=params)
        assert response.status_code == 200, response.text
        return [p["productID"] for p in response.json()["products"]]

    assert ids() == ["a", "b", "c"]  # creation order when no sort is asked
    assert ids(vendor="Knits") == ["a", "b"]
    assert ids(type="hats") == ["a", "c"]
    assert ids(vendor="Knits", type="hats") == ["a"]
    assert ids(sort="createdAt") == ["b", "c", "a"]
    assert ids(sort="updatedAt") == ["c", "b", "a"]


def test_bad_list_parameters_are_named_together(v3):
    named = messages(v3.get("/products", params={"sort": "price", "limit": "0", "offset": "-1"}))
    assert "'sort' can't be 'price'. Available values: createdAt,updatedAt" in named
    assert "limit: value violates minimum 1" in named
    assert "offset: value violates minimum 0" in named


# -- categories ----------------------------------------------------------------------------------

def test_category_create_get_list_replace_delete(sb, v3):
    response = v3.post("/categories", json={"categoryID": "c1", "title": "Hats", "createdAt": "2026-01-01T00:00:00Z"})
    assert response.status_code == 200 and response.json() == {"categoryID": "c1"}
    expected = {"categoryID": "c1", "title": "Hats", "createdAt": "2026-01-01T00:00:00Z", "updatedAt": "2026-11-02T10:00:00Z"}
    assert v3.get("/categories/c1").json() == expected
    assert v3.get("/categories").json()["categories"] == [expected]

    sb.clock.advance(seconds=120)
    response = v3.put("/categories/c1", json={"title": "Caps"})
    assert response.status_code == 200 and response.json() == {"categoryID": "c1"}
    assert v3.get("/categories/c1").json() == {"categoryID": "c1", "title": "Caps", "createdAt": "2026-11-02T10:02:00Z",
                                               "updatedAt": "2026-11-02T10:02:00Z"}

    assert v3.delete("/categories/c1").status_code == 204
    assert v3.get("/categories/c1").status_code == 404
    assert v3.get("/categories").json()["categories"] == []


def test_category_errors(v3):
    assert v3.get("/categories/nope").status_code == 404
    assert v3.put("/categories/nope", json={"title": "X"}).status_code == 404
    assert v3.delete("/categories/nope").status_code == 404
    named = messages(v3.post("/categories", json={"title": 5, "colour": "red", "createdAt": "yesterday"}))
    assert sorted(named) == sorted(["categoryID: field required but not found in Json",
                                    "title: wrong field type, expected string but got integer",
                                    "colour: unknown field", "createdAt: 'yesterday' is not a valid date-time"])
    v3.post("/categories", json={"categoryID": "c1", "title": "Hats"})
    taken = v3.post("/categories", json={"categoryID": "c1", "title": "Again"})
    assert taken.status_code == 400 and "fields" not in taken.json()
    assert messages(v3.put("/categories/c1", json={})) == ["title: field required but not found in Json"]


def test_category_sorts_and_paging(sb, v3):
    for category_id, title in (("c1", "beta"), ("c2", "Alpha"), ("c3", "gamma")):
        v3.post("/categories", json={"categoryID": category_id, "title": title})
        sb.clock.advance(seconds=10)
    v3.put("/categories/c1", json={"title": "beta", "createdAt": "2026-11-02T10:00:00Z"})  # updated last

    def ids(**params):
        return [c["categoryID"] for c in v3.get("/categories", params=params).json()["categories"]]

    assert ids() == ["c1", "c2", "c3"]
    assert ids(sort="title") == ["c2", "c1", "c3"]
    assert ids(sort="createdAt") == ["c3", "c2", "c1"]
    assert ids(sort="updatedAt") == ["c1", "c3", "c2"]
    assert v3.get("/categories", params={"sort": "name"}).status_code == 400
    seen, _ = follow(v3, "/categories?limit=2&sort=title", "categoryID")
    assert seen == ["c2", "c1", "c3"]
