"""A graph of the sandbox's own objects as a JSON document, and back: what snapshots are made of.

Every store, run and job is a plain object (a dataclass or a class with a `__dict__`), so one
reflective codec saves them all, instead of a to/from-JSON pair per class that would drift from the
class. What it keeps that plain JSON would lose:

* identity: an object reached twice (a run in the run log and in the brand's pending map) is written
  once with `"$id"` and then referred to as `{"$ref": n}`, cycles included;
* Python types: `{"$object": "module:Class", "state": {...}}`, tuples, sets (sorted, so the output
  does not depend on hash order), Counters, deques, datetimes, timedeltas, Decimals, enums, zones;
* behaviour as data: a scheduled job is a module-level function, a bound method or a
  `functools.partial` of one with its arguments; a lambda or closure cannot be written and is
  refused by name, so a job that cannot be restored is caught when it is saved;
* the parts of a live sandbox that are not state (its lock, its webhook poster, the sandbox object
  itself) as named externals, which the restoring sandbox supplies.

Reading is safe on a document from elsewhere: only classes and functions of the `simulator` package
are looked up, objects are made with `__new__` and given their state, and nothing is evaluated.
The output is canonical: writing what was read gives the same bytes."""
from __future__ import annotations

import base64
import datetime as _dt
import decimal
import enum
import functools
import importlib
import itertools
import json
import threading
import types
import zoneinfo
from collections import Counter, defaultdict, deque

PACKAGE = "simulator"
BUILTINS = {t.__name__: t for t in (dict, list, set, frozenset, tuple, int, float, str, bool)}  # e.g. defaultdict(list)
_LOCKS = (type(threading.Lock()), type(threading.RLock()), threading.Condition)
_PLAIN = (type(None), bool, int, str)


class GraphError(ValueError):
    """Something that cannot be written as data, or a document that is not one of ours."""


def _name_of(thing) -> str:
    if BUILTINS.get(getattr(thing, "__name__", None)) is thing:
        return f"builtins:{thing.__name__}"
    module, qualname = thing.__module__, thing.__qualname__
    if "<" in qualname or not module.startswith(PACKAGE):
        raise GraphError(f"{module}.{qualname} is not a module-level part of {PACKAGE}: it cannot be saved")
    return f"{module}:{qualname}"


def _lookup(name: str):
    module, _, qualname = name.partition(":")
    if module == "builtins" and qualname in BUILTINS:
        return BUILTINS[qualname]
    if not (module == PACKAGE or module.startswith(PACKAGE + ".")) or not qualname:
        raise GraphError(f"{name!r} is not part of {PACKAGE}")
    found = importlib.import_module(module)
    for part in qualname.split("."):
        found = getattr(found, part)
    return found


def _is_shareable(value) -> bool:
    """Objects with identity: a second reference to one must stay a reference to the same."""
    return not isinstance(value, (*_PLAIN, float, tuple, frozenset, _dt.date, _dt.timedelta, decimal.Decimal,
                                  enum.Enum, type, types.FunctionType, zoneinfo.ZoneInfo, bytes))


def _state_of(value) -> dict:
    getstate = getattr(type(value), "__getstate__", None)
    if getstate is not None and getstate is not object.__getstate__:
        return value.__getstate__()
    return dict(vars(value))


class Writer:
    def __init__(self, externals: dict[int, str]):
        self.externals = externals  # id(object) -> its name
        self.seen: Counter = Counter()
        self.ids: dict[int, int] = {}
        self._keep: list = []  # every object walked, so no id() is reused while writing

    def write(self, root) -> dict:
        self._count(root)
        return self._out(root)

    def _count(self, value) -> None:
        stack = [value]
        while stack:
            value = stack.pop()
            if isinstance(value, (*_PLAIN, float)) or id(value) in self.externals:
                continue
            if _is_shareable(value):
                self.seen[id(value)] += 1
                if self.seen[id(value)] > 1:
                    continue
                self._keep.append(value)
            stack.extend(self._children(value))

    def _children(self, value) -> list:
        if isinstance(value, dict):
            return [*value.keys(), *value.values()]
        if isinstance(value, (list, tuple, set, frozenset, deque)):
            return list(value)
        if isinstance(value, functools.partial):
            return [value.func, *value.args, *value.keywords.values()]
        if isinstance(value, types.MethodType):
            return [value.__self__]
        if isinstance(value, itertools.count) or isinstance(value, _LOCKS):
            return []
        if hasattr(value, "__dict__") and not isinstance(value, (type, types.FunctionType, enum.Enum)):
            return [_state_of(value)]
        return []

    def _out(self, value):
        if isinstance(value, _PLAIN):
            return value
        if id(value) in self.externals:
            return {"$external": self.externals[id(value)]}
        if isinstance(value, float):
            return value if value == value and abs(value) != float("inf") else {"$float": repr(value)}
        if not _is_shareable(value):
            return self._value(value)
        if id(value) in self.ids:
            return {"$ref": self.ids[id(value)]}
        shared = self.seen[id(value)] > 1
        if shared:
            self.ids[id(value)] = len(self.ids) + 1
        written = self._shareable(value)
        if shared:
            written = {"$id": self.ids[id(value)], **written}
        return written

    def _value(self, value):
        if isinstance(value, tuple):
            return {"$tuple": [self._out(v) for v in value]}
        if isinstance(value, frozenset):
            return {"$frozenset": self._sorted(value)}
        if isinstance(value, _dt.datetime):
            zone = value.tzinfo
            if isinstance(zone, zoneinfo.ZoneInfo):
                return {"$datetime": value.isoformat(), "zone": zone.key}
            return {"$datetime": value.isoformat()}
        if isinstance(value, _dt.date):
            return {"$date": value.isoformat()}
        if isinstance(value, _dt.timedelta):
            return {"$timedelta": [value.days, value.seconds, value.microseconds]}
        if isinstance(value, decimal.Decimal):
            return {"$decimal": str(value)}
        if isinstance(value, enum.Enum):
            return {"$enum": _name_of(type(value)), "value": self._out(value.value)}
        if isinstance(value, zoneinfo.ZoneInfo):
            return {"$zone": value.key}
        if isinstance(value, type):
            return {"$type": _name_of(value)}
        if isinstance(value, types.FunctionType):
            return {"$function": _name_of(value)}
        if isinstance(value, bytes):
            return {"$bytes": base64.b64encode(value).decode()}
        raise GraphError(f"cannot save a {type(value).__name__}")

    def _shareable(self, value) -> dict | list:
        if isinstance(value, list):
            return {"$list": [self._out(v) for v in value]}
        if isinstance(value, dict):
            pairs = [[self._out(k), self._out(v)] for k, v in value.items()]
            if isinstance(value, defaultdict):
                return {"$defaultdict": self._out(value.default_factory), "pairs": pairs}
            if isinstance(value, Counter):
                return {"$counter": pairs}
            if all(isinstance(k, str) and not k.startswith("$") for k in value):
                return {"$dict": {k: v for (k, _), (_, v) in zip(value.items(), pairs)}}
            return {"$pairs": pairs}
        if isinstance(value, set):
            return {"$set": self._sorted(value)}
        if isinstance(value, deque):
            return {"$deque": [self._out(v) for v in value], "maxlen": value.maxlen}
        if isinstance(value, itertools.count):
            return {"$count": int(repr(value)[len("count("):-1])}
        if isinstance(value, _LOCKS):
            raise GraphError("a lock that is not the sandbox's own cannot be saved")
        if isinstance(value, functools.partial):
            return {"$partial": self._out(value.func), "args": [self._out(a) for a in value.args],
                    "kwargs": {k: self._out(v) for k, v in value.keywords.items()}}
        if isinstance(value, types.MethodType):
            return {"$method": value.__func__.__name__, "self": self._out(value.__self__)}
        if hasattr(value, "__dict__"):
            return {"$object": _name_of(type(value)), "state": self._out(_state_of(value))}
        raise GraphError(f"cannot save a {type(value).__name__}")

    def _sorted(self, values) -> list:
        written = [self._out(v) for v in values]
        return sorted(written, key=lambda w: json.dumps(w, sort_keys=True))


class Reader:
    def __init__(self, externals: dict[str, object]):
        self.externals = externals
        self.made: dict[int, object] = {}

    def read(self, document):
        if isinstance(document, (*_PLAIN, float)):
            return document
        if isinstance(document, list):
            raise GraphError("a bare list: every list is written as {\"$list\": [...]}")
        if not isinstance(document, dict) or not document:
            raise GraphError(f"not a saved value: {document!r:.80}")
        tag = next(iter(k for k in document if k != "$id"), None)
        handler = _READERS.get(tag)
        if handler is None:
            raise GraphError(f"unknown tag {tag!r}")
        return handler(self, document)

    def _made(self, document: dict, value):
        if "$id" in document:
            self.made[document["$id"]] = value
        return value

    def _list(self, document):
        made = self._made(document, [])
        made.extend(self.read(v) for v in document["$list"])
        return made

    def _dict(self, document):
        made = self._made(document, {})
        made.update((k, self.read(v)) for k, v in document["$dict"].items())
        return made

    def _defaultdict(self, document):
        return self._fill(self._made(document, defaultdict(self.read(document["$defaultdict"]))), document["pairs"])

    def _pairs(self, document):
        return self._fill(self._made(document, {}), document["$pairs"])

    def _counter(self, document):
        return self._fill(self._made(document, Counter()), document["$counter"])

    def _fill(self, made: dict, pairs: list) -> dict:
        for key, value in pairs:
            made[self.read(key)] = self.read(value)
        return made

    def _set(self, document):
        made = self._made(document, set())
        made.update(self.read(v) for v in document["$set"])
        return made

    def _deque(self, document):
        made = self._made(document, deque(maxlen=document["maxlen"]))
        made.extend(self.read(v) for v in document["$deque"])
        return made

    def _partial(self, document):
        return self._made(document, functools.partial(self.read(document["$partial"]),
                                                      *[self.read(a) for a in document["args"]],
                                                      **{k: self.read(v) for k, v in document["kwargs"].items()}))

    def _method(self, document):
        owner = self.read(document["self"])
        return self._made(document, getattr(owner, document["$method"]))

    def _object(self, document):
        cls = _lookup(document["$object"])
        if not isinstance(cls, type):
            raise GraphError(f"{document['$object']} is not a class")
        made = self._made(document, cls.__new__(cls))
        state = self.read(document["state"])
        setstate = getattr(cls, "__setstate__", None)
        if setstate is not None:
            made.__setstate__(state)
        else:
            made.__dict__.update(state)
        return made

    def _ref(self, document):
        try:
            return self.made[document["$ref"]]
        except KeyError:
            raise GraphError(f"$ref {document['$ref']} before its $id") from None

    def _external(self, document):
        try:
            return self.externals[document["$external"]]
        except KeyError:
            raise GraphError(f"unknown external {document['$external']!r}") from None


def _float(reader, d):
    return float(d["$float"])


def _datetime(reader, d):
    value = _dt.datetime.fromisoformat(d["$datetime"])
    return value.astimezone(zoneinfo.ZoneInfo(d["zone"])) if "zone" in d else value


_READERS = {
    "$list": Reader._list, "$dict": Reader._dict, "$defaultdict": Reader._defaultdict, "$pairs": Reader._pairs,
    "$counter": Reader._counter,
    "$set": Reader._set, "$deque": Reader._deque, "$partial": Reader._partial, "$method": Reader._method,
    "$object": Reader._object, "$ref": Reader._ref, "$external": Reader._external, "$float": _float,
    "$tuple": lambda r, d: tuple(r.read(v) for v in d["$tuple"]),
    "$frozenset": lambda r, d: frozenset(r.read(v) for v in d["$frozenset"]),
    "$datetime": _datetime,
    "$date": lambda r, d: _dt.date.fromisoformat(d["$date"]),
    "$timedelta": lambda r, d: _dt.timedelta(*d["$timedelta"]),
    "$decimal": lambda r, d: decimal.Decimal(d["$decimal"]),
    "$enum": lambda r, d: _lookup(d["$enum"])(r.read(d["value"])),
    "$zone": lambda r, d: zoneinfo.ZoneInfo(d["$zone"]),
    "$type": lambda r, d: _lookup(d["$type"]),
    "$function": lambda r, d: _lookup(d["$function"]),
    "$bytes": lambda r, d: base64.b64decode(d["$bytes"]),
    "$count": lambda r, d: r._made(d, itertools.count(d["$count"])),
}


def dump(root, externals: dict[str, object]) -> dict:
    """`root` as a JSON-ready document; `externals` (name -> object) are written by name."""
    return Writer({id(obj): name for name, obj in externals.items()}).write(root)


def load(document, externals: dict[str, object]):
    """The object graph `document` describes, with its named externals taken from `externals`."""
    return Reader(externals).read(document)
