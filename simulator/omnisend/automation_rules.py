"""The rules of an automation's trigger, exit conditions and settings (the dated Automations API).

The contract has already checked shapes, types, enums and lengths; these are the rules a schema
cannot say. Each check appends to `Check.problems` (so one response names every problem) and returns
the normalised, API-shaped value the automation stores. Sources: the dated automations spec and
guide, as docs/automations.md lists them; choices where Omnisend is silent are marked `Choice:`."""
from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field

from simulator.errors import Problem
from simulator.omnisend.brand import Brand

BIRTHDAY = "birthday"
BACK_IN_STOCK = "product back in stock"
SUBSCRIBED = "subscribed to marketing"
ENTERED_SEGMENT = "entered segment"
BUILT_IN = (BIRTHDAY, BACK_IN_STOCK)  # built-in triggers: never exit conditions, never enrollExisting
NO_ORIGIN = (BIRTHDAY, BACK_IN_STOCK, SUBSCRIBED)  # "omit origin" for these
OMNISEND_EVENTS = ("opened message", "clicked message", "marked message as spam", "viewed page", ENTERED_SEGMENT)
DEFAULT_ORIGIN = "api"  # the Events API's own origin, for an event never seen yet

EVENT_OPERATORS = ("eq", "neq", "gt", "gte", "lt", "lte", "contains", "notContains", "startsWith", "endsWith",
                   "exists", "notExists", "in", "notIn")
NUMERIC_OPERATORS = ("gt", "gte", "lt", "lte")
TEXT_OPERATORS = ("contains", "notContains", "startsWith", "endsWith")
_TEXT_FIELD = ("eq", "neq", "contains", "notContains")
CONTACT_FIELDS = {"segmentID": ("eq", "neq"), "tag": ("eq", "neq"), "dateAdded": ("eq", "neq", "gt", "lt"),
                  "firstName": _TEXT_FIELD, "lastName": _TEXT_FIELD, "gender": ("eq",), "country": _TEXT_FIELD,
                  "state": _TEXT_FIELD, "city": _TEXT_FIELD, "postalCode": _TEXT_FIELD}
FREQUENCY_CAPS = {"h": 8760, "d": 365, "w": 52}
HOURS = {"h": 1, "d": 24, "w": 168}
_BIRTHDAY_OFFSET = re.compile(r"^[+-]?\d{1,4}h$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO2 = re.compile(r"^[A-Za-z]{2}$")

# Property types of the recommended events (docs/omnisend-api.md, Events; prices are floats there).
_LINE_NUMBERS = ("productPrice", "productQuantity", "productDiscount", "productStrikeThroughPrice", "productWeight")
_LINE_TEXTS = ("productID", "productTitle", "productSKU", "productVariantID", "productVariantTitle", "productURL",
               "productImageURL", "productDescription", "productVendor")
_CART = {"value": "number", "currency": "string", "cartID": "string", "abandonedCheckoutURL": "string",
         **{f"{part}.{key}": "number" for part in ("addedItem", "lineItems") for key in _LINE_NUMBERS},
         **{f"{part}.{key}": "string" for part in ("addedItem", "lineItems") for key in _LINE_TEXTS}}
_ORDER = {**{key: "number" for key in ("totalPrice", "subTotalPrice", "totalTax", "totalDiscount", "shippingPrice",
                                       "totalRefundedAmount", "totalRefundedTaxAmount")},
          **{key: "string" for key in ("orderID", "currency", "paymentStatus", "fulfillmentStatus", "paymentMethod",
                                       "shippingMethod", "orderStatusURL", "note", "cancelReason")},
          **{f"lineItems.{key}": "number" for key in _LINE_NUMBERS},
          **{f"lineItems.{key}": "string" for key in _LINE_TEXTS}}
RECOMMENDED_PROPERTIES = {
    "added product to cart": _CART, "started checkout": _CART,
    **{name: _ORDER for name in ("placed order", "paid for order", "order canceled", "order fulfilled",
                                 "order refunded")},
    "ordered product": {"orderID": "string", **{f"product.{key}": "number" for key in _LINE_NUMBERS},
                        **{f"product.{key}": "string" for key in _LINE_TEXTS}},
    "viewed product": {"product.price": "number", "product.oldPrice": "number", "product.id": "string",
                       "product.title": "string", "product.currency": "string", "product.url": "string"},
}


@dataclass
class Check:
    """One request's validation: the brand it writes to, the automation (None on create), the problems."""
    brand: Brand
    automation_id: str | None = None
    problems: list[Problem] = field(default_factory=list)

    def add(self, path: str, kind: str, **details) -> None:
        self.problems.append(Problem(path, kind, **details))

    def blank(self, value, path: str) -> bool:
        """Report a required string that is empty or only spaces (the schema lets "" through)."""
        if isinstance(value, str) and not value.strip():
            self.add(path, "required", detail=f"{path.rsplit('.', 1)[-1]} must not be empty")
            return True
        return False


def json_kind(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


# -- what the brand knows about an event ------------------------------------------------------

def known_origins(brand: Brand, event: str) -> list[str]:
    """The origins an event name is known under: Omnisend's own events, the activity feed, and v3
    custom event definitions (which record origin "api")."""
    from simulator.omnisend.custom_events import events_of
    found = ["omnisend"] if event in OMNISEND_EVENTS else []
    for recorded in brand.activity:
        if recorded.name == event and recorded.origin not in found:
            found.append(recorded.origin)
    if events_of(brand).by_system_name(event) is not None and DEFAULT_ORIGIN not in found:
        found.append(DEFAULT_ORIGIN)
    return found


def property_kind(brand: Brand, event: str, origin: str | None, path: str) -> str | None:
    """The JSON type of an event property ("number", "string", "boolean", "array", "object"), or None
    when nothing tells: a v3 custom event's typed field, else the latest recorded event that has the
    property, else the recommended events' documented properties."""
    from simulator.omnisend.custom_events import events_of
    defined = events_of(brand).by_system_name(event)
    if defined is not None and defined.field(path) is not None:
        return {"integer": "number", "float": "number"}.get(defined.field(path).type, defined.field(path).type)
    for recorded in reversed(brand.activity):
        if recorded.name == event and (origin is None or recorded.origin == origin):
            found = _lookup(recorded.properties, path.split("."))
            if found is not _MISSING and found is not None:
                return json_kind(found)
    return RECOMMENDED_PROPERTIES.get(event, {}).get(path)


_MISSING = object()


def _lookup(value, parts: list[str]):
    """The value at a dot path; a list on the way is searched item by item (`lineItems.productPrice`)."""
    if not parts:
        return value
    if isinstance(value, dict):
        return _lookup(value[parts[0]], parts[1:]) if parts[0] in value else _MISSING
    if isinstance(value, list):
        for item in value:
            found = _lookup(item, parts)
            if found is not _MISSING:
                return found
    return _MISSING


# -- events, origins and event-property filters ------------------------------------------------

def origin_of(check: Check, event: str, origin: str | None, path: str) -> str | None:
    """The origin stored for an event: none for built-ins; the given one when it is among the known
    origins (any, when none is known yet); else the only known one; required when there are several."""
    origin = origin or None
    if event in NO_ORIGIN:
        if origin is not None:
            check.add(f"{path}.origin", "invalid", detail=f"omit origin for the '{event}' event")
        return None
    known = known_origins(check.brand, event)
    if origin is not None:
        if known and origin not in known:
            check.add(f"{path}.origin", "enum", expected=known, got=origin)
        return origin
    if len(known) > 1:
        check.add(f"{path}.origin", "required",
                  detail=f"origin is required: '{event}' is known under several origins ({', '.join(known)})")
        return None
    return known[0] if known else DEFAULT_ORIGIN


def event_filter(check: Check, item: dict, path: str, event: str | None, origin: str | None) -> dict:
    """One event-property filter `{field, operator, value}`: value presence and JSON type by operator
    and by the property's type where the brand knows it."""
    name, operator = item["field"], item["operator"]
    check.blank(name, f"{path}.field")
    kind = property_kind(check.brand, event, origin, name) if event and name.strip() else None
    has_value = item.get("value") is not None
    if operator in ("exists", "notExists"):
        if has_value:
            check.add(f"{path}.value", "invalid", detail=f"omit value for the {operator} operator")
        return {"field": name, "operator": operator}
    if not has_value:
        check.add(f"{path}.value", "required")
        return dict(item)
    value = item["value"]
    if operator in ("in", "notIn"):
        if not isinstance(value, list) or not value:
            check.add(f"{path}.value", "type", expected="a non-empty array", got=json_kind(value))
        else:
            for i, one in enumerate(value):
                _value_kind(check, one, kind, f"{path}.value[{i}]", name)
    elif operator in NUMERIC_OPERATORS:
        if kind not in (None, "number"):
            check.add(f"{path}.operator", "invalid",
                      detail=f"{operator} needs a numeric property; '{name}' is a {kind}")
        elif json_kind(value) != "number":
            check.add(f"{path}.value", "type", expected="number", got=json_kind(value),
                      detail=f"type mismatch: property '{name}' is a number, the value is a {json_kind(value)}"
                      if kind else f"{operator} needs a number value")
    elif operator in TEXT_OPERATORS:
        if kind in ("number", "boolean"):
            check.add(f"{path}.operator", "invalid", detail=f"{operator} needs a text property; '{name}' is a {kind}")
        elif not isinstance(value, str):
            check.add(f"{path}.value", "type", expected="string", got=json_kind(value))
    else:
        _value_kind(check, value, kind, f"{path}.value", name)
    return {"field": name, "operator": operator, "value": value}


def _value_kind(check: Check, value, kind: str | None, path: str, name: str) -> None:
    if kind in ("number", "string", "boolean") and json_kind(value) != kind:
        check.add(path, "type", expected=kind, got=json_kind(value),
                  detail=f"type mismatch: property '{name}' is a {kind}, the value is a {json_kind(value)}")
    elif json_kind(value) in ("object", "array"):
        check.add(path, "type", expected=["string", "number", "boolean"], got=json_kind(value))


def event_filter_group(check: Check, group: dict, path: str, event: str | None, origin: str | None) -> dict:
    if not group["filters"]:
        check.add(f"{path}.filters", "range", expected=("minItems", 1), got=0)
    return {"logicalOperator": group["logicalOperator"],
            "filters": [event_filter(check, f, f"{path}.filters[{i}]", event, origin)
                        for i, f in enumerate(group["filters"])]}


def _birthday_filters(check: Check, groups: list, path: str) -> list:
    """Birthday: no groups (on the day), or one group holding one `birthdate eq "<±N>h"` filter."""
    if not groups:
        return []
    ok = len(groups) == 1 and len(groups[0]["filters"]) == 1
    one = groups[0]["filters"][0] if ok else {}
    if not (ok and one.get("field") == "birthdate" and one.get("operator") == "eq"
            and isinstance(one.get("value"), str) and _BIRTHDAY_OFFSET.match(one["value"])):
        check.add(path, "invalid", detail='a birthday trigger takes one filter group with exactly one filter '
                                          '{"field": "birthdate", "operator": "eq", "value": "<hours>h"} (e.g. "-24h")')
        return []
    return [{"logicalOperator": groups[0]["logicalOperator"],
             "filters": [{"field": "birthdate", "operator": "eq", "value": one["value"]}]}]


def condition(check: Check, data: dict, path: str) -> dict:
    """`trigger.condition`: the event, its resolved origin, and its property filter groups."""
    event = data["event"]
    if check.blank(event, f"{path}.event"):
        return {"event": event}
    origin = origin_of(check, event, data.get("origin"), path)
    groups = data.get("filterGroups") or []
    if event == BIRTHDAY:
        groups = _birthday_filters(check, groups, f"{path}.filterGroups")
    else:
        groups = [event_filter_group(check, g, f"{path}.filterGroups[{i}]", event, origin)
                  for i, g in enumerate(groups)]
    out = {"event": event, **({"origin": origin} if origin else {})}
    return {**out, "filterGroups": groups} if groups else out


def contact_filter(check: Check, item: dict, path: str) -> dict:
    """An audience (or split contact) filter: the field's own operators and a non-empty string value."""
    name, operator, value = item.get("field"), item.get("operator"), item.get("value")
    allowed = CONTACT_FIELDS.get(name)
    if allowed is None:
        check.add(f"{path}.field", "enum", expected=list(CONTACT_FIELDS), got=name)
    elif operator not in allowed:
        check.add(f"{path}.operator", "enum", expected=list(allowed), got=operator)
    if not isinstance(value, str):
        check.add(f"{path}.value", "required" if value is None else "type", expected="string", got=json_kind(value))
    elif not check.blank(value, f"{path}.value"):
        if name == "gender" and value not in ("m", "f"):
            check.add(f"{path}.value", "enum", expected=["m", "f"], got=value)
        elif name == "dateAdded" and not _is_date(value):
            check.add(f"{path}.value", "format", expected="date (YYYY-MM-DD)", got=value)
        elif name == "country" and operator in ("eq", "neq") and not _ISO2.match(value):
            check.add(f"{path}.value", "format", expected="ISO-2 country code", got=value)
    return {"field": name, "operator": operator, "value": value}


def _is_date(value: str) -> bool:
    try:
        return bool(_DATE.match(value)) and _dt.date.fromisoformat(value) is not None
    except ValueError:
        return False


def audience(check: Check, group: dict | None, path: str) -> dict | None:
    if group is None:
        return None
    if not group["filters"]:
        check.add(f"{path}.filters", "range", expected=("minItems", 1), got=0)
    return {"logicalOperator": group["logicalOperator"],
            "filters": [contact_filter(check, f, f"{path}.filters[{i}]") for i, f in enumerate(group["filters"])]}


def inactivity(check: Check, data: dict | None, path: str) -> dict | None:
    if data is None:
        return None
    duration = data["duration"]
    if duration["amount"] <= 0:
        check.add(f"{path}.duration.amount", "range", expected=("exclusiveMinimum", 0), got=duration["amount"])
    return {"duration": {"amount": duration["amount"], "units": duration["units"]}}


def trigger(check: Check, data: dict, path: str = "trigger") -> dict:
    out = {"condition": condition(check, data["condition"], f"{path}.condition")}
    for name, rule in (("audienceFilterGroup", audience), ("inactivitySettings", inactivity)):
        value = rule(check, data.get(name), f"{path}.{name}")
        if value is not None:
            out[name] = value
    return out


def patched_trigger(check: Check, stored: dict, data: dict, path: str = "trigger") -> dict:
    """PATCH: each sub-field sent replaces the stored one in full; null clears the optional two."""
    out = dict(stored)
    if "condition" in data:
        out["condition"] = condition(check, data["condition"], f"{path}.condition")
    _replace_sent(check, out, data, path, (("audienceFilterGroup", audience), ("inactivitySettings", inactivity)))
    return out


def _replace_sent(check: Check, out: dict, data: dict, path: str, rules: tuple) -> None:
    """PATCH of optional sub-fields: each one sent replaces `out`'s in full, and null (a rule's None) clears it."""
    for name, rule in rules:
        if name in data:
            value = rule(check, data[name], f"{path}.{name}")
            out.pop(name, None)
            if value is not None:
                out[name] = value


# -- exit conditions ---------------------------------------------------------------------------

def exit_conditions(check: Check, items: list | None, path: str = "exitConditions") -> list:
    out = []
    for i, item in enumerate(items or []):
        where = f"{path}[{i}]"
        event = item["event"]
        if check.blank(event, f"{where}.event"):
            continue
        if event in BUILT_IN:
            check.add(f"{where}.event", "invalid",
                      detail=f"the built-in trigger event '{event}' cannot be an exit condition")
            continue
        origin = origin_of(check, event, item.get("origin"), where)
        one = {"event": event, **({"origin": origin} if origin else {})}
        if item.get("filterGroup") is not None:
            one["filterGroup"] = event_filter_group(check, item["filterGroup"], f"{where}.filterGroup", event, origin)
        out.append(one)
    return out


# -- settings ----------------------------------------------------------------------------------

DEFAULT_THRESHOLDS = {"email": "subscribed", "sms": "subscribed"}


def frequency(check: Check, data: dict | None, path: str) -> dict | None:
    """`once` (no duration) or `interval` (duration within the unit's cap), answered in the largest
    whole unit: 7 d -> 1 w, 48 h -> 2 d."""
    if data is None:
        return None
    duration = data.get("duration")
    if data["mode"] == "once":
        if duration is not None:
            check.add(f"{path}.duration", "invalid", detail="duration is not allowed when mode is once")
        return {"mode": "once"}
    if duration is None:
        check.add(f"{path}.duration", "required", detail="duration is required when mode is interval")
        return {"mode": "interval"}
    amount, units = duration["amount"], duration["units"]
    if not 1 <= amount <= FREQUENCY_CAPS[units]:
        check.add(f"{path}.duration.amount", "range", expected=("between", f"1 and {FREQUENCY_CAPS[units]} {units}"),
                  got=amount)
        return {"mode": "interval", "duration": {"amount": amount, "units": units}}
    hours = amount * HOURS[units]
    for unit in ("w", "d", "h"):
        if hours % HOURS[unit] == 0:
            return {"mode": "interval", "duration": {"amount": hours // HOURS[unit], "units": unit}}
    raise AssertionError("unreachable: every whole number of hours is whole in hours")


def overlap(check: Check, data: dict | None, path: str) -> dict | None:
    """Named automations must exist in this brand and not be the automation itself."""
    if data is None:
        return None
    from simulator.omnisend.automations import automations_of
    ids = data["automationIDs"]
    if not ids:
        check.add(f"{path}.automationIDs", "range", expected=("minItems", 1), got=0)
    book = automations_of(check.brand)
    for i, automation_id in enumerate(ids):
        where = f"{path}.automationIDs[{i}]"
        if automation_id in ids[:i]:
            check.add(where, "duplicate", detail=f"automation {automation_id} is listed twice")
        elif check.automation_id is not None and automation_id == check.automation_id:
            check.add(where, "invalid", detail="an automation cannot list itself in its overlap limiter")
        elif book.find(automation_id) is None:
            check.add(where, "invalid", detail=f"automation {automation_id} not found in this brand")
    out = {"mode": data["mode"], "automationIDs": list(ids)}
    within = data.get("withinDays")
    if data["mode"] == "recentlyIn":
        if within is None:
            check.add(f"{path}.withinDays", "required", detail="withinDays is required when mode is recentlyIn")
        else:
            out["withinDays"] = within
    elif within is not None:
        check.add(f"{path}.withinDays", "invalid", detail="withinDays is not allowed when mode is currentlyIn")
    return out


def settings(check: Check, data: dict | None, stored: dict | None = None, path: str = "settings") -> dict:
    """Create (stored None: engine defaults for what is omitted) or PATCH (each sub-field sent
    replaces the stored one; null clears a limiter). `sendingThresholds` is always populated."""
    data = data or {}
    out = dict(stored) if stored is not None else {"sendingThresholds": dict(DEFAULT_THRESHOLDS)}
    if "sendingThresholds" in data:
        out["sendingThresholds"] = {"email": data["sendingThresholds"]["email"],
                                    "sms": data["sendingThresholds"]["sms"]}
    _replace_sent(check, out, data, path, (("frequencyLimiter", frequency), ("overlapLimiter", overlap)))
    return out
