"""An Omnisend contact as automations see it: audience and split contact filters, who a send block
can reach, the values personalization tags read.

Contact filter fields (audience: segmentID, tag, dateAdded, firstName, lastName, country, state,
city, postalCode, gender; splits also any other profile field, email, phone and
`customProperties.<path>`). Strings compare case-insensitively. `tag` and `segmentID` test
membership (`eq`: has it, `neq`: has it not); `dateAdded` compares the UTC day the contact was created
(as segments do) as `YYYY-MM-DD`; `country` matches the ISO-2 code or the country name."""
from __future__ import annotations

import datetime as _dt

from simulator.engine import filters
from simulator.omnisend.brand import Brand
from simulator.omnisend.contacts import Contact

# Which subscription statuses each sendingThresholds level lets through.
THRESHOLDS = {"subscribed": {"subscribed"}, "nonSubscribed": {"subscribed", "nonSubscribed"},
              "all": {"subscribed", "nonSubscribed", "unsubscribed"}}
IDENTIFIER_OF = {"email": "email", "sms": "phone"}


def values_of(contact: Contact, field: str) -> list:
    """The values a contact filter on `field` tests (a list value tests membership)."""
    if field == "tag":
        return [list(contact.tags)]
    if field == "dateAdded":
        return [contact.created_at.astimezone(_dt.timezone.utc).date().isoformat()]
    if field == "country":
        return [[v for v in (contact.profile.get("countryCode"), contact.profile.get("country")) if v]]
    if field in ("email", "phone"):
        return [v for v in [getattr(contact, field)] if v]
    if field.startswith("customProperties."):
        return filters.values_at(contact.custom_properties or {}, field.removeprefix("customProperties."))
    return [v for v in [contact.profile.get(field)] if v is not None]


def contact_holds(brand: Brand, contact: Contact, rule: dict) -> bool:
    """One contact filter `{field, operator, value}`."""
    if rule.get("field") == "segmentID":  # membership of the one segment named, not of all of them
        from simulator.omnisend.segments import contact_in_segment
        inside = contact_in_segment(brand, str(rule.get("value")), contact, brand.now())
        return inside if rule.get("operator") != "neq" else not inside
    values = values_of(contact, rule.get("field", ""))
    return filters.test(rule.get("operator", ""), values, rule.get("value"), fold=True)


def audience_holds(brand: Brand, contact: Contact, group: dict | None) -> bool:
    return filters.group_holds(group, lambda rule: contact_holds(brand, contact, rule))


def reach(contact: Contact, channel: str, thresholds: dict, push_status: str | None) -> tuple[str | None, str]:
    """(recipient, why) for a send block: the address to send to, or None and why the contact is
    not eligible. Push goes to push subscribers only, SMS to US numbers (+1) to subscribers only."""
    if channel == "push":
        if push_status != "subscribed":
            return None, "push goes to push-subscribed contacts only"
        return contact.id, f"push to contact {contact.id}"
    identifier = contact.identifier(IDENTIFIER_OF[channel])
    if identifier is None:
        return None, f"the contact has no {IDENTIFIER_OF[channel]}"
    level = (thresholds or {}).get(channel) or "subscribed"
    if channel == "sms" and identifier.id.replace(" ", "").startswith("+1"):
        level = "subscribed"
        if identifier.status != "subscribed":
            return None, f"US SMS goes to subscribed contacts only (status {identifier.status})"
    if identifier.status not in THRESHOLDS.get(level, THRESHOLDS["subscribed"]):
        return None, f"{channel} status {identifier.status} is below the sending threshold {level}"
    return identifier.id, f"{channel} to {identifier.id}"


def personalization(contact: Contact) -> dict:
    """What `[[contact.*]]` tags read."""
    return {"id": contact.id, "email": contact.email, "phone": contact.phone, "tags": list(contact.tags),
            **contact.profile, **(contact.custom_properties or {})}


def recipient_of(contact: Contact) -> str:
    """How runs name the contact: its email, else its phone, else its id."""
    return contact.email or contact.phone or contact.id
