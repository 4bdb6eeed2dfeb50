"""Klaviyo profiles: create, 409 duplicate_profile, get, PATCH, profile-import, list with filter,
sort, sparse and additional fields, paging, ULID-like ids, and scope refusals."""
from __future__ import annotations

import re

from simulator import Sandbox
from tests.conftest import START
from tests.klaviyo_bodies import (  # noqa: F401 (kl is a fixture)
    KEY, errors, every_page, kl, new_list, new_profile, pointers, profile)


def test_create_answers_201_with_the_profile(sb, kl):
    response = kl.post("/profiles", json=profile("ann@example.com", first_name="Ann", phone_number="+15005550006",
                                                 location={"city": "Vilnius", "latitude": 54.68},
                                                 properties={"plan": "gold"}))
    assert response.status_code == 201, response.text
    data = response.json()["data"]
    assert re.fullmatch(r"01[0-9A-HJKMNP-TV-Z]{24}", data["id"])  # ULID: Crockford base32, time first
    attributes = data["attributes"]
    assert attributes["email"] == "ann@example.com" and attributes["first_name"] == "Ann"
    assert attributes["location"]["city"] == "Vilnius" and attributes["location"]["zip"] is None
    assert attributes["properties"] == {"plan": "gold"}
    assert attributes["created"] == attributes["updated"] == "2026-11-02T10:00:00Z"
    assert "subscriptions" not in attributes
    assert data["links"]["self"] == f"http://sandbox.local/klaviyo/api/profiles/{data['id']}/"
    assert data["relationships"]["lists"]["links"]["related"].endswith(f"/profiles/{data['id']}/lists/")
    assert kl.get(f"/profiles/{data['id']}").json()["data"]["attributes"] == attributes


def test_ids_sort_in_creation_order_and_carry_the_clock(sb, kl):
    first = new_profile(kl, "a@example.com")
    second = new_profile(kl, "b@example.com")
    sb.clock.advance(days=400)
    third = new_profile(kl, "c@example.com")
    assert first < second < third
    assert first[:10] == second[:10] != third[:10]  # the time part: 48 bits of milliseconds


def test_an_identifier_already_held_is_a_409_duplicate_profile(kl):
    ann = new_profile(kl, "ann@example.com", external_id="crm-1")
    for clash in (profile("ANN@example.com"), profile("new@example.com", external_id="crm-1")):
        (error,) = errors(kl.post("/profiles", json=clash), 409)
        assert error["code"] == "duplicate_profile" and error["title"] == "Conflict."
        assert error["meta"] == {"duplicate_profile_id": ann}
        assert error["source"] == {"pointer": "/data/attributes"}


def test_create_names_every_problem_at_once(kl):
    body = {"data": {"type": "profiles", "attributes": {"email": 5, "anonymous_id": "x", "first_name": None,
                                                         "location": {"city": 3}}}}
    assert sorted(pointers(kl.post("/profiles", json=body))) == [
        "/data/attributes/anonymous_id", "/data/attributes/email", "/data/attributes/location/city", "/data/type"]
    found = pointers(kl.post("/profiles", json=profile("not-an-email", phone_number="555")))
    assert found == ["/data/attributes/email", "/data/attributes/phone_number"]
    (needs_id,) = errors(kl.post("/profiles", json=profile(None, first_name="Ann")), 400)
    assert needs_id["source"] == {"pointer": "/data/attributes"} and "email" in needs_id["detail"]


def test_unknown_profile_is_404(kl):
    (error,) = errors(kl.get("/profiles/01AAAAAAAAAAAAAAAAAAAAAAAA"), 404)
    assert error["code"] == "not_found"
    body = {"data": {"type": "profile", "id": "01AAAAAAAAAAAAAAAAAAAAAAAA", "attributes": {}}}
    errors(kl.patch("/profiles/01AAAAAAAAAAAAAAAAAAAAAAAA", json=body), 404)


def test_patch_clears_nulls_leaves_the_absent_and_guards_identifiers(sb, kl):
    ann = new_profile(kl, "ann@example.com", first_name="Ann", last_name="Lee", properties={"a": 1, "b": 2},
                      location={"city": "Vilnius", "zip": "01100"})
    bob = new_profile(kl, "bob@example.com")
    sb.clock.advance(minutes=5)
    body = {"data": {"type": "profile", "id": ann, "attributes": {
        "last_name": None, "title": "CTO", "properties": {"b": 3}, "location": {"zip": None}},
        "meta": {"patch_properties": {"append": {"tags": "vip"}, "unset": "a"}}}}
    attributes = kl.patch(f"/profiles/{ann}", json=body).json()["data"]["attributes"]
    assert (attributes["first_name"], attributes["last_name"], attributes["title"]) == ("Ann", None, "CTO")
    assert attributes["properties"] == {"b": 3, "tags": ["vip"]}
    assert (attributes["location"]["city"], attributes["location"]["zip"]) == ("Vilnius", None)
    assert attributes["updated"] == "2026-11-02T10:05:00Z" and attributes["created"] == "2026-11-02T10:00:00Z"
    taken = {"data": {"type": "profile", "id": ann, "attributes": {"email": "bob@example.com"}}}
    assert errors(kl.patch(f"/profiles/{ann}", json=taken), 409)[0]["meta"] == {"duplicate_profile_id": bob}
    mismatch = {"data": {"type": "profile", "id": bob, "attributes": {"title": "x"}}}
    (error,) = errors(kl.patch(f"/profiles/{ann}", json=mismatch), 409)
    assert error["source"] == {"pointer": "/data/id"}
    assert kl.get(f"/profiles/{bob}").json()["data"]["attributes"]["title"] is None


def test_profile_import_creates_then_updates(sb, kl):
    first = kl.post("/profile-import", json=profile("ann@example.com", first_name="Ann", last_name="Lee"))
    assert first.status_code == 201
    ann = first.json()["data"]["id"]
    again = kl.post("/profile-import", json=profile("ann@example.com", phone_number="+15005550006", last_name=None))
    assert again.status_code == 200 and again.json()["data"]["id"] == ann
    attributes = again.json()["data"]["attributes"]
    assert (attributes["first_name"], attributes["last_name"], attributes["phone_number"]) == ("Ann", None, "+15005550006")
    by_id = kl.post("/profile-import", json={"data": {"type": "profile", "id": ann, "attributes": {"title": "CEO"}}})
    assert by_id.status_code == 200 and by_id.json()["data"]["attributes"]["title"] == "CEO"
    bob = new_profile(kl, "bob@example.com", external_id="crm-2")
    (error,) = errors(kl.post("/profile-import", json=profile("ann@example.com", external_id="crm-2")), 409)
    assert error["code"] == "duplicate_profile" and error["meta"] == {"duplicate_profile_id": bob}
    assert kl.post("/profile-import", json=profile(None, _kx="kx-token")).status_code == 201


def test_list_filters(sb, kl):
    ann = new_profile(kl, "ann@example.com", external_id="e1")
    sb.clock.advance(hours=1)
    bob = new_profile(kl, "bob@example.com", phone_number="+15005550006")
    cid = new_profile(kl, "cid@example.com")
    kl.post("/profile-import", json=profile(None, _kx="kx-1", external_id="e9"))

    def ids(expression):
        response = kl.get("/profiles", params={"filter": expression})
        assert response.status_code == 200, response.text
        return [p["id"] for p in response.json()["data"]]

    assert ids('equals(email,"ANN@example.com")') == [ann]
    assert ids('any(email,["bob@example.com","cid@example.com"])') == [bob, cid]
    assert ids('equals(phone_number,"+15005550006")') == [bob]
    assert ids(f'any(id,["{ann}","{cid}"])') == [ann, cid]
    assert ids('equals(external_id,"e1")') == [ann]
    assert len(ids('equals(_kx,"kx-1")')) == 1
    assert ids("greater-than(created,2026-11-02T10:30:00Z),less-than(created,2026-11-02T12:00:00Z)")[:2] == [bob, cid]
    assert ids("less-than(updated,2026-11-02T10:30:00Z)") == [ann]
    for wrong in ('equals(first_name,"Ann")', 'greater-than(email,"a")', 'contains(email,"a")'):
        assert pointers(kl.get("/profiles", params={"filter": wrong})) == ["filter"]


def test_sort_sparse_and_additional_fields(kl):
    for email in ("cid@example.com", "ann@example.com", "bob@example.com"):
        new_profile(kl, email)
    found = kl.get("/profiles", params={"sort": "-email", "fields[profile]": "email,location.city"}).json()["data"]
    assert [p["attributes"] for p in found] == [{"email": e, "location": {"city": None}}
                                                for e in ("cid@example.com", "bob@example.com", "ann@example.com")]
    assert pointers(kl.get("/profiles", params={"sort": "first_name"})) == ["sort"]
    extra = kl.get("/profiles", params={"additional-fields[profile]": "subscriptions,predictive_analytics"})
    attributes = extra.json()["data"][0]["attributes"]
    assert attributes["subscriptions"]["email"]["marketing"]["consent"] == "NEVER_SUBSCRIBED"
    assert attributes["predictive_analytics"]["historic_clv"] is None
    assert pointers(kl.get("/profiles", params={"additional-fields[profile]": "scores"})) == ["additional-fields[profile]"]


def test_paging_follows_next_to_the_end(kl):
    made = [new_profile(kl, f"p{i:02}@example.com") for i in range(45)]
    seen, pages = every_page(kl, "/profiles", **{"page[size]": "20"})
    assert [p["id"] for p in seen] == made and pages == 3
    default, _ = every_page(kl, "/profiles")
    assert len(default) == 45
    first = kl.get("/profiles").json()
    assert len(first["data"]) == 20 and "next" in first["links"]
    for size in ("0", "101", "x"):
        assert pointers(kl.get("/profiles", params={"page[size]": size})) == ["page[size]"]


def test_get_profile_includes_its_lists(kl):
    ann = new_profile(kl)
    news = new_list(kl, "News")
    assert kl.post(f"/lists/{news}/relationships/profiles", json={"data": [{"type": "profile", "id": ann}]}).status_code == 204
    body = kl.get(f"/profiles/{ann}", params={"include": "lists"}).json()
    assert body["data"]["relationships"]["lists"]["data"] == [{"type": "list", "id": news}]
    assert [i["id"] for i in body["included"]] == [news]
    assert pointers(kl.get(f"/profiles/{ann}", params={"include": "events"})) == ["include"]


def test_scopes_from_the_keys_file_are_enforced(tmp_path):
    keys = tmp_path / "keys.yaml"
    keys.write_text(f"klaviyo:\n  - key: {KEY}\n    company_id: AbC123\n    scopes: [profiles:read, events:write]\n")
    closed = Sandbox(start=START, keys=keys)
    kl = closed.client("klaviyo-api")
    assert kl.get("/profiles").status_code == 200
    (error,) = errors(kl.post("/profiles", json=profile()), 403)
    assert error["code"] == "permission_denied" and "profiles:write" in error["detail"]
    assert "lists:read" in errors(kl.get("/lists"), 403)[0]["detail"]
    assert kl.post("/events", json={"data": {}}).status_code == 400  # allowed: the body is what is wrong
