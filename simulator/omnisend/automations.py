"""Omnisend automations (the dated Automations API): definitions, lifecycle and validation.

An automation is stored as its API definition (trigger, blocks, exitConditions, settings, in the
dated API's field names, with server ids in place of temporaryIDs), plus its lifecycle state. The
automation engine (simulator/engine) reads definitions from here and is told of lifecycle changes
through the brand's `runtime`.

Lifecycle (docs/automations.md, from the automations guide): created disabled; PATCH and PUT blocks only while
disabled (409); enable/disable are idempotent; `enrollExisting` needs a workflow that starts with a
delay, is refused for birthday / back-in-stock triggers, and for `entered segment` works on the
first enable only (409 `enroll-existing-not-applicable`); delete is idempotent; a copy is disabled.
Every request is checked in full (automation_rules, automation_blocks) before anything changes."""
from __future__ import annotations

import copy
import datetime as _dt
from dataclasses import dataclass, field
from typing import Protocol

from simulator.core.outbox import Message, Outbox
from simulator.core.timefmt import iso
from simulator.errors import Conflict, DomainError, Invalid, NotFound
from simulator.omnisend import automation_rules as rules
from simulator.omnisend.automation_blocks import SEND_ACTIONS, Blocks, action_type, assign_ids, walk
from simulator.omnisend.brand import Brand
from simulator.core.records import Records

ENROLL_NOT_APPLICABLE = "enroll-existing-not-applicable"
UTM_SOURCE = "omnisend"


class Runtime(Protocol):
    """What the automation engine does when an automation's lifecycle changes."""

    def enabled(self, brand: Brand, automation: "Automation", enroll_existing: bool) -> None: ...

    def disabled(self, brand: Brand, automation: "Automation", contacts_in_workflow: str) -> None: ...

    def deleted(self, brand: Brand, automation: "Automation") -> None: ...


@dataclass
class Automation:
    id: str
    name: str
    created_at: _dt.datetime
    updated_at: _dt.datetime
    definition: dict = field(default_factory=dict)  # trigger, blocks, exitConditions, settings (API shape)
    is_enabled: bool = False
    enabled_at: _dt.datetime | None = None
    disabled_at: _dt.datetime | None = None
    ever_enabled: bool = False
    seq: int = 0  # creation order, the tie-break of list sorts
    templates: dict[str, str] = field(default_factory=dict)  # email block id -> the templateID it was made from
    utm: dict[str, dict] = field(default_factory=dict)  # send block id -> tags as last written ("" = default)

    @property
    def blocks(self) -> list[dict]:
        return self.definition["blocks"]

    def block(self, block_id: str) -> dict:
        for block in walk(self.blocks):
            if block["id"] == block_id:
                return block
        raise NotFound("block", block_id)

    def send_blocks(self) -> list[dict]:
        """The send-action blocks (email, SMS, push), in document order: the ones with UTM tags."""
        return [b for b in walk(self.blocks) if action_type(b) in SEND_ACTIONS]

    def utm_tags(self, block: dict) -> dict:
        """A block's UTM tags, each missing or cleared one as its default."""
        written = self.utm.get(block["id"], {})
        defaults = {"campaign": f"automation: {self.name} ({self.id})",
                    "medium": SEND_ACTIONS[action_type(block)], "source": UTM_SOURCE}
        return {name: written.get(name) or value for name, value in defaults.items()}


class AutomationBook:
    """One brand's automations, and every rule of their lifecycle."""

    def __init__(self, brand: Brand):
        self.brand = brand
        self.records: Records[Automation] = Records("automation")

    # -- reading ---------------------------------------------------------------------------

    def get(self, automation_id: str) -> Automation:
        return self.records.get(automation_id)

    def find(self, automation_id: str | None) -> Automation | None:
        return self.records.find(automation_id)

    def all(self) -> list[Automation]:
        """Every automation, oldest first."""
        return list(self.records)

    def enabled(self) -> list[Automation]:
        """The enabled automations in creation order (what the engine runs)."""
        return [a for a in self.records if a.is_enabled]

    def query(self, *, enabled: bool | None = None, name_contains: str | None = None,
              created: tuple = (None, None), updated: tuple = (None, None),
              sort: str = "createdAt", descending: bool = True) -> list[Automation]:
        """Filtered and sorted; each time range is [from, to) and either end may be None."""
        def within(moment, bounds):
            low, high = bounds
            return (low is None or moment >= low) and (high is None or moment < high)

        needle = name_contains.casefold() if name_contains else None
        found = [a for a in self.records
                 if (enabled is None or a.is_enabled == enabled)
                 and (needle is None or needle in a.name.casefold())
                 and within(a.created_at, created) and within(a.updated_at, updated)]
        attribute = "created_at" if sort == "createdAt" else "updated_at"
        return sorted(found, key=lambda a: (getattr(a, attribute), a.seq), reverse=descending)

    # -- writing ---------------------------------------------------------------------------

    def create(self, data: dict, now: _dt.datetime) -> Automation:
        """`POST /automations`: a disabled automation from a CreateAutomationRequest body."""
        check = rules.Check(self.brand)
        check.blank(data["name"], "name")
        trigger = rules.trigger(check, data["trigger"])
        blocks = Blocks(check, trigger)
        tree = blocks.tree(data["blocks"])
        definition = {"trigger": trigger, "blocks": tree,
                      "exitConditions": rules.exit_conditions(check, data.get("exitConditions")),
                      "settings": rules.settings(check, data.get("settings"))}
        _raise(check)
        mapping = assign_ids(tree, blocks.new_refs, self._new_id)
        automation = Automation(self._new_id("automation"), data["name"], now, now, definition,
                                seq=self.records.next_seq())
        automation.templates = {mapping[ref]: template for ref, template in blocks.templates.items() if template}
        return self.records.add(automation.id, automation)

    def editable(self, automation_id: str) -> Automation:
        """The automation, which PATCH or PUT blocks may change only while it is disabled."""
        automation = self.get(automation_id)
        if automation.is_enabled:
            raise Conflict("Cannot update an enabled automation")
        return automation

    def patch(self, automation: Automation, data: dict, now: _dt.datetime) -> Automation:
        """`PATCH /automations/{id}`: only the fields sent change (docs/automations.md)."""
        self.editable(automation.id)
        check = rules.Check(self.brand, automation.id)
        stored = automation.definition
        name = data.get("name", automation.name)
        check.blank(name, "name")
        trigger = rules.patched_trigger(check, stored["trigger"], data["trigger"]) if "trigger" in data \
            else stored["trigger"]
        tree = Blocks(check, trigger).patch(stored["blocks"], data["blocks"]) if "blocks" in data \
            else stored["blocks"]
        exits = rules.exit_conditions(check, data["exitConditions"]) if "exitConditions" in data \
            else stored["exitConditions"]
        settings = rules.settings(check, data["settings"], stored["settings"]) if "settings" in data \
            else stored["settings"]
        _raise(check)
        automation.name = name
        automation.definition = {"trigger": trigger, "blocks": tree, "exitConditions": exits, "settings": settings}
        automation.updated_at = now
        return automation

    def put_blocks(self, automation: Automation, items: list, now: _dt.datetime) -> Automation:
        """`PUT /automations/{id}/blocks`: the whole tree; listed ids kept, temporaryIDs new, others gone."""
        self.editable(automation.id)
        check = rules.Check(self.brand, automation.id)
        blocks = Blocks(check, automation.definition["trigger"], automation.blocks)
        tree = blocks.tree(items, put=True)
        _raise(check)
        mapping = assign_ids(tree, blocks.new_refs, self._new_id)
        kept = {b["id"] for b in walk(tree)}
        automation.templates = {k: v for k, v in automation.templates.items() if k in kept}
        automation.templates.update({mapping[ref]: t for ref, t in blocks.templates.items() if t})
        automation.utm = {k: v for k, v in automation.utm.items()
                          if k in kept and action_type(_find(tree, k)) in SEND_ACTIONS}
        automation.definition = {**automation.definition, "blocks": tree}
        automation.updated_at = now
        return automation

    def enable(self, automation: Automation, enroll_existing: bool, now: _dt.datetime) -> Automation:
        """Start processing trigger events; already enabled: the current state, nothing else."""
        if automation.is_enabled:
            return automation
        if enroll_existing:
            self._check_enroll_existing(automation)
        automation.is_enabled, automation.ever_enabled = True, True
        automation.enabled_at = automation.updated_at = now
        if self.brand.runtime is not None:
            self.brand.runtime.enabled(self.brand, automation, enroll_existing)
        return automation

    @staticmethod
    def _check_enroll_existing(automation: Automation) -> None:
        event = automation.definition["trigger"]["condition"]["event"]
        if event in rules.BUILT_IN:
            reason = f"enrollExisting is not supported for the '{event}' trigger"
        elif event == rules.ENTERED_SEGMENT:
            reason = None if not automation.ever_enabled else (
                "enrollExisting for an 'entered segment' trigger works on the first enable only; "
                "copy the automation for a fresh enrollment")
        elif automation.blocks[0]["type"] != "delay":
            reason = "enrollExisting needs a workflow that starts with a delay block"
        else:
            reason = None
        if reason is not None:
            raise Conflict(reason, code=ENROLL_NOT_APPLICABLE, field="enrollExisting")

    def disable(self, automation: Automation, contacts_in_workflow: str, now: _dt.datetime) -> Automation:
        """Stop accepting trigger events; `keep` lets contacts finish, `exit` removes them now."""
        if not automation.is_enabled:
            return automation
        automation.is_enabled = False
        automation.disabled_at = automation.updated_at = now
        if self.brand.runtime is not None:
            self.brand.runtime.disabled(self.brand, automation, contacts_in_workflow)
        return automation

    def delete(self, automation_id: str) -> None:
        """Idempotent: an unknown id is already gone."""
        automation = self.records.find(automation_id)
        if automation is None:
            return
        self.records.remove(automation_id)
        if self.brand.runtime is not None:
            self.brand.runtime.deleted(self.brand, automation)

    def copy(self, automation: Automation, name: str | None, now: _dt.datetime) -> Automation:
        """A disabled copy with new block ids, named "Copy of: <name>" unless a non-blank name is given."""
        definition = copy.deepcopy(automation.definition)
        for block in walk(definition["blocks"]):
            if action_type(block) == "sendEmail":
                del block["action"]["sendEmail"]["contentID"]
        mapping = assign_ids(definition["blocks"], {b["id"] for b in walk(definition["blocks"])}, self._new_id)
        title = name if name and name.strip() else f"Copy of: {automation.name}"
        duplicate = Automation(self._new_id("automation"), title, now, now, definition, seq=self.records.next_seq())
        duplicate.templates = {mapping[k]: v for k, v in automation.templates.items() if k in mapping}
        duplicate.utm = {mapping[k]: dict(v) for k, v in automation.utm.items() if k in mapping}
        return self.records.add(duplicate.id, duplicate)

    # -- UTM tags and test emails ------------------------------------------------------------

    def send_block(self, automation: Automation, block_id: str) -> dict:
        """A send-action block (the only ones with UTM tags); any other id is not found."""
        block = automation.block(block_id)
        if action_type(block) not in SEND_ACTIONS:
            raise NotFound("send block", block_id)
        return block

    def set_utm(self, automation: Automation, block_id: str, tags: dict) -> dict:
        """All three tags replaced at once; "" resets one to its default."""
        block = self.send_block(automation, block_id)
        automation.utm[block_id] = {name: tags[name] for name in ("campaign", "medium", "source")}
        return automation.utm_tags(block)

    def send_test_email(self, automation: Automation, block_id: str, recipients: list[str], outbox: Outbox,
                        now: _dt.datetime) -> list[Message]:
        """The block's email to each recipient, in the outbox marked `test`; only email blocks can (422)."""
        block = automation.block(block_id)
        if action_type(block) != "sendEmail":
            raise Unprocessable(f"Block '{block_id}' does not support test emails: only sendEmail blocks do.")
        email = block["action"]["sendEmail"]
        return [outbox.add(Message(id=self.brand.ids.next("message", "uuid"), vendor="omnisend", account=self.brand.id,
                                   channel="email", recipient=recipient, workflow_id=automation.id,
                                   workflow_name=automation.name, step_id=block_id, subject=email.get("subject"),
                                   sent_at=iso(now), test=True))
                for recipient in dict.fromkeys(recipients)]

    def _new_id(self, kind: str) -> str:
        return self.brand.ids.next(kind, "hex24")


class Unprocessable(DomainError):
    """422: the request is well formed, but the block cannot do what it asks."""
    status = 422

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


def _raise(check: rules.Check) -> None:
    if check.problems:
        raise Invalid(check.problems)


def _find(tree: list[dict], block_id: str) -> dict:
    return next(b for b in walk(tree) if b["id"] == block_id)


def automations_of(brand: Brand) -> AutomationBook:
    return brand.automations
