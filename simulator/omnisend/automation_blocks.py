"""An automation's block tree: the rules of create (temporaryID blocks), PUT (full tree: `id` blocks
kept, `temporaryID` blocks new, the rest removed) and PATCH (partial updates of existing blocks).

Checking builds the tree in the API's response shape with each block's *reference* (its temporaryID,
or its id) in `id`; only once the whole request is valid does `assign_ids` give new blocks server
ids and rewrite message-split references to them, so a refused request consumes no ids."""
from __future__ import annotations

import copy
import re
from typing import Iterator

from simulator.core.emails import EMAIL
from simulator.omnisend.automation_rules import EVENT_OPERATORS, Check, contact_filter, event_filter, json_kind

BLOCK_TYPES = ("delay", "action", "split", "abTesting")
ACTION_TYPES = ("sendEmail", "sendSms", "sendPush", "sendWebhook", "addTag", "removeTag")
SEND_ACTIONS = {"sendEmail": "email", "sendSms": "sms", "sendPush": "push"}  # action -> channel
MESSAGE_OPERATORS = {"openedEmail": "sendEmail", "clickedEmail": "sendEmail", "clickedSms": "sendSms",
                     "openedPush": "sendPush", "clickedPush": "sendPush"}
BRANCHES = {"split": ("trueBlocks", "falseBlocks"), "abTesting": ("aBlocks", "bBlocks")}
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_LANGUAGE = re.compile(r"^[a-z]{2}_[A-Z]{2}$")
_URL = re.compile(r"^https?://\S+$", re.IGNORECASE)


def walk(blocks: list[dict]) -> Iterator[dict]:
    """Every block of a tree, depth first in document order."""
    for block in blocks:
        yield block
        for branch in BRANCHES.get(block["type"], ()):
            yield from walk(block[block["type"]][branch])


def action_type(block: dict) -> str | None:
    return block["action"]["type"] if block["type"] == "action" else None


class Blocks:
    """Checks one request's blocks against a brand (and, for PUT and PATCH, the stored tree)."""

    def __init__(self, check: Check, trigger: dict | None, stored: list[dict] | None = None):
        self.check = check
        condition = (trigger or {}).get("condition") or {}
        self.event, self.origin = condition.get("event"), condition.get("origin")
        self.stored = {b["id"]: b for b in walk(stored or [])}
        self.new_refs: set[str] = set()  # temporaryIDs of this request
        self.seen_refs: set[str] = set()
        self.templates: dict[str, str | None] = {}  # new email block reference -> its templateID

    # -- create and PUT ----------------------------------------------------------------------

    def tree(self, items: list, path: str = "blocks", put: bool = False) -> list[dict]:
        if not items:
            self.check.add(path, "range", expected=("minItems", 1), got=0, detail="at least one block is required")
            return []
        return self._sequence(items, path, continues=False, above={}, put=put)[0]

    def _sequence(self, items: list, path: str, continues: bool, above: dict, put: bool) -> tuple[list, dict]:
        """Blocks of one sequence; `above` maps each send block's reference above it to its action
        type; `continues` says blocks follow this sequence (a branch of a split with siblings after)."""
        seen, found, out = dict(above), {}, []
        for i, item in enumerate(items):
            where = f"{path}[{i}]"
            follows = continues or i < len(items) - 1
            block, refs = self._block(item, where, follows, seen, put)
            if block is None:
                continue
            if block["type"] == "delay" and not follows:
                self.check.add(where, "invalid", detail="a delay cannot end a sequence: add a block after it")
            out.append(block)
            seen.update(refs)
            found.update(refs)
        return out, found

    def _block(self, item: dict, path: str, follows: bool, above: dict, put: bool) -> tuple[dict | None, dict]:
        ref, existing = self._reference(item, path, put)
        kind = item["type"]
        if existing is not None and existing["type"] != kind:
            self.check.add(f"{path}.type", "invalid",
                           detail=f"block {ref} is a {existing['type']} block; its type cannot change "
                                  "(use a temporaryID to create a new block)")
        self._only_own_config(item, kind, BLOCK_TYPES, path)
        config = item.get(kind)
        if config is None:
            self.check.add(f"{path}.{kind}", "required", detail=f"a {kind} block needs its {kind} configuration")
            return None, {}
        refs: dict = {}
        where = f"{path}.{kind}"
        if kind == "delay":
            body = delay(self.check, config, where)
        elif kind == "action":
            body = self._action(config, where, existing, new=item.get("id") is None)
            if body["type"] == "sendEmail" and item.get("id") is None and ref is not None:
                self.templates[ref] = config["sendEmail"].get("templateID") if config.get("sendEmail") else None
            if body["type"] in SEND_ACTIONS and ref is not None:
                refs[ref] = body["type"]
        else:
            body, refs = self._branching(kind, config, where, follows, above, put)
        block = {"id": ref, "type": kind, kind: body}
        if existing is not None and kind == "action" and body.get("type") == action_type(existing) == "sendEmail":
            block["action"]["sendEmail"]["contentID"] = existing["action"]["sendEmail"]["contentID"]
        return block, refs

    def _reference(self, item: dict, path: str, put: bool) -> tuple[str | None, dict | None]:
        """The block's reference and, for an `id` block of PUT, the stored block it updates."""
        temporary, block_id = item.get("temporaryID"), item.get("id")
        if put and (temporary is None) == (block_id is None):
            detail = "give either id (an existing block) or temporaryID (a new block), not both" if temporary \
                else "id (an existing block) or temporaryID (a new block) is required"
            self.check.add(f"{path}.temporaryID", "invalid" if temporary else "required", detail=detail)
        ref = block_id if block_id is not None else temporary
        if ref is None:
            return None, None
        field = "id" if block_id is not None else "temporaryID"
        if block_id is None and not self.check.blank(temporary, f"{path}.temporaryID"):
            self.new_refs.add(temporary)
        if ref in self.seen_refs:
            self.check.add(f"{path}.{field}", "duplicate",
                           detail=f"'{ref}' is used by more than one block of this request")
        self.seen_refs.add(ref)
        existing = None
        if block_id is not None and temporary is None:
            existing = self.stored.get(block_id)
            if existing is None:
                self.check.add(f"{path}.id", "invalid", detail=f"no block {block_id} in this automation "
                                                               "(new blocks take a temporaryID)")
        return ref, existing

    def _only_own_config(self, item: dict, kind: str, kinds: tuple, path: str) -> None:
        for other in kinds:
            if other != kind and item.get(other) is not None:
                self.check.add(f"{path}.{other}", "invalid",
                               detail=f"only the configuration named by type ('{kind}') may be given")

    def _branching(self, kind: str, config: dict, path: str, follows: bool, above: dict,
                   put: bool) -> tuple[dict, dict]:
        first, second = BRANCHES[kind]
        body = {}
        if kind == "split":
            body["filterGroup"] = self.split_filters(config["filterGroup"], f"{path}.filterGroup", above)
        else:
            body["aBlocksPercentage"] = config["aBlocksPercentage"]
        refs: dict = {}
        for branch in (first, second):
            items = config.get(branch) or []
            body[branch], found = self._sequence(items, f"{path}.{branch}", follows, above, put)
            refs.update(found)
        if not config.get(first) and not config.get(second):
            self.check.add(path, "invalid", detail=f"at least one of {first} or {second} must be non-empty")
        return body, refs

    def _action(self, config: dict, path: str, existing: dict | None, new: bool) -> dict:
        kind = config["type"]
        if existing is not None and existing["type"] == "action" and action_type(existing) != kind:
            self.check.add(f"{path}.type", "invalid",
                           detail=f"block is a {action_type(existing)} action; its action type cannot change")
        self._only_own_config(config, kind, ACTION_TYPES, path)
        settings = config.get(kind)
        if settings is None:
            self.check.add(f"{path}.{kind}", "required", detail=f"a {kind} action needs its {kind} configuration")
            return {"type": kind, kind: {}}
        return {"type": kind, kind: ACTIONS[kind](self.check, settings, f"{path}.{kind}", new)}

    # -- split filters -------------------------------------------------------------------

    def split_filters(self, group: dict, path: str, above: dict) -> dict:
        if not group["filters"]:
            self.check.add(f"{path}.filters", "range", expected=("minItems", 1), got=0)
        return {"logicalOperator": group["logicalOperator"],
                "filters": [self._split_filter(f, f"{path}.filters[{i}]", above)
                            for i, f in enumerate(group["filters"])]}

    def _split_filter(self, item: dict, path: str, above: dict) -> dict:
        kind, operator = item["type"], item["operator"]
        if kind != "message" and item.get("urlMatch") is not None:
            self.check.add(f"{path}.urlMatch", "invalid", detail="urlMatch is only for clicked message filters")
        if kind == "event":
            if operator not in EVENT_OPERATORS:
                self.check.add(f"{path}.operator", "enum", expected=list(EVENT_OPERATORS), got=operator)
                return dict(item)
            return {"type": "event", **event_filter(self.check, item, path, self.event, self.origin)}
        if kind == "contact":
            return {"type": "contact", **contact_filter(self.check, item, path)}
        return self._message_filter(item, path, above)

    def _message_filter(self, item: dict, path: str, above: dict) -> dict:
        operator, value = item["operator"], item.get("value")
        if item["field"] != "blockID":
            self.check.add(f"{path}.field", "enum", expected=["blockID"], got=item["field"])
        wanted = MESSAGE_OPERATORS.get(operator)
        if wanted is None:
            self.check.add(f"{path}.operator", "enum", expected=list(MESSAGE_OPERATORS), got=operator)
        if not isinstance(value, str) or not value:
            self.check.add(f"{path}.value", "required" if value is None else "type", expected="string",
                           got=json_kind(value), detail="value names a send block above this split")
        elif value not in above:
            self.check.add(f"{path}.value", "invalid", detail=f"'{value}' is not a send block above this split")
        elif wanted is not None and above[value] != wanted:
            self.check.add(f"{path}.value", "invalid",
                           detail=f"{operator} needs a {wanted} block; '{value}' is a {above[value]} block")
        out = {"type": "message", "field": item["field"], "operator": operator, "value": value}
        match = item.get("urlMatch")
        if match is not None:
            if not operator.startswith("clicked"):
                self.check.add(f"{path}.urlMatch", "invalid", detail="urlMatch is only for clicked message filters")
            elif match["operator"] != "any" and not match.get("value"):
                self.check.add(f"{path}.urlMatch.value", "required", detail="value is required unless operator is any")
            out["urlMatch"] = {"operator": match["operator"]}
            if match.get("value"):
                out["urlMatch"]["value"] = match["value"]
        return out

    # -- PATCH ---------------------------------------------------------------------------

    def patch(self, tree: list[dict], items: list, path: str = "blocks") -> list[dict]:
        """A copy of the stored `tree` with each item's partial update applied to the block of its id."""
        tree = copy.deepcopy(tree)
        by_id = {b["id"]: b for b in walk(tree)}
        above_of = _above_each(tree)
        if not items:
            self.check.add(path, "range", expected=("minItems", 1), got=0,
                           detail="an empty blocks array is not allowed; omit blocks to leave them unchanged")
        for i, item in enumerate(items):
            where = f"{path}[{i}]"
            block = by_id.get(item["id"])
            if item["id"] in self.seen_refs:
                self.check.add(f"{where}.id", "duplicate", detail=f"block {item['id']} is patched twice")
            self.seen_refs.add(item["id"])
            if block is None:
                self.check.add(f"{where}.id", "invalid", detail=f"no block {item['id']} in this automation "
                                                                "(PATCH cannot add blocks; use PUT /blocks)")
                continue
            kind = item["type"]
            if kind != block["type"]:
                self.check.add(f"{where}.type", "invalid",
                               detail=f"block {item['id']} is a {block['type']} block; its type cannot change")
                continue
            self._only_own_config(item, kind, BLOCK_TYPES, where)
            config = item.get(kind)
            if config is None:
                continue
            if kind == "delay":
                block["delay"] = delay(self.check, config, f"{where}.delay")
            elif kind == "split":
                block["split"]["filterGroup"] = self.split_filters(config["filterGroup"], f"{where}.split.filterGroup",
                                                                   above_of[block["id"]])
            elif kind == "abTesting":
                block["abTesting"]["aBlocksPercentage"] = config["aBlocksPercentage"]
            else:
                self._patch_action(block, config, f"{where}.action")
        return tree

    def _patch_action(self, block: dict, config: dict, path: str) -> None:
        kind = config["type"]
        if kind != action_type(block):
            self.check.add(f"{path}.type", "invalid",
                           detail=f"block is a {action_type(block)} action; its action type cannot change")
            return
        self._only_own_config(config, kind, ACTION_TYPES, path)
        if config.get(kind) is not None:
            PATCHES[kind](self.check, block["action"][kind], config[kind], f"{path}.{kind}")


def _above_each(tree: list[dict]) -> dict[str, dict]:
    """For each block id of a stored tree: the send blocks above it (id -> action type)."""
    out: dict[str, dict] = {}

    def sequence(blocks: list[dict], above: dict) -> dict:
        seen, found = dict(above), {}
        for block in blocks:
            out[block["id"]] = dict(seen)
            refs = {block["id"]: action_type(block)} if action_type(block) in SEND_ACTIONS else {}
            for branch in BRANCHES.get(block["type"], ()):
                refs.update(sequence(block[block["type"]][branch], seen))
            seen.update(refs)
            found.update(refs)
        return found

    sequence(tree, {})
    return out


def assign_ids(tree: list[dict], new_refs: set[str], new_id) -> dict[str, str]:
    """Give each new block (its reference among `new_refs`) a server id and each new email its
    contentID; rewrite message-split references to the ids. `new_id(kind)` makes one id. Returns
    the map of reference -> server id."""
    mapping = {}
    for block in walk(tree):
        if block["id"] in new_refs:
            mapping[block["id"]] = new_id("automation-block")
            block["id"] = mapping[block["id"]]
        if action_type(block) == "sendEmail" and "contentID" not in block["action"]["sendEmail"]:
            block["action"]["sendEmail"]["contentID"] = new_id("automation-content")
    for block in walk(tree):
        if block["type"] == "split":
            for one in block["split"]["filterGroup"]["filters"]:
                if one["type"] == "message" and one.get("value") in mapping:
                    one["value"] = mapping[one["value"]]
    return mapping


# -- delays and actions ------------------------------------------------------------------------

def delay(check: Check, data: dict, path: str) -> dict:
    """`duration` only with mode duration (amount >= 1), `time` "HH:MM" only with specificTime."""
    mode = data["mode"]
    out = {"mode": mode}
    if mode == "duration":
        if data.get("duration") is None:
            check.add(f"{path}.duration", "required", detail="duration is required when mode is duration")
        else:
            amount = data["duration"]["amount"]
            if amount < 1:
                check.add(f"{path}.duration.amount", "range", expected=("minimum", 1), got=amount)
            out["duration"] = {"amount": amount, "units": data["duration"]["units"]}
    elif data.get("duration") is not None:
        check.add(f"{path}.duration", "invalid", detail=f"duration is only for mode duration, not {mode}")
    if mode == "specificTime":
        time = data.get("time")
        if time is None:
            check.add(f"{path}.time", "required", detail="time is required when mode is specificTime")
        elif not _TIME.match(time):
            check.add(f"{path}.time", "format", expected="time of day HH:MM (24 h)", got=time)
        else:
            out["time"] = time
    elif data.get("time") is not None:
        check.add(f"{path}.time", "invalid", detail=f"time is only for mode specificTime, not {mode}")
    weekdays = data.get("allowedWeekdays")
    if weekdays is not None:
        if not weekdays:
            check.add(f"{path}.allowedWeekdays", "range", expected=("minItems", 1), got=0,
                      detail="name at least one weekday, or omit allowedWeekdays to allow every day")
        for i, day in enumerate(weekdays):
            if day in weekdays[:i]:
                check.add(f"{path}.allowedWeekdays[{i}]", "duplicate", detail=f"{day} is listed twice")
        out["allowedWeekdays"] = list(dict.fromkeys(weekdays))
    return out


def _text(check: Check, data: dict, out: dict, names: tuple, path: str) -> None:
    for name in names:
        if name in data and data[name] is not None:
            check.blank(data[name], f"{path}.{name}")
            out[name] = data[name]


def _email(check: Check, value, path: str) -> None:
    if isinstance(value, str) and value and not EMAIL.match(value):
        check.add(path, "format", expected="email address", got=value)


def _language(check: Check, value, path: str) -> None:
    if isinstance(value, str) and not _LANGUAGE.match(value):
        check.add(path, "format", expected="language locale xx_XX", got=value)


def _https(check: Check, value, path: str) -> None:
    if isinstance(value, str) and value.strip() and not value.lower().startswith("https://"):
        check.add(path, "format", expected="HTTPS URL", got=value, detail="callbackUrl must be HTTPS")


def _url(check: Check, value, path: str) -> None:
    if isinstance(value, str) and value.strip() and not _URL.match(value):
        check.add(path, "format", expected="http(s) URL", got=value)


def send_email(check: Check, data: dict, path: str, new: bool) -> dict:
    out: dict = {}
    _text(check, data, out, ("subject", "senderName", "language"), path)
    out["preheader"] = data["preheader"]
    for name in ("senderEmail", "replyToEmail"):
        if data.get(name):
            _email(check, data[name], f"{path}.{name}")
            out[name] = data[name]
    _language(check, data["language"], f"{path}.language")
    out["isSkipAllowed"] = data.get("isSkipAllowed", True)
    template = data.get("templateID")
    if new and template is None:
        check.add(f"{path}.templateID", "required", detail="templateID is required for a new email block")
    elif not new and template is not None:
        check.add(f"{path}.templateID", "invalid",
                  detail="templateID is not allowed for an existing block (id); to create a block use temporaryID")
    elif template is not None:
        check.blank(template, f"{path}.templateID")
    return out


def _compliance(check: Check, data: dict, path: str) -> dict:
    out = {"isStopKeywordIncluded": data.get("isStopKeywordIncluded", True),
           "isUnsubscribeLinkIncluded": data.get("isUnsubscribeLinkIncluded", True)}
    for toggle, text in (("isStopKeywordIncluded", "stopKeywordText"),
                         ("isUnsubscribeLinkIncluded", "unsubscribeLinkText")):
        value = data.get(text)
        if value:
            out[text] = value
        elif out[toggle]:
            check.add(f"{path}.{text}", "required", detail=f"{text} is required when {toggle} is true")
    link = data.get("unsubscribeLinkText")
    if link and "[[unsubscribe_link]]" not in link:
        check.add(f"{path}.unsubscribeLinkText", "invalid",
                  detail="unsubscribeLinkText must contain [[unsubscribe_link]]")
    return out


def send_sms(check: Check, data: dict, path: str, new: bool) -> dict:
    out: dict = {}
    _text(check, data, out, ("message",), path)
    out["compliance"] = _compliance(check, data["compliance"], f"{path}.compliance")
    if data.get("imageID"):
        out["imageID"] = data["imageID"]
    out["isLinkShorteningEnabled"] = data.get("isLinkShorteningEnabled", True)
    out["isSkipAllowed"] = data.get("isSkipAllowed", True)
    return out


def send_push(check: Check, data: dict, path: str, new: bool) -> dict:
    out: dict = {}
    _text(check, data, out, ("title", "body", "clickUrl"), path)
    _url(check, data["clickUrl"], f"{path}.clickUrl")
    for name in ("iconID", "imageID"):
        if data.get(name):
            out[name] = data[name]
    out["isSkipAllowed"] = data.get("isSkipAllowed", True)
    return out


def _headers(check: Check, headers: list | None, path: str) -> list:
    for i, header in enumerate(headers or []):
        if not header.get("key", "").strip():
            check.add(f"{path}[{i}].key", "required", detail="a header needs a key")
    return [{"key": h.get("key", ""), "value": h.get("value", "")} for h in headers or []]


def send_webhook(check: Check, data: dict, path: str, new: bool) -> dict:
    out: dict = {}
    _text(check, data, out, ("callbackUrl",), path)
    _https(check, data["callbackUrl"], f"{path}.callbackUrl")
    out["body"] = data["body"]
    headers = _headers(check, data.get("headers"), f"{path}.headers")
    if headers:
        out["headers"] = headers
    return out


def tag(check: Check, data: dict, path: str, new: bool) -> dict:
    check.blank(data["value"], f"{path}.value")
    return {"value": data["value"].lower()}


ACTIONS = {"sendEmail": send_email, "sendSms": send_sms, "sendPush": send_push, "sendWebhook": send_webhook,
           "addTag": tag, "removeTag": tag}


# -- PATCH of one action's settings: only the fields sent change ---------------------------------

def _patch_fields(check: Check, stored: dict, data: dict, path: str, texts: tuple, clearable: tuple) -> None:
    for name, value in data.items():
        if name in clearable and value in (None, ""):
            stored.pop(name, None)
        elif name in texts:
            check.blank(value, f"{path}.{name}")
            stored[name] = value
        else:
            stored[name] = value


def patch_email(check: Check, stored: dict, data: dict, path: str) -> None:
    for name in ("senderEmail", "replyToEmail"):
        _email(check, data.get(name), f"{path}.{name}")
    if "language" in data:
        _language(check, data["language"], f"{path}.language")
    _patch_fields(check, stored, data, path, ("subject", "senderName", "language"), ("replyToEmail",))


def patch_sms(check: Check, stored: dict, data: dict, path: str) -> None:
    rest = {k: v for k, v in data.items() if k != "compliance"}
    _patch_fields(check, stored, rest, path, ("message",), ("imageID",))
    if "compliance" in data:
        stored["compliance"] = _compliance(check, data["compliance"], f"{path}.compliance")


def patch_push(check: Check, stored: dict, data: dict, path: str) -> None:
    if "clickUrl" in data:
        _url(check, data["clickUrl"], f"{path}.clickUrl")
    _patch_fields(check, stored, data, path, ("title", "body", "clickUrl"), ("iconID", "imageID"))


def patch_webhook(check: Check, stored: dict, data: dict, path: str) -> None:
    if "callbackUrl" in data:
        _https(check, data["callbackUrl"], f"{path}.callbackUrl")
    rest = {k: v for k, v in data.items() if k != "headers"}
    _patch_fields(check, stored, rest, path, ("callbackUrl",), ())
    if "headers" in data:
        headers = _headers(check, data["headers"], f"{path}.headers")
        stored.pop("headers", None)
        if headers:
            stored["headers"] = headers


def patch_tag(check: Check, stored: dict, data: dict, path: str) -> None:
    stored.update(tag(check, data, path, False))


PATCHES = {"sendEmail": patch_email, "sendSms": patch_sms, "sendPush": patch_push, "sendWebhook": patch_webhook,
           "addTag": patch_tag, "removeTag": patch_tag}
