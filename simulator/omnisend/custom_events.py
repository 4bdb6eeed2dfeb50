"""Omnisend legacy custom events (v3 `/events`): event definitions, their typed fields, triggers.

Rules (sources in docs/omnisend-v3.md):
* an event is named by its `systemName`; triggering an unknown system name defines the event, with
  one field per value passed; a later trigger with new values adds those fields;
* each field keeps the type of the first value it saw; a value of another type is refused;
* numbers with no fractional part are integers (`10`, `10.0`, `10.00`); any other number is a
  float. The body arrives parsed, so `10.0` is seen as a float whose value is integral and counts as
  an integer; such values are recorded as integers too;
* a trigger names an existing contact by email or phone; every trigger lands in the brand's
  activity feed as an event of that contact (name = system name, origin "api").
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field

from simulator.errors import Invalid, Problem, repeated
from simulator.omnisend.brand import Brand
from simulator.omnisend.contacts import Contact, contacts_of
from simulator.core.records import Records

FIELD_TYPES = ("string", "integer", "float", "boolean")


@dataclass
class EventField:
    system_name: str
    name: str
    type: str  # one of FIELD_TYPES
    required: bool = False


@dataclass
class CustomEvent:
    id: str
    system_name: str
    name: str
    enabled: bool
    created_at: _dt.datetime
    updated_at: _dt.datetime
    launched_at: _dt.datetime | None = None  # first trigger
    fields: list[EventField] = field(default_factory=list)

    def field(self, system_name: str) -> EventField | None:
        return next((f for f in self.fields if f.system_name == system_name), None)


@dataclass
class Trigger:
    """What a surface hands the model for one trigger: who and with which values."""
    email: str | None = None
    phone: str | None = None
    values: dict = field(default_factory=dict)


def type_of(value) -> str | None:
    """The field type a JSON value gets, or None for values no field can hold (null, lists, objects)."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "integer" if value.is_integer() else "float"
    if isinstance(value, str):
        return "string"
    return None


def _normalised(value):
    return int(value) if isinstance(value, float) and value.is_integer() else value


class EventCatalog:
    """All custom event definitions of one brand, in creation order."""

    def __init__(self, brand: Brand):
        self.brand = brand
        self._events: Records[CustomEvent] = Records("event")
        self._by_system_name: dict[str, str] = {}

    def all(self) -> list[CustomEvent]:
        return list(self._events)

    def get(self, event_id: str) -> CustomEvent:
        return self._events.get(event_id)

    def by_system_name(self, system_name: str) -> CustomEvent | None:
        return self._events.find(self._by_system_name.get(system_name))

    def define(self, system_name: str, name: str | None, fields: list[EventField], now: _dt.datetime,
               enabled: bool = True) -> CustomEvent:
        """A new definition, as the Omnisend app would make it (the control API stands in for it)."""
        problems = []
        if not system_name:
            problems.append(Problem("systemName", "invalid", detail="must not be empty"))
        elif system_name in self._by_system_name:
            problems.append(Problem("systemName", "duplicate", detail=f"an event {system_name!r} already exists"))
        for index, item in enumerate(fields):
            if item.type not in FIELD_TYPES:
                problems.append(Problem(f"fields[{index}].type", "enum", expected=list(FIELD_TYPES), got=item.type))
        problems += repeated([item.system_name for item in fields], "fields", "systemName", "field")
        if problems:
            raise Invalid(problems)
        event = CustomEvent(self.brand.ids.next("event", "hex24"), system_name, name or system_name, enabled,
                            now, now, fields=list(fields))
        self._events.add(event.id, event)
        self._by_system_name[system_name] = event.id
        return event

    def trigger_by_system_name(self, system_name: str, name: str | None, trigger: Trigger,
                               now: _dt.datetime) -> CustomEvent:
        """`POST /events`: trigger the event `system_name`, defining it or adding fields as needed.

        Everything is checked before anything changes: a refused trigger defines nothing."""
        problems: list[Problem] = []
        if not system_name:
            problems.append(Problem("systemName", "invalid", detail="must not be empty"))
        event = self.by_system_name(system_name)
        contact = self._contact(trigger, problems)
        problems += self._value_problems(event, trigger.values, allow_new=True)
        if problems:
            raise Invalid(problems)
        if event is None:
            event = self.define(system_name, name, [], now)
        added = [EventField(key, key, type_of(value)) for key, value in trigger.values.items()
                 if event.field(key) is None]
        if added:
            event.fields.extend(added)
            event.updated_at = now
        return self._fire(event, contact, trigger.values, now)

    def trigger(self, event_id: str, trigger: Trigger, now: _dt.datetime) -> CustomEvent:
        """`POST /events/{eventID}`: trigger a defined event with the values of its own fields only."""
        event = self.get(event_id)
        problems: list[Problem] = []
        contact = self._contact(trigger, problems)
        problems += self._value_problems(event, trigger.values, allow_new=False)
        if problems:
            raise Invalid(problems)
        return self._fire(event, contact, trigger.values, now)

    # -- internals -------------------------------------------------------------------------

    def _contact(self, trigger: Trigger, problems: list[Problem]) -> Contact | None:
        if not trigger.email and not trigger.phone:
            problems.append(Problem("email", "invalid", detail="email or phone is required"))
            return None
        contact = contacts_of(self.brand).find(email=trigger.email, phone=trigger.phone)
        if contact is None:
            where = "email" if trigger.email else "phone"
            problems.append(Problem(where, "invalid", detail="no contact with this email or phone"))
        return contact

    @staticmethod
    def _value_problems(event: CustomEvent | None, values: dict, allow_new: bool) -> list[Problem]:
        problems = []
        for key, value in values.items():
            where = f"fields.{key}"
            kind = type_of(value)
            if kind is None:
                problems.append(Problem(where, "type", expected=list(FIELD_TYPES), got=_json_kind(value)))
                continue
            known = event.field(key) if event is not None else None
            if known is None and not allow_new:
                problems.append(Problem(where, "unknown"))
            elif known is not None and known.type != kind:
                problems.append(Problem(where, "type", expected=known.type, got=kind))
        if event is not None:
            problems += [Problem(f"fields.{f.system_name}", "required") for f in event.fields
                         if f.required and f.system_name not in values]
        return problems

    def _fire(self, event: CustomEvent, contact: Contact, values: dict, now: _dt.datetime) -> CustomEvent:
        if event.launched_at is None:
            event.launched_at = now
        properties = {key: _normalised(value) for key, value in values.items()}
        self.brand.record_event(contact.id, name=event.system_name, origin="api", properties=properties, at=now)
        return event


def _json_kind(value) -> str:
    if value is None:
        return "null"
    return "array" if isinstance(value, list) else "object"


def events_of(brand: Brand) -> EventCatalog:
    return brand.custom_events
