"""Klaviyo lists: create, list and page, get with profile_count, add and remove members (404 for
unknown profiles, nothing changed), a list's profiles, and the listeners told of membership."""
from __future__ import annotations

from simulator.klaviyo.lists import MembershipChange, lists_of
from tests.klaviyo_bodies import (  # noqa: F401 (kl, account, heard are fixtures)
    account, errors, every_page, heard, kl, members, new_list, new_profile, pointers)


def test_create_and_get(kl):
    response = kl.post("/lists", json={"data": {"type": "list", "attributes": {"name": "VIP",
                                                                            "opt_in_process": "double_opt_in"}}})
    assert response.status_code == 201, response.text
    data = response.json()["data"]
    assert len(data["id"]) == 6 and data["attributes"]["opt_in_process"] == "double_opt_in"
    assert data["relationships"]["profiles"]["links"]["related"].endswith(f"/lists/{data['id']}/profiles/")
    plain = new_list(kl, "Plain")
    assert kl.get(f"/lists/{plain}").json()["data"]["attributes"]["opt_in_process"] == "single_opt_in"
    assert "profile_count" not in kl.get(f"/lists/{plain}").json()["data"]["attributes"]
    errors(kl.get("/lists/NOPE00"), 404)


def test_create_names_every_problem(kl):
    body = {"data": {"type": "lists", "attributes": {"opt_in_process": "triple", "colour": "red"}}}
    assert sorted(pointers(kl.post("/lists", json=body))) == [
        "/data/attributes/colour", "/data/attributes/name", "/data/attributes/opt_in_process", "/data/type"]


def test_lists_page_ten_at_most_and_filter(sb, kl):
    book = lists_of(sb.klaviyo_account(sb.company_id()))  # create_list allows 10 a second
    made = [book.create(f"List {i:02}", None, sb.clock.now()).id for i in range(23)]
    seen, pages = every_page(kl, "/lists")
    assert [x["id"] for x in seen] == made and pages == 3
    assert pointers(kl.get("/lists", params={"page[size]": "11"})) == ["page[size]"]
    assert [x["id"] for x in kl.get("/lists", params={"filter": 'equals(name,"List 05")'}).json()["data"]] == [made[5]]
    named = kl.get("/lists", params={"filter": 'any(name,["List 01","List 02"])'}).json()["data"]
    assert [x["id"] for x in named] == made[1:3]
    sb.clock.advance(hours=1)
    late = new_list(kl, "Late")
    since = kl.get("/lists", params={"filter": "greater-than(created,2026-11-02T10:30:00Z)"}).json()["data"]
    assert [x["id"] for x in since] == [late]
    assert kl.get("/lists", params={"sort": "-created"}).json()["data"][0]["id"] == late
    assert kl.get("/lists", params={"sort": "name"}).json()["data"][0]["id"] == late  # "Late" < "List 00"
    assert pointers(kl.get("/lists", params={"filter": "less-than(created,2026-11-02T10:30:00Z)"})) == ["filter"]


def test_add_and_remove_members(sb, kl, heard):
    news = new_list(kl)
    ann, bob = new_profile(kl, "ann@example.com"), new_profile(kl, "bob@example.com")
    response = kl.post(f"/lists/{news}/relationships/profiles", json=members(ann, bob))
    assert response.status_code == 204 and response.content == b""
    assert kl.post(f"/lists/{news}/relationships/profiles", json=members(ann)).status_code == 204  # already in
    assert kl.get(f"/lists/{news}", params={"additional-fields[list]": "profile_count"}).json()["data"]["attributes"][
        "profile_count"] == 2
    sb.clock.advance(minutes=1)
    assert kl.request("DELETE", f"/lists/{news}/relationships/profiles", json=members(ann)).status_code == 204
    listed = kl.get(f"/lists/{news}/profiles").json()["data"]
    assert [p["id"] for p in listed] == [bob] and listed[0]["attributes"]["joined_group_at"] == "2026-11-02T10:00:00Z"
    assert heard == [MembershipChange(news, ann, True, sb.clock.now().replace(minute=0)),
                     MembershipChange(news, bob, True, sb.clock.now().replace(minute=0)),
                     MembershipChange(news, ann, False, sb.clock.now())]


def test_unknown_profiles_are_404_each_and_nothing_changes(kl, heard):
    news = new_list(kl)
    ann = new_profile(kl)
    found = errors(kl.post(f"/lists/{news}/relationships/profiles", json=members(ann, "01NOPE", "01GONE")), 404)
    assert [(e["code"], e["source"]["pointer"]) for e in found] == [("not_found", "/data/1/id"), ("not_found", "/data/2/id")]
    assert kl.get(f"/lists/{news}/profiles").json()["data"] == [] and heard == []
    errors(kl.request("DELETE", f"/lists/{news}/relationships/profiles", json=members("01NOPE")), 404)
    errors(kl.post("/lists/NOPE00/relationships/profiles", json=members(ann)), 404)
    assert pointers(kl.post(f"/lists/{news}/relationships/profiles", json={"data": [{"type": "list", "id": 3}]})) == [
        "/data/0/id", "/data/0/type"]
    too_many = members(*[ann] * 1001)
    assert pointers(kl.post(f"/lists/{news}/relationships/profiles", json=too_many)) == ["/data"]


def test_list_profiles_filter_sort_and_page(sb, kl):
    news = new_list(kl)
    made = []
    for i in range(25):
        made.append(new_profile(kl, f"p{i:02}@example.com"))
        assert kl.post(f"/lists/{news}/relationships/profiles", json=members(made[-1])).status_code == 204
        sb.clock.advance(seconds=10)
    seen, pages = every_page(kl, f"/lists/{news}/profiles", **{"page[size]": "10"})
    assert [p["id"] for p in seen] == made and pages == 3
    newest = kl.get(f"/lists/{news}/profiles", params={"sort": "-joined_group_at"}).json()["data"]
    assert newest[0]["id"] == made[-1]
    since = kl.get(f"/lists/{news}/profiles", params={"filter": "greater-or-equal(joined_group_at,2026-11-02T10:03:50Z)"})
    assert [p["id"] for p in since.json()["data"]] == made[23:]
    by_email = kl.get(f"/lists/{news}/profiles", params={"filter": 'equals(email,"p03@example.com")'}).json()["data"]
    assert [p["id"] for p in by_email] == [made[3]]
    errors(kl.get("/lists/NOPE00/profiles"), 404)
