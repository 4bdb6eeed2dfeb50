"""Hostile input on every surface: each class of input that once reached a 500 (issue 12) is a case
here and must get its vendor's own 4xx, in the vendor's error shape, leaving nothing changed.

The v3 body sweep (tests/test_v3_malformed.py) covers the generic body classes route by route;
this sweep covers what is specific to one parser or one route: flow filters the contract leaves
unchecked, the Klaviyo `filter` language, dated-API cursors, the clock, the OAuth token endpoint,
the admin token, numbers too large for a float and emails the vendors refuse. Two generated sweeps
follow: odd values for every common query parameter on every GET route, and a wrong JSON type at
every place of the standard flows and automations (the bodies with the deepest rules behind them)."""
from __future__ import annotations

import base64
import copy
import json
import re

import httpx
import pytest

from simulator.fixtures import FOLDER
from simulator.klaviyo.fixtures import standard_flow
from simulator.klaviyo.flows import flows_of
from simulator.klaviyo.metrics import metrics_of
from tests.conftest import START, CheckedSandbox

JSON = {"Content-Type": "application/json"}


@pytest.fixture(scope="module")
def box():
    """One sandbox for the sweep (building one per case is slow); each case resets it first."""
    return CheckedSandbox(seed=7, start=START)


def _flow(box, filters) -> httpx.Response:
    """POST /flows with a WhatsApp action whose message carries `filters` (a shape the contract
    does not check: the email action's twin is a 400 from the contract)."""
    account = box.klaviyo_account(box.company_id())
    metric = metrics_of(account).named("Started Checkout", box.clock.now()).id
    definition = {"triggers": [{"type": "metric", "id": metric}], "entry_action_id": "say",
                  "actions": [{"temporary_id": "say", "type": "send-whatsapp", "links": {"next": None},
                               "data": {"message": {"additional_filters": filters}}}]}
    return box.client("klaviyo-api").post("/flows", json={
        "data": {"type": "flow", "attributes": {"name": "Hostile", "definition": definition}}})


def _contact(email: str) -> dict:
    return {"identifiers": [{"type": "email", "id": email, "channels": {"email": {"status": "subscribed"}}}]}


def _profile(email: str) -> dict:
    return {"data": {"type": "profile", "attributes": {"email": email}}}


def _deep_cursor(depth: int = 5000) -> str:
    return base64.urlsafe_b64encode(b"[" * depth + b"]" * depth).decode().rstrip("=")


def _raw(client: httpx.Client, path: str, text: bytes) -> httpx.Response:
    return client.post(path, content=text, headers=JSON)


FILTERS = {"unterminated-list": 'any(email,["a@x.com"', "unknown-escape": 'equals(email,"\\q")',
           "tab-in-string": 'equals(email,"a\tb")', "nul-in-string": 'equals(email,"a\x00b")',
           "nested-and": "and(" * 1000 + 'equals(email,"a@x.com")' + ")" * 1000,
           "huge-number": "equals(email," + "9" * 5000 + ")"}
FILTERED = ("/profiles", "/events", "/lists", "/flows", "/metrics")

CASES = {
    # 1. flow filters the contract leaves unchecked
    "whatsapp-filter-empty-group": (400, lambda b: _flow(b, {"condition_groups": [{}]})),
    "whatsapp-filter-condition-without-type": (400, lambda b: _flow(b, {"condition_groups": [{"conditions": [{}]}]})),
    "whatsapp-filter-metric-id-object": (400, lambda b: _flow(b, {"condition_groups": [{"conditions": [
        {"type": "profile-metric", "metric_id": {"id": "x"}}]}]})),
    "whatsapp-filter-not-an-object": (400, lambda b: _flow(b, ["condition_groups"])),
    # 2. dated events: an opt-in or opt-out without its channel
    **{f"dated-event-{name}-without-channel": (400, lambda b, name=name: b.client("omnisend-api").post("/events", json={
        "eventName": "hostile", "origin": "api", "contact": {"email": "ann@example.com", name: [{}]}}))
       for name in ("optIns", "optOuts", "consents")},
    # 3. the Klaviyo filter parser, on every filtered list
    **{f"filter-{name}-{path.strip('/')}": (400, lambda b, text=text, path=path: b.client("klaviyo-api").get(
        path, params={"filter": text})) for name, text in FILTERS.items() for path in FILTERED},
    # 4. dated-API cursors that decode to deep JSON
    **{f"deep-cursor-{path.strip('/')}": (400, lambda b, path=path: b.client("omnisend-api").get(
        path, params={"after": _deep_cursor()})) for path in ("/contacts", "/automations", "/segments", "/campaigns")},
    # 5. the clock
    "clock-advance-1e12": (400, lambda b: b.client("sim").post("/clock", json={"advance_seconds": 1e12})),
    "clock-advance-1e300": (400, lambda b: b.client("sim").post("/clock", json={"advance_seconds": 1e300})),
    "clock-advance-1e309": (400, lambda b: _raw(b.client("sim"), "/clock", b'{"advance_seconds": 1e309}')),
    "clock-to-year-9999": (400, lambda b: b.client("sim").post("/clock", json={"to": "9999-12-31T23:59:59Z"})),
    "clock-to-offset-past-datetime": (400, lambda b: b.client("sim").post("/clock", json={
        "to": "9999-12-31T23:59:59-05:00"})),
    # 6. the OAuth token endpoint
    "token-json-array": (400, lambda b: _raw(b.client("omnisend-oauth"), "/token", b"[1, 2]")),
    "token-json-string": (400, lambda b: _raw(b.client("omnisend-oauth"), "/token", b'"code"')),
    "token-deep-array": (400, lambda b: _raw(b.client("omnisend-oauth"), "/token", b"[" * 5000 + b"]" * 5000)),
    "token-non-string-fields": (400, lambda b: b.client("omnisend-oauth").post("/token", json={
        "client_id": ["a"], "client_secret": "s", "grant_type": "authorization_code", "code": {"x": 1}})),
    "token-10-mb": (413, lambda b: _raw(b.client("omnisend-oauth"), "/token", b'{"code": "' + b"x" * 10_000_000 + b'"}')),
    "token-10-mb-form": (413, lambda b: b.client("omnisend-oauth").post("/token", content=b"code=" + b"x" * 10_000_000,
                                                                        headers={"Content-Type": "application/x-www-form-urlencoded"})),
    # control-API numbers that would overflow a date once added to the clock, or divide by zero
    **{f"setting-{name}-{value}": (400, lambda b, name=name, value=value: b.client("sim").post(
        "/settings", json={name: value})) for name, value in (
        ("oauth_token_seconds", 10 ** 20), ("klaviyo_event_processing_seconds", 10 ** 15), ("v3_rate_window_seconds", 0),
        ("v3_batch_retention_days", 10 ** 9), ("max_body_bytes", -1), ("account_limit", 0), ("v3_batch_item_seconds", -0.5))},
    "token-expires-in-1e20": (400, lambda b: b.client("sim").post("/tokens", json={
        "vendor": "omnisend", "account": "a" * 24, "scopes": [], "expires_in": 10 ** 20})),
    # 8. numbers too large for a float
    "v3-custom-property-1e309": (400, lambda b: _raw(b.client(), "/contacts", json.dumps(
        {**_contact("ann@example.com"), "customProperties": {"n": "N"}}).encode().replace(b'"N"', b"1e309"))),
    "klaviyo-event-value-1e309": (400, lambda b: _raw(b.client("klaviyo-api"), "/events", json.dumps({"data": {
        "type": "event", "attributes": {"properties": {}, "value": "N", "metric": {"data": {
            "type": "metric", "attributes": {"name": "Placed Order"}}}, "profile": {"data": {
                "type": "profile", "attributes": {"email": "ann@example.com"}}}}}}).encode().replace(b'"N"', b"1e309"))),
    # Access 5: emails each vendor refuses
    "v3-email-with-nul": (400, lambda b: b.client().post("/contacts", json=_contact("a\x00b@example.com"))),
    "v3-email-5000-chars": (400, lambda b: b.client().post("/contacts", json=_contact("a" * 5000 + "@example.com"))),
    "v3-email-local-part-65": (400, lambda b: b.client().post("/contacts", json=_contact("a" * 65 + "@example.com"))),
    "dated-email-with-nul": (400, lambda b: b.client("omnisend-api").post("/contacts", json={
        "identifiers": [{"type": "email", "id": "a\x00b@example.com"}]})),
    "klaviyo-email-with-nul": (400, lambda b: b.client("klaviyo-api").post("/profiles", json=_profile("a\x00b@example.com"))),
    "klaviyo-email-5000-chars": (400, lambda b: b.client("klaviyo-api").post("/profiles", json=_profile(
        "a" * 5000 + "@example.com"))),
}


@pytest.mark.parametrize("case", list(CASES))
def test_hostile_input_gets_the_vendors_4xx(box, case):
    expected, send = CASES[case]
    box.reset()
    box.clock.advance(seconds=5)  # past any per-second limit the previous case used
    before = _state(box)
    response = send(box)
    assert response.status_code == expected, f"{case}: {response.status_code} {response.text[:300]}"
    assert response.json(), f"{case}: empty error body"
    assert b"Infinity" not in response.content and b"Traceback" not in response.content
    assert _state(box) == before, f"{case}: a refused request changed the sandbox"


def _state(box) -> tuple:
    """What a refused request must leave as it was: the clock, every contact, flow and message."""
    flows = sum(len(list(flows_of(box.klaviyo_account(a["id"])))) for a in box.accounts() if a["vendor"] == "klaviyo")
    return box.clock.now(), sum(a.get("contacts", 0) for a in box.accounts()), flows, len(box.outbox())


def test_valid_neighbours_of_the_hostile_inputs_are_accepted(box):
    """The cases above are refused for their fault alone: the same requests made well pass."""
    box.reset()
    box.clock.advance(seconds=5)
    assert _flow(box, {"condition_groups": [{"conditions": [{"type": "profile-property", "property": "email",
                                                              "filter": {"type": "existence", "operator": "is-set"}}]}]}
                 ).status_code == 201
    kl = box.client("klaviyo-api")
    for text in ('any(email,["a@x.com"])', 'equals(email,"a\\"b")', "and(" * 20 + 'equals(email,"a@x.com")' + ")" * 20):
        box.clock.advance(seconds=5)
        assert kl.get("/profiles", params={"filter": text}).status_code == 200, text
    assert box.client("sim").post("/settings", json={"oauth_token_seconds": 10 * 365 * 86_400}).status_code == 200
    assert box.client("sim").post("/settings", json={"oauth_token_seconds": 3600}).status_code == 200
    assert box.client("sim").post("/clock", json={"to": "2999-12-31T00:00:00Z"}).status_code == 200
    assert box.client().post("/contacts", json=_contact("a" * 64 + "@example.com")).status_code == 200
    box.reset()


# -- generated sweeps: odd query values on every GET, wrong types at every field of the rich bodies ---

ODD_VALUES = ["-1", "9" * 30, "1e309", "\u0661", "\x00", "[", "9999-12-31T23:59:59-05:00", "x" * 3000]
QUERY_NAMES = ["limit", "offset", "after", "before", "sort", "filter", "status", "email", "phone", "segmentID", "tag",
               "page[size]", "page[cursor]", "fields[profile]", "include", "dateFrom", "createdAtFrom", "updatedAtTo",
               "direction", "isEnabled", "contactID", "vendor", "recipient", "path", "brand", "scope", "company_id"]
SURFACES = {"/omnisend/v3": "omnisend-v3", "/omnisend/api": "omnisend-api", "/omnisend/oauth2": "omnisend-oauth",
            "/klaviyo/api": "klaviyo-api", "/klaviyo/client": "klaviyo-client", "/_sim": "sim"}


@pytest.mark.parametrize("prefix", [p for p in SURFACES if p != "/klaviyo/client"])  # the client API has no GET
def test_no_query_value_reaches_a_500(box, prefix):
    box.reset()
    client = box.client(SURFACES[prefix])
    gets = sorted({re.sub(r"<[^>]+>", "x1", rule.rule[len(prefix):]) for rule in box.app.url_map.iter_rules()
                   if rule.rule.startswith(prefix + "/") and "GET" in rule.methods})
    assert gets, prefix
    for path in gets:
        for name in QUERY_NAMES:
            for value in ODD_VALUES:
                box.limiter.reset()  # the sweep is about parsing, not budgets
                response = client.get(path, params={name: value})
                assert response.status_code < 500, f"GET {prefix}{path}?{name}={value[:20]!r}: {response.text[:200]}"


WRONG_TYPES = [None, [], {}, "x", 10 ** 30, True, [{}], {"type": None}]


def _paths(value, where=()):
    """Every place in a JSON value (dict keys and the first items of lists), the root first."""
    yield where
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, where + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value[:2]):
            yield from _paths(item, where + (index,))


def _replaced(value, where: tuple, new):
    if not where:
        return new
    copied = copy.deepcopy(value)
    target = copied
    for step in where[:-1]:
        target = target[step]
    target[where[-1]] = new
    return copied


RICH_BODIES = {  # the bodies with the deepest rules behind them: the standard flows and automations
    **{f"klaviyo-flow-{name}": ("klaviyo-api", "/flows", name) for name in ("abandoned-cart", "browse-abandonment")},
    **{f"omnisend-automation-{name}": ("omnisend-api", "/automations", name)
       for name in ("cart-abandonment", "product-abandonment")},
}


@pytest.mark.parametrize("case", list(RICH_BODIES))
def test_a_wrong_type_anywhere_in_a_rich_body_is_a_4xx(box, case):
    surface, path, name = RICH_BODIES[case]
    box.reset()
    if surface == "klaviyo-api":
        account = box.klaviyo_account(box.company_id())
        for metric in ("Started Checkout", "Placed Order", "Viewed Product", "Added to Cart"):
            metrics_of(account).named(metric, box.clock.now())
        body = standard_flow(name, account)
    else:
        body = json.loads((FOLDER / "omnisend" / "automations" / f"{name}.json").read_text())
    client = box.client(surface)
    assert client.post(path, json=body).status_code == 201, "the unbroken body is accepted"
    for where in _paths(body):
        for wrong in WRONG_TYPES:
            box.limiter.reset()
            response = client.post(path, json=_replaced(body, where, wrong))
            assert response.status_code < 500, f"{case} {where} = {wrong!r}: {response.text[:200]}"
