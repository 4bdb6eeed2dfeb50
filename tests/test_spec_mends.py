"""Answers brought back in line with the published specs: each was found by a spec-driven run."""
from __future__ import annotations

from tests.conftest import new_contact
from tests.klaviyo_bodies import event_attributes, kl, new_profile, pointers, profile  # noqa: F401 (kl: fixture)


def test_get_profiles_takes_every_filter_and_sort_the_spec_allows(kl):
    new_profile(kl)
    suppressed = kl.get("/profiles", params={"filter": 'equals(subscriptions.email.marketing.suppression.reason,'
                                                       '"HARD_BOUNCE")'})
    assert suppressed.status_code == 200 and suppressed.json()["data"] == []  # no profile is suppressed
    since = kl.get("/profiles", params={
        "filter": "greater-than(subscriptions.email.marketing.list_suppressions.timestamp,2020-01-01T00:00:00Z)"})
    assert since.status_code == 200
    ordered = kl.get("/profiles", params={"sort": "-subscriptions.email.marketing.suppression.timestamp"})
    assert ordered.status_code == 200 and len(ordered.json()["data"]) == 1
    assert pointers(kl.get("/profiles", params={"filter": 'equals(title,"x")'})) == ["filter"]
    assert pointers(kl.get("/profiles", params={"sort": "title"})) == ["sort"]


def test_metrics_carry_their_integration(sb, kl):
    body = {"data": {"type": "event", "attributes": {**event_attributes("Viewed Product"), **{"profile": profile()}}}}
    assert kl.post("/events", json=body).status_code == 202
    sb.clock.advance(seconds=1)
    metric = kl.get("/metrics").json()["data"][0]["attributes"]
    assert metric["integration"]["name"] == "API" and metric["integration"]["category"] == "API"
    found = kl.get("/metrics", params={"filter": 'equals(integration.name,"API")'}).json()["data"]
    assert [m["attributes"]["name"] for m in found] == ["Viewed Product"]


def test_a_405_names_the_methods_the_path_takes(sb, api, kl, v3):
    assert kl.delete("/lists").headers["Allow"] == "GET, POST"  # the methods of the operation table
    assert v3.delete("/contacts").status_code == 405 and "POST" in v3.delete("/contacts").headers["Allow"]
    tags = api.get("/contacts/tags")  # the tagging endpoint, not a contact called "tags"
    assert tags.status_code == 405 and tags.headers["Allow"] == "DELETE, POST"
    assert api.patch("/contacts/tags", json={}).status_code == 405


def test_a_list_may_name_a_null_opt_in_process(kl):
    made = kl.post("/lists", json={"data": {"type": "list", "attributes": {"name": "VIP", "opt_in_process": None}}})
    assert made.status_code == 201 and made.json()["data"]["attributes"]["opt_in_process"] == "single_opt_in"


def test_v3_custom_properties_are_an_object_never_null(v3):
    contact_id = new_contact(v3)
    assert v3.get(f"/contacts/{contact_id}").json()["customProperties"] == {}


def test_v3_blank_query_values_are_values(v3):
    """`?status=` is not a status and `?limit=` not an integer: refused, where they were ignored."""
    new_contact(v3)
    for params, field in (({"email": ""}, "email"), ({"status": ""}, "status"), ({"limit": ""}, "limit")):
        refused = v3.get("/contacts", params=params)
        assert refused.status_code == 400 and field in str(refused.json()["fields"]), params
    assert v3.get("/contacts", params={"tag": ""}).status_code == 200  # any string is a tag, a blank one too


def test_an_image_uploads_from_a_file_as_multipart_form_data(kl):
    """The spec's one multipart body: it was refused as an unsupported media type (415)."""
    png = b"\x89PNG\r\n\x1a\n" + bytes(24)
    made = kl.post("/image-upload", files={"file": ("logo.png", png, "image/png")}, data={"hidden": "true"})
    assert made.status_code == 201, made.text
    image = made.json()["data"]
    expected = {"name": "logo.png", "format": "png", "size": len(png), "hidden": True}
    assert {name: image["attributes"][name] for name in expected} == expected
    assert kl.get(f"/images/{image['id']}").json()["data"]["attributes"]["name"] == "logo.png"
    assert pointers(kl.post("/image-upload", files={"other": ("x.png", png)})) == ["/data/attributes/file"]
    assert kl.post("/image-upload", content=b"{}", headers={"Content-Type": "text/plain"}).status_code == 415


def test_the_dated_line_lets_unknown_fields_through_when_told(sb, api):
    """Omnisend does not say it refuses fields its spec does not name: refusing them is a setting."""
    body = {"identifiers": [{"type": "email", "id": "ann@example.com"}], "shoeSize": 42}
    refused = api.post("/contacts", json=body)
    assert refused.status_code == 400 and refused.json()["errors"][0] == {
        "field": "shoeSize", "code": "unknown_field", "message": "Unknown field"}
    sb.settings.update({"api_reject_unknown_fields": False})
    assert api.post("/contacts", json=body).status_code == 201
    assert api.post("/contacts", json={"shoeSize": 42}).json()["errors"][0]["field"] == "identifiers"


def test_a_generic_create_refuses_malformed_relationships(kl):
    """They were dropped silently, so a merge naming no profile was answered 201 (Schemathesis's
    negative data)."""
    kept = new_profile(kl)

    def merge(relationships):
        return kl.post("/profile-merge", json={"data": {"type": "profile-merge", "id": kept,
                                                        "relationships": relationships}})
    assert pointers(merge({"profiles": {"data": [{"type": "planet", "id": "x"}]}})) == [
        "/data/relationships/profiles"]
    assert pointers(merge({"profiles": [{"type": "profile", "id": "x"}]})) == ["/data/relationships/profiles"]
    assert pointers(merge({"profiles": {"data": [{"type": "profile"}]}})) == ["/data/relationships/profiles"]
    assert pointers(merge({"moons": {"data": []}})) == ["/data/relationships/moons"]
    assert merge({"profiles": {"data": [{"type": "profile", "id": new_profile(kl, "bo@example.com")}]}}).status_code == 201
