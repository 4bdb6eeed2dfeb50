"""Profile work done on the clock, through HTTP (answers checked against Klaviyo's schema): bulk
import jobs with per-row import errors and list linkage; bulk suppress and unsuppress, and a
suppressed profile's flow email skipped with the reason; profile merge and deletion requests."""
from __future__ import annotations

from tests.klaviyo_bodies import account, errors, event, kl, members, new_list, new_profile, pointers  # noqa: F401
from tests.test_klaviyo_flow_engine import create, mail, metric, metric_flow  # noqa: F401 (metric: fixture)
from tests.test_klaviyo_segments import definition, prop, segment


def row(email: str | None = None, **attributes) -> dict:
    if email is not None:
        attributes["email"] = email
    return {"type": "profile", "attributes": attributes}


def import_body(*rows: dict, lists: tuple[str, ...] = ()) -> dict:
    body = {"data": {"type": "profile-bulk-import-job", "attributes": {"profiles": {"data": list(rows)}}}}
    if lists:
        body["data"]["relationships"] = {"lists": {"data": [{"type": "list", "id": i} for i in lists]}}
    return body


def accepted(kl, path: str, body: dict) -> str:
    response = kl.post(path, json=body)
    assert response.status_code == 202, response.text
    return response.json()["data"]["id"]


def suppression(*emails: str, unsuppress: bool = False, list_id: str | None = None) -> dict:
    type_ = f"profile-suppression-bulk-{'delete' if unsuppress else 'create'}-job"
    attributes = {"profiles": {"data": [{"type": "profile", "attributes": {"email": e}}
                                        for e in emails]}} if emails else {}
    body = {"data": {"type": type_, "attributes": attributes}}
    if list_id:
        body["data"]["relationships"] = {"list": {"data": {"type": "list", "id": list_id}}}
    return body


def test_an_import_job_makes_and_updates_profiles_and_says_each_bad_row(sb, kl):
    ann = new_profile(kl, "ann@example.com", first_name="Ann")
    vip = new_list(kl, "VIP")
    job_id = accepted(kl, "/profile-bulk-import-jobs", import_body(
        row("ann@example.com", last_name="Lee"), row("not-an-email"), row(first_name="Nobody"), row("bob@example.com"),
        lists=(vip,)))
    job = kl.get(f"/profile-bulk-import-jobs/{job_id}").json()["data"]
    assert job["attributes"]["status"] == "queued" and job["attributes"]["total_count"] == 4
    assert kl.get(f"/profile-bulk-import-jobs/{job_id}/import-errors").json()["data"] == []
    sb.clock.advance(seconds=1)
    job = kl.get(f"/profile-bulk-import-jobs/{job_id}").json()["data"]["attributes"]
    assert (job["status"], job["completed_count"], job["failed_count"]) == ("complete", 2, 2)
    problems = kl.get(f"/profile-bulk-import-jobs/{job_id}/import-errors").json()["data"]
    assert [(p["attributes"]["code"], p["attributes"]["source"]["pointer"]) for p in problems] == [
        ("invalid", "/data/attributes/profiles/data/1/attributes/email"),
        ("invalid", "/data/attributes/profiles/data/2/attributes")]
    assert problems[0]["attributes"]["original_payload"] == row("not-an-email")
    imported = kl.get(f"/profile-bulk-import-jobs/{job_id}/profiles").json()["data"]
    assert [p["attributes"]["email"] for p in imported] == ["ann@example.com", "bob@example.com"]
    assert imported[0]["id"] == ann and imported[0]["attributes"]["last_name"] == "Lee"
    assert [p["id"] for p in kl.get(f"/lists/{vip}/profiles").json()["data"]] == [p["id"] for p in imported]
    assert [x["id"] for x in kl.get(f"/profile-bulk-import-jobs/{job_id}/lists").json()["data"]] == [vip]
    read = kl.get(f"/profile-bulk-import-jobs/{job_id}", params={"include": "lists"}).json()
    assert [x["id"] for x in read["included"]] == [vip] and read["data"]["relationships"]["lists"]["data"] == [
        {"type": "list", "id": vip}]


def test_import_rows_that_name_two_profiles_or_an_unknown_id_fail(sb, kl):
    new_profile(kl, "ann@example.com")
    new_profile(kl, "bob@example.com", external_id="B")
    job_id = accepted(kl, "/profile-bulk-import-jobs", import_body(
        row("ann@example.com", external_id="B"), {"type": "profile", "id": "01NOPE", "attributes": {}}))
    sb.clock.advance(seconds=1)
    problems = kl.get(f"/profile-bulk-import-jobs/{job_id}/import-errors").json()["data"]
    assert [p["attributes"]["code"] for p in problems] == ["invalid", "not_found"]
    assert "already exists" in problems[0]["attributes"]["detail"]


def test_an_import_job_refuses_unknown_lists_and_bad_shapes(kl):
    assert errors(kl.post("/profile-bulk-import-jobs", json=import_body(row("a@example.com"), lists=("NOPE",))), 404)[0][
        "source"]["pointer"] == "/data/relationships/lists/data/0/id"
    assert pointers(kl.post("/profile-bulk-import-jobs", json=import_body({"type": "list", "attributes": {}}))) == [
        "/data/attributes/profiles/data/0/type"]
    assert kl.get("/profile-bulk-import-jobs").json()["data"] == []


def test_suppressed_profiles_get_no_flow_email_until_unsuppressed(sb, kl, metric):
    checkout = metric("Started Checkout")
    create(kl, metric_flow(checkout))
    ann = new_profile(kl, "ann@example.com")
    job_id = accepted(kl, "/profile-suppression-bulk-create-jobs", suppression("ann@example.com", "new@example.com"))
    sb.clock.advance(seconds=1)
    job = kl.get(f"/profile-suppression-bulk-create-jobs/{job_id}").json()["data"]["attributes"]
    assert (job["status"], job["total_count"], job["completed_count"]) == ("complete", 2, 2)
    email = kl.get(f"/profiles/{ann}", params={"additional-fields[profile]": "subscriptions"}).json()["data"][
        "attributes"]["subscriptions"]["email"]["marketing"]
    assert email["can_receive_email_marketing"] is False and email["suppression"][0]["reason"] == "USER_SUPPRESSED"
    assert [p["attributes"]["email"] for p in kl.get("/profiles").json()["data"]] == ["ann@example.com", "new@example.com"]

    kl.post("/events", json=event("ann@example.com", "Started Checkout"))
    sb.clock.advance(hours=2)
    assert mail(sb) == []
    (run,) = sb.runs(vendor="klaviyo")
    assert run["steps"][-1]["outcome"] == "skipped" and "suppressed (USER_SUPPRESSED)" in run["steps"][-1]["reason"]

    job_id = accepted(kl, "/profile-suppression-bulk-delete-jobs", suppression("ann@example.com", "x@example.com",
                                                                               unsuppress=True))
    sb.clock.advance(seconds=1)
    job = kl.get(f"/profile-suppression-bulk-delete-jobs/{job_id}").json()["data"]["attributes"]
    assert (job["completed_count"], job["skipped_count"]) == (1, 1)
    kl.post("/events", json=event("ann@example.com", "Started Checkout", time="2026-11-02T12:30:00Z"))
    sb.clock.advance(hours=2)
    assert [m["recipient"] for m in mail(sb)] == ["ann@example.com"]


def test_suppressing_a_list_means_its_members_and_one_target_is_required(sb, kl):
    vip = new_list(kl, "VIP")
    ann, bob = new_profile(kl, "ann@example.com"), new_profile(kl, "bob@example.com")
    kl.post(f"/lists/{vip}/relationships/profiles", json=members(ann))
    job_id = accepted(kl, "/profile-suppression-bulk-create-jobs", suppression(list_id=vip))
    sb.clock.advance(seconds=1)
    assert kl.get(f"/profile-suppression-bulk-create-jobs/{job_id}").json()["data"]["relationships"]["lists"]["data"] == [
        {"type": "list", "id": vip}]
    reason = {"filter": "equals(subscriptions.email.marketing.suppression.reason,'USER_SUPPRESSED')"}
    assert [p["id"] for p in kl.get("/profiles", params=reason).json()["data"]] == [ann]
    since = {"filter": "greater-than(subscriptions.email.marketing.suppression.timestamp,2026-11-02T00:00:00Z)"}
    assert [p["id"] for p in kl.get("/profiles", params=since).json()["data"]] == [ann]
    by_time = kl.get("/profiles", params={"sort": "-subscriptions.email.marketing.suppression.timestamp"}).json()
    assert [p["id"] for p in by_time["data"]] == [ann, bob]  # bob has none: last either way
    assert pointers(kl.post("/profile-suppression-bulk-create-jobs", json=suppression())) == ["/data"]
    assert pointers(kl.post("/profile-suppression-bulk-create-jobs", json=suppression("ann@example.com", list_id=vip))) == [
        "/data"]
    assert pointers(kl.post("/profile-suppression-bulk-create-jobs", json=suppression("nope"))) == [
        "/data/attributes/profiles/data/0/attributes/email"]


def merge_body(destination: str, *sources: str) -> dict:
    return {"data": {"type": "profile-merge", "id": destination,
                     "relationships": {"profiles": {"data": [{"type": "profile", "id": s} for s in sources]}}}}


def test_merge_keeps_the_destination_and_takes_the_sources_events_and_lists(sb, kl):
    ann = new_profile(kl, "ann@example.com", first_name="Ann")
    typo = new_profile(kl, "ann@exmaple.com", first_name="Annie", last_name="Lee", phone_number="+15005550006")
    vip = new_list(kl, "VIP")
    kl.post(f"/lists/{vip}/relationships/profiles", json=members(typo))
    kl.post("/events", json=event("ann@exmaple.com", "Placed Order"))
    sb.clock.advance(seconds=1)
    answer = kl.post("/profile-merge", json=merge_body(ann, typo))
    assert answer.status_code == 201 and answer.json()["data"]["id"] == ann
    assert kl.get(f"/profiles/{typo}").status_code == 200  # queued, not done yet
    sb.clock.advance(seconds=1)
    errors(kl.get(f"/profiles/{typo}"), 404)
    merged = kl.get(f"/profiles/{ann}").json()["data"]["attributes"]
    assert (merged["email"], merged["first_name"], merged["last_name"], merged["phone_number"]) == (
        "ann@example.com", "Ann", "Lee", "+15005550006")
    assert [e["relationships"]["profile"]["data"]["id"] for e in kl.get("/events").json()["data"]] == [ann]
    assert [p["id"] for p in kl.get(f"/lists/{vip}/profiles").json()["data"]] == [ann]
    assert new_profile(kl, "ann@exmaple.com")  # the source's email is free again


def test_merge_refuses_what_cannot_be_merged(kl):
    ann = new_profile(kl)
    assert pointers(kl.post("/profile-merge", json=merge_body(ann, ann))) == ["/data/relationships/profiles/data/0/id"]
    assert pointers(kl.post("/profile-merge", json=merge_body(ann))) == ["/data/relationships/profiles/data"]
    assert [e["source"]["pointer"] for e in errors(kl.post("/profile-merge", json=merge_body(ann, "01NOPE")), 404)] == [
        "/data/relationships/profiles/data/0/id"]


def deletion(**who) -> dict:
    profile_id = who.pop("id", None)
    data = {"type": "profile", "attributes": who}
    if profile_id:
        data["id"] = profile_id
    return {"data": {"type": "data-privacy-deletion-job", "attributes": {"profile": {"data": data}}}}


def test_a_deletion_request_deletes_the_profile_its_events_and_memberships_on_the_clock(sb, kl):
    ann, bob = new_profile(kl, "ann@example.com"), new_profile(kl, "bob@example.com")
    vip = new_list(kl, "VIP")
    kl.post(f"/lists/{vip}/relationships/profiles", json=members(ann, bob))
    kl.post("/events", json=event("ann@example.com"))
    sb.clock.advance(seconds=1)
    answer = kl.post("/data-privacy-deletion-jobs", json=deletion(email="ANN@example.com"))
    assert answer.status_code == 202 and answer.content == b""
    assert kl.get(f"/profiles/{ann}").status_code == 200
    sb.clock.advance(seconds=1)
    errors(kl.get(f"/profiles/{ann}"), 404)
    assert kl.get("/events").json()["data"] == []
    assert [p["id"] for p in kl.get(f"/lists/{vip}/profiles").json()["data"]] == [bob]
    assert kl.post("/data-privacy-deletion-jobs", json=deletion(id=bob)).status_code == 202
    assert kl.post("/data-privacy-deletion-jobs", json=deletion(email="nobody@example.com")).status_code == 202
    sb.clock.advance(seconds=1)
    assert kl.get("/profiles").json()["data"] == []
    assert pointers(kl.post("/data-privacy-deletion-jobs", json=deletion(id=bob, email="bob@example.com"))) == [
        "/data/attributes/profile/data"]


def test_a_run_whose_profile_is_deleted_exits(sb, kl, metric):
    create(kl, metric_flow(metric("Started Checkout")))
    kl.post("/events", json=event("ann@example.com", "Started Checkout"))
    sb.clock.advance(minutes=1)
    kl.post("/data-privacy-deletion-jobs", json=deletion(email="ann@example.com"))
    sb.clock.advance(hours=2)
    assert mail(sb) == []
    (run,) = sb.runs(vendor="klaviyo")
    assert (run["status"], run["reason"]) == ("exited", "the profile no longer exists")


def test_queued_jobs_survive_a_snapshot(sb, kl):
    """Queued work is data (module-level functions and partials), so a snapshot taken while it
    waits restores it, and the restored sandbox completes it the same way."""
    ann, typo = new_profile(kl, "ann@example.com"), new_profile(kl, "ann@exmaple.com", first_name="Annie")
    accepted(kl, "/profile-bulk-import-jobs", import_body(row("bob@example.com"), row("bad")))
    accepted(kl, "/catalog-item-bulk-create-jobs", {"data": {"type": "catalog-item-bulk-create-job", "attributes": {
        "items": {"data": [{"type": "catalog-item", "attributes": {"external_id": "A", "title": "A"}}]}}}})
    kl.post("/profile-merge", json=merge_body(ann, typo))
    sim = sb.client("sim")
    assert sim.post("/snapshots", json={"name": "queued"}).status_code == 201

    def outcome() -> tuple:
        sb.clock.advance(seconds=1)
        jobs = [kl.get(path).json()["data"][0]["attributes"] for path in ("/profile-bulk-import-jobs",
                                                                          "/catalog-item-bulk-create-jobs")]
        return ([(j["status"], j["completed_count"], j["failed_count"]) for j in jobs],
                [(p["id"], p["attributes"]["first_name"]) for p in kl.get("/profiles").json()["data"]])
    first = outcome()
    assert first[0] == [("complete", 1, 1), ("complete", 0, 1)] and (ann, "Annie") in first[1]
    assert sim.post("/snapshots/queued/restore").status_code == 200
    assert outcome() == first


def unsubscribe_body(*emails: str, list_id: str | None = None) -> dict:
    body = {"data": {"type": "profile-subscription-bulk-delete-job", "attributes": {"profiles": {"data": [
        {"type": "profile", "attributes": {"email": e, "subscriptions": {"email": {"marketing": {"consent": "UNSUBSCRIBED"}}}}}
        for e in emails]}}}}
    if list_id:
        body["data"]["relationships"] = {"list": {"data": {"type": "list", "id": list_id}}}
    return body


def test_bulk_unsubscribe_stops_email_and_list_members_only_leave_the_list(sb, kl, metric):
    create(kl, metric_flow(metric("Started Checkout")))
    vip = new_list(kl, "VIP")
    ann, bob = new_profile(kl, "ann@example.com"), new_profile(kl, "bob@example.com")
    kl.post(f"/lists/{vip}/relationships/profiles", json=members(ann))
    answer = kl.post("/profile-subscription-bulk-delete-jobs", json=unsubscribe_body("ann@example.com", "bob@example.com",
                                                                                    list_id=vip))
    assert answer.status_code == 202 and answer.content == b""
    sb.clock.advance(seconds=1)
    assert kl.get(f"/lists/{vip}/profiles").json()["data"] == []
    consent = {p["attributes"]["email"]: p["attributes"]["subscriptions"]["email"]["marketing"]["consent"]
               for p in kl.get("/profiles", params={"additional-fields[profile]": "subscriptions"}).json()["data"]}
    assert consent == {"ann@example.com": "NEVER_SUBSCRIBED", "bob@example.com": "UNSUBSCRIBED"}
    for who in ("ann@example.com", "bob@example.com"):
        kl.post("/events", json=event(who, "Started Checkout"))
    sb.clock.advance(hours=2)
    assert [m["recipient"] for m in mail(sb)] == ["ann@example.com"]
    assert pointers(kl.post("/profile-subscription-bulk-delete-jobs", json=unsubscribe_body("nope"))) == [
        "/data/attributes/profiles/data/0/attributes/email"]
    assert errors(kl.post("/profile-subscription-bulk-delete-jobs", json=unsubscribe_body("a@example.com", list_id="NOPE")),
                  404)[0]["source"]["pointer"] == "/data/relationships/list/data/id"


def test_suppressing_a_segment_means_its_members_and_a_deleted_profile_leaves_its_segments(sb, kl, account):
    vips = segment(account, definition([prop("properties['tier']", "equals", "gold")]), sb.clock.now())
    ann = new_profile(kl, "ann@example.com", properties={"tier": "gold"})
    new_profile(kl, "bob@example.com")
    assert [p["id"] for p in kl.get(f"/segments/{vips}/profiles").json()["data"]] == [ann]
    body = {"data": {"type": "profile-suppression-bulk-create-job", "attributes": {},
                     "relationships": {"segment": {"data": {"type": "segment", "id": vips}}}}}
    accepted(kl, "/profile-suppression-bulk-create-jobs", body)
    sb.clock.advance(seconds=1)
    reason = {"filter": "equals(subscriptions.email.marketing.suppression.reason,'USER_SUPPRESSED')"}
    assert [p["id"] for p in kl.get("/profiles", params=reason).json()["data"]] == [ann]
    kl.post("/data-privacy-deletion-jobs", json=deletion(id=ann))
    sb.clock.advance(seconds=1)
    assert kl.get(f"/segments/{vips}/profiles").json()["data"] == []
