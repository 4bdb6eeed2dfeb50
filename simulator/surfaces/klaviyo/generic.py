"""Every Klaviyo operation no hand-written view serves, served from its entry in the operation table.

The shape of the path says what the operation does: `/things` (list, create), `/things/{id}` (get,
update, delete), `/things/{id}/others` (the related resources) and `/things/{id}/relationships/others`
(the linkage: read, add, replace, remove). The table says the rest: the resource type, the request
attributes and which are required, filters, sorts, includes, sparse fields and page sizes. State
lives in `simulator.klaviyo.resources`; a type a hand-written model holds (profiles, lists...) is
looked up there when it owns a related-resource path.

Routed by one catch-all rule per blueprint; the table picks the operation (hand-written routes,
being more specific, are matched first)."""
from __future__ import annotations

from functools import partial
from typing import Callable

from flask import Response, g, jsonify, request

from simulator.core.records import Records
from simulator.errors import Invalid, NotFound, Problem
from simulator.klaviyo.resources import (Failure, Resource, _linkage, apply_items, item_type, job_items,
                                         operation_rule, queue_job, resources_of)
from simulator.surfaces.klaviyo import api_blueprint, client_blueprint
from simulator.surfaces.klaviyo.common import account, body, empty, now
from simulator.surfaces.klaviyo.errors import pointer, problem_detail
from simulator.surfaces.klaviyo.filters import compare, parse_filter
from simulator.surfaces.klaviyo.jsonapi import (collection, listed, page_cursor, page_of, page_size, resource,
                                                self_link, single, sorted_by)
from simulator.surfaces.klaviyo.operations import table

_JSON_TYPES = {"string": str, "number": (int, float), "integer": int, "boolean": bool, "object": dict, "array": list}
STAMPS_NEW = ("created", "updated", "created_at", "updated_at", "datetime")
_STAMPS_CHANGED = ("updated", "updated_at")
JOB_ACTIONS = {"create": "create", "update": "update", "delete": "delete"}
# "Accepts up to 100 catalog items per request", "up to 500 records": each bulk job's reference, by type prefix
MAX_JOB_ITEMS = {"catalog-": 100, "data-source-record-": 500, "object-record-": 500}


def _shape(path: str) -> tuple[str, str, str | None]:
    """(kind, collection, relationship name): kind is collection, item, related or relationship."""
    parts = path.split("/")[2:]
    if len(parts) == 1:
        return "collection", parts[0], None
    if len(parts) == 2:
        return "item", parts[0], None
    if len(parts) == 4 and parts[2] == "relationships":
        return "relationship", parts[0], parts[3]
    return "related", parts[0], parts[-1]


def _index() -> tuple[dict[str, str], dict[str, str], dict[tuple[str, str], str]]:
    """(collection -> type, type -> collection, (owner type, relationship) -> related type)."""
    types: dict[str, str] = {}
    readable: set[str] = set()  # collections with a `/things/{id}` path: a record's home
    for entry in table()["operations"].values():
        kind, name, _ = _shape(entry["path"])
        if kind in ("item", "collection") and entry["path"].startswith("/api") and (entry.get("type") or entry.get("request_type")):
            types.setdefault(name, entry.get("type") or entry["request_type"])
            if kind == "item":
                readable.add(name)
    collections: dict[str, str] = {}
    for name, type_ in types.items():  # `templates`, not `template-render`, is where a template lives
        if type_ not in collections or (name in readable and collections[type_] not in readable):
            collections[type_] = name
    related: dict[tuple[str, str], str] = {}
    for entry in table()["operations"].values():
        kind, name, rel = _shape(entry["path"])
        if kind in ("related", "relationship") and name in types and (entry.get("type") or entry.get("request_type")):
            related.setdefault((types[name], rel), entry.get("type") or entry["request_type"])
    return types, collections, related


TYPES, COLLECTIONS, RELATED = _index()
RELATIONSHIPS: dict[str, list[str]] = {}  # type -> the relationships its paths name
for _owner, _name in RELATED:
    RELATIONSHIPS.setdefault(_owner, []).append(_name)


def stamps(type_: str, names: tuple[str, ...]) -> tuple[str, ...]:
    fields = fields_of(type_)
    return tuple(n for n in names if n in fields)


def _fields_of(type_: str) -> list[str]:
    for entry in table()["operations"].values():
        if type_ in entry.get("fields", {}):
            return entry["fields"][type_]
    return []


_FIELDS: dict[str, list[str]] = {}


def fields_of(type_: str) -> list[str]:
    """The attributes a type serves (top level), as the table's sparse-fieldset enum names them."""
    found = _FIELDS.get(type_)
    if found is None:
        found = _FIELDS[type_] = [f for f in _fields_of(type_) if "." not in f and f != "id"]
    return found


# -- owners a hand-written model holds -------------------------------------------------------------

def _modelled():
    from simulator.klaviyo.events import events_of
    from simulator.klaviyo.flows import flows_of
    from simulator.klaviyo.lists import lists_of
    from simulator.klaviyo.metrics import metrics_of
    from simulator.klaviyo.profiles import profiles_of
    return {"profile": lambda a, i: i in profiles_of(a).records, "list": lambda a, i: i in lists_of(a).records,
            "metric": lambda a, i: i in metrics_of(a).records, "event": lambda a, i: i in events_of(a).records,
            "flow": lambda a, i: _found(flows_of(a).get, i), "flow-action": lambda a, i: _found(flows_of(a).action, i),
            "flow-message": lambda a, i: _found(flows_of(a).message, i)}


def _found(lookup, record_id) -> bool:
    try:
        lookup(record_id)
        return True
    except NotFound:
        return False


def _check_owner(type_: str, record_id: str) -> None:
    known = _modelled().get(type_)
    if known is not None:
        if not known(account(), record_id):
            raise NotFound(type_, record_id)
        return
    resources_of(account()).of(type_).get(record_id)


# -- serialising -------------------------------------------------------------------------------------

def _defaults() -> dict[str, dict]:
    """type -> what its attributes that may not be null hold when never given (the table's `defaults`)."""
    out: dict[str, dict] = {}
    for entry in table()["operations"].values():
        if entry.get("defaults") and entry.get("type"):
            out.setdefault(entry["type"], {}).update(entry["defaults"])
    return out


DEFAULTS = _defaults()


# (type, field) -> its value for an account's record: attributes a model computes, served when
# `additional-fields[type]` names them (a segment's `profile_count`)
ADDITIONAL_FIELDS: dict[tuple[str, str], Callable] = {}


def _additional(record: Resource, facts: dict) -> dict:
    allowed = tuple((facts.get("additional_fields") or {}).get(record.type, ()))
    names = listed(f"additional-fields[{record.type}]", allowed) if allowed else []
    return {name: ADDITIONAL_FIELDS[(record.type, name)](account(), record) for name in names
            if (record.type, name) in ADDITIONAL_FIELDS}


def resource_json(record: Resource, extra: dict | None = None) -> dict:
    defaults = DEFAULTS.get(record.type, {})
    attributes = {name: record.attributes.get(name, defaults.get(name)) for name in fields_of(record.type)} \
        or dict(record.attributes)
    for name, value in defaults.items():
        if attributes.get(name, value) is None:
            attributes[name] = value
    attributes.update(extra or {})
    base = self_link(record.type, record.id, COLLECTIONS.get(record.type))
    relationships = {name: {"links": {"self": f"{base}relationships/{name}/", "related": f"{base}{name}/"}}
                     for name in RELATIONSHIPS.get(record.type, ())}
    for name, linkage in record.links.items():
        out = relationships.setdefault(name, {})
        out["data"] = ([{"type": t, "id": i} for t, i in linkage] if isinstance(linkage, list)
                       else ({"type": linkage[0], "id": linkage[1]} if linkage else None))
    return resource(record.type, record.id, attributes, relationships or None, COLLECTIONS.get(record.type), base)


def _included(records: list[Resource], facts: dict) -> list[dict] | None:
    names = listed("include", facts.get("includes", ()))
    if not names:
        return None
    store, seen, out = resources_of(account()), set(), []
    for record in records:
        for name in names:
            for target in store.linkage((record.type, record.id), name, RELATED.get((record.type, name))):
                found = None if target in seen else _json_of(*target)
                if found is not None:
                    seen.add(target)
                    out.append(found)
    return out


def _json_of(type_: str, record_id: str) -> dict | None:
    """A linked resource as its own endpoint serves it: from the generic store, or the list or
    profile a hand-written model holds (a bulk import job's `lists`)."""
    record = resources_of(account()).of(type_).find(record_id)
    if record is not None:
        return resource_json(record)
    from simulator.klaviyo.lists import lists_of
    from simulator.klaviyo.profiles import profiles_of
    from simulator.surfaces.klaviyo.lists import list_json
    from simulator.surfaces.klaviyo.profiles import profile_json
    if type_ == "list" and record_id in lists_of(account()).records:
        return list_json(lists_of(account()).records.get(record_id))
    if type_ == "profile" and record_id in profiles_of(account()).records:
        return profile_json(account(), profiles_of(account()).records.get(record_id))
    return None


def _document(data, included: list[dict] | None, base: dict | None = None) -> dict:
    out = base if base is not None else {"data": data, "links": {"self": request.base_url}}
    if included is not None:
        out["included"] = included  # present, even empty, once `include` is asked for
    return out


# -- reading lists ---------------------------------------------------------------------------------

def _value(record: Resource, field: str):
    if field in ("id", "ids"):
        return record.id
    head, _, rest = field.partition(".")
    if head in record.attributes:
        value = record.attributes[head]
        for part in rest.split(".") if rest else ():
            value = value.get(part) if isinstance(value, dict) else None
        return value
    for name, linkage in record.links.items():  # `category.id` against the `categories` linkage
        if name == head or name.rstrip("s") == head or name.removesuffix("ies") + "y" == head:
            return [i for _, i in linkage] if isinstance(linkage, list) else (linkage[1] if linkage else None)
    relation = next((name for name in RELATIONSHIPS.get(record.type, ()) if name == head or name.endswith("-" + head)),
                    None)
    if relation is not None and rest:  # `messages.channel`: the channel of the campaign's messages
        related = resources_of(account()).related((record.type, record.id), relation, RELATED[(record.type, relation)])
        return [v for r in related for v in (_value(r, rest), _value(r, f"definition.{rest}")) if v is not None]
    return None


def _matches(record: Resource, conditions) -> bool:
    for field, op, wanted in conditions:
        actual = _value(record, field)
        if isinstance(actual, list) and op in ("equals", "any"):
            wanted_all = wanted if isinstance(wanted, list) else [wanted]
            if not any(w in actual for w in wanted_all):
                return False
        elif not compare(op, actual, wanted):
            return False
    return True


def _listing(records: Records[Resource] | list[Resource], facts: dict) -> Response:
    """A list as the table declares it; a whole store with no filter or sort is read from the cursor
    on (`Records.after`), so a page costs what it holds."""
    if facts.get("filter_required") and not request.args.get("filter"):
        raise Invalid([Problem("filter", "required", detail="A filter is required for this resource.")])
    conditions = parse_filter({field: set(ops) for field, ops in facts.get("filters", {}).items()})
    paged = bool(facts.get("page") or facts.get("cursor"))
    default, low, high = facts.get("page") or (100, 1, 100)
    size = page_size(default, low, high) if facts.get("page") else default
    if paged and isinstance(records, Records) and not conditions and not request.args.get("sort"):
        page, more = records.after(page_cursor(), size)
        next_position = page[-1].id if page and more else None
    else:
        found = sorted_by([r for r in records if _matches(r, conditions)],
                          {name: (lambda r, name=name: _value(r, name)) for name in facts.get("sorts", ())})
        if not paged:
            return jsonify(_document([resource_json(r) for r in found], _included(found, facts)))
        page, next_position = page_of(found, lambda r: r.id, size)
    return jsonify(_document(None, _included(page, facts),
                             collection([resource_json(r) for r in page], next_position)))


# -- writing -----------------------------------------------------------------------------------------

def _data(facts: dict, record_id: str | None = None) -> dict:
    """The body's `data`, checked against the table: type, id (on update), required attributes and
    attribute types; every problem at once."""
    document = body()
    data = document.get("data") if isinstance(document, dict) else None
    if not isinstance(data, dict):
        raise Invalid([Problem("data", "required", detail="'data' is a required field.")])
    problems = []
    if facts.get("request_type") and data.get("type") != facts["request_type"]:
        problems.append(Problem("data.type", "invalid",
                                detail=f"Expected type '{facts['request_type']}', got '{data.get('type')}'."))
    if record_id is not None and "id" in data and data["id"] != record_id:
        problems.append(Problem("data.id", "invalid", detail="The id in the body does not match the id in the URL."))
    problems += _attribute_problems(data.get("attributes", {}), facts.get("attributes", {}), record_id is None, "data")
    problems += _relationship_problems(data.get("relationships", {}), facts.get("relationships", {}))
    if problems:
        raise Invalid(problems)
    return data


def _attribute_problems(attributes, known: dict, creating: bool, path: str) -> list[Problem]:
    """The attributes at `path` against the table's (type, required) per attribute: unknown ones,
    missing required ones (when `creating`) and wrong types."""
    if not isinstance(attributes, dict):
        return [Problem(f"{path}.attributes", "type", expected="object")]
    problems = [Problem(f"{path}.attributes.{name}", "unknown") for name in attributes if known and name not in known]
    for name, (kind, required) in known.items():
        value = attributes.get(name)
        if name not in attributes:
            if required and creating:
                problems.append(Problem(f"{path}.attributes.{name}", "required"))
        elif value is not None and kind in _JSON_TYPES and (
                not isinstance(value, _JSON_TYPES[kind]) or (isinstance(value, bool) and kind in ("number", "integer"))):
            problems.append(Problem(f"{path}.attributes.{name}", "type", expected=kind))
    return problems


def _relationship_problems(relationships, declared: dict) -> list[Problem]:
    """Each relationship the body names is one the table declares, an object whose `data` (the spec
    lets it be left out) holds identifiers of its types or null: a malformed one is refused, not
    silently dropped."""
    if not isinstance(relationships, dict):
        return [Problem("data.relationships", "type", expected="object")]
    problems = []
    for name, value in relationships.items():
        where = f"data.relationships.{name}"
        if declared and name not in declared:
            problems.append(Problem(where, "unknown"))
            continue
        linkage = value.get("data") if isinstance(value, dict) else None
        items = linkage if isinstance(linkage, list) else [linkage]
        types = declared.get(name)
        if not isinstance(value, dict) or any(
                item is not None and not (isinstance(item, dict) and isinstance(item.get("id"), str)
                                          and (not types or item.get("type") in types)) for item in items):
            problems.append(Problem(where, "invalid", detail=f"'{name}' must hold resource identifiers "
                                                                f"{{type, id}} of type {', '.join(types or ['any'])}."))
    return problems


def _attributes_and_links(data: dict) -> tuple[dict, dict]:
    attributes = data.get("attributes") or {}
    links = {name: _linkage(value.get("data")) for name, value in (data.get("relationships") or {}).items()
             if isinstance(value, dict)}
    return attributes, {name: linkage for name, linkage in links.items() if linkage is not None}


def answer(record: Resource | None, facts: dict, status: int | None = None) -> Response:
    status = status or facts["status"]
    if status == 204 or record is None or (status == 202 and not facts.get("type")):
        return empty(status)
    response = jsonify(single(resource_json(record)))
    response.status_code = status
    return response


def _create(facts: dict) -> Response:
    data = _data(facts)
    attributes, links = _attributes_and_links(data)
    type_ = facts.get("type") or facts.get("request_type")
    if type_.endswith("-job"):
        return answer(_start_job(type_, attributes, links), facts)
    record = resources_of(account()).create(type_, attributes, links, now(), stamps(type_, STAMPS_NEW))
    return answer(record, facts)


def _start_job(type_: str, attributes: dict, links: dict) -> Resource:
    """A bulk create, update or delete job of a generic type: at most its `MAX_JOB_ITEMS` items (a
    400 past that); each item's shape is checked now against its type's own create or update operation,
    and an item that fails is reported in the job's `errors` while the others are applied."""
    action = next((a for word, a in JOB_ACTIONS.items() if f"-{word}-" in f"-{type_}-"), "create")
    name, items = job_items(attributes)
    most = next((n for prefix, n in MAX_JOB_ITEMS.items() if type_.startswith(prefix)), None)
    if most is not None and len(items) > most:
        raise Invalid([Problem(f"data.attributes.{name}.data", "range", expected=("maxItems", most),
                               detail=f"At most {most} {name} per job; got {len(items)}.")])
    refused = [Failure(position, pointer(problem.path), "invalid", problem_detail(problem))
               for position, item in enumerate(items)
               for problem in _item_problems(item, item_type(type_), action, f"data.attributes.{name}.data[{position}]")]
    work = partial(apply_items, account(), name, items, action, refused)
    return queue_job(account(), type_, links, len(items), work, now(), stamps(type_, STAMPS_NEW))


def _item_problems(item, type_: str, action: str, path: str) -> list[Problem]:
    """One bulk job item as its type's single create (or update) operation would check it."""
    if not isinstance(item, dict):
        return [Problem(path, "type", expected="object")]
    problems = [] if item.get("type") == type_ else [
        Problem(f"{path}.type", "invalid", detail=f"Expected type '{type_}', got '{item.get('type')}'.")]
    if action != "create" and not isinstance(item.get("id"), str):
        problems.append(Problem(f"{path}.id", "required"))
    if action != "delete":
        known = _item_attributes(type_, "POST" if action == "create" else "PATCH")
        problems += _attribute_problems(item.get("attributes", {}), known, action == "create", path)
    return problems


def _item_attributes(type_: str, method: str) -> dict:
    """The table's attributes of the operation that creates (POST) or updates (PATCH) one `type_`."""
    shape = "collection" if method == "POST" else "item"
    for entry in table()["operations"].values():
        if (entry.get("request_type") == type_ and entry["method"] == method and entry["path"].startswith("/api")
                and _shape(entry["path"])[0] == shape):
            return entry.get("attributes", {})
    return {}


def _linkage_body() -> list[tuple[str, str]]:
    document = body()
    data = document.get("data") if isinstance(document, dict) else None
    items = data if isinstance(data, list) else ([data] if isinstance(data, dict) else None)
    if items is None or any(not isinstance(i, dict) or not isinstance(i.get("id"), str) for i in items):
        raise Invalid([Problem("data", "invalid", detail="'data' must hold resource identifiers {type, id}.")])
    return [(i.get("type"), i["id"]) for i in items]


# -- the one view ------------------------------------------------------------------------------------

def serve(rest: str) -> Response:
    op = g.operation
    facts = op.facts
    kind, name, relation = _shape(op.path)
    record_id = next(iter(g.path_params), None)
    store = resources_of(account())
    owner_type = TYPES.get(name) or facts.get("type") or facts.get("request_type")
    if kind == "collection":
        if op.method == "GET":
            return _listing(store.of(facts.get("type") or owner_type), facts)
        rule = operation_rule(op.id)
        if rule is not None:
            return answer(rule(account(), _data(facts), now()), facts)
        return _create(facts)
    if kind == "item":
        type_ = facts.get("type") or facts.get("request_type") or owner_type
        if op.method == "GET":
            record = store.of(type_).get(record_id)
            return jsonify(_document(None, _included([record], facts),
                                     single(resource_json(record, _additional(record, facts)))))
        if op.method == "DELETE":
            store.delete(type_, record_id)
            return empty(204)
        store.of(type_).get(record_id)
        rule = operation_rule(op.id)
        if rule is not None:  # a PATCH that acts (cancel a campaign's send) rather than stores
            return answer(rule(account(), _data(facts, record_id), now()), facts)
        attributes, links = _attributes_and_links(_data(facts, record_id))
        return answer(store.update(type_, record_id, attributes, links, now(), stamps(type_, _STAMPS_CHANGED)), facts)
    _check_owner(owner_type, record_id)
    related_type = RELATED.get((owner_type, relation)) or facts.get("type")
    if kind == "related":
        found = store.related((owner_type, record_id), relation, related_type)
        if facts.get("many"):
            return _listing(found, facts)
        return jsonify(_document(resource_json(found[0]) if found else None, None))
    if op.method == "GET":
        data = [{"type": t, "id": i} for t, i in store.linkage((owner_type, record_id), relation, related_type)]
        return jsonify(_document(data if facts.get("many", True) else (data[0] if data else None), None))
    targets = _linkage_body()
    owner = store.of(owner_type).find(record_id) or store.create(owner_type, {}, {}, now(), (), record_id)
    store.link(owner, relation, targets, {"POST": "add", "PATCH": "replace", "DELETE": "remove"}[op.method])
    return empty(204)


def _register() -> None:
    """One catch-all route per blueprint: the hand-written routes are more specific and win; what
    reaches this one is routed by the operation table (`KlaviyoSurface._operation`)."""
    for blueprint in (api_blueprint, client_blueprint):
        blueprint.add_url_rule("/<path:rest>", endpoint="generic", view_func=serve,
                               methods=["GET", "POST", "PATCH", "PUT", "DELETE"])


_register()
