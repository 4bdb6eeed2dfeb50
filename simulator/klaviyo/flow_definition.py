"""A Klaviyo flow definition beyond its shape: the rules that need the whole definition or the
account, and the stored form of a created one.

contracts/klaviyo/create_flow.json checks the shape of every trigger, condition and action. What
is left is checked here, every problem reported at once with its path:

* one trigger; a list, segment or metric trigger names its id; a list or segment trigger's names a
  list or segment of the account; metric ids (trigger, trigger-filter
  and trigger-split conditions, `profile-metric` conditions anywhere) name metrics of the account;
* actions carry a unique `temporary_id` and no `id` (ids are the server's); every link and
  `entry_action_id` names an action of the definition; links never loop back;
* splits: a conditional split has a profile filter, a trigger split a trigger filter and the flow's
  own trigger; time delays: a known time zone, `HH:MM[:SS]` times, a time of day or weekdays only
  with a delay in days, no negative delay; reentry criteria: no negative duration, and with
  `alltime` only 0 (re-entry allowed) or 1 (none).

`stored()` turns a checked definition into what Klaviyo answers: the spec's defaults filled in
(send actions `status: draft`, messages `smart_sending_enabled: true`, ...), every `temporary_id`
replaced by a server id, links and `entry_action_id` rewritten to match."""
from __future__ import annotations

import copy
import re
from functools import cache
from typing import Callable
from zoneinfo import available_timezones

from simulator.errors import Problem

ROOT = "data.attributes.definition"
SPLITS = {"conditional-split", "trigger-split", "action-output-split"}  # links: next_if_true / next_if_false
CHANNELS = {"send-email": "email", "send-sms": "sms", "send-mobile-push": "push-notification",
            "send-webhook": "webhook", "send-whatsapp": "whatsapp", "send-internal-alert": "internal-alert"}
STATUS_TYPES = {*CHANNELS, "update-profile", "list-update", "ab-test", "content-experiment", "internal-service"}
DEFAULTS = {  # the spec's defaults, filled in where the request leaves them out
    "data": {"time-delay": {"unit": "days", "timezone": "profile"}},
    "message": {
        "send-email": {"smart_sending_enabled": True, "transactional": False, "add_tracking_params": False},
        "send-sms": {"shorten_links": True, "include_contact_card": False, "add_org_prefix": True,
                     "add_info_link": True, "add_opt_out_language": False, "smart_sending_enabled": True,
                     "sms_quiet_hours_enabled": True, "transactional": False, "add_tracking_params": False},
        "send-mobile-push": {"sound": False, "badge": False, "on_open": "home", "smart_sending_enabled": True},
        "send-whatsapp": {"smart_sending_enabled": True, "transactional": False, "add_tracking_params": False},
    },
    "date-trigger": {"timedelta_unit_before_date": "weeks", "recurrence_frequency": "monthly", "timezone": "profile"},
}
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?$")


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones()) | {"profile"}


def links_of(action: dict) -> dict[str, str]:
    """The action's outgoing links that name a target: {"next": id} or {"next_if_true": id, ...}."""
    links = action.get("links")
    if not isinstance(links, dict):
        return {}
    return {k: v for k, v in links.items() if k in ("next", "next_if_true", "next_if_false") and isinstance(v, str)}


def _trigger_problems(definition: dict, metric_exists: Callable[[str], bool],
                      group_exists: Callable[[str, str], bool]) -> list[Problem]:
    triggers = definition["triggers"]
    if len(triggers) != 1:
        return [Problem(f"{ROOT}.triggers", "invalid",
                        detail=f"A flow takes exactly one trigger, not {len(triggers)}.")]
    trigger, where = triggers[0], f"{ROOT}.triggers[0]"
    problems = []
    if trigger["type"] in ("list", "segment", "metric") and not trigger.get("id"):
        problems.append(Problem(f"{where}.id", "required",
                                detail=f"A {trigger['type']} trigger needs the id it listens to."))
    if trigger["type"] in ("list", "segment") and trigger.get("id") and not group_exists(trigger["type"], trigger["id"]):
        problems.append(Problem(f"{where}.id", "invalid",
                                detail=f"No {trigger['type']} with id {trigger['id']} exists in this account."))
    if trigger["type"] == "metric" and trigger.get("id"):
        problems += _metric(trigger["id"], f"{where}.id", metric_exists)
        for path, condition in _conditions(trigger.get("trigger_filter"), f"{where}.trigger_filter"):
            if condition["metric_id"] != trigger["id"]:
                problems.append(Problem(f"{path}.metric_id", "invalid",
                                        detail="A trigger filter condition reads the trigger's own metric."))
    if trigger["type"] == "date" and trigger.get("date_field_type") == "profile-property":
        problems += _zone(trigger.get("timezone"), f"{where}.timezone")
        problems += _time(trigger["trigger_time"], f"{where}.trigger_time")
    return problems


def _conditions(condition_set, where: str):
    """(path, condition) for every condition of a filter (`{condition_groups: [{conditions: [...]}]}`)."""
    for g, group in enumerate((condition_set or {}).get("condition_groups", [])):
        for c, condition in enumerate(group["conditions"]):
            yield f"{where}.condition_groups[{g}].conditions[{c}]", condition


def _metric(metric_id, where: str, metric_exists) -> list[Problem]:
    if not isinstance(metric_id, str):
        return [Problem(where, "type", expected="string", got=type(metric_id).__name__)]
    if metric_exists(metric_id):
        return []
    return [Problem(where, "invalid", detail=f"No metric with id {metric_id} exists in this account.")]


def _filter_shape_problems(condition_set, where: str) -> list[Problem]:
    """Where a filter the contract leaves unchecked (a WhatsApp message's `additional_filters`) is
    not `{condition_groups: [{conditions: [{type, ...}]}]}`."""
    if condition_set is None:
        return []
    groups = condition_set.get("condition_groups") if isinstance(condition_set, dict) else None
    if not isinstance(groups, list):
        return [Problem(f"{where}.condition_groups", "required", detail="A filter needs a list of condition groups.")]
    problems = []
    for g, group in enumerate(groups):
        conditions = group.get("conditions") if isinstance(group, dict) else None
        if not isinstance(conditions, list):
            problems.append(Problem(f"{where}.condition_groups[{g}].conditions", "required",
                                    detail="A condition group needs a list of conditions."))
            continue
        problems += [Problem(f"{where}.condition_groups[{g}].conditions[{c}].type", "required",
                             detail="A condition needs a type.")
                     for c, condition in enumerate(conditions)
                     if not isinstance(condition, dict) or not isinstance(condition.get("type"), str)]
    return problems


def _profile_filter_problems(condition_set, where: str, metric_exists) -> list[Problem]:
    shape = _filter_shape_problems(condition_set, where)
    if shape:
        return shape
    return [problem for path, condition in _conditions(condition_set, where) if condition["type"] == "profile-metric"
            for problem in _metric(condition.get("metric_id"), f"{path}.metric_id", metric_exists)]


def _zone(zone, where: str) -> list[Problem]:
    if zone is None or zone in _zones():
        return []
    return [Problem(where, "invalid", detail=f"'{zone}' is not a time zone: use an IANA name or 'profile'.")]


def _time(value, where: str) -> list[Problem]:
    if value is None or _TIME.match(value):
        return []
    return [Problem(where, "format", detail=f"'{value}' is not a time of day (HH:MM or HH:MM:SS).")]


def _action_problems(action: dict, where: str, trigger: dict | None, metric_exists) -> list[Problem]:
    kind, data = action["type"], action.get("data")
    problems = []
    if action.get("id") is not None:
        problems.append(Problem(f"{where}.id", "invalid",
                                detail="An action's id is not allowed on create: give a temporary_id."))
    if not action.get("temporary_id"):
        problems.append(Problem(f"{where}.temporary_id", "required", detail="Each new action needs a temporary_id."))
    links = action.get("links")
    if links is not None and not isinstance(links, dict):
        problems.append(Problem(f"{where}.links", "type", expected="object", got=type(links).__name__))
    elif isinstance(links, dict):
        wrong = {"next_if_true", "next_if_false"} if kind not in SPLITS else {"next"}
        problems += [Problem(f"{where}.links.{name}", "unknown") for name in sorted(wrong & links.keys())]
    if kind == "time-delay":
        problems += _zone(data.get("timezone"), f"{where}.data.timezone")
        problems += _time(data.get("delay_until_time"), f"{where}.data.delay_until_time")
        if data["value"] < 0:
            problems.append(Problem(f"{where}.data.value", "range", expected=("minimum", 0), got=data["value"]))
        if data.get("unit", "days") != "days":
            problems += [Problem(f"{where}.data.{name}", "invalid", detail=f"'{name}' needs a delay in days.")
                         for name in ("delay_until_time", "delay_until_weekdays") if data.get(name)]
    elif kind == "conditional-split":
        if not data or data.get("profile_filter") is None:
            problems.append(Problem(f"{where}.data.profile_filter", "required",
                                    detail="A conditional split needs a profile filter."))
        else:
            problems += _profile_filter_problems(data["profile_filter"], f"{where}.data.profile_filter", metric_exists)
    elif kind == "trigger-split":
        problems += _trigger_split_problems(data, f"{where}.data", trigger, metric_exists)
    elif kind in CHANNELS and isinstance(data, dict) and isinstance(data.get("message"), dict):
        problems += _profile_filter_problems(data["message"].get("additional_filters"),
                                             f"{where}.data.message.additional_filters", metric_exists)
    return problems


def _trigger_split_problems(data: dict | None, where: str, trigger: dict | None, metric_exists) -> list[Problem]:
    if not data or data.get("trigger_filter") is None:
        return [Problem(f"{where}.trigger_filter", "required", detail="A trigger split needs a trigger filter.")]
    problems = []
    if trigger is not None and (data["trigger_type"], data["trigger_id"]) != (trigger["type"], trigger.get("id")):
        problems.append(Problem(f"{where}.trigger_id", "invalid",
                                detail="A trigger split reads the flow's own trigger: give its type and id."))
    for path, condition in _conditions(data["trigger_filter"], f"{where}.trigger_filter"):
        if condition["type"] == "metric-property":
            problems += _metric(condition["metric_id"], f"{path}.metric_id", metric_exists)
    return problems


def _graph_problems(definition: dict) -> list[Problem]:
    actions = definition["actions"]
    index: dict[str, int] = {}
    problems = []
    for i, action in enumerate(actions):
        name = action.get("temporary_id")
        if not name:
            continue
        if name in index:
            problems.append(Problem(f"{ROOT}.actions[{i}].temporary_id", "duplicate",
                                    detail=f"temporary_id '{name}' is already used by actions[{index[name]}]."))
        else:
            index[name] = i
    for i, action in enumerate(actions):
        for link, target in links_of(action).items():
            if target not in index:
                problems.append(Problem(f"{ROOT}.actions[{i}].links.{link}", "invalid",
                                        detail=f"'{target}' names no action of this definition."))
    entry = definition.get("entry_action_id")
    if entry is None:
        problems.append(Problem(f"{ROOT}.entry_action_id", "required", detail="A flow needs an entry action."))
    elif entry not in index:
        problems.append(Problem(f"{ROOT}.entry_action_id", "invalid",
                                detail=f"'{entry}' names no action of this definition."))
    looped = _loop(actions, index)
    if looped is not None:
        problems.append(Problem(f"{ROOT}.actions[{looped}].links", "invalid",
                                detail="The links from this action lead back to it: a flow cannot loop."))
    return problems


def _loop(actions: list[dict], index: dict[str, int]) -> int | None:
    """The index of an action on a cycle of links, or None."""
    state: dict[int, str] = {}  # "open" while on the current path, "done" once fully explored
    for start in range(len(actions)):
        if start in state:
            continue
        state[start] = "open"
        stack = [(start, iter(links_of(actions[start]).values()))]
        while stack:
            node, targets = stack[-1]
            target = next((index[t] for t in targets if t in index), None)
            if target is None:
                state[node] = "done"
                stack.pop()
            elif state.get(target) == "open":
                return target
            elif target not in state:
                state[target] = "open"
                stack.append((target, iter(links_of(actions[target]).values())))
    return None


def _reentry_problems(criteria) -> list[Problem]:
    if criteria is None:
        return []
    where = f"{ROOT}.reentry_criteria.duration"
    if criteria["duration"] < 0:
        return [Problem(where, "range", expected=("minimum", 0), got=criteria["duration"])]
    if criteria["unit"] == "alltime" and criteria["duration"] not in (0, 1):
        return [Problem(where, "invalid",
                        detail="With unit 'alltime' the duration is 0 (re-entry allowed) or 1 (none).")]
    return []


def problems(definition: dict, metric_exists: Callable[[str], bool],
             group_exists: Callable[[str, str], bool]) -> list[Problem]:
    """Every problem of a definition whose shape the contract has accepted; `group_exists(kind, id)`
    says whether the account has that list or segment."""
    found = _trigger_problems(definition, metric_exists, group_exists)
    trigger = definition["triggers"][0] if len(definition["triggers"]) == 1 else None
    found += _profile_filter_problems(definition.get("profile_filter"), f"{ROOT}.profile_filter", metric_exists)
    for i, action in enumerate(definition["actions"]):
        found += _action_problems(action, f"{ROOT}.actions[{i}]", trigger, metric_exists)
    return found + _graph_problems(definition) + _reentry_problems(definition.get("reentry_criteria"))


def stored(definition: dict, new_action_id: Callable[[], str], new_message_id: Callable[[], str]) -> dict:
    """The definition as created: defaults filled, server ids for temporary ones (see module doc)."""
    source = copy.deepcopy(definition)
    ids = {action["temporary_id"]: new_action_id() for action in source["actions"]}
    actions = []
    for action in source["actions"]:
        out = {"id": ids[action.pop("temporary_id")], **{k: v for k, v in action.items() if k != "id"}}
        _fill(out, new_message_id)
        links = out.get("links")
        if isinstance(links, dict):
            out["links"] = {k: ids.get(v, v) if isinstance(v, str) else v for k, v in links.items()}
        actions.append(out)
    trigger = source["triggers"][0]
    if trigger["type"] == "date" and trigger.get("date_field_type") == "profile-property":
        source["triggers"][0] = _with_defaults(trigger, DEFAULTS["date-trigger"])
    return {"triggers": source["triggers"], "profile_filter": source.get("profile_filter"), "actions": actions,
            "entry_action_id": ids[source["entry_action_id"]], "reentry_criteria": source.get("reentry_criteria")}


def _with_defaults(given: dict, defaults: dict) -> dict:
    """`given` followed by the defaults it leaves out (the request's own order kept first)."""
    return {**given, **{k: v for k, v in defaults.items() if k not in given}}


def _fill(action: dict, new_message_id: Callable[[], str]) -> None:
    kind = action["type"]
    if kind in DEFAULTS["data"]:
        action["data"] = _with_defaults(action["data"], DEFAULTS["data"][kind])
    if kind not in STATUS_TYPES:
        return
    if action.get("data") is None:
        action["data"] = {}
    data = action["data"]
    if not isinstance(data, dict):
        return
    data.setdefault("status", "draft")
    if kind in CHANNELS:
        message = data.get("message") or {}
        data["message"] = {**_with_defaults(message, DEFAULTS["message"].get(kind, {})), "id": new_message_id()}
