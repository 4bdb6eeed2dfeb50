"""Creating an arm's automations and flows through the vendor APIs, as a merchant's setup would.

Klaviyo needs metric ids before a flow can name them, and a metric exists only once an event of
that name has arrived: the store's history is stood in for by one event per metric from the
store owner's profile, before any flow exists (so it triggers nothing). Cross-flow exclusions are
Upstack's recipe (https://docs.upstackdata.com/en/articles/12159415): "Received Email zero times in the last N days where
$flow is <the other flow>", added to the clone's flow filter, so the other flow must exist first."""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Callable

import httpx

from simulator.scenarios.holdout import flow_filter_group
from simulator.scenarios.pipeline.mappings import OMNISEND_VERSION
from simulator.scenarios.scenario import OMNISEND_AUTOMATIONS, Scenario, Workflow
from simulator.sandbox import KLAVIYO_REVISION  # the current SDK's: flows need a recent revision
from simulator.klaviyo.fixtures import PREFIX, flow_body, with_metric_ids

OWNER = "owner@store.example"  # the profile whose events create the metrics
RECEIVED_EMAIL = "Received Email"
FUNNEL = ("Viewed Product", "Added to Cart", "Started Checkout")  # what a forwarder sends under its suffix
# A flow's purpose, from the event that starts it (Klaviyo's metric or Omnisend's event name); a
# trigger not listed here (a scenario's own body) counts as a cart reminder.
PURPOSE_OF_TRIGGER = {"Viewed Product": "browse", "viewed product": "browse",
                      "Added to Cart": "cart", "added product to cart": "cart",
                      "Started Checkout": "checkout", "Checkout Started": "checkout", "started checkout": "checkout",
                      "Placed Order": "post-purchase", "placed order": "post-purchase",
                      "paid for order": "post-purchase", "order fulfilled": "post-purchase"}


class SetupError(Exception):
    """A vendor refused part of the setup: the scenario's workflow is not what the vendor accepts."""


@dataclass(frozen=True)
class Created:
    name: str
    vendor: str
    id: str
    purpose: str  # one of scenarios.model.PURPOSES


def klaviyo_headers(key: str) -> dict:
    return {"Authorization": f"Klaviyo-API-Key {key}", "revision": KLAVIYO_REVISION,
            "Content-Type": "application/vnd.api+json", "Accept": "application/vnd.api+json"}


def omnisend_headers(key: str) -> dict:
    return {"Authorization": f"Omnisend-API-Key {key}", "Omnisend-Version": OMNISEND_VERSION,
            "Content-Type": "application/json"}


def create_workflows(http: httpx.Client, base_url: str, keys: dict, scenario: Scenario, names: tuple[str, ...],
                     at: str, wait: Callable[[float], None], holdout: bool = False) -> list[Created]:
    """Create and switch on the named workflows (in the scenario's order). `wait(seconds)` moves the
    sandbox's clock on: to let it process the metric-making events, and to honour a 429's
    Retry-After (creating flows is rate limited like any other call). With `holdout`, the
    forwarder's clones (flows on suffixed metrics) keep out profiles marked held out."""
    call = Caller(http, wait)
    chosen = [w for w in scenario.workflows.values() if w.name in names]
    created: list[Created] = []
    klaviyo = [w for w in chosen if w.vendor == "klaviyo"]
    if klaviyo:
        key = keys["klaviyo"]
        metric_ids = _klaviyo_metrics(call, base_url, key, klaviyo, at, wait)
        ids: dict[str, str] = {}
        for workflow in klaviyo:
            body, trigger = _klaviyo_body(workflow, metric_ids, ids, holdout and bool(workflow.metric_suffix))
            response = call("POST", f"{base_url}/klaviyo/api/flows", klaviyo_headers(key), body, workflow)
            flow_id = response.json()["data"]["id"]
            call("PATCH", f"{base_url}/klaviyo/api/flows/{flow_id}", klaviyo_headers(key),
                  {"data": {"type": "flow", "id": flow_id, "attributes": {"status": "live"}}}, workflow)
            ids[workflow.name] = flow_id
            created.append(Created(workflow.name, "klaviyo", flow_id, _purpose(trigger)))
    for workflow in (w for w in chosen if w.vendor == "omnisend"):
        headers = omnisend_headers(keys["omnisend"])
        body = copy.deepcopy(workflow.body) if workflow.body else _omnisend_fixture(workflow.fixture)
        body["name"] = workflow.name
        response = call("POST", f"{base_url}/omnisend/api/automations", headers, body, workflow)
        automation_id = response.json()["id"]
        call("POST", f"{base_url}/omnisend/api/automations/{automation_id}/enable", headers, {}, workflow)
        created.append(Created(workflow.name, "omnisend", automation_id,
                               _purpose(body.get("trigger", {}).get("condition", {}).get("event", ""))))
    return created


def import_subscribers(http: httpx.Client, base_url: str, key: str, shoppers, at: str,
                       wait: Callable[[float], None]) -> None:
    """The store's email list as Omnisend holds it before the run (Omnisend emails subscribed
    contacts only): every subscribed shopper as a contact, 100 to a batch of the dated API, then
    wait until the last batch has run."""
    call = Caller(http, wait)
    headers = omnisend_headers(key)
    listed = [s for s in shoppers if s.subscribed]
    batch_id = None
    for offset in range(0, len(listed), 100):
        items = [{"identifiers": [{"type": "email", "id": s.email,
                                   "channels": {"email": {"status": "subscribed", "statusDate": at}}}],
                  "firstName": s.first_name, "lastName": s.last_name} for s in listed[offset:offset + 100]]
        batch = call("POST", f"{base_url}/omnisend/api/batches", headers,
                     {"method": "POST", "endpoint": "contacts", "items": items}, None)
        batch_id = batch.json()["batchID"]
    while batch_id and call("GET", f"{base_url}/omnisend/api/batches/{batch_id}", headers, None,
                            None).json()["status"] != "finished":
        wait(10)


def _purpose(trigger_name: str) -> str:
    return PURPOSE_OF_TRIGGER.get(trigger_name.split(" - ")[0], "cart")


def _omnisend_fixture(name: str) -> dict:
    return json.loads((OMNISEND_AUTOMATIONS / f"{name}.json").read_text())


def _klaviyo_source(workflow: Workflow) -> dict:
    """The flow's body, a clone's funnel metrics renamed to the forwarder's (`metric_suffix`)."""
    body = copy.deepcopy(workflow.body) if workflow.body else flow_body(workflow.fixture)
    return _suffixed(body, workflow.metric_suffix) if workflow.metric_suffix else body


def _suffixed(document, suffix: str):
    """Funnel metrics become "<name><suffix>"; Placed Order stays the store's own, since an order
    always carries the email the store knows (so every integration sends it natively)."""
    if isinstance(document, dict):
        return {k: _suffixed(v, suffix) for k, v in document.items()}
    if isinstance(document, list):
        return [_suffixed(v, suffix) for v in document]
    if isinstance(document, str) and document.startswith(PREFIX):
        first = document[len(PREFIX):].split("|")[0]
        return PREFIX + first + suffix if first in FUNNEL else document
    return document


def _metric_names(document) -> set[str]:
    """The first of each `metric:A|B` alternative the body names (the one the store's integration sends)."""
    if isinstance(document, dict):
        return set().union(*(_metric_names(v) for v in document.values())) if document else set()
    if isinstance(document, list):
        return set().union(*(_metric_names(v) for v in document)) if document else set()
    if isinstance(document, str) and document.startswith(PREFIX):
        return {document[len(PREFIX):].split("|")[0]}
    return set()


def _trigger_metric(body: dict) -> str:
    trigger = body["data"]["attributes"]["definition"]["triggers"][0]
    return trigger["id"][len(PREFIX):].split("|")[0] if trigger.get("type") == "metric" else ""


def _klaviyo_metrics(call, base_url, key, workflows: list[Workflow], at: str, wait) -> dict[str, str]:
    names = {RECEIVED_EMAIL} if any(w.exclude for w in workflows) else set()
    for workflow in workflows:
        names |= _metric_names(_klaviyo_source(workflow))
    for name in sorted(names):
        event = {"data": {"type": "event", "attributes": {
            "properties": {"source": "store history"}, "time": at, "unique_id": f"setup-{name}",
            "metric": {"data": {"type": "metric", "attributes": {"name": name}}},
            "profile": {"data": {"type": "profile", "attributes": {"email": OWNER}}}}}}
        call("POST", f"{base_url}/klaviyo/api/events", klaviyo_headers(key), event, None)
    wait(5)
    found: dict[str, str] = {}
    url = f"{base_url}/klaviyo/api/metrics"
    while url:
        page = call("GET", url, klaviyo_headers(key), None, None).json()
        found.update({m["attributes"]["name"]: m["id"] for m in page["data"]})
        url = (page.get("links") or {}).get("next")
    return found


def _klaviyo_body(workflow: Workflow, metric_ids: dict[str, str], flow_ids: dict[str, str],
                  holdout: bool = False) -> tuple[dict, str]:
    body = _klaviyo_source(workflow)
    definition = body["data"]["attributes"]["definition"]
    body["data"]["attributes"]["name"] = workflow.name
    trigger = _trigger_metric(body)
    if workflow.first_delay_minutes is not None:
        first = next(a for a in definition["actions"] if a["temporary_id"] == definition["entry_action_id"])
        if first["type"] != "time-delay":
            raise SetupError(f"{workflow.name}: first_delay_minutes needs a flow that starts with a time-delay")
        first["data"].update({"value": workflow.first_delay_minutes, "unit": "minutes"})
    groups = (definition.get("profile_filter") or {}).get("condition_groups", [])
    for other in workflow.exclude:
        groups.append({"conditions": [{
            "type": "profile-metric", "metric_id": PREFIX + RECEIVED_EMAIL, "measurement": "count",
            "measurement_filter": {"type": "numeric", "operator": "equals", "value": 0},
            "timeframe_filter": {"type": "date", "operator": "in-the-last", "unit": "day",
                                 "quantity": workflow.exclusion_days},
            "metric_filters": [{"property": "$flow",
                                "filter": {"type": "string", "operator": "equals", "value": flow_ids[other]}}]}]})
    if holdout:
        groups.append(flow_filter_group())
    if groups:
        definition["profile_filter"] = {"condition_groups": groups}
    return with_metric_ids(body, metric_ids), trigger


class Caller:
    """Setup's requests: a 429 waits out its Retry-After on the sandbox's clock and goes again;
    any other refusal stops the run with the vendor's answer."""

    def __init__(self, http: httpx.Client, wait: Callable[[float], None]):
        self.http, self.wait = http, wait

    def __call__(self, method: str, url: str, headers: dict, body, workflow: Workflow | None) -> httpx.Response:
        response = self.http.request(method, url, headers=headers, json=body)
        while response.status_code == 429:
            self.wait(float(response.headers.get("Retry-After") or 1))
            response = self.http.request(method, url, headers=headers, json=body)
        if response.status_code >= 300:
            what = f"workflow {workflow.name!r}" if workflow else "setup"
            raise SetupError(f"{what}: {method} {url.split('/', 3)[-1]} answered {response.status_code}: "
                             f"{response.text[:300]}")
        return response
