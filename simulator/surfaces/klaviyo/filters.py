"""Klaviyo's `filter` query parameter: `equals(email,"a@b.c")`, `any(id,["x","y"])`,
`greater-than(updated,2023-04-26T00:00:00Z)`, `has(profile)`, joined by commas or `and(...)`.

Each endpoint names the fields and operators it allows; anything else is a 400 with
`source.parameter: "filter"`, as Klaviyo answers. `or` and `not` are not accepted (docs/klaviyo.md)."""
from __future__ import annotations

import datetime as _dt
import json
import re

from flask import request

from simulator.core.timefmt import parse_instant
from simulator.errors import Invalid, Problem

_TOKEN = re.compile(r'\s*(?:(?P<str>"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\')|(?P<punct>[(),\[\]])|(?P<word>[^\s(),\[\]"\']+))')
COMPARE = {"equals", "any", "greater-than", "greater-or-equal", "less-than", "less-or-equal", "contains",
           "starts-with", "ends-with", "contains-any", "contains-all"}


def _invalid(detail: str) -> Invalid:
    return Invalid([Problem("filter", "invalid", detail=detail)])


def _tokens(text: str) -> list[tuple[str, str]]:
    out, position = [], 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            if text[position:].strip() == "":
                break
            raise _invalid(f"Invalid filter at character {position}.")
        kind = match.lastgroup
        out.append((kind, match.group(kind)))
        position = match.end()
    return out


def _value(kind: str, text: str):
    if kind == "str":
        try:
            return json.loads('"' + text[1:-1].replace('\\\'', "'").replace('"', '\\"') + '"') if text[0] == "'" \
                else json.loads(text)
        except ValueError:  # an unknown escape, or a raw control character such as a tab or NUL
            raise _invalid(f"Invalid string {text[:50]} in filter.") from None
    if text in ("true", "false", "null"):
        return json.loads(text)
    try:
        if re.fullmatch(r"-?\d+(\.\d+)?", text):
            return json.loads(text)  # ValueError past Python's 4,300-digit limit
        return parse_instant(text)
    except ValueError:
        raise _invalid(f"Invalid value '{text[:50]}' in filter.") from None


class _Parser:
    MAX_DEPTH = 20  # nested and(...) calls; deeper is refused, not recursed into

    def __init__(self, tokens):
        self.tokens, self.i, self.depth = tokens, 0, 0

    def peek(self) -> str:
        if self.i >= len(self.tokens):
            raise _invalid("Unexpected end of filter.")
        return self.tokens[self.i][1]

    def take(self, expected: str | None = None):
        if self.i >= len(self.tokens):
            raise _invalid("Unexpected end of filter.")
        kind, text = self.tokens[self.i]
        if expected is not None and text != expected:
            raise _invalid(f"Expected '{expected}' in filter, found '{text}'.")
        self.i += 1
        return kind, text

    def conditions(self) -> list[tuple[str, str, object]]:
        found = self.call()
        while self.i < len(self.tokens) and self.tokens[self.i][1] == ",":
            self.take(",")
            found += self.call()
        return found

    def call(self) -> list[tuple[str, str, object]]:
        _, name = self.take()
        self.take("(")
        if name == "and":
            self.depth += 1
            if self.depth > self.MAX_DEPTH:
                raise _invalid(f"Filter nests and() more than {self.MAX_DEPTH} deep.")
            found = self.conditions()
            self.depth -= 1
        elif name == "has":
            _, field = self.take()
            found = [(field, "has", True)]
        elif name in COMPARE:
            _, field = self.take()
            self.take(",")
            found = [(field, name, self.value())]
        else:
            raise _invalid(f"'{name}' is not a supported filter operation.")
        self.take(")")
        return found

    def value(self):
        kind, text = self.take()
        if text != "[":
            return _value(kind, text)
        items = []
        while self.peek() != "]":
            items.append(_value(*self.take()))
            if self.peek() == ",":
                self.take(",")
        self.take("]")
        return items


def parse_filter(allowed: dict[str, set[str]], text: str | None = None) -> list[tuple[str, str, object]]:
    """The AND-ed conditions (field, operator, value) of `?filter=` (or of `text`, a filter a body
    carries), checked against `allowed`."""
    text = request.args.get("filter") if text is None else text
    if not text:
        return []
    parser = _Parser(_tokens(text))
    found = parser.conditions()
    if parser.i != len(parser.tokens):
        raise _invalid("Unexpected text after the filter.")
    for field, op, _ in found:
        if field not in allowed:
            raise _invalid(f"'{field}' is not a valid field for the resource.")
        if op not in allowed[field]:
            raise _invalid(f"Filter operation '{op}' is not allowed for field '{field}'.")
    return found


def _instant(value) -> _dt.datetime:
    """A compared datetime given as a quoted string or epoch seconds (`timestamp` filters)."""
    try:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return _dt.datetime.fromtimestamp(value, _dt.timezone.utc)
        return parse_instant(value)
    except (TypeError, ValueError, OverflowError):
        raise _invalid(f"'{value}' is not a date-time.") from None


def compare(op: str, actual, wanted) -> bool:
    """Whether `actual` satisfies one parsed condition."""
    if op == "has":
        return actual is not None
    if op == "any":
        return actual in wanted
    if op == "equals":
        return actual == wanted
    if actual is None:
        return False
    if isinstance(wanted, _dt.datetime) and isinstance(actual, str):
        actual = parse_instant(actual)
    if isinstance(actual, _dt.datetime) and not isinstance(wanted, _dt.datetime):
        wanted = _instant(wanted)
    return {"greater-than": lambda: actual > wanted, "greater-or-equal": lambda: actual >= wanted,
            "less-than": lambda: actual < wanted, "less-or-equal": lambda: actual <= wanted,
            "contains": lambda: wanted in actual, "starts-with": lambda: str(actual).startswith(wanted),
            "ends-with": lambda: str(actual).endswith(wanted),
            "contains-any": lambda: any(w in actual for w in wanted),
            "contains-all": lambda: all(w in actual for w in wanted)}[op]()
