"""Dated contacts: upsert, get, update by id or email, the cursor-paged list, and tagging.

The same contacts v3 serves, in this line's names: `id` (v3 contactID), `statusChangedAt` (v3
statusDate, still accepted on input), per-identifier `sendWelcomeMessage` (v3's top-level
sendWelcomeEmail). A body's `createdAt` is kept as the custom property `externalCreated`, as the
spec says; the contact's own createdAt is when the sandbox made it."""
from __future__ import annotations

import datetime as _dt

from flask import g, jsonify, request
from werkzeug.exceptions import MethodNotAllowed

from simulator.core.timefmt import iso, parse_instant
from simulator.errors import Invalid, NotFound, Problem
from simulator.omnisend import segments
from simulator.omnisend.contacts import (CHANNEL_OF, PROFILE_FIELDS, STATUSES, Contact, ContactInput, ContactQuery,
                                         contacts_of, dated_filter_problems)
from simulator.omnisend.tagging import Selection, retag_on_clock
from simulator.surfaces.omnisend_api import blueprint, operation
from simulator.surfaces.omnisend_api.common import body, brand, cursor_page, empty, now
from simulator.surfaces.omnisend_api.listing import Query


def _instant(value):
    return parse_instant(value) if value is not None else None  # the contract checked the format


def contact_input(data: dict) -> ContactInput:
    """The model's input from a dated contact body (already checked against its contract)."""
    identifiers, problems = [], []
    for index, item in enumerate(data.get("identifiers") or []):
        channel = CHANNEL_OF[item["type"]]
        channels = item.get("channels") or {}
        problems += [Problem(f"identifiers[{index}].channels.{other}", "invalid",
                             detail=f"a {item['type']} identifier carries the {channel} channel only")
                     for other in channels if other != channel]
        state = channels.get(channel) or {}
        consent = item.get("consent")
        identifiers.append({
            "type": item["type"], "id": item["id"], "status": state.get("status"),
            "status_date": _instant(state.get("statusChangedAt", state.get("statusDate"))),
            "consent": {"createdAt": iso(now()), **consent} if consent is not None else None,
            "source": item.get("source"), "send_welcome": item.get("sendWelcomeMessage", True),
        })
    if problems:
        raise Invalid(problems)
    custom = data.get("customProperties")
    if "createdAt" in data:
        custom = {**(custom or {}), "externalCreated": data["createdAt"]}
    return ContactInput(identifiers=identifiers if "identifiers" in data else None,
                        profile={k: data[k] for k in PROFILE_FIELDS if k in data},
                        tags=data.get("tags"), custom_properties=custom)


def contact_json(contact: Contact, segment_ids: list[str]) -> dict:
    out: dict = {"id": contact.id}
    if contact.email:
        out["email"] = contact.email
    out["phone"] = [i.id for i in contact.identifiers if i.type == "phone"]
    if contact.status("email"):
        out["status"] = contact.status("email")
    out["statuses"] = [{"channel": i.channel, "status": i.status, "statusChangedAt": iso(i.status_date)}
                       for i in sorted(contact.identifiers, key=lambda i: i.status_date)]
    out["identifiers"] = [{"id": i.id, "type": i.type,
                           "channels": {i.channel: {"status": i.status, "statusChangedAt": iso(i.status_date)}}}
                          for i in contact.identifiers]
    out["consents"] = sorted(({k: c[k] for k in ("channel", "createdAt", "ip", "source", "userAgent") if k in c}
                              for c in contact.consents), key=lambda c: c.get("createdAt", ""))
    out["optIns"] = [{"channel": o["channel"], "optInAt": iso(o["at"])}
                     for o in sorted(contact.opt_ins, key=lambda o: o["at"])]
    out["segments"] = list(segment_ids)
    out["tags"] = list(contact.tags)
    out["customProperties"] = dict(contact.custom_properties or {})
    out.update(contact.profile)
    out["createdAt"] = iso(contact.created_at)
    out["updatedAt"] = iso(contact.updated_at)
    return out


def reply(contact: Contact, status: int = 200):
    response = jsonify(contact_json(contact, segments.segment_ids_of(brand(), contact, now())))
    response.status_code = status
    return response


@blueprint.post("/contacts")
@operation("createContact")
def create_contact():
    contact, created = contacts_of(brand()).create_or_update(contact_input(body("createContact")), now())
    return reply(contact, 201 if created else 200)


def _not_tags(contact_id: str) -> None:
    """`/contacts/tags` is the tagging endpoint, not a contact id: other methods there are a 405."""
    if contact_id == "tags":
        raise MethodNotAllowed(valid_methods=["DELETE", "POST"])


@blueprint.get("/contacts/<contact_id>")
@operation("getContact")
def get_contact(contact_id: str):
    _not_tags(contact_id)
    return reply(contacts_of(brand()).get(contact_id))


@blueprint.patch("/contacts/<contact_id>")
@operation("updateContact")
def update_contact(contact_id: str):
    _not_tags(contact_id)
    book = contacts_of(brand())
    book.get(contact_id)  # 404 before 400: a missing contact makes the body moot
    return reply(book.update(contact_id, contact_input(body("updateContact")), now(), strict=True))


@blueprint.patch("/contacts")
@operation("updateContactByEmail")
def update_contact_by_email():
    email = request.args.get("email")
    if not email:
        raise Invalid([Problem("email", "required")])
    book = contacts_of(brand())
    contact = book.by_email(email)
    if contact is None:
        raise NotFound("contact", email)
    return reply(book.update(contact.id, contact_input(body("updateContactByEmail")), now(), strict=True))


@blueprint.get("/contacts")
@operation("listContacts")
def list_contacts():
    query = Query()
    page_size = query.integer("limit", 100, 1, 250)
    sort = query.choice("sort", ("createdAt", "updatedAt"), "createdAt")
    direction = query.choice("direction", ("asc", "desc"), "desc")
    filters = ContactQuery(email=query.text("email"), phone=query.text("phone"),
                           status=query.choice("status", STATUSES), tag=query.text("tag"),
                           segment_id=query.text("segmentID"), updated_from=query.instant("updatedAtFrom"))
    query.problems += dated_filter_problems(filters)
    query.cursors()
    query.done()
    if filters.segment_id:
        filters.members = segments.members(brand(), filters.segment_id, now())
    found = contacts_of(brand()).search(filters, sort, descending=direction == "desc")
    page, paging = cursor_page(found, lambda c: c.id, page_size)
    member_of = segments.memberships(brand(), now())
    return jsonify({"contacts": [contact_json(c, member_of.get(c.id, [])) for c in page], "paging": paging})


def _retag(operation_id: str, add: bool):
    data = body(operation_id)
    selection = Selection(tuple(data.get("contactIDs") or ()), tuple(data.get("emails") or ()),
                          tuple(data.get("phones") or ()), data.get("segmentID") or None)
    sandbox = g.sandbox
    retag_on_clock(brand(), selection, data["tags"], add, sandbox.scheduler,
                   _dt.timedelta(seconds=sandbox.settings.api_tags_delay_seconds))
    return empty(202)


@blueprint.post("/contacts/tags")
@operation("addContactTags")
def add_tags():
    return _retag("addContactTags", add=True)


@blueprint.delete("/contacts/tags")
@operation("removeContactTags")
def remove_tags():
    return _retag("removeContactTags", add=False)
