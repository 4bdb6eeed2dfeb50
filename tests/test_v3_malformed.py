"""Malformed input against every v3 route that takes a body, and the 401 paths.

Every request here must be refused with a 4xx in the v3 error shape (`{"error": str, "statusCode":
int, "fields"?: [[str]]}`), never a 500, and must leave the brand's state as it was. The sweep is
parametrized over the POST/PUT/PATCH routes the app serves (read from its url_map), so a resource
added later is swept without editing this file; POST /contacts and PATCH /contacts/{id} also get
checks of the exact messages. Valid but unusual unicode must be accepted and read back unchanged.
"""
from __future__ import annotations

import json
import re
from functools import cache

import httpx
import jsonschema
import pytest

from simulator import Sandbox, Settings
from simulator.schemas import find, load_error_schema
from tests.conftest import START, new_contact

SURFACE, PREFIX = "omnisend-v3", "/omnisend/v3"
WRITE_METHODS = ("POST", "PUT", "PATCH")
JSON = {"Content-Type": "application/json"}
MISSING_ID = "sweepNoSuchId"
TEXT_401 = "Unauthorized - authorization error (invalid basic auth data or API key)"
CONTACT = {"identifiers": [{"type": "email", "id": "sweep@example.com", "channels": {"email": {"status": "subscribed"}}}]}


# -- routes ------------------------------------------------------------------------------------

def write_routes() -> list[tuple[str, str]]:
    """(method, rule relative to the prefix) of every v3 route that may take a body."""
    found = set()
    for rule in Sandbox().app.url_map.iter_rules():
        if rule.rule.startswith(PREFIX + "/"):
            for method in (rule.methods or set()) & set(WRITE_METHODS):
                found.add((method, rule.rule[len(PREFIX):]))
    return sorted(found, key=lambda r: (r[1], r[0]))


ROUTES = write_routes()


# Records to make first so that a route's path names something real and the sweep reaches its body
# (a view may answer 404 for an unknown id before it reads the body). Every id here is "sweep".
PRODUCT = {"productID": "sweep", "title": "Sweep", "status": "inStock", "currency": "EUR",
           "productUrl": "https://example.com/sweep",
           "variants": [{"variantID": "sweep", "title": "Sweep", "status": "inStock", "price": 100}]}
CART = {"cartID": "sweep", "email": "sweep@example.com", "currency": "EUR", "cartSum": 100,
        "products": [{"cartProductID": "sweep", "productID": "sweep", "variantID": "sweep", "title": "Sweep",
                      "quantity": 1, "price": 100}]}
ORDER = {"orderID": "sweep", "email": "sweep@example.com", "currency": "EUR", "orderSum": 100, "createdAt": START,
         "products": [{"productID": "sweep", "variantID": "sweep", "title": "Sweep", "quantity": 1, "price": 100}]}
EVENT = {"systemName": "sweep", "name": "Sweep", "email": "sweep@example.com", "fields": {"colour": "red"}}
PARENTS = {
    "/contacts/{}": [("/contacts", CONTACT)],
    "/categories/{}": [("/categories", {"categoryID": "sweep", "title": "Sweep"})],
    "/products/{}": [("/products", PRODUCT)],
    "/carts/{}": [("/carts", CART)],
    "/carts/{}/products": [("/carts", CART)],
    "/carts/{}/products/{}": [("/carts", CART)],
    "/orders/{}": [("/orders", ORDER)],
    "/events/{}": [("/contacts", CONTACT), ("/events", EVENT)],
}


def template(rule: str) -> str:
    return re.sub(r"<[^>]+>", "{}", rule)


def reaches_body(rule: str) -> bool:
    """Whether the sweep makes the records `rule` names (else a 404 before the body is acceptable)."""
    return "<" not in rule or template(rule) in PARENTS


def concrete(sb: Sandbox, method: str, rule: str) -> str:
    """A request path for `rule`, after making the records it names where the sweep knows how."""
    shape = template(rule)
    if shape not in PARENTS:
        return shape.replace("{}", MISSING_ID)
    client = sb.client()
    made = []
    for path, body in PARENTS[shape]:
        response = client.post(path, json=body)
        assert response.status_code in (200, 204), f"sweep setup for {rule}: POST {path} -> {response.text}"
        made.append(response.json() if response.content else None)
    if shape == "/contacts/{}":
        return f"/contacts/{made[0]['contactID']}"
    if shape == "/events/{}":
        return f"/events/{next(e['eventID'] for e in client.get('/events').json() if e['systemName'] == 'sweep')}"
    return shape.replace("{}", "sweep")


def request_schema(method: str, path: str) -> dict | None:
    contract = find(SURFACE, method, path)
    return contract.request_schema if contract is not None else None


# -- schema-driven bodies ----------------------------------------------------------------------

def _resolve(schema: dict, root: dict) -> dict:
    while isinstance(schema, dict) and "$ref" in schema:
        target = root
        for part in schema["$ref"][2:].split("/"):
            target = target[part]
        schema = target
    return schema


def _types(schema: dict) -> set[str] | None:
    kind = schema.get("type")
    return None if kind is None else set(kind) if isinstance(kind, list) else {kind}


def example(schema: dict, root: dict):
    """A small value the schema accepts (as far as its types, enums, formats and lengths go)."""
    schema = _resolve(schema, root)
    for part in schema.get("allOf", []):
        schema = {**_resolve(part, root), **{k: v for k, v in schema.items() if k != "allOf"}}
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    types = _types(schema) or {"string"}
    if "object" in types:
        return {name: example(schema.get("properties", {}).get(name, {}), root)
                for name in schema.get("required", [])}
    if "array" in types:
        return [example(schema["items"], root)] * schema.get("minItems", 0) if "items" in schema else []
    if "integer" in types or "number" in types:
        low = schema.get("minimum", 1)
        return max(low, 1) if schema.get("maximum", 1) >= 1 else low
    if "boolean" in types:
        return True
    if "string" in types:
        fmt = schema.get("format")
        text = {"date-time": START, "date": START[:10], "email": "sweep@example.com",
                "uri": "https://example.com/sweep"}.get(fmt, "sweep")
        low, high = schema.get("minLength", 0), schema.get("maxLength")
        text = text + "x" * max(0, low - len(text))
        return text[:high] if high is not None else text
    return None


def wrong_value(schema: dict, root: dict):
    """A value of a JSON type the schema does not allow, or a sentinel when it allows every type."""
    types = _types(_resolve(schema, root))
    if types is None:
        return _ANY
    allowed = types | ({"integer"} if "number" in types else set())
    for kind, value in (("object", {"sweep": 1}), ("array", [1]), ("string", "sweep"), ("integer", 12345),
                        ("number", 1.5), ("boolean", True), ("null", None)):
        if kind not in allowed:
            return value
    return _ANY


_ANY = object()


# Valid bodies for the routes the sweep knows, so that each broken variant differs from a body that
# would be accepted by one fault only; any other route gets `example()` of its contract.
VALID = {
    ("POST", "/contacts"): CONTACT,
    ("PATCH", "/contacts/<contact_id>"): {"firstName": "Sweep"},
    ("POST", "/categories"): {"categoryID": "sweep", "title": "Sweep"},
    ("POST", "/products"): PRODUCT,
    ("POST", "/carts"): CART,
    ("POST", "/orders"): ORDER,
}


def minimal_body(schema: dict | None, method: str, rule: str) -> dict:
    if (method, rule) in VALID:
        return json.loads(json.dumps(VALID[method, rule]))
    return example(schema, schema) if schema else {}


# -- the cases ---------------------------------------------------------------------------------

def _dumps(value) -> bytes:
    return json.dumps(value).encode()


def _string_property(body: dict, schema: dict | None) -> str | None:
    """A top-level string property of the route's body, to carry bad text where it would be accepted."""
    properties = (schema or {}).get("properties", {})
    for name, sub in properties.items():
        if (_types(_resolve(sub, schema)) or set()) == {"string"} and "enum" not in sub and "format" not in sub:
            return name
    return None


def _with_raw_string(body: dict, schema: dict | None, raw: str) -> bytes:
    """`body` with `raw` (JSON string text, escapes not decoded) as a string property's value."""
    name = _string_property(body, schema) or "sweepText"
    text = json.dumps({k: v for k, v in body.items() if k != name})
    return (text[:-1] + (", " if len(text) > 2 else "") + f'"{name}": "{raw}"' + "}").encode()


def _with_number(body: dict, schema: dict | None, literal: bytes) -> bytes:
    """`body` with a non-JSON number `literal` where a number would be accepted."""
    properties = (schema or {}).get("properties", {})
    numeric = [name for name, sub in properties.items()
               if (_types(_resolve(sub, schema)) or set()) & {"number", "integer"} and "enum" not in sub]
    if numeric:
        value = {**body, numeric[0]: "NUMBER"}
    elif "customProperties" in properties:
        value = {**body, "customProperties": {"n": "NUMBER"}}
    else:
        value = {**body, "sweepNumber": "NUMBER"}
    return _dumps(value).replace(b'"NUMBER"', literal)


def _deep_target(schema: dict | None) -> str:
    """The property whose error message would echo a value back (an enum), else the first one."""
    properties = (schema or {}).get("properties", {})
    enums = [name for name, sub in properties.items() if "enum" in _resolve(sub, schema)]
    return (enums or list(properties) or ["sweepDeep"])[0]


def cases(body: dict, schema: dict | None, limit: int) -> dict[str, tuple[bytes, dict]]:
    """name -> (raw body, headers): each must be refused."""
    valid = _dumps(body)
    nest = 100_000
    out = {
        "invalid-json": (b'{"identifiers": [}', JSON),
        "truncated-json": (valid[: max(1, len(valid) // 2)], JSON),
        "unterminated-string": (b'{"firstName": "abc', JSON),
        "trailing-garbage": (valid + b" x", JSON),
        "single-quotes": (b"{'firstName': 'Ann'}", JSON),
        "array": (b"[" + valid + b"]", JSON),
        "empty-array": (b"[]", JSON),
        "string": (b'"hello"', JSON),
        "number": (b"42", JSON),
        "null": (b"null", JSON),
        "boolean": (b"true", JSON),
        "nan": (_with_number(body, schema, b"NaN"), JSON),
        "infinity": (_with_number(body, schema, b"Infinity"), JSON),
        "minus-infinity": (_with_number(body, schema, b"-Infinity"), JSON),
        "float-overflow": (_with_number(body, schema, b"1e309"), JSON),  # infinity once parsed
        "minus-float-overflow": (_with_number(body, schema, b"-1e309"), JSON),
        "bare-nan": (b"NaN", JSON),
        "empty-body": (b"", JSON),
        "whitespace-body": (b"  \n\t ", JSON),
        "too-large": (valid[:-1] + b" " * (limit + 1 - len(valid)) + b"}", JSON),
        "deep-arrays": (b"[" * nest + b"]" * nest, JSON),
        "deep-objects": (b'{"a":' * nest + b"1" + b"}" * nest, JSON),
        "deep-arrays-in-a-field": (_dumps({**body, _deep_target(schema): "DEEP"}).replace(
            b'"DEEP"', b"[" * 900 + b"]" * 900), JSON),
        "invalid-utf8": (valid[:-1] + (b", " if len(valid) > 2 else b"") + b'"sweepText": "\xff\xfe"}', JSON),
        "overlong-utf8": (b'{"sweepText": "\xc0\xaf"}', JSON),
        "utf8-encoded-surrogate": (_with_raw_string(body, schema, "x").replace(b'"x"', b'"\xed\xa0\x80"'), JSON),
        "lone-high-surrogate": (_with_raw_string(body, schema, "\\ud800"), JSON),
        "lone-low-surrogate": (_with_raw_string(body, schema, "a\\udc00b"), JSON),
        "reversed-surrogates": (_with_raw_string(body, schema, "\\ude00\\ud83d"), JSON),
        "text-plain": (valid, {"Content-Type": "text/plain"}),
        "form-encoded": (b"firstName=Ann&identifiers=x", {"Content-Type": "application/x-www-form-urlencoded"}),
        "multipart": (b"--b\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n--b--\r\n",
                      {"Content-Type": "multipart/form-data; boundary=b"}),
        "no-content-type": (valid, {}),
        "extra-field": (_dumps({**body, "sweepUnknownField": 1}), JSON),
    }
    required = [name for name in (schema or {}).get("required", []) if name in body]
    if required:
        out["missing-required"] = (_dumps({k: v for k, v in body.items() if k != required[0]}), JSON)
    if required:
        out["missing-every-required"] = (b"{}", JSON)
    if schema and schema.get("properties"):
        wrong = {name: wrong_value(sub, schema) for name, sub in schema["properties"].items()}
        out["wrong-types"] = (_dumps({**body, **{k: v for k, v in wrong.items() if v is not _ANY}}), JSON)
    return out


# -- state and shape ---------------------------------------------------------------------------

def snapshot(sb: Sandbox, client: httpx.Client) -> dict:
    """What a rejected request must not change: every parameterless v3 list, and the model's counts."""
    state = {}
    for rule in sb.app.url_map.iter_rules():
        if rule.rule.startswith(PREFIX + "/") and "GET" in (rule.methods or ()) and "<" not in rule.rule:
            response = client.get(rule.rule[len(PREFIX):])
            state[rule.rule] = (response.status_code, response.json())
    for account in sb.accounts():
        brand = sb.omnisend_brand(account["id"])
        state[f"brand {brand.id}"] = {"stores": {name: len(store) if hasattr(store, "__len__") else repr(type(store))
                                                 for name, store in sorted(brand.made().items())},
                                      "activity": len(brand.activity)}
    state["scheduled"] = sb.scheduler.pending()
    state["outbox"] = len(sb.outbox())
    return state


def assert_v3_error(response: httpx.Response, where: str) -> dict:
    assert response.status_code != 500, f"{where}: 500 {response.text[:300]}"
    assert 400 <= response.status_code < 500, f"{where}: {response.status_code} {response.text[:300]}"
    assert response.headers.get("content-type", "").startswith("application/json"), (
        f"{where}: content type {response.headers.get('content-type')!r}")
    body = response.json()
    problems = [e.message for e in jsonschema.Draft7Validator(load_error_schema(SURFACE)).iter_errors(body)]
    assert not problems, f"{where}: error body {body} breaks the v3 error shape: {problems}"
    assert body["error"], f"{where}: empty error text"
    assert body.get("statusCode") == response.status_code, f"{where}: statusCode {body.get('statusCode')}"
    return body


def messages(body: dict) -> list[str]:
    return [m for group in body.get("fields", []) for m in group]


# -- the sweep ---------------------------------------------------------------------------------

@cache
def route_cases(method: str, rule: str, limit: int) -> tuple[dict | None, dict, dict[str, tuple[bytes, dict]]]:
    """(request schema, minimal body, cases) of a route; none depends on the id in its path."""
    schema = request_schema(method, re.sub(r"<[^>]+>", MISSING_ID, rule))
    body = minimal_body(schema, method, rule)
    return schema, body, cases(body, schema, limit)


def _sweep_params():
    limit = Settings().max_body_bytes
    return [pytest.param(method, rule, name, id=f"{method} {rule} {name}")
            for method, rule in ROUTES for name in route_cases(method, rule, limit)[2]]


@pytest.fixture(scope="module")
def sweep_sandbox():
    """One sandbox for the whole sweep, emptied before each case (building an app per case is slow)."""
    return Sandbox(seed=7, start=START)


@pytest.mark.parametrize("method,rule,case", _sweep_params())
def test_malformed_body_is_refused_and_writes_nothing(sweep_sandbox, method, rule, case):
    sb = sweep_sandbox
    sb.reset()
    client = sb.client()
    path = concrete(sb, method, rule)
    if find(SURFACE, method, path) is not None and request_schema(method, path) is None:
        pytest.skip(f"{method} {rule} takes no body (its contract has no request schema)")
    schema, body, built = route_cases(method, rule, sb.settings.max_body_bytes)
    content, headers = built[case]
    before = snapshot(sb, client)
    response = client.request(method, path, content=content, headers=headers)
    where = f"{method} {path} [{case}]"
    error = assert_v3_error(response, where)
    assert snapshot(sb, client) == before, f"{where}: state changed by a rejected request"

    expected = {"too-large": {413}, "text-plain": {415}, "form-encoded": {415}, "multipart": {415},
                "no-content-type": {415}}.get(case, {400})
    if not reaches_body(rule):
        expected = expected | {404}  # a placeholder id may be refused as unknown before the body is read
    assert response.status_code in expected, f"{where}: {response.status_code}, expected {expected}: {error}"
    if response.status_code != 400:
        return
    if case == "extra-field":
        assert "sweepUnknownField: unknown field" in messages(error), f"{where}: {error}"
    elif case == "missing-required":
        missing = [n for n in schema["required"] if n in body][0]
        assert f"{missing}: field required but not found in Json" in messages(error), f"{where}: {error}"
    elif case == "wrong-types":
        named = messages(error)
        for name, sub in schema["properties"].items():
            if wrong_value(sub, schema) is not _ANY:
                assert any(m.startswith(f"{name}") or f"'{name}'" in m for m in named), (
                    f"{where}: no problem named for {name}: {named}")


def test_the_sweep_covers_the_contact_writes():
    assert ("POST", "/contacts") in ROUTES and ("PATCH", "/contacts/<contact_id>") in ROUTES


@pytest.mark.parametrize("method,rule", [r for r in ROUTES if "<" in r[1] and reaches_body(r[1])],
                         ids=[f"{m} {r}" for m, r in ROUTES if "<" in r and reaches_body(r)])
def test_the_sweep_setup_makes_what_the_path_names(sweep_sandbox, method, rule):
    """The records made for a route exist, so a 404 in the sweep would be a real failure."""
    sb = sweep_sandbox
    sb.reset()
    path = concrete(sb, method, rule)
    parent = re.match(r"^/[^/]+/[^/]+", path).group(0)
    response = sb.client().get(parent)
    assert response.status_code == 200, f"{parent} for {method} {rule} was not made: {response.text}"


@pytest.mark.parametrize("method,rule", [r for r in VALID if r in ROUTES], ids=[" ".join(r) for r in VALID if r in ROUTES])
def test_the_valid_bodies_are_valid(sb, method, rule):
    """The sweep's baseline: the bodies it breaks are accepted as they are."""
    path = concrete(sb, method, rule)
    response = sb.client().request(method, path, json=minimal_body(None, method, rule))
    assert response.status_code == 200, response.text


# -- contacts: exact answers -------------------------------------------------------------------

@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_contact_wrong_types_are_named(sb, v3, method):
    path = "/contacts" if method == "POST" else f"/contacts/{new_contact(v3)}"
    before = v3.get("/contacts").json()
    body = {"identifiers": "x", "firstName": 3, "tags": "vip", "customProperties": [], "gender": 1, "birthdate": False}
    response = v3.request(method, path, json=body)
    error = assert_v3_error(response, f"{method} {path}")
    assert response.status_code == 400
    found = messages(error)
    for expected in ("identifiers: wrong field type, expected array but got string",
                     "firstName: wrong field type, expected string but got integer",
                     "tags: wrong field type, expected array but got string",
                     "customProperties: wrong field type, expected object but got array",
                     "gender: wrong field type, expected string but got integer",
                     "birthdate: wrong field type, expected string but got boolean"):
        assert expected in found, (expected, found)
    assert error["error"] == f"{len(found)} error(s) found. Check 'fields' array for details."
    assert v3.get("/contacts").json() == before


def test_contact_missing_required_and_extra_fields(v3):
    response = v3.post("/contacts", json={"firstName": "Ann", "shoeSize": 44})
    error = assert_v3_error(response, "POST /contacts")
    assert set(messages(error)) == {"identifiers: field required but not found in Json", "shoeSize: unknown field"}
    contact_id = new_contact(v3)
    response = v3.patch(f"/contacts/{contact_id}", json={"nickname": "A"})
    assert messages(assert_v3_error(response, "PATCH")) == ["nickname: unknown field"]
    response = v3.post("/contacts", json={"identifiers": [{"type": "email", "id": "b@example.com"}]})
    assert messages(assert_v3_error(response, "POST")) == ["identifiers[0].channels: field required but not found in Json"]
    assert len(v3.get("/contacts").json()["contacts"]) == 1


@pytest.mark.parametrize("raw,expected", [
    (b'{"identifiers": [}', "invalid JSON"),
    (b'{"firstName": NaN}', "NaN is not JSON"),
    (b'{"firstName": "\\ud800"}', "unpaired UTF-16 surrogate"),
    (b'{"firstName": "\xff"}', "not valid UTF-8"),
    (b"[" * 100_000 + b"]" * 100_000, "invalid JSON"),
])
def test_contact_unreadable_bodies_say_why(v3, raw, expected):
    response = v3.post("/contacts", content=raw, headers=JSON)
    error = assert_v3_error(response, "POST /contacts")
    assert response.status_code == 400 and "fields" not in error
    assert error["error"].startswith("Bad Request - invalid parameters, fields or filters: ")
    assert expected in error["error"], error


def test_contact_body_that_is_not_an_object(v3):
    for raw, kind in ((b"[]", "array"), (b'"ann"', "string"), (b"42", "integer"), (b"4.5", "number"),
                      (b"null", "null"), (b"true", "boolean")):
        response = v3.post("/contacts", content=raw, headers=JSON)
        error = assert_v3_error(response, raw.decode())
        assert messages(error) == [f"body: wrong field type, expected object but got {kind}"], error


def test_wrong_content_types_are_415(v3):
    valid = _dumps(CONTACT)
    for headers in ({"Content-Type": "text/plain"}, {"Content-Type": "application/x-www-form-urlencoded"}, {}):
        response = v3.post("/contacts", content=valid, headers=headers)
        error = assert_v3_error(response, str(headers))
        assert response.status_code == 415
        assert error["error"].startswith("Unsupported Media Type: Content-Type must be application/json")
    assert v3.get("/contacts").json()["contacts"] == []
    # a JSON content type with parameters, or a +json type, is still JSON
    for content_type in ("application/json; charset=utf-8", "application/vnd.api+json"):
        assert v3.post("/contacts", content=valid, headers={"Content-Type": content_type}).status_code == 200


def test_body_limit_is_the_live_setting(sb, v3):
    body = _dumps(CONTACT)
    padded = body[:-1] + b" " * 5000 + b"}"
    sb.settings.update({"max_body_bytes": 4096})
    error = assert_v3_error(v3.post("/contacts", content=padded, headers=JSON), "padded")
    assert error == {"error": "Request Entity Too Large", "statusCode": 413}
    assert v3.post("/contacts", content=body, headers=JSON).status_code == 200  # under the limit
    sb.settings.update({"max_body_bytes": 2 * 1024 * 1024})
    assert v3.post("/contacts", content=padded, headers=JSON).status_code == 200


# -- valid unicode round-trips -----------------------------------------------------------------

ODD_TEXT = {
    "firstName": "Zoë 👩\u200d👩\u200d👧 🇱🇹",  # emoji, zero-width joiners, flag (regional indicators)
    "lastName": "שָׁלוֹם عليكم",  # right-to-left scripts with combining points
    "city": "e\u0301\u0302\u0303 Ǆ ﬁ",  # stacked combining marks, a digraph, a ligature
    "address": "a\u0000b\u0001\u001f\u007f\u2028\u2029c",  # NUL, controls, JSON-hostile separators
    "state": "\U0010fffd \U0001d54f \ufeff",  # a plane-16 private use char, math double-struck, BOM char
    "postalCode": "  ",
    "country": "日本",
    "tags": ["🎉", "שלום", "a\u0000", "\\u0000", '"quoted"'],
    "customProperties": {"ключ": "值 🎉", "nul\u0000key": "x", "emoji🔑": ["a\u0301", "💩"]},
}


@pytest.mark.parametrize("ensure_ascii", [True, False], ids=["escaped", "raw-utf8"])
def test_odd_but_valid_unicode_round_trips(v3, ensure_ascii):
    body = {**CONTACT, **ODD_TEXT}
    raw = json.dumps(body, ensure_ascii=ensure_ascii).encode("utf-8")
    response = v3.post("/contacts", content=raw, headers=JSON)
    assert response.status_code == 200, response.text
    got = v3.get(f"/contacts/{response.json()['contactID']}").json()
    for name, value in ODD_TEXT.items():
        assert got[name] == value, name

    patch = {"firstName": "\u0000", "lastName": "ﷺ", "tags": ["e\u0301"]}
    raw = json.dumps(patch, ensure_ascii=ensure_ascii).encode("utf-8")
    assert v3.patch(f"/contacts/{got['contactID']}", content=raw, headers=JSON).status_code == 200
    again = v3.get(f"/contacts/{got['contactID']}").json()
    assert (again["firstName"], again["lastName"]) == ("\u0000", "ﷺ")
    assert again["tags"] == ODD_TEXT["tags"] + ["e\u0301"]


def test_escaped_surrogate_pairs_are_one_character(v3):
    raw = b'{"identifiers": ' + _dumps(CONTACT["identifiers"]) + b', "firstName": "\\ud83d\\ude00 \\uD83D\\uDE00", ' \
          b'"lastName": "\\\\ud800"}'
    response = v3.post("/contacts", content=raw, headers=JSON)
    assert response.status_code == 200, response.text
    got = v3.get(f"/contacts/{response.json()['contactID']}").json()
    assert got["firstName"] == "😀 😀"
    assert got["lastName"] == "\\ud800"  # an escaped backslash, not a surrogate


# -- 401 ---------------------------------------------------------------------------------------

BAD_KEYS = {
    "empty": "",
    "short": "abc",
    "not-hex-brand": "zzzzzzzzzzzzzzzzzzzzzzzz-x",
    "hex-too-short": "0123456789abcdef0123456-secret",
    "hex-too-long": "0123456789abcdef012345678-secret",
    "no-secret": "0123456789abcdef01234567-",
    "no-dash": "0123456789abcdef01234567",
}


@pytest.mark.parametrize("key", list(BAD_KEYS.values()), ids=list(BAD_KEYS))
def test_malformed_keys_are_401(sb, key):
    client = sb.client(headers={"X-API-KEY": key})
    for method, path, body in (("GET", "/contacts", None), ("POST", "/contacts", CONTACT),
                               ("PATCH", "/contacts/x", {"firstName": "A"}), ("GET", "/no/such/route", None)):
        response = client.request(method, path, json=body)
        error = assert_v3_error(response, f"{method} {path} with key {key!r}")
        assert response.status_code == 401
        assert error == {"error": TEXT_401, "statusCode": 401}
    assert sb.accounts() == []  # no brand was made


def test_missing_key_is_401_even_with_a_malformed_body(sb):
    client = httpx.Client(transport=httpx.WSGITransport(app=sb.wsgi), base_url="http://sandbox.local/omnisend/v3")
    for content in (_dumps(CONTACT), b"{not json", b"[" * 100_000):
        response = client.post("/contacts", content=content, headers=JSON)
        assert assert_v3_error(response, "no key") == {"error": TEXT_401, "statusCode": 401}
    assert client.get("/contacts", headers={"X-API-KEY": ""}).status_code == 401
    assert client.get("/contacts", headers={"x-api-key": sb.test_keys()["omnisend"]}).status_code == 200
    assert client.get("/contacts", headers={"Authorization": f"Bearer {sb.test_keys()['omnisend']}"}).status_code == 401


# -- query parameters and streamed bodies ------------------------------------------------------

REQUIRED_QUERY = {"/batches": {"endpoint": "contacts"}}  # lists that answer 400 without these


def _list_rules() -> list[str]:
    """Parameterless GET routes of the surface whose contract lists `limit` among its answers."""
    rules = []
    for rule in Sandbox().app.url_map.iter_rules():
        if rule.rule.startswith(PREFIX + "/") and "GET" in (rule.methods or ()) and "<" not in rule.rule:
            rules.append(rule.rule[len(PREFIX):])
    return sorted(rules)


@pytest.mark.parametrize("path", _list_rules())
@pytest.mark.parametrize("name", ["limit", "offset"])
@pytest.mark.parametrize("value", ["abc", "", "1_0", " 5", "5 ", "٣", "5.0", "0x10", "1e2", "+-5", "9" * 5000],
                         ids=["abc", "blank", "underscore", "leading-space", "trailing-space", "arabic-indic-digit",
                              "decimal", "hex", "exponent", "signs", "5000-digits"])
def test_malformed_paging_numbers_are_400(sb, path, name, value):
    """Only ASCII digits make a number (Python's int() alone also takes '1_0', ' 5' and other scripts' digits);
    a blank value is no integer either (the spec types both as integers)."""
    client = sb.client(params=REQUIRED_QUERY.get(path))
    plain = client.get(path, params={name: "5"})
    if plain.status_code != 200 or not isinstance(plain.json(), dict) or name not in plain.json().get("paging", {}):
        pytest.skip(f"GET {path} does not page by {name} (or needs other parameters)")
    response = client.get(path, params={name: value})
    error = assert_v3_error(response, f"GET {path}?{name}={value[:20]}")
    assert response.status_code == 400
    assert any(m.startswith(f"{name}:") for m in messages(error)), error


@pytest.mark.parametrize("path", _list_rules())
def test_huge_paging_numbers_do_not_break_anything(sb, path):
    client = sb.client(params=REQUIRED_QUERY.get(path))
    plain = client.get(path)
    if plain.status_code != 200 or not isinstance(plain.json(), dict) or "paging" not in plain.json():
        pytest.skip(f"GET {path} is not a paged list (or needs other parameters)")
    huge = "9" * 30
    response = client.get(path, params={"limit": huge})
    assert response.status_code == 400 and assert_v3_error(response, f"GET {path}?limit={huge}")
    if "offset" in plain.json()["paging"]:
        response = client.get(path, params={"offset": huge})
        assert response.status_code == 200, response.text  # past the end: an empty page
        page = response.json()
        assert page["paging"]["offset"] == int(huge) and page["paging"]["next"] in (None, "")


def test_streamed_body_in_process_is_read_whole(v3):
    """A body with no Content-Length (chunked) reaches the view whole, as over a socket."""
    raw = _dumps(CONTACT)
    response = v3.post("/contacts", content=iter([raw[:10], raw[10:]]), headers=JSON)
    assert response.request.headers.get("transfer-encoding") == "chunked"
    assert response.status_code == 200, response.text
    big = iter([raw[:-1]] + [b" " * 65536] * 40 + [b"}"])
    response = v3.post("/contacts", content=big, headers=JSON)
    assert assert_v3_error(response, "streamed 2.6 MB") == {"error": "Request Entity Too Large", "statusCode": 413}
