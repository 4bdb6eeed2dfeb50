"""The seeded shopper-journey generator and the response model (scenarios/journeys.py)."""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import replace

import pytest

from simulator.scenarios.journeys import KINDS, Population, Responder, describe_parameters, generate, load_catalog, \
    load_parameters
from simulator.scenarios.model import ADD_TO_CART, INITIATE_CHECKOUT, PAGE_VIEW, PIXEL_EVENTS, PURCHASE, Delivered

HORIZON_DAYS = 30


@pytest.fixture(scope="module")
def params():
    return load_parameters()


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


@pytest.fixture(scope="module")
def crowd(params, catalog) -> Population:
    """20k visitors: enough for the calibration rates to settle within a point or two."""
    return generate(20_000, HORIZON_DAYS, 11, params, catalog)


def sessions_by_id(population: Population) -> dict[str, set[str]]:
    steps = defaultdict(set)
    for event in population.events:
        steps[event.session_id].add(event.name)
    return steps


def delivered(recipient: str, at: int, *, message_id="msg-1", workflow="Abandoned Cart", purpose="checkout",
              channel="email") -> Delivered:
    return Delivered(message_id=message_id, vendor="klaviyo", channel=channel, workflow_name=workflow,
                     recipient=recipient, at=at, purpose=purpose)


# --- fixtures and parameters -------------------------------------------------------------------

def test_every_parameter_has_a_kind_and_a_source(params):
    rows = describe_parameters()
    assert [row["name"] for row in rows] == list(params)
    for row in rows:
        assert row["kind"] in KINDS and row["source"].strip(), row
    assert params["native_cookie_days"] == 730 and params["native_cookie_days_short"] == 7
    assert params["native_cookie_days_short_from_link"] == 1 and params["pixel_cookie_days"] == 365


def test_overrides_replace_values_and_are_marked_in_the_table():
    params = load_parameters({"double_fire_rate": 0.0, "add_to_cart_rate": 0.1})
    assert params["double_fire_rate"] == 0.0 and params["add_to_cart_rate"] == 0.1
    rows = {row["name"]: row for row in describe_parameters({"double_fire_rate": 0.0})}
    assert rows["double_fire_rate"]["value"] == 0.0
    assert rows["double_fire_rate"]["kind"] == "scenario override"
    assert rows["double_fire_rate"]["source"].startswith("scenario override")
    assert rows["add_to_cart_rate"]["kind"] == "3rd-party"


def test_an_unknown_override_is_refused_by_name():
    with pytest.raises(KeyError) as refused:
        load_parameters({"double_fire_rate": 0.0, "add_to_kart_rate": 0.1})
    assert refused.value.args == ("add_to_kart_rate",)
    with pytest.raises(KeyError, match="add_to_kart_rate"):
        describe_parameters({"add_to_kart_rate": 0.1})


def test_an_override_that_breaks_a_bound_is_refused():
    with pytest.raises(ValueError, match="add_to_cart_rate"):
        load_parameters({"add_to_cart_rate": 0.9})  # more sessions adding than viewing a product


def test_an_override_changes_what_is_generated(catalog):
    population = generate(3000, HORIZON_DAYS, 2, load_parameters({"double_fire_rate": 0.0}), catalog)
    assert len({event.id for event in population.events}) == len(population.events)


def test_catalog_is_a_small_store(catalog):
    assert 20 <= len(catalog) <= 30
    assert 4 <= len({item["category"] for item in catalog}) <= 6
    assert len({item["id"] for item in catalog}) == len(catalog)
    for item in catalog:
        assert 15 <= item["price"] <= 250
        handle = item["url"].removeprefix("https://store.example/products/")
        assert re.fullmatch(r"[a-z0-9-]+", handle)
        assert item["image"] == f"https://store.example/images/{handle}.jpg"


# --- the generator -----------------------------------------------------------------------------

def test_same_seed_same_population_and_another_seed_another(params, catalog):
    first = generate(500, 14, 3, params, catalog)
    again = generate(500, 14, 3, params, catalog)
    other = generate(500, 14, 4, params, catalog)
    assert first.events == again.events and first.shoppers == again.shoppers and first.visits == again.visits
    assert first.events != other.events
    assert [s.email for s in first.shoppers.values()] != [s.email for s in other.shoppers.values()]


def test_the_first_shoppers_do_not_depend_on_the_visitor_count(params, catalog):
    few = generate(200, HORIZON_DAYS, 5, params, catalog)
    many = generate(2000, HORIZON_DAYS, 5, params, catalog)
    assert all(many.shoppers[shopper_id] == shopper for shopper_id, shopper in few.shoppers.items())
    assert all(many.visits[shopper_id] == visits for shopper_id, visits in few.visits.items())
    assert [event for event in many.events if event.shopper_id in few.shoppers] == few.events


def test_shoppers_have_unique_addresses_and_one_or_two_devices(crowd):
    shoppers = list(crowd.shoppers.values())
    assert shoppers[0].id == "shopper-000001" and shoppers[-1].id == "shopper-020000"
    emails = [shopper.email for shopper in shoppers]
    phones = [shopper.phone for shopper in shoppers]
    assert len(set(emails)) == len(emails) and len(set(phones)) == len(phones)
    assert all(re.fullmatch(r"[a-z._]+\d+@example\.(com|net|org)", email) for email in emails)
    assert all(re.fullmatch(r"\+1555\d{7}", phone) for phone in phones)
    assert all(crowd.recipients[s.email] == crowd.recipients[s.phone] == s.id for s in shoppers)
    device_counts = Counter(len(shopper.devices) for shopper in shoppers)
    assert set(device_counts) == {1, 2}
    assert all(device.id == f"{s.id}/d{n}" for s in shoppers for n, device in enumerate(s.devices, 1))
    assert len({s.first_name for s in shoppers}) > 100 and len({s.city for s in shoppers}) > 100


def test_safari_and_ios_devices_have_short_cookies(crowd, params):
    devices = [device for shopper in crowd.shoppers.values() for device in shopper.devices]
    assert all(device.short_cookies for device in devices if device.browser == "safari")
    assert not any(device.short_cookies for device in devices if device.kind == "desktop" and device.browser != "safari")
    assert not any(device.short_cookies for device in devices if device.browser == "samsung")
    mobile_chrome = Counter(device.short_cookies for device in devices if device.kind == "mobile" and device.browser == "chrome")
    assert mobile_chrome[True] and mobile_chrome[False]  # chrome on iOS, and on Android
    ios = sum(b["share"] for b in params["browser_mix_mobile"] if b["ios"])
    mobile = [device for device in devices if device.kind == "mobile"]
    assert sum(device.short_cookies for device in mobile) / len(mobile) == pytest.approx(ios, abs=0.02)
    desktop = [device for device in devices if device.kind == "desktop"]
    assert sum(device.ad_blocker for device in desktop) / len(desktop) == pytest.approx(0.30, abs=0.02)


def test_events_are_sorted_within_the_horizon_with_stable_ids(crowd):
    events = crowd.events
    assert events == sorted(events, key=lambda event: (event.at, event.id))
    assert all(0 <= event.at < HORIZON_DAYS * 86_400 and event.name in PIXEL_EVENTS for event in events)
    assert all(re.fullmatch(rf"ev-{event.shopper_id[-6:]}-\d+", event.id) for event in events)
    assert all(event.device_id.startswith(event.shopper_id + "/") for event in events)


def test_calibration_matches_the_sources(crowd, params):
    """The sources (littledata, Baymard via Klaviyo) count per visit, so the rates are per session."""
    steps = sessions_by_id(crowd)
    carts = sum(ADD_TO_CART in names for names in steps.values())
    orders = sum(PURCHASE in names for names in steps.values())
    assert carts / len(steps) == pytest.approx(params["add_to_cart_rate"], abs=0.006)
    assert orders / len(steps) == pytest.approx(params["visit_purchase_target"], abs=0.003)
    assert 1 - orders / carts == pytest.approx(params["cart_abandonment_target"], abs=0.04)
    identified = {event.shopper_id for event in crowd.events if event.email}
    assert len(identified) / len(crowd.shoppers) == pytest.approx(params["native_identified_share_target"], abs=0.03)
    assert 1.2 < len(steps) / len(crowd.shoppers) < 1.7  # some come back


def test_emails_appear_where_the_shopper_gives_them(crowd, params):
    for event in crowd.events:
        shopper = crowd.shoppers[event.shopper_id]
        if event.logged_in:
            assert event.email == shopper.email
        if event.name == PURCHASE:
            assert event.email_typed and event.email == shopper.email
        elif event.email_typed:
            assert event.name == INITIATE_CHECKOUT and event.email == shopper.email
        elif not event.logged_in:
            assert event.email is None
    guest = {e.id: e for e in crowd.events if e.name == INITIATE_CHECKOUT and not e.logged_in}.values()
    typed = sum(event.email_typed for event in guest) / len(guest)
    assert typed == pytest.approx(params["checkout_email_typed_rate"], abs=0.04)


def test_cart_checkout_and_order_properties_add_up(crowd):
    orders = [event for event in crowd.events if event.name == PURCHASE]
    assert orders
    for event in crowd.events:
        props = event.properties
        if event.name in (ADD_TO_CART, INITIATE_CHECKOUT, PURCHASE):
            total = round(sum(item["price"] * item["quantity"] for item in props["items"]), 2)
            assert props["revenue" if event.name == PURCHASE else "cart_value"] == total
        if event.name == ADD_TO_CART:
            assert props["product_id"] in {item["product_id"] for item in props["items"]}
            assert props["checkout_url"].startswith("https://store.example/cart/")
        if event.name == INITIATE_CHECKOUT:
            assert props["item_count"] == sum(item["quantity"] for item in props["items"])
            assert props["checkout_url"] == f"https://store.example/checkouts/{props['checkout_id']}/recover"
    assert len({event.properties["order_id"] for event in orders}) == len({event.id for event in orders})


def test_double_fires_repeat_the_event_a_second_or_two_later(crowd, params):
    by_id = defaultdict(list)
    for event in crowd.events:
        by_id[event.id].append(event)
    doubled = [copies for copies in by_id.values() if len(copies) > 1]
    assert all(len(copies) == 2 for copies in doubled)
    for first, second in doubled:
        assert second.at - first.at in (1, 2) and replace(second, at=first.at) == first
    assert len(doubled) / len(by_id) == pytest.approx(params["double_fire_rate"], abs=0.003)


# --- the response model ----------------------------------------------------------------------------

def cart_leavers(population: Population):
    """(shopper, visit) for sessions that left a cart and were not followed by a purchase."""
    for shopper_id, visits in population.visits.items():
        if any(v.purchased_at is not None for v in visits):
            continue
        for visit in visits:
            if visit.items:
                yield population.shoppers[shopper_id], visit
                break


def test_the_same_experience_gets_the_same_answer_whatever_the_flow_is_called(crowd, params):
    """Paired arms: the draws come from shopper, episode, purpose, position and channel, never from
    the flow's name or the message id, so a renamed clone meets the same shopper's same answer."""
    control, treatment = Responder(crowd, params, 11), Responder(crowd, params, 11)
    clicks = 0
    for shopper, visit in list(cart_leavers(crowd))[:400]:
        for position in (1, 2):
            at = visit.start + 3600 * 24 * position
            a = control.respond(delivered(shopper.email, at, message_id=f"ctl-{shopper.id}-{position}"))
            b = treatment.respond(delivered(shopper.email, at, message_id=f"trt-{shopper.id}-{position}",
                                            workflow=f"Clone {position} - Upstack Data"))
            assert (a.opened_at, a.clicked_at) == (b.opened_at, b.clicked_at)
            assert [replace(e, click=None) for e in a.events] == [replace(e, click=None) for e in b.events]
            if a.events:
                clicks += 1
                assert a.events[0].click.message_id.startswith("ctl-") and b.events[0].click.message_id.startswith("trt-")
                assert a.events[0].name == PAGE_VIEW and all(e.click is None for e in a.events[1:])
    assert clicks > 20


def test_purpose_and_position_each_draw_afresh(crowd, params):
    """A browse reminder and a checkout reminder at the same moment are different experiences, and
    so are a first and a second checkout reminder: their draws are independent."""
    always_open = {**params, "email_open_rate_first": 0.5, "email_open_rate_later": 0.5}
    by_purpose, by_position = [], []
    for shopper, visit in list(cart_leavers(crowd))[:300]:
        at = visit.start + 3600
        responder = Responder(crowd, always_open, 11)
        checkout = responder.respond(delivered(shopper.email, at)).opened_at is not None
        browse = responder.respond(delivered(shopper.email, at, purpose="browse")).opened_at is not None
        second = responder.respond(delivered(shopper.email, at)).opened_at is not None
        by_purpose.append(checkout == browse)
        by_position.append(checkout == second)
    # independent fair coins agree about half the time; the same draw would agree always
    assert 0.35 < sum(by_purpose) / len(by_purpose) < 0.65
    assert 0.35 < sum(by_position) / len(by_position) < 0.65


def test_browse_reminders_convert_less_than_cart_and_checkout_reminders(params):
    from simulator.scenarios.journeys import order_rate
    assert order_rate(params, "browse") < order_rate(params, "cart") < order_rate(params, "checkout")
    assert order_rate(params, "post-purchase") < order_rate(params, "cart")


def test_open_and_click_rates_follow_the_benchmark(crowd, params):
    leavers = list(cart_leavers(crowd))
    for position, opens, clicks in ((1, "email_open_rate_first", "email_click_rate_first"),
                                    (2, "email_open_rate_later", "email_click_rate_later")):
        responder = Responder(crowd, params, 11)
        answers = []
        for s, v in leavers:
            for _ in range(position):  # the answer to the shopper's n-th checkout reminder
                answer = responder.respond(delivered(s.email, v.start + 3600))
            answers.append(answer)
        opened = [a for a in answers if a.opened_at is not None]
        clicked = [a for a in answers if a.clicked_at is not None]
        assert len(opened) / len(answers) == pytest.approx(params[opens], abs=0.04)
        assert len(clicked) / len(answers) == pytest.approx(params[clicks], abs=0.03)
        assert all(a.opened_at is not None and a.opened_at < a.clicked_at for a in clicked)
    responder = Responder(crowd, params, 11)
    sms = [responder.respond(delivered(s.phone, v.start + 3600, channel="sms", workflow="AC SMS")) for s, v in leavers]
    assert all(a.opened_at is None for a in sms)
    assert sum(a.clicked_at is not None for a in sms) / len(sms) == pytest.approx(params["sms_click_rate"], abs=0.03)


def test_a_click_can_induce_one_order_per_episode(crowd):
    always = load_parameters({"email_open_rate_first": 1.0, "email_click_rate_first": 1.0, "email_open_rate_later": 1.0,
                              "email_click_rate_later": 1.0, "order_after_click_rate_checkout": 1.0,
                              "empty_cart_order_factor": 1.0})
    responder = Responder(crowd, always, 11)
    shopper, visit = next(cart_leavers(crowd))
    first = responder.respond(delivered(shopper.email, visit.start + 3600))
    assert [e.name for e in first.events][-2:] == [INITIATE_CHECKOUT, PURCHASE]
    order = first.events[-1]
    assert order.email_typed and order.email == shopper.email
    assert {item["product_id"] for item in order.properties["items"]} == {p["product_id"] for p, _ in visit.items}
    assert order.id == f"ev-{shopper.id[-6:]}-m{len(first.events)}"
    second = responder.respond(delivered(shopper.email, visit.start + 7200))
    assert second.clicked_at is not None and PURCHASE not in {e.name for e in second.events}
    assert second.events[0].id == f"ev-{shopper.id[-6:]}-m{len(first.events) + 1}"  # the counter goes on


def test_no_induced_order_when_the_shopper_buys_organically_soon_after(crowd):
    always = load_parameters({"email_open_rate_first": 1.0, "email_click_rate_first": 1.0,
                              "order_after_click_rate_checkout": 1.0, "empty_cart_order_factor": 1.0})
    responder = Responder(crowd, always, 11)
    lookahead = always["organic_purchase_lookahead_days"] * 86_400
    checked = 0
    for shopper_id, visits in crowd.visits.items():
        for before, buying in zip(visits, visits[1:]):
            if buying.purchased_at is None or buying.start - before.start < 7200:
                continue
            answer = responder.respond(delivered(crowd.shoppers[shopper_id].email, buying.start - 3600))
            assert answer.clicked_at is not None and answer.clicked_at + lookahead > buying.purchased_at
            assert PURCHASE not in {e.name for e in answer.events}
            checked += 1
    assert checked > 20


def test_an_unknown_recipient_does_not_react(crowd, params):
    answer = Responder(crowd, params, 11).respond(delivered("nobody@example.com", 3600))
    assert (answer.opened_at, answer.clicked_at, answer.events) == (None, None, [])
