"""`/automations`: the dated Automations API. Parses requests and serialises automations; every rule
lives in simulator/omnisend/automations.py (lifecycle) and its two rule modules."""
from __future__ import annotations

import re

from flask import jsonify, request

from simulator.core.timefmt import iso, parse_instant
from simulator.errors import Invalid, Problem
from simulator.omnisend.automations import Automation, automations_of
from simulator.surfaces.omnisend_api import blueprint, operation
from simulator.surfaces.omnisend_api.common import body, brand, cursor_page, limit, now, sandbox

_HEX24 = re.compile(r"^[0-9a-f]{24}$")
READ_ONLY = ("id", "brandID", "isEnabled", "createdAt", "updatedAt", "enabledAt", "disabledAt")


def automation_json(automation: Automation) -> dict:
    out = {"id": automation.id, "brandID": brand().id, "name": automation.name, "isEnabled": automation.is_enabled,
           "createdAt": iso(automation.created_at), "updatedAt": iso(automation.updated_at)}
    if automation.enabled_at is not None:
        out["enabledAt"] = iso(automation.enabled_at)
    if automation.disabled_at is not None:
        out["disabledAt"] = iso(automation.disabled_at)
    return {**out, **automation.definition}


def _checked(operation_id: str) -> dict:
    """The body against the contract, a read-only field named as such rather than as unknown."""
    try:
        return body(operation_id)
    except Invalid as error:
        error.problems = [_read_only(p) if p.kind == "unknown" and p.path in READ_ONLY else p for p in error.problems]
        raise


def _read_only(problem: Problem) -> Problem:
    hint = "; use POST /automations/{id}/enable or /disable" if problem.path == "isEnabled" else ""
    return Problem(problem.path, "invalid", detail=f"{problem.path} is read-only{hint}")


def _optional(operation_id: str) -> dict:
    """An optional body: none at all reads as `{}`."""
    if not request.get_data(cache=True).strip():
        return {}
    return body(operation_id)


def _id(value: str) -> str:
    if not _HEX24.match(value):
        raise Invalid([Problem("id", "format", expected="24-character hexadecimal id", got=value)])
    return value


def _automation(automation_id: str) -> Automation:
    return automations_of(brand()).get(_id(automation_id))


# -- list ------------------------------------------------------------------------------------

def _choice(name: str, allowed: tuple, default: str) -> str:
    value = request.args.get(name, default)
    if value not in allowed:
        raise Invalid([Problem(name, "enum", expected=list(allowed), got=value)])
    return value


def _instant(name: str, problems: list[Problem]):
    raw = request.args.get(name)
    if raw is None:
        return None
    try:
        return parse_instant(raw)
    except ValueError:
        problems.append(Problem(name, "format", expected="date-time (ISO 8601)", got=raw))
        return None


@blueprint.get("/automations")
@operation("listAutomations")
def list_automations():
    problems: list[Problem] = []
    page_size = limit()
    sort = _choice("sort", ("createdAt", "updatedAt"), "createdAt")
    direction = _choice("direction", ("asc", "desc"), "desc")
    enabled = request.args.get("isEnabled")
    if enabled is not None and enabled not in ("true", "false"):
        problems.append(Problem("isEnabled", "enum", expected=["true", "false"], got=enabled))
    name = request.args.get("nameContains")
    if name is not None and len(name) > 200:
        problems.append(Problem("nameContains", "range", expected=("maxLength", 200), got=len(name)))
    bounds = {key: _instant(key, problems) for key in ("createdAtFrom", "createdAtTo", "updatedAtFrom", "updatedAtTo")}
    if problems:
        raise Invalid(problems)
    found = automations_of(brand()).query(
        enabled=None if enabled is None else enabled == "true", name_contains=name,
        created=(bounds["createdAtFrom"], bounds["createdAtTo"]),
        updated=(bounds["updatedAtFrom"], bounds["updatedAtTo"]), sort=sort, descending=direction == "desc")
    page, paging = cursor_page(found, lambda a: a.id, page_size)
    return jsonify({"automations": [automation_json(a) for a in page], "paging": paging})


# -- one automation ----------------------------------------------------------------------------

@blueprint.post("/automations")
@operation("createAutomation")
def create_automation():
    automation = automations_of(brand()).create(_checked("createAutomation"), now())
    return jsonify(automation_json(automation)), 201


@blueprint.get("/automations/<automation_id>")
@operation("getAutomation")
def get_automation(automation_id: str):
    return jsonify(automation_json(_automation(automation_id)))


@blueprint.patch("/automations/<automation_id>")
@operation("updateAutomation")
def update_automation(automation_id: str):
    book = automations_of(brand())
    automation = book.editable(_id(automation_id))
    return jsonify(automation_json(book.patch(automation, _checked("updateAutomation"), now())))


@blueprint.delete("/automations/<automation_id>")
@operation("deleteAutomation")
def delete_automation(automation_id: str):
    automations_of(brand()).delete(_id(automation_id))
    return "", 204


@blueprint.put("/automations/<automation_id>/blocks")
@operation("putAutomationBlocks")
def put_blocks(automation_id: str):
    book = automations_of(brand())
    automation = book.editable(_id(automation_id))
    data = body("putAutomationBlocks")
    return jsonify(automation_json(book.put_blocks(automation, data["blocks"], now())))


@blueprint.post("/automations/<automation_id>/enable")
@operation("enableAutomation")
def enable_automation(automation_id: str):
    automation = _automation(automation_id)
    data = _optional("enableAutomation")
    book = automations_of(brand())
    return jsonify(automation_json(book.enable(automation, bool(data.get("enrollExisting")), now())))


@blueprint.post("/automations/<automation_id>/disable")
@operation("disableAutomation")
def disable_automation(automation_id: str):
    automation = _automation(automation_id)
    data = body("disableAutomation")
    book = automations_of(brand())
    return jsonify(automation_json(book.disable(automation, data["contactsInWorkflow"], now())))


@blueprint.post("/automations/<automation_id>/copy")
@operation("copyAutomation")
def copy_automation(automation_id: str):
    automation = _automation(automation_id)
    data = _optional("copyAutomation")
    return jsonify(automation_json(automations_of(brand()).copy(automation, data.get("name"), now()))), 201


# -- UTM tags and test emails ------------------------------------------------------------------

@blueprint.get("/automations/<automation_id>/utm")
@operation("getAutomationUtm")
def get_utm(automation_id: str):
    automation = _automation(automation_id)
    return jsonify({"blocks": [{"blockID": b["id"], "tags": automation.utm_tags(b)} for b in automation.send_blocks()]})


@blueprint.get("/automations/<automation_id>/blocks/<block_id>/utm")
@operation("getAutomationBlockUtm")
def get_block_utm(automation_id: str, block_id: str):
    automation = _automation(automation_id)
    return jsonify({"tags": automation.utm_tags(automations_of(brand()).send_block(automation, block_id))})


@blueprint.put("/automations/<automation_id>/blocks/<block_id>/utm")
@operation("putAutomationBlockUtm")
def put_block_utm(automation_id: str, block_id: str):
    automation = _automation(automation_id)
    automations_of(brand()).send_block(automation, block_id)
    data = body("putAutomationBlockUtm")
    return jsonify({"tags": automations_of(brand()).set_utm(automation, block_id, data["tags"])})


@blueprint.post("/automations/<automation_id>/blocks/<block_id>/test-email")
@operation("sendAutomationTestEmail")
def send_test_email(automation_id: str, block_id: str):
    automation = _automation(automation_id)
    automation.block(block_id)
    data = body("sendAutomationTestEmail")
    automations_of(brand()).send_test_email(automation, block_id, data["recipients"], sandbox().messages, now())
    return "", 204
