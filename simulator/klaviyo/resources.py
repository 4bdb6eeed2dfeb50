"""Resources no hand-written model holds: stored as the client sent them, served back as JSON:API.

Every Klaviyo operation without a model of its own (catalogs, campaigns, templates, tags, coupons,
webhooks...) stores here: per type, records in creation order with their attributes and their
relationship linkage. A related-resource read finds both directions: what the owner links to and what
links to the owner (an item created with `categories` is among that category's `items`).

A vendor rule about such a resource is one function in `simulator.klaviyo.resource_rules`, registered
with `@on_create(type)`: it sees the type and the attributes about to be stored, may refuse them (raise a domain
error) and may name the record's id. `@on_write(type)` checks what a create or an update is about to
store (attributes and linkage) and may refuse or complete it; `@after_write(type)` hears of each record
of the type created, updated or deleted (a segment's members follow its definition); `@on_operation(id)`
does what a POST that is no plain create does (`template-clone`, `template-render`, campaign sends);
`@seeded(type)` makes what the type holds before any write.

A POST whose body is work rather than a record to keep (bulk jobs of hand-written models, merges,
deletion requests, back-in-stock subscriptions) is an `@on_operation(id)` rule too, in the model
module it belongs to.

Jobs (`*-jobs` types) are accepted as `queued` and complete when the account's processing delay has
passed on the clock (`queue_job`), applying their items then; an item the job cannot apply fails
alone, counted in `failed_count` and said in the job's `errors` (Klaviyo's catalog jobs: "errors"
per item with a JSON pointer into the request)."""
from __future__ import annotations

import datetime as _dt
from functools import partial
from dataclasses import dataclass, field
from typing import Any, Callable

from simulator.core.records import Records
from simulator.core.timefmt import iso
from simulator.errors import AlreadyExists, Conflict, DomainError, Invalid, NotFound, Problem
from simulator.klaviyo.account import Account

Link = tuple[str, str]  # (type, id)
CreateRule = Callable[["ResourceStore", str, dict, _dt.datetime], "str | None"]
WriteCheck = Callable[["ResourceStore", str, dict, dict, _dt.datetime], None]  # (store, type, attributes, links, now)
WrittenRule = Callable[["ResourceStore", str, str, "_dt.datetime | None"], None]  # (store, type, id, now; None: deleted)
OperationRule = Callable[[Account, dict, _dt.datetime], "Resource"]
SeedRule = Callable[["ResourceStore"], None]
_ON_CREATE: dict[str, CreateRule] = {}
_ON_WRITE: dict[str, WriteCheck] = {}
_AFTER_WRITE: dict[str, WrittenRule] = {}
_OPERATIONS: dict[str, OperationRule] = {}
_SEEDS: dict[str, SeedRule] = {}
JobWork = Callable[["Resource", _dt.datetime], "list[Failure]"]
REQUIRED_LINKS = {"catalog-variant": ("item",)}  # the spec's request schema requires a variant's item


def _register_in(table: dict, types: tuple[str, ...]):
    def register(rule):
        for type_ in types:
            table[type_] = rule
        return rule
    return register


def on_create(*types: str):
    """Register a rule run before a record of any of `types` is created: `rule(store, type, attributes,
    now)` raises to refuse, may complete `attributes` (or make related records), and returns the id
    the record must have (or None for a fresh one)."""
    return _register_in(_ON_CREATE, types)


def on_write(*types: str):
    """Register a check run before a record of any of `types` is created or updated: `check(store,
    type, attributes, links, now)` (what the request is about to store) raises to refuse and may
    complete them."""
    return _register_in(_ON_WRITE, types)


def after_write(*types: str):
    """Register a rule run after a record of any of `types` is created, updated or deleted:
    `rule(store, type, record id, now)` (`now` None: deleted)."""
    return _register_in(_AFTER_WRITE, types)


def _written(store: "ResourceStore", type_: str, record_id: str, now: _dt.datetime | None) -> None:
    rule = _AFTER_WRITE.get(type_)
    if rule is not None:
        rule(store, type_, record_id, now)


def seeded(type_: str):
    """Register what a type holds before any client writes (`seed(store)`, run when the account
    first reads or writes the type): the account's one tracking setting."""
    return _register_in(_SEEDS, (type_,))


def on_operation(operation_id: str):
    """Register what a POST (or PATCH) operation that is no plain create (or update) does
    (`clone_template`, `send_campaign`, `cancel_campaign_send`...): `rule(account, data, now)` gets
    the checked body's `data` and returns the resource to answer."""
    return _register_in(_OPERATIONS, (operation_id,))


def operation_rule(operation_id: str) -> OperationRule | None:
    return _OPERATIONS.get(operation_id)


def acted_on(data: dict) -> str:
    """The id an action's body names (`data.id`: the record cloned, rendered or sent). An id that
    names nothing, an empty one included, is left to the lookup's 404, as for any unknown id."""
    if not isinstance(data.get("id"), str):
        raise Invalid([Problem("data.id", "required", detail="'id' is a required field.")])
    return data["id"]


JOB_ITEMS = ("items", "profiles", "categories", "variants", "coupon-codes", "suppressions", "records",
             "data-source-records")


@dataclass
class Resource:
    type: str
    id: str
    attributes: dict[str, Any]
    links: dict[str, list[Link] | Link | None] = field(default_factory=dict)  # relationship -> linkage
    seq: int = 0


class ResourceStore:
    def __init__(self, account: Account):
        self.account = account
        self._by_type: dict[str, Records[Resource]] = {}

    def of(self, type_: str) -> Records[Resource]:
        found = self._by_type.get(type_)
        if found is None:
            found = self._by_type[type_] = Records(type_)
            if type_ in _SEEDS:
                _SEEDS[type_](self)
        return found

    def create(self, type_: str, attributes: dict, links: dict, now: _dt.datetime,
               stamps: tuple[str, ...] = (), record_id: str | None = None) -> Resource:
        """A new record; `stamps` are the timestamp attributes its type serves (`created`...)."""
        records = self.of(type_)
        self._check(type_, attributes, links, now)
        rule = _ON_CREATE.get(type_)
        record_id = record_id or (rule(self, type_, attributes, now) if rule else None) or self.account.ids.next(type_, "ulid", at=now)
        records.check_free(record_id)
        stamped = {name: iso(now) for name in stamps}
        made = records.add(record_id, Resource(type_, record_id, {**stamped, **attributes}, dict(links),
                                               records.next_seq()))
        _written(self, type_, record_id, now)
        return made

    def update(self, type_: str, record_id: str, attributes: dict, links: dict, now: _dt.datetime,
               stamps: tuple[str, ...] = ()) -> Resource:
        record = self.of(type_).get(record_id)
        self._check(type_, attributes, links, now)
        record.attributes.update(attributes)
        record.attributes.update({name: iso(now) for name in stamps})
        record.links.update(links)
        _written(self, type_, record_id, now)
        return record

    def _check(self, type_: str, attributes: dict, links: dict, now: _dt.datetime) -> None:
        check = _ON_WRITE.get(type_)
        if check is not None:
            check(self, type_, attributes, links, now)

    def delete(self, type_: str, record_id: str) -> None:
        self.of(type_).remove(record_id)
        _written(self, type_, record_id, now=None)

    def link(self, owner: Resource, name: str, targets: list[Link], mode: str) -> None:
        """Add, replace or remove linkage of a to-many relationship ("add", "replace", "remove")."""
        current = owner.links.get(name)
        current = list(current) if isinstance(current, list) else ([current] if current else [])
        if mode == "replace":
            current = list(targets)
        elif mode == "add":
            current += [t for t in targets if t not in current]
        else:
            current = [t for t in current if t not in targets]
        owner.links[name] = current

    def linkage(self, owner: Link, name: str, type_: str | None) -> list[Link]:
        """What `owner` links to under `name`, then the records of `type_` that link to `owner`."""
        record = self.of(owner[0]).find(owner[1])
        linkage = record.links.get(name) if record else None
        found: list[Link] = list(linkage) if isinstance(linkage, list) else ([linkage] if linkage else [])
        if type_ is not None:
            found += [(other.type, other.id) for other in self.of(type_) if (other.type, other.id) not in found
                      and any(owner == link or (isinstance(link, list) and owner in link)
                              for link in other.links.values())]
        return found

    def related(self, owner: Link, name: str, type_: str | None) -> list[Resource]:
        """The records `linkage` names that this store holds."""
        records = (self.of(t).find(i) for t, i in self.linkage(owner, name, type_))
        return [r for r in records if r is not None]


def resources_of(account: Account) -> ResourceStore:
    return account.resources


# -- work accepted for later: rules per type, and bulk jobs ----------------------------------------

@dataclass(frozen=True)
class Failure:
    """Why a job could not apply the item at `position` of its request: the job's `errors` entry or
    `import-error` says it with `code` (invalid, conflict, not_found) and the item's JSON pointer."""
    position: int
    pointer: str
    code: str
    detail: str


TITLES = {"invalid": "Invalid input.", "conflict": "Conflict.", "not_found": "Not found."}


def failure_of(error: DomainError, position: int, pointer: str) -> Failure:
    """A domain error met while applying one item, as that item's failure."""
    if isinstance(error, (Conflict, AlreadyExists)):
        return Failure(position, pointer, "conflict", getattr(error, "detail", None)
                       or f"A {error.resource} with id {error.id} already exists.")
    if isinstance(error, NotFound):
        return Failure(position, pointer, "not_found", f"A {error.resource} with id {error.id} does not exist.")
    if isinstance(error, Invalid) and error.problems:
        return Failure(position, pointer, "invalid", error.problems[0].detail or str(error))
    return Failure(position, pointer, "invalid", str(error) or type(error).__name__)


def error_json(account: Account, failure: Failure) -> dict:
    """A failure as Klaviyo's job error object (`errors` of a catalog job, `import-error` attributes)."""
    return {"id": account.ids.next("job-error", "uuid"), "code": failure.code, "title": TITLES[failure.code],
            "detail": failure.detail, "source": {"pointer": failure.pointer}}


def queue_job(account: Account, type_: str, links: dict, total: int, work: JobWork, now: _dt.datetime,
              stamps: tuple[str, ...] = ("created_at",)) -> Resource:
    """A job, `queued`: once the processing delay has passed on the clock `work(job, at)` (a
    `partial` of a module-level function: jobs are data) applies it and answers its failures; the
    job is then `complete` with its counts and `errors`."""
    job = resources_of(account).create(type_, {"status": "queued", "total_count": total, "completed_count": 0,
                                               "failed_count": 0, "completed_at": None}, links, now, stamps)
    account.later(partial(_run_job, account, type_, job.id, work), now, f"klaviyo job {job.id}")
    return job


def _run_job(account: Account, type_: str, job_id: str, work: JobWork, at: _dt.datetime) -> None:
    job = resources_of(account).of(type_).get(job_id)
    job.attributes.update(status="processing", started_at=iso(at))
    failures = work(job, at)
    failed = len({f.position for f in failures})
    skipped = job.attributes.get("skipped_count") or 0
    job.attributes.update(status="complete", completed_count=job.attributes["total_count"] - failed - skipped,
                          failed_count=failed, errors=[error_json(account, f) for f in failures],
                          completed_at=iso(at))


def job_items(attributes: dict) -> tuple[str, list]:
    """(the attribute holding a bulk job's resource objects, those objects): `items: {data: [...]}`
    and its siblings."""
    for name in JOB_ITEMS:
        value = attributes.get(name)
        if isinstance(value, dict) and isinstance(value.get("data"), list):
            return name, value["data"]
    return "items", []


def item_type(job_type: str) -> str:
    """The type of a bulk job's items: `catalog-item-bulk-create-job` -> `catalog-item`."""
    return job_type.split("-bulk-", 1)[0]


def apply_items(account: Account, name: str, items: list, action: str, refused: list[Failure],
                job: Resource, at: _dt.datetime) -> list[Failure]:
    """A generic bulk job's work: create, update or delete each item in order, unless the request
    already showed it cannot be (`refused`, from the surface's shape checks). An item failing alone
    does not stop the others, and the job links what it applied under `name` (a catalog item job's
    `items`). A repeat of an id made earlier in the same job conflicts as any existing one does."""
    store = resources_of(account)
    failures, applied, bad = [], [], {f.position for f in refused}
    for position, item in enumerate(items):
        if position in bad:
            continue
        pointer = f"/data/attributes/{name}/data/{position}"
        try:
            record = _apply(store, item, action, at)
        except DomainError as error:
            failures.append(failure_of(error, position, pointer))
            continue
        applied.append((record.type, record.id))
    if action != "delete":
        store.link(job, name, applied, "add")
    return sorted(refused + failures, key=lambda f: f.position)


def _apply(store: ResourceStore, item: dict, action: str, at: _dt.datetime) -> Resource:
    type_, record_id = item["type"], item.get("id")
    links = {name: _linkage(value.get("data")) for name, value in (item.get("relationships") or {}).items()
             if isinstance(value, dict)}
    links = {name: linkage for name, linkage in links.items() if linkage is not None}
    attributes = item.get("attributes") or {}
    if action == "delete":
        record = store.of(type_).get(record_id)
        store.delete(type_, record_id)
        return record
    record = store.of(type_).get(record_id) if action == "update" else None
    for name in REQUIRED_LINKS.get(type_, ()) if action == "create" else ():
        if name not in links:
            raise Invalid([Problem(f"relationships.{name}", "required", detail=f"'{name}' is a required relationship.")])
    for target_type, target_id in _targets(links):
        if target_type.startswith("catalog-") and target_id not in store.of(target_type):
            raise NotFound(target_type, target_id)
    if record is not None:
        return store.update(type_, record_id, attributes, links, at, ("updated",))
    return store.create(type_, attributes, links, at, ("created", "updated"), record_id)


def _targets(links: dict) -> list[Link]:
    return [t for linkage in links.values() for t in (linkage if isinstance(linkage, list) else [linkage])]


def _linkage(data) -> list[Link] | Link | None:
    if isinstance(data, list):
        return [(d["type"], d["id"]) for d in data if isinstance(d, dict) and "type" in d and "id" in d]
    if isinstance(data, dict) and "type" in data and "id" in data:
        return data["type"], data["id"]
    return None


from simulator.klaviyo import (back_in_stock, campaigns, profile_jobs, resource_rules,  # noqa: E402,F401 (rules)
                               subscriptions, webhooks)
