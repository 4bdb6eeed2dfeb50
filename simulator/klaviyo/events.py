"""Klaviyo events: checked in full and answered 202 on receipt, then processed when the clock reaches
the processing delay: the profile is found or made (and updated), the metric made on first use of
its name, and the event recorded unless its key was seen before for that profile and metric.

The key is `unique_id`, or else the event's time to the second (Klaviyo: "only the first processed
event will be recorded"). In one bulk request a repeated `unique_id` for the same profile and metric
fails the whole request instead. A `backfill` event is recorded but the listeners (flows) are not
told of it."""
from __future__ import annotations

import datetime as _dt
from functools import partial
from dataclasses import dataclass

from simulator.core.timefmt import iso, parse_instant
from simulator.errors import Invalid, MissingReferences, Problem
from simulator.klaviyo.account import Account
from simulator.klaviyo.metrics import metrics_of
from simulator.klaviyo.profiles import (IDENTIFIERS, ProfileChanged, format_problems, identity_key, profiles_of,
                                       unknown_profile)
from simulator.core.records import Records

EARLIEST = _dt.datetime(1990, 1, 1, tzinfo=_dt.timezone.utc)  # "The time must be after the year 1990"
AHEAD = _dt.timedelta(days=365)  # "and can only be up to 1 year in the future"
MAX_EVENTS = 1000  # per bulk request


@dataclass
class Event:
    id: str
    uuid: str
    profile_id: str
    metric_id: str
    metric_name: str
    time: _dt.datetime  # when it happened, to the second
    properties: dict
    value: float | None
    value_currency: str | None
    unique_id: str  # as sent, or the time to the second
    backfill: bool
    received: _dt.datetime
    processed: _dt.datetime
    source: str  # "api" | "client"


@dataclass(frozen=True)
class EventInput:
    """One event as a request states it; `path` locates its attributes in the body, for problems."""
    path: str
    profile_path: str
    profile_id: str | None
    profile: dict
    profile_meta: dict | None
    metric: str
    properties: dict
    time: str | None = None
    value: float | None = None
    value_currency: str | None = None
    unique_id: str | None = None
    backfill: bool = False


class EventBook:
    def __init__(self, account: Account):
        self.account = account
        self.records: Records[Event] = Records("event")
        self._by_pair: dict[tuple[str, str], list[Event]] = {}
        self._keys: set[tuple[str, str, str]] = set()

    def of(self, profile_id: str | None = None, metric_id: str | None = None) -> list[Event]:
        """Recorded events, oldest `time` first (ties in recording order), for the flow engine."""
        if profile_id is not None and metric_id is not None:
            found = list(self._by_pair.get((profile_id, metric_id), []))
        else:
            found = [e for e in self.records if profile_id in (None, e.profile_id) and metric_id in (None, e.metric_id)]
        return sorted(found, key=lambda e: e.time)

    def record(self, event: Event) -> bool:
        """Keep `event` unless its key was seen for its profile and metric; whether it was kept."""
        key = (event.profile_id, event.metric_id, event.unique_id)
        if key in self._keys:
            return False
        self._keys.add(key)
        self.records.add(event.id, event)
        self._by_pair.setdefault(key[:2], []).append(event)
        settings = self.account.settings
        while settings is not None and len(self.records) > settings.event_limit:
            self._forget(next(iter(self.records)))
        self.account.notify(ProfileChanged(event.profile_id, event.processed))  # segments count it
        for recorder in list(self.account.recorders):
            recorder(self.account, event)
        return True

    def move(self, source_id: str, destination_id: str) -> None:
        """A merge: the source profile's events become the destination's (a key both profiles
        recorded for one metric is kept once, the destination's)."""
        for event in [e for e in self.records if e.profile_id == source_id]:
            self._forget(event)
            event.profile_id = destination_id
            self.record(event)

    def forget_profile(self, profile_id: str) -> None:
        """A deletion request: the profile's events go with it."""
        for event in [e for e in self.records if e.profile_id == profile_id]:
            self._forget(event)

    def _forget(self, event: Event) -> None:
        """Drop the oldest recorded event (retention): its key may then be recorded again."""
        self.records.remove(event.id)
        pair = self._by_pair[(event.profile_id, event.metric_id)]
        pair.remove(event)
        if not pair:
            del self._by_pair[(event.profile_id, event.metric_id)]
        self._keys.discard((event.profile_id, event.metric_id, event.unique_id))


def events_of(account: Account) -> EventBook:
    return account.events


def accept(account: Account, inputs: list[EventInput], now: _dt.datetime, source: str = "api",
           bulk: str | None = None) -> None:
    """Check every event (all problems at once), then leave them for the processing delay. `bulk`:
    for a bulk request, the path of its list of entries (where a count problem is reported)."""
    _check(account, inputs, now, bulk)
    account.later(partial(process, account, inputs, now, source), now, "klaviyo events")


def _check(account: Account, inputs: list[EventInput], now: _dt.datetime, bulk: str | None) -> None:
    problems: list[Problem] = []
    missing: list[Problem] = []
    profiles = profiles_of(account)
    seen: dict[tuple, str] = {}
    if bulk and len(inputs) > MAX_EVENTS:
        problems.append(Problem(bulk, "range", detail=f"At most {MAX_EVENTS} events per request; got {len(inputs)}."))
    for one in inputs:
        named = True
        if one.profile_id is not None and one.profile_id not in profiles.records:
            missing.append(unknown_profile(f"{one.profile_path}.id", one.profile_id))
            named = False
        elif one.profile_id is None and not any(one.profile.get(n) for n in IDENTIFIERS):
            problems.append(Problem(f"{one.profile_path}.attributes", "required",
                                    detail="The profile needs an identifier: id, email, phone_number, external_id, "
                                           "anonymous_id or _kx."))
            named = False
        problems += format_problems(one.profile, f"{one.profile_path}.attributes")
        problems += _time_problems(one, now)
        if bulk and named and one.unique_id:
            key = (_identity(profiles, one), one.metric, one.unique_id)
            if key in seen:
                problems.append(Problem(f"{one.path}.unique_id", "duplicate",
                                        detail=f"unique_id '{one.unique_id}' is repeated for the same profile and "
                                               f"metric (first at {seen[key]}): no event was processed."))
            seen.setdefault(key, f"{one.path}.unique_id")
    if missing:
        raise MissingReferences(_once(missing))
    if problems:
        raise Invalid(_once(problems))


def _once(problems: list[Problem]) -> list[Problem]:
    """A bulk entry's profile is checked once per event: say each problem once."""
    seen, out = set(), []
    for problem in problems:
        if (problem.path, problem.detail) not in seen:
            seen.add((problem.path, problem.detail))
            out.append(problem)
    return out


def _time_problems(one: EventInput, now: _dt.datetime) -> list[Problem]:
    if one.time is None:
        return []
    try:
        moment = parse_instant(one.time)
    except ValueError:
        return [Problem(f"{one.path}.time", "format", expected="date-time", got=one.time)]
    if moment < EARLIEST or moment > now + AHEAD:
        return [Problem(f"{one.path}.time", "invalid",
                        detail="The time must be after 1990 and at most one year in the future.")]
    return []


def _identity(profiles, one: EventInput) -> tuple:
    """Which profile an event names, before any is made: an existing one's id, else its first identifier."""
    found = profiles.matches(one.profile, one.profile_id)
    if found:
        return "id", found[0].id
    name = next(n for n in IDENTIFIERS if one.profile.get(n))
    return identity_key(name, one.profile[name])


def process(account: Account, inputs: list[EventInput], received: _dt.datetime, source: str,
            at: _dt.datetime) -> None:
    profiles, metrics, book = profiles_of(account), metrics_of(account), events_of(account)
    for one in inputs:
        profile = profiles.upsert(one.profile, at, one.profile_id, identifiers="fill" if source == "client" else "set",
                                  meta=one.profile_meta)
        metric = metrics.named(one.metric, at)
        moment = (parse_instant(one.time) if one.time else received).replace(microsecond=0)
        properties = dict(one.properties)
        if one.value is not None:
            properties["$value"] = one.value  # the special property Klaviyo has long kept the value in
        event = Event(account.ids.next("event", "base62_11"), account.ids.next("event-uuid", "uuid"), profile.id,
                      metric.id, metric.name, moment, properties, one.value, one.value_currency,
                      one.unique_id or iso(moment), one.backfill, received, at, source)
        if not book.record(event):
            continue
        if profile.last_event_date is None or moment > profile.last_event_date:
            profile.last_event_date = moment
        if not one.backfill:
            account.notify(event)
