"""JSON:API shapes as Klaviyo serves them: resource objects with `links.self`, collections with
`links.self/next/prev` (absolute URLs on the sandbox's own host), cursors and sparse fieldsets.

Cursors are accepted three ways, because the official SDK sends all three depending on the link it
was given: bare (`ABC`), with a leading `=` (`=ABC`), or as the whole `next` URL."""
from __future__ import annotations

import base64
import binascii
from urllib.parse import parse_qs, urlencode, urlsplit

from flask import Response, g, jsonify, request

from simulator.errors import Invalid, Problem


def base_url() -> str:
    """`http://host:port/klaviyo/api` or `/klaviyo/client`, as the request came in: made once a
    request, as every resource of a page has links on it."""
    ctx = g._get_current_object()
    found = ctx.get("base_url")
    if found is None:
        found = ctx.base_url = request.url_root.rstrip("/") + ctx.surface.prefix
    return found


def resource(type_: str, id_: str, attributes: dict, relationships: dict | None = None,
             collection: str | None = None, link: str | None = None) -> dict:
    """A resource object; `link`: its `links.self` when the caller has already made it."""
    fields = sparse_fields(type_)
    if fields is not None:
        attributes = _sparse(attributes, fields)
    out = {"type": type_, "id": id_, "attributes": attributes}
    if relationships is not None:
        out["relationships"] = relationships
    out["links"] = {"self": link or self_link(type_, id_, collection)}
    return out


def self_link(type_: str, id_: str, collection: str | None = None) -> str:
    return f"{base_url()}/{collection or type_ + 's'}/{id_}/"


def relationship(owner: dict, name: str, data=None) -> dict:
    """`{data?, links: {self, related}}` of `owner`'s relationship `name` (owner: the type and id)."""
    base = self_link(owner["type"], owner["id"])
    out = {} if data is None else {"data": data}
    out["links"] = {"self": f"{base}relationships/{name}/", "related": f"{base}{name}/"}
    return out


def sparse_fields(type_: str) -> set[str] | None:
    """The fields `fields[type_]` asks for, or None; read once a request and type (a page asks per resource)."""
    asked = g.setdefault("sparse_fields", {})
    if type_ not in asked:
        raw = request.args.get(f"fields[{type_}]")
        asked[type_] = None if raw is None else {f.strip() for f in raw.split(",") if f.strip()}
    return asked[type_]


def check_sparse_fields(allowed: dict[str, list[str]]) -> None:
    """Refuse `fields[type]` for a type the operation does not serve, or naming a field that type
    lacks (`allowed`: the operation's table entry, type -> field names), as Klaviyo does: a 400."""
    if not request.query_string:  # most requests have no query: nothing to parse
        return
    problems = []
    for name in request.args:
        if not name.startswith("fields["):
            continue
        type_ = name[7:-1] if name.endswith("]") else name[7:]
        known = allowed.get(type_)
        if known is None:
            problems.append(Problem(name, "invalid", detail=f"'{name}' is not a valid parameter for this resource."))
            continue
        problems += [Problem(name, "invalid", detail=f"'{field}' is not a valid field for the resource '{type_}'.")
                     for field in sorted(sparse_fields(type_) - set(known))]
    if problems:
        raise Invalid(problems)


def _sparse(attributes: dict, fields: set[str]) -> dict:
    """Keep the named attributes; `location.city` keeps that member of an object attribute."""
    out = {}
    for name, value in attributes.items():
        if name in fields:
            out[name] = value
        elif isinstance(value, dict):
            members = {f.split(".", 1)[1] for f in fields if f.startswith(name + ".")}
            if members:
                out[name] = {k: v for k, v in value.items() if k in members}
    return out


def listed(name: str, allowed: tuple[str, ...] | set[str]) -> list[str]:
    """The values of a comma-separated parameter (`include`, `additional-fields[profile]`), each
    one allowed, or a 400 naming the parameter (Klaviyo: "'x' is not an allowed include parameter")."""
    raw = request.args.get(name)
    if not raw:
        return []
    values = [v.strip() for v in raw.split(",") if v.strip()]
    wrong = [v for v in values if v not in allowed]
    if wrong:
        what = name.split("[", 1)[0]
        raise Invalid([Problem(name, "invalid", detail=f"'{v}' is not an allowed {what} parameter for this resource.")
                       for v in wrong])
    return values


def sorted_by(items: list, allowed: dict, default: str | None = None) -> list:
    """`items` in the order `?sort=` names (`-` for descending); `allowed`: sort name -> key function.
    Ties keep the order `items` came in."""
    raw = request.args.get("sort") or default
    if raw is None:
        return items
    name = raw.removeprefix("-")
    if name not in allowed:
        raise Invalid([Problem("sort", "invalid", detail=f"'{raw}' is not a valid sort parameter for this resource.")])
    present = [i for i in items if allowed[name](i) is not None]
    absent = [i for i in items if allowed[name](i) is None]  # no value: last either way
    return sorted(present, key=allowed[name], reverse=raw.startswith("-")) + absent


def paged(found: list, size: int, to_json, included=None) -> Response:
    """The request's page of `found` (records with an `id`, in order) as a collection document;
    `included(page)` gives its `included` resources."""
    page, next_position = page_of(found, lambda record: record.id, size)
    extra = included(page) if included else None
    return jsonify(collection([to_json(record) for record in page], next_position, extra))


def paged_in_order(records, size: int, to_json, included=None) -> Response:
    """The request's page of a whole store (`core.records.Records`) in creation order, read from the
    cursor on: what a list with no filter and no sort answers, at the cost of one page."""
    page, more = records.after(page_cursor(), size)
    extra = included(page) if included else None
    return jsonify(collection([to_json(record) for record in page], page[-1].id if page and more else None, extra))


def answer(document: dict, status: int = 200) -> Response:
    response = jsonify(document)
    response.status_code = status
    return response


def single(data: dict, included: list[dict] | None = None) -> dict:
    out = {"data": data, "links": {"self": data["links"]["self"]}}
    if included:
        out["included"] = included
    return out


def encode_cursor(position: str) -> str:
    return base64.urlsafe_b64encode(f"next::id::{position}".encode()).decode().rstrip("=")


def page_cursor() -> str | None:
    """The position named by `page[cursor]`, however the client spelled it; None on the first page."""
    raw = request.args.get("page[cursor]")
    if raw is None or raw == "":
        return None
    if raw.startswith("="):
        raw = raw[1:]
    if "://" in raw or raw.startswith("/"):
        found = parse_qs(urlsplit(raw).query).get("page[cursor]")
        raw = found[0] if found else ""
    try:
        decoded = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        decoded = ""
    if not decoded.startswith("next::id::"):
        raise Invalid([Problem("page[cursor]", "invalid", detail="Invalid cursor provided.")])
    return decoded.removeprefix("next::id::")


def page_size(default: int, low: int, high: int) -> int:
    raw = request.args.get("page[size]")
    if raw is None:
        return default
    if not raw.isascii() or not raw.isdigit() or not low <= int(raw) <= high:
        raise Invalid([Problem("page[size]", "invalid",
                               detail=f"Page size must be an integer between {low} and {high}.")])
    return int(raw)


def page_of(items: list, key, size: int) -> tuple[list, str | None]:
    """The page after the cursor in the request, and the cursor of the page after it (or None)."""
    position = page_cursor()
    start = 0
    if position is not None:
        ids = [key(item) for item in items]
        start = ids.index(position) + 1 if position in ids else len(items)
    page = items[start:start + size]
    more = start + size < len(items)
    return page, (key(page[-1]) if page and more else None)


def collection(data: list[dict], next_position: str | None, included: list[dict] | None = None) -> dict:
    args = {k: v for k, v in request.args.items() if k != "page[cursor]"}
    here = request.base_url
    links = {"self": f"{here}?{urlencode(request.args)}" if request.args else here}  # next: only when there is one
    if next_position is not None:
        links["next"] = f"{here}?{urlencode({**args, 'page[cursor]': encode_cursor(next_position)})}"
    out = {"data": data, "links": links}
    if included:
        out["included"] = included
    return out
