"""Profile work Klaviyo accepts at once and does later on the clock: bulk import, bulk suppress and
unsuppress, merge, and deletion requests. Each is one `@on_operation` rule (checks the body, answers
at once) and one module-level function the clock runs (resources.queue_job or Account.later).

Sources: each operation's reference (bulk_import_profiles, bulk_suppress_profiles,
bulk_unsuppress_profiles, merge_profiles, request_profile_deletion on developers.klaviyo.com);
what they leave open is chosen here and listed in docs/klaviyo.md."""
from __future__ import annotations

import datetime as _dt
from functools import partial

from simulator.errors import Invalid, MissingReferences, NotFound, Problem
from simulator.klaviyo.account import Account
from simulator.klaviyo.consent import USER_SUPPRESSED
from simulator.klaviyo.events import events_of
from simulator.klaviyo.lists import lists_of
from simulator.klaviyo.profiles import (DUPLICATE, Profile, ProfileBook, ProfileChanged, format_problems, has_identifier,
                                        profiles_of, unknown_profile)
from simulator.klaviyo.resources import Failure, Resource, error_json, on_operation, queue_job, resources_of
from simulator.klaviyo import segments  # the module: segments imports resources, which registers this one

MAX_IMPORT = 10_000  # "Accepts up to 10,000 profiles per request"
MAX_SUPPRESS = 100  # "Email address per request limit: 100"
_IMPORT_NEEDS = ("email", "phone_number", "external_id", "_kx")


# -- bulk import ---------------------------------------------------------------------------------

@on_operation("bulk_import_profiles")
def accept_import(account: Account, data: dict, now: _dt.datetime) -> Resource:
    """Up to 10,000 rows and the lists they join (each must exist: a 404 otherwise). Rows are
    checked one by one when the job runs; a bad row fails alone, readable as an `import-error`."""
    rows = _resource_list(data["attributes"].get("profiles"), "data.attributes.profiles", "profile", MAX_IMPORT)
    list_ids = _linked_ids(data, "lists")
    known = lists_of(account).records
    missing = [Problem(f"data.relationships.lists.data[{i}].id", "invalid", detail=f"A list with id {list_id} does not exist.")
               for i, list_id in enumerate(list_ids) if list_id not in known]
    if missing:
        raise MissingReferences(missing)
    links = {"lists": [("list", list_id) for list_id in list_ids]}
    return queue_job(account, "profile-bulk-import-job", links, len(rows), partial(import_rows, account, rows, list_ids),
                     now)


def import_rows(account: Account, rows: list[dict], list_ids: list[str], job: Resource, at: _dt.datetime) -> list[Failure]:
    """Each row: matched by id or identifiers and updated (a null is ignored, as in all accepted
    work), or created; then added to the job's lists. A row whose identifiers name two profiles,
    whose id names none, or that has no identifier or a malformed one fails alone."""
    book, lists, store = profiles_of(account), lists_of(account), resources_of(account)
    failures, imported = [], []
    for position, row in enumerate(rows):
        pointer = f"/data/attributes/profiles/data/{position}"
        try:
            profile = _import_row(book, row, at)
        except (Invalid, NotFound) as error:
            failure = _row_failure(error, position, pointer)
            failures.append(failure)
            problem = store.create("import-error", {**error_json(account, failure), "original_payload": row}, {}, at)
            store.link(job, "import-errors", [(problem.type, problem.id)], "add")
            continue
        imported.append(("profile", profile.id))
        for list_id in list_ids:
            lists.add(list_id, [profile.id], at)
    store.link(job, "profiles", imported, "add")
    return failures


def _import_row(book: ProfileBook, row: dict, at: _dt.datetime) -> Profile:
    attributes = dict(row.get("attributes") or {})
    profile_id = row.get("id")
    problems = format_problems(attributes, "attributes")
    if not profile_id and not has_identifier(attributes, _IMPORT_NEEDS):
        problems.append(Problem("attributes", "required",
                                detail=f"One of id, {', '.join(_IMPORT_NEEDS)} is required to identify the profile."))
    if problems:
        raise Invalid(problems)
    if profile_id and profile_id not in book.records:
        raise NotFound("profile", profile_id)
    found = book.matches(attributes, profile_id)
    if len(found) > 1:
        raise Invalid([Problem("attributes", "duplicate", detail=f"{DUPLICATE} (profiles {found[0].id} and {found[1].id})")])
    return book.upsert(attributes, at, profile_id, meta=row.get("meta"))


def _row_failure(error: Exception, position: int, pointer: str) -> Failure:
    if isinstance(error, NotFound):
        return Failure(position, f"{pointer}/id", "not_found", f"A profile with id {error.id} does not exist.")
    problem = error.problems[0]
    return Failure(position, f"{pointer}/{problem.path.replace('.', '/')}", "invalid", problem.detail or "Invalid input.")


# -- suppression ---------------------------------------------------------------------------------

@on_operation("bulk_suppress_profiles")
@on_operation("bulk_unsuppress_profiles")
def accept_suppression(account: Account, data: dict, now: _dt.datetime) -> Resource:
    """Up to 100 emails, or a list (or segment) whose current members are meant: exactly one of
    the three. Suppressing an email no profile has makes that profile; unsuppressing one, or a
    profile with no `USER_SUPPRESSED` suppression, is skipped (only that reason is removed)."""
    type_ = data["type"]
    rows = _resource_list(data["attributes"].get("profiles"), "data.attributes.profiles", "profile", MAX_SUPPRESS)
    groups = {name: _linked_ids(data, name) for name in ("list", "segment")}
    given = [name for name, ids in (("profiles", rows), *groups.items()) if ids]
    if len(given) != 1:
        raise Invalid([Problem("data", "invalid", detail="Give exactly one of profiles, a list or a segment.")])
    problems = []
    for i, row in enumerate(rows):
        email = (row.get("attributes") or {}).get("email")
        if not isinstance(email, str):
            problems.append(Problem(f"data.attributes.profiles.data[{i}].attributes.email", "required"))
        else:
            problems += format_problems({"email": email}, f"data.attributes.profiles.data[{i}].attributes")
    if problems:
        raise Invalid(problems)
    emails = [row["attributes"]["email"] for row in rows]
    members = _group_members(account, groups)
    links = {"lists": [("list", i) for i in groups["list"]], "segments": [("segment", i) for i in groups["segment"]]}
    suppress = type_.endswith("-create-job")
    work = partial(suppress_profiles if suppress else unsuppress_profiles, account, emails, members)
    job = queue_job(account, type_, links, len(emails) + len(members), work, now)
    job.attributes["skipped_count"] = 0
    return job


def _group_members(account: Account, groups: dict[str, list[str]]) -> list[str]:
    """The profile ids of the list or segment named, as it holds them now (a 404 when it does not
    exist)."""
    if groups["list"]:
        return list(lists_of(account).records.get(groups["list"][0]).members)
    return segments.segment_members(account, groups["segment"][0]) if groups["segment"] else []


def suppress_profiles(account: Account, emails: list[str], members: list[str], job: Resource,
                      at: _dt.datetime) -> list[Failure]:
    book = profiles_of(account)
    for profile in _targets(book, emails, members, at, make=True):
        profile.suppression.setdefault(USER_SUPPRESSED, at)
        profile.updated = at
        account.notify(ProfileChanged(profile.id, at))
    return []


def unsuppress_profiles(account: Account, emails: list[str], members: list[str], job: Resource,
                        at: _dt.datetime) -> list[Failure]:
    book, skipped = profiles_of(account), 0
    targets = _targets(book, emails, members, at, make=False)
    for profile in targets:
        if profile is None or profile.suppression.pop(USER_SUPPRESSED, None) is None:
            skipped += 1
        else:
            profile.updated = at
            account.notify(ProfileChanged(profile.id, at))
    job.attributes["skipped_count"] = skipped
    return []


def _targets(book: ProfileBook, emails: list[str], members: list[str], at: _dt.datetime, make: bool) -> list:
    """The profiles meant: by email (made when `make`, else None where none has it), then members."""
    found = [book.holder("email", email) or (book.create({"email": email}, at) if make else None) for email in emails]
    return found + [book.records.find(profile_id) for profile_id in members]


# -- merge ---------------------------------------------------------------------------------------

@on_operation("merge_profiles")
def accept_merge(account: Account, data: dict, now: _dt.datetime) -> Resource:
    """`data.id` is the destination; exactly one source under `relationships.profiles`. Both must
    exist (404) and differ; the merge happens once the processing delay has passed. The answer
    names the destination profile."""
    book = profiles_of(account)
    destination = data.get("id")
    sources = _linked_ids(data, "profiles")
    if not isinstance(destination, str):
        raise Invalid([Problem("data.id", "required")])
    if len(sources) != 1:
        raise Invalid([Problem("data.relationships.profiles.data", "invalid",
                               detail="Exactly one source profile is merged at a time.")])
    if sources[0] == destination:
        raise Invalid([Problem("data.relationships.profiles.data[0].id", "invalid",
                               detail="A profile cannot be merged into itself.")])
    missing = [unknown_profile(path, pid) for path, pid in (("data.id", destination),
                                                            ("data.relationships.profiles.data[0].id", sources[0]))
               if pid not in book.records]
    if missing:
        raise MissingReferences(missing)
    account.later(partial(merge, account, sources[0], destination), now, "klaviyo profile merge")
    return Resource("profile", destination, {})


def merge(account: Account, source_id: str, destination_id: str, at: _dt.datetime) -> None:
    """Merge the source into the destination and delete the source. The destination keeps every
    value it has; the source fills what it lacks (identifiers, fields, location and property keys,
    consent it never gave); suppressions, events and list memberships are combined."""
    book = profiles_of(account)
    source, destination = book.records.find(source_id), book.records.find(destination_id)
    if source is None or destination is None:  # deleted in the meantime
        return
    book.remove(source)
    book.apply(destination, {name: value for name, value in source.attributes.items() if destination.get(name) is None},
               at, clear=False, identifiers="fill")
    destination.location = {**source.location, **destination.location}
    destination.properties = {**source.properties, **destination.properties}
    for channel, consent in source.consent.items():
        if destination.consent_of(channel).consent == "NEVER_SUBSCRIBED":
            destination.consent[channel] = consent
    destination.suppression = {**source.suppression, **destination.suppression}
    events_of(account).move(source.id, destination.id)
    lists_of(account).hand_over(source.id, destination.id)
    if source.last_event_date and (destination.last_event_date is None or source.last_event_date > destination.last_event_date):
        destination.last_event_date = source.last_event_date
    destination.updated = at
    for profile_id in (source.id, destination.id):  # segments: the source leaves them, the destination is re-checked
        account.notify(ProfileChanged(profile_id, at))


# -- deletion ------------------------------------------------------------------------------------

@on_operation("request_profile_deletion")
def accept_deletion(account: Account, data: dict, now: _dt.datetime) -> None:
    """Exactly one of id, email or phone_number ("If multiple identifiers are provided, we will
    return an error"); 202 whether or not a profile has it, deleted on the clock."""
    profile = (data["attributes"].get("profile") or {}).get("data")
    if not isinstance(profile, dict):
        raise Invalid([Problem("data.attributes.profile.data", "required")])
    given = {"id": profile.get("id")} | {name: (profile.get("attributes") or {}).get(name)
                                         for name in ("email", "phone_number")}
    given = {name: value for name, value in given.items() if value}
    if len(given) != 1:
        raise Invalid([Problem("data.attributes.profile.data", "invalid",
                               detail="Give exactly one of id, email or phone_number.")])
    (name, value), = given.items()
    problems = format_problems(given, "data.attributes.profile.data.attributes")
    if problems:
        raise Invalid(problems)
    account.later(partial(delete_profiles, account, name, value), now, "klaviyo deletion request")
    return None


def delete_profiles(account: Account, name: str, value: str, at: _dt.datetime) -> None:
    """Delete the profile the identifier names, with its events and list memberships."""
    book = profiles_of(account)
    profile = book.records.find(value) if name == "id" else book.holder(name, value)
    if profile is None:
        return
    book.remove(profile)
    events_of(account).forget_profile(profile.id)
    lists_of(account).hand_over(profile.id, None)
    account.notify(ProfileChanged(profile.id, at))  # segments: it leaves them


# -- reading bodies ------------------------------------------------------------------------------

def _resource_list(value, path: str, type_: str, most: int) -> list[dict]:
    """`{data: [resource objects of type_]}` at `path` (absent: none), at most `most` of them."""
    if value is None:
        return []
    rows = value.get("data") if isinstance(value, dict) else None
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise Invalid([Problem(f"{path}.data", "type", expected="array")])
    if len(rows) > most:
        raise Invalid([Problem(f"{path}.data", "range", expected=("maxItems", most),
                               detail=f"At most {most} profiles per request; got {len(rows)}.")])
    wrong = [Problem(f"{path}.data[{i}].type", "invalid", detail=f"Expected type '{type_}'.")
             for i, row in enumerate(rows) if row.get("type") != type_]
    if wrong:
        raise Invalid(wrong)
    return rows


def _linked_ids(data: dict, name: str) -> list[str]:
    """The ids a relationship of the body names (one or many)."""
    linkage = ((data.get("relationships") or {}).get(name) or {}).get("data")
    items = linkage if isinstance(linkage, list) else ([linkage] if isinstance(linkage, dict) else [])
    return [item["id"] for item in items if isinstance(item, dict) and isinstance(item.get("id"), str)]

