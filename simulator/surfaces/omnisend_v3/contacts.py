"""v3 contacts: create (upsert), get, update, and the cursor-paged list."""
from __future__ import annotations

from flask import jsonify, request

from simulator.omnisend import segments
from simulator.omnisend.contacts import (CHANNEL_OF, PROFILE_FIELDS, STATUS_ALIASES, STATUSES, Contact, ContactInput,
                                         ContactQuery, contacts_of)
from simulator.surfaces.omnisend_v3 import blueprint, paging
from simulator.surfaces.omnisend_v3.common import body, brand, instant, now, settings, stamp
from simulator.surfaces.omnisend_v3.listing import Query


def contact_input(data: dict) -> ContactInput:
    """The model's input from a v3 contact body (already checked against the contract)."""
    identifiers = []
    for index, item in enumerate(data.get("identifiers") or []):
        channel = CHANNEL_OF.get(item.get("type"), "")
        channel_data = (item.get("channels") or {}).get(channel)
        where = f"identifiers[{index}].channels.{channel}.statusDate"
        identifiers.append({
            "type": item.get("type"), "id": item.get("id", ""),
            "has_channel": channel_data is not None,
            "status": (channel_data or {}).get("status") or "subscribed",  # v3's default for a channel
            "status_date": instant((channel_data or {}).get("statusDate"), where),
            "consent": item.get("consent"),
            "send_welcome": data.get("sendWelcomeEmail", True),
        })
    return ContactInput(
        identifiers=identifiers if "identifiers" in data else None,
        profile={k: data[k] for k in PROFILE_FIELDS if k in data},
        tags=data.get("tags"),
        custom_properties=data.get("customProperties"),
        created_at=instant(data.get("createdAt"), "createdAt"),
    )


def contact_json(contact: Contact) -> dict:
    out = {"contactID": contact.id, "identifiers": [
        {"type": i.type, "id": i.id,
         "channels": {i.channel: {"status": i.status, "statusDate": stamp(i.status_date)}}}
        for i in contact.identifiers]}
    out["createdAt"] = stamp(contact.created_at)
    out.update(contact.profile)
    out["tags"] = list(contact.tags)
    out["consents"] = list(contact.consents)
    out["customProperties"] = contact.custom_properties or {}  # the spec's object, never null
    return out


def summary(contact: Contact) -> dict:
    out = {"email": contact.email, "contactID": contact.id}
    if contact.phone:
        out["phone"] = contact.phone
    if out["email"] is None:
        del out["email"]
    return out


@blueprint.post("/contacts")
def create_contact():
    data = body("POST-contacts")
    contact, _ = contacts_of(brand()).create_or_update(
        contact_input(data), now(), reject_existing=settings().v3_contact_exists == "reject")
    return jsonify(summary(contact))


@blueprint.get("/contacts/<contact_id>")
def get_contact(contact_id: str):
    return jsonify(contact_json(contacts_of(brand()).get(contact_id)))


@blueprint.patch("/contacts/<contact_id>")
def update_contact(contact_id: str):
    book = contacts_of(brand())
    book.get(contact_id)  # 404 before 400, as a missing resource makes the body moot
    contact = book.update(contact_id, contact_input(body("PATCH_contacts-contactID")), now())
    return jsonify(summary(contact))


@blueprint.get("/contacts")
def list_contacts():
    limit, _ = paging.limit_and_offset(with_offset=False)
    query = Query()
    email, status = query.email(), query.choice("status", {**{s: s for s in STATUSES}, **STATUS_ALIASES})
    query.done()
    phone, tag, segment = request.args.get("phone"), request.args.get("tag"), request.args.get("segmentID")
    query = ContactQuery(email=email, phone=phone, status=status, tag=tag, segment_id=segment,
                         members=segments.members(brand(), segment, now()) if segment else frozenset())
    found, next_cursor = contacts_of(brand()).page(request.args.get("after"), limit, query.keeps)
    return jsonify({"contacts": [contact_json(c) for c in found], "paging": paging.cursor_paging(next_cursor, limit)})
