"""Personalization tags (`[[contact.first_name]]`, `[[event.cartID]]`) in subjects, texts and
webhook bodies. A tag the sandbox cannot fill is left as written, so a test sees what was missing."""
from __future__ import annotations

import re

from simulator.engine.filters import values_at

TAG = re.compile(r"\[\[\s*(contact|event)\.([A-Za-z0-9_.]+)\s*\]\]")


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def render(template: str | None, contact: dict, event: dict) -> str | None:
    """`template` with its tags filled from `contact` (snake_case or camelCase keys) and `event` properties."""
    if template is None:
        return None

    def fill(match: re.Match) -> str:
        source = contact if match.group(1) == "contact" else event
        path = match.group(2)
        found = values_at(source, path) or values_at(source, _camel(path))
        value = found[0] if found else None
        return match.group(0) if value is None or isinstance(value, (dict, list)) else str(value)

    return TAG.sub(fill, template)
