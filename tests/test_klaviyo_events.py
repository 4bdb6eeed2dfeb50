"""Klaviyo events: 202 and processing on the clock (profile and metric made or updated), dedup by
unique_id or the time to the second, backfill, bulk jobs (all or nothing), listing with filters,
sorts, includes and paging, and what the account's listeners hear."""
from __future__ import annotations

from simulator.klaviyo.events import Event, events_of
from simulator.klaviyo.metrics import metrics_of
from simulator.klaviyo.profiles import profiles_of
from tests.klaviyo_bodies import (  # noqa: F401 (kl, account, heard are fixtures)
    account, bulk_entry, bulk_events, errors, event, event_attributes, every_page, heard, kl,
    pointers)


def processed(kl, **params) -> list[dict]:
    response = kl.get("/events", params=params)
    assert response.status_code == 200, response.text
    return response.json()["data"]


def test_an_event_is_processed_when_the_clock_reaches_the_delay(sb, kl, account, heard):
    response = kl.post("/events", json=event("ann@example.com", "Placed Order", {"first_name": "Ann"}, value=9.5,
                                              value_currency="USD", properties={"total": 9.5}))
    assert response.status_code == 202 and response.content == b""
    assert processed(kl) == [] and len(profiles_of(account).records) == 0
    sb.clock.advance(seconds=1)  # klaviyo_event_processing_seconds
    (data,) = processed(kl)
    attributes = data["attributes"]
    assert attributes["datetime"] == "2026-11-02T10:00:00Z"  # the time it was received
    assert attributes["timestamp"] == int(sb.clock.now().timestamp()) - 1
    assert attributes["event_properties"] == {"total": 9.5, "$value": 9.5}
    (metric,) = metrics_of(account).records
    assert metric.name == "Placed Order" and data["relationships"]["metric"]["data"] == {"type": "metric", "id": metric.id}
    (profile,) = profiles_of(account).records
    assert profile.get("email") == "ann@example.com" and profile.get("first_name") == "Ann"
    assert profile.last_event_date == sb.clock.now().replace(second=0)
    assert [type(h) for h in heard] == [Event] and heard[0].id == data["id"]
    assert kl.get(f"/events/{data['id']}").json()["data"] == data


def test_the_next_event_updates_the_profile_and_reuses_the_metric(sb, kl, account):
    kl.post("/events", json=event("ann@example.com", "Viewed Product", {"first_name": "Ann"}))
    sb.clock.advance(seconds=5)
    kl.post("/events", json=event("ann@example.com", "Viewed Product", {"last_name": "Lee", "first_name": None}))
    sb.clock.advance(seconds=5)
    (profile,) = profiles_of(account).records
    assert (profile.get("first_name"), profile.get("last_name")) == ("Ann", "Lee")  # null in an event: left alone
    assert len(metrics_of(account).records) == 1 and len(processed(kl)) == 2


def test_processing_delay_is_a_setting(sb, kl):
    sb.settings.update({"klaviyo_event_processing_seconds": 0})
    kl.post("/events", json=event())
    assert processed(kl) == []  # a frozen clock runs due work when it next moves
    sb.clock.advance(seconds=0)
    assert len(processed(kl)) == 1
    sb.settings.update({"klaviyo_event_processing_seconds": 60})
    kl.post("/events", json=event(time="2026-11-02T09:00:00Z"))
    sb.clock.advance(seconds=59)
    assert len(processed(kl)) == 1
    sb.clock.advance(seconds=1)
    assert len(processed(kl)) == 2


def test_dedup_by_unique_id_per_profile_and_metric(sb, kl):
    for who, metric in (("ann@example.com", "Placed Order"), ("ann@example.com", "Placed Order"),
                        ("bob@example.com", "Placed Order"), ("ann@example.com", "Refunded Order")):
        assert kl.post("/events", json=event(who, metric, unique_id="order-1")).status_code == 202
    sb.clock.advance(seconds=1)
    assert len(processed(kl)) == 3  # the repeat for ann + Placed Order is not recorded


def test_without_unique_id_the_key_is_the_time_to_the_second(sb, kl):
    kl.post("/events", json=event(time="2026-11-02T09:00:00.100Z"))
    kl.post("/events", json=event(time="2026-11-02T09:00:00.900Z"))  # the same second: dropped
    kl.post("/events", json=event(time="2026-11-02T09:00:01Z"))
    kl.post("/events", json=event())  # received at 10:00:00
    kl.post("/events", json=event())  # the same: dropped
    sb.clock.advance(seconds=1)
    assert [e["attributes"]["datetime"] for e in processed(kl)] == [
        "2026-11-02T09:00:00Z", "2026-11-02T09:00:01Z", "2026-11-02T10:00:00Z"]


def test_backfill_is_recorded_but_not_heard(sb, kl, heard):
    kl.post("/events", json=event(backfill=True, unique_id="old"))
    kl.post("/events", json=event(unique_id="new"))
    sb.clock.advance(seconds=1)
    assert len(processed(kl)) == 2
    assert [h.unique_id for h in heard] == ["new"] and heard[0].backfill is False


def test_event_bodies_name_every_problem(sb, kl):
    body = event("not-an-email", metric="", profile_attributes={"phone_number": "12", "colour": "red"},
                 time="1989-12-31T23:59:59Z", value="9")
    del body["data"]["attributes"]["properties"]
    found = pointers(kl.post("/events", json=body))
    assert sorted(found) == ["/data/attributes/metric/data/attributes/name", "/data/attributes/profile/data/attributes/colour",
                             "/data/attributes/properties", "/data/attributes/value"]
    semantic = event("not-an-email", profile_attributes={"phone_number": "12"}, time="1989-12-31T23:59:59Z")
    assert sorted(pointers(kl.post("/events", json=semantic))) == [
        "/data/attributes/profile/data/attributes/email", "/data/attributes/profile/data/attributes/phone_number",
        "/data/attributes/time"]
    assert pointers(kl.post("/events", json=event(time="2027-11-03T10:00:00Z"))) == ["/data/attributes/time"]
    assert pointers(kl.post("/events", json=event(None))) == ["/data/attributes/profile/data/attributes"]
    unknown = event(None)
    unknown["data"]["attributes"]["profile"]["data"]["id"] = "01AAAAAAAAAAAAAAAAAAAAAAAA"
    (missing,) = errors(kl.post("/events", json=unknown), 404)
    assert missing["source"] == {"pointer": "/data/attributes/profile/data/id"}
    sb.clock.advance(seconds=1)
    assert processed(kl) == []


def test_bulk_events_for_many_profiles(sb, kl, account, heard):
    body = bulk_events(
        bulk_entry({"email": "ann@example.com"}, [event_attributes("Viewed Product", unique_id="v1"),
                                                  event_attributes("Placed Order", unique_id="o1", value=5)]),
        bulk_entry({"email": "bob@example.com", "first_name": "Bob"}, [event_attributes("Viewed Product", unique_id="v1")],
                   backfill=True))
    response = kl.post("/event-bulk-create-jobs", json=body)
    assert response.status_code == 202 and response.content == b""
    sb.clock.advance(seconds=1)
    assert len(processed(kl)) == 3 and len(profiles_of(account).records) == 2
    assert [h.metric_name for h in heard] == ["Viewed Product", "Placed Order"]  # bob's entry is a backfill


def test_a_repeated_unique_id_in_a_bulk_job_fails_it_whole(sb, kl):
    body = bulk_events(
        bulk_entry({"email": "ann@example.com"}, [event_attributes("Viewed Product", unique_id="v1")]),
        bulk_entry({"email": "ANN@example.com"}, [event_attributes("Placed Order", unique_id="v1"),
                                                  event_attributes("Viewed Product", unique_id="v1")]))
    assert pointers(kl.post("/event-bulk-create-jobs", json=body)) == [
        "/data/attributes/events-bulk-create/data/1/attributes/events/data/1/attributes/unique_id"]
    sb.clock.advance(seconds=1)
    assert processed(kl) == []
    thousand = bulk_events(*[bulk_entry({"email": f"p{i}@example.com"}, [event_attributes()] * 2) for i in range(501)])
    assert pointers(kl.post("/event-bulk-create-jobs", json=thousand)) == ["/data/attributes/events-bulk-create/data"]


def test_filters_sorts_includes(sb, kl, account):
    kl.post("/events", json=event("ann@example.com", "Viewed Product", time="2026-11-01T08:00:00Z"))
    kl.post("/events", json=event("bob@example.com", "Placed Order", time="2026-11-01T09:00:00Z"))
    kl.post("/events", json=event("ann@example.com", "Placed Order", time="2026-11-01T07:00:00Z"))
    sb.clock.advance(seconds=1)
    ann = profiles_of(account).holder("email", "ann@example.com").id
    order = metrics_of(account).named("Placed Order", sb.clock.now()).id

    def times(**params):
        return [e["attributes"]["datetime"][11:16] for e in processed(kl, **params)]

    assert times() == ["07:00", "08:00", "09:00"]
    assert times(sort="-datetime") == times(sort="-timestamp") == ["09:00", "08:00", "07:00"]
    assert times(filter=f'equals(profile_id,"{ann}")') == ["07:00", "08:00"]
    assert times(filter=f'equals(metric_id,"{order}"),has(profile)') == ["07:00", "09:00"]
    assert times(filter="greater-than(datetime,2026-11-01T07:00:00Z)") == ["08:00", "09:00"]
    assert times(filter=f"less-or-equal(timestamp,{int(sb.clock.now().timestamp()) - 26 * 3600})") == ["07:00", "08:00"]
    assert pointers(kl.get("/events", params={"filter": 'equals(uuid,"x")'})) == ["filter"]
    assert pointers(kl.get("/events", params={"sort": "uuid"})) == ["sort"]
    body = kl.get("/events", params={"include": "metric,profile", "fields[event]": "datetime"}).json()
    assert all(set(e["attributes"]) == {"datetime"} for e in body["data"])
    assert sorted(i["type"] for i in body["included"]) == ["metric", "metric", "profile", "profile"]
    one = body["data"][0]["id"]
    assert [i["type"] for i in kl.get(f"/events/{one}", params={"include": "profile"}).json()["included"]] == ["profile"]
    assert pointers(kl.get("/events", params={"include": "flows"})) == ["include"]
    errors(kl.get("/events/NOPE"), 404)


def test_paging_to_the_end(sb, kl, account):
    for i in range(450):
        assert kl.post("/events", json=event(f"p{i % 7}@example.com", unique_id=f"u{i}")).status_code == 202
        if i % 300 == 299:
            sb.clock.advance(seconds=1)  # create_event allows 350 a second
    sb.clock.advance(seconds=1)
    seen, pages = every_page(kl, "/events")
    assert len(seen) == 450 and pages == 3 and len({e["id"] for e in seen}) == 450
    sized, pages = every_page(kl, "/events", **{"page[size]": "1000"})
    assert len(sized) == 450 and pages == 1
    assert pointers(kl.get("/events", params={"page[size]": "1001"})) == ["page[size]"]
    assert [e.unique_id for e in events_of(account).of()][:2] == ["u0", "u1"]
