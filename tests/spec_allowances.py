"""Where the sandbox refuses a request its vendor's published spec calls valid, because the vendor
itself refuses it: one table, read by tests/test_schemathesis.py (a refusal of schema-valid data
passes only when every field it names is listed here for that operation) and printed into each
surface's doc by `markdown_table()` (the same test keeps the docs in step).

`operations` is a pattern (fnmatch) over "METHOD /path" as the spec writes it; `where` a pattern over
the field or parameter the refusal names (`*`: any field of that operation's body): Klaviyo's `source.pointer` or `source.parameter`, the dated line's
`errors[].field`, v3's field before the colon in `fields`. Every `evidence` is a public page."""
from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase

KLAVIYO_REF = "https://developers.klaviyo.com/en/reference/"  # a page per operation id
# Omnisend's readme.io references as published copies of the spec files, whose prose states the rules
OMNISEND_SPEC = "https://github.com/api-evangelist/omnisend/blob/main/openapi/_original/omnisend-{}-api-2026-03-15.json"
V3_SPEC = "https://github.com/ajmnz/omnisend-node-sdk/blob/main/spec/{}.json"


@dataclass(frozen=True)
class Allowance:
    surface: str
    operations: str
    where: str
    rule: str
    evidence: str

    def covers(self, surface: str, operation: str, where: str) -> bool:
        return (surface == self.surface and fnmatchcase(operation, self.operations)
                and fnmatchcase(where, self.where))


def _klaviyo(operations: str, where: str, rule: str, operation_id: str) -> Allowance:
    return Allowance("klaviyo", operations, where, rule, KLAVIYO_REF + operation_id)


def _dated(operations: str, where: str, rule: str, spec_file: str) -> Allowance:
    return Allowance("omnisend-api", operations, where, rule, OMNISEND_SPEC.format(spec_file))


def _v3(operations: str, where: str, rule: str, spec_file: str) -> Allowance:
    return Allowance("omnisend-v3", operations, where, rule, V3_SPEC.format(spec_file))


ALLOWANCES = (
    _klaviyo("GET /api/campaigns", "filter", "a `messages.channel` filter is required", "get_campaigns"),
    _klaviyo("GET /api/coupon-codes", "filter", "a coupon or profile filter is required", "get_coupon_codes"),
    Allowance("klaviyo", "* /client/*", "company_id", "the public key (`company_id`) names the account, also where "
              "the spec marks it optional", "https://help.klaviyo.com/hc/en-us/articles/115005062267"),
    _klaviyo("POST /api/profiles", "/data/attributes", "one of `email`, `phone_number`, `external_id` is required",
             "create_profile"),
    _klaviyo("POST /api/profile-import", "/data/attributes", "one of `email`, `phone_number`, `external_id`, `_kx` "
             "is required", "create_or_update_profile"),
    _klaviyo("POST /api/flows", "/data/attributes/definition/*", "one trigger (\"Only one trigger is supported\"); "
             "`entry_action_id` names one of the definition's actions", "create_flow"),
    _klaviyo("PATCH /api/flows/{id}", "/data/attributes/status", "`status` is `draft`, `manual` or `live`",
             "update_flow"),
    _klaviyo("POST /api/lists", "/data/attributes/name", "a list has a name (not empty)", "create_list"),
    _klaviyo("POST /api/events", "/data/attributes/metric/data/attributes/name", "an event names its metric (not "
             "empty)", "create_event"),
    _klaviyo("POST /api/event-bulk-create-jobs", "/data/attributes/events-bulk-create/data", "1 to 1,000 events a job",
             "bulk_create_events"),
    _klaviyo("POST /api/profile-subscription-bulk-create-jobs", "/data/attributes/profiles/data", "1 to 1,000 "
             "profiles a job", "bulk_subscribe_profiles"),
    _klaviyo("POST /api/back-in-stock-subscriptions", "/data/attributes/channels", "at least one channel, "
             "`EMAIL` or `SMS`", "create_back_in_stock_subscription"),
    _klaviyo("POST /api/back-in-stock-subscriptions", "/data/attributes/profile/data*", "the profile is named by an "
             "identifier of the channels it subscribes on", "create_back_in_stock_subscription"),
    _klaviyo("POST /api/back-in-stock-subscriptions", "/data/relationships/variant/data/id", "the variant is a "
             "catalog variant of the account", "create_back_in_stock_subscription"),
    _klaviyo("POST /api/data-privacy-deletion-jobs", "/data/attributes/profile/data", "exactly one of `id`, `email` "
             "or `phone_number` names the profile to delete", "request_profile_deletion"),
    _klaviyo("POST /api/profile-suppression-bulk-*-jobs", "/data", "profiles by email, or one list, or one segment: "
             "exactly one of them", "bulk_suppress_profiles"),
    _klaviyo("POST /api/profile-merge", "/data/relationships/profiles/data", "one source profile a merge",
             "merge_profiles"),
    _klaviyo("POST /api/*-reports", "/data/attributes/statistics", "at least one statistic", "query_flow_values"),
    _klaviyo("POST /api/metric-aggregates", "/data/attributes/metric_id", "a metric id (not empty)",
             "query_metric_aggregates"),
    _klaviyo("POST /api/webhooks", "/data/attributes/endpoint_url", "the endpoint URL is https", "create_webhook"),
    _dated("GET *", "after", "`after` and `before` are cursors the API issued (`paging.cursors`)", "contacts"),
    _dated("GET *", "before", "`after` and `before` are cursors the API issued (`paging.cursors`)", "contacts"),
    _dated("GET /*", "limit", "`limit` within the list's page bounds (1-250; segments 1-50)", "products"),
    _dated("GET /batches", "offset", "`offset` is a count from 0", "batches"),
    _dated("GET /batches", "date*", "`dateFrom`/`dateTo` are RFC 3339 date-times", "batches"),
    _dated("GET /campaigns", "sort", "`sort` is `createdAt`, `updatedAt` or `name`", "campaigns"),
    _dated("GET /campaigns", "direction", "\"`direction` is only valid together with `sort`\"", "campaigns"),
    _dated("* /automations/{id}*", "id", "automation ids are 24-hex object ids", "automations"),
    _dated("POST /automations", "*", "the automation rules of the spec's prose: a name; blocks, triggers, exit "
           "conditions and settings as the guide describes them", "automations"),
    _dated("PATCH /contacts", "email", "the contact is named by a non-empty `email`", "contacts"),
    _dated("POST /contacts", "identifiers*", "at least one identifier, each a valid email or phone, its dates "
           "RFC 3339", "contacts"),
    _dated("* /contacts/tags", "tags*", "tags are not empty", "contacts"),
    _dated("* /contacts/tags", "contactIDs", "\"At least one of `contactIDs`, `emails`, `phones` or `segmentID` "
           "is required\"", "contacts"),
    _dated("POST /batches", "*", "a batch names its `method`, `endpoint` and `items`", "batches"),
    _dated("POST /campaigns", "boosterSettings", "a booster names its parent; only boosters take `boosterSettings`",
           "campaigns"),
    _dated("POST /event-metadata", "displayName", "\"`displayName` and at least one top-level property are "
           "required\"", "event-metadata"),
    _dated("POST /event-metadata", "properties", "\"`displayName` and at least one top-level property are "
           "required\"", "event-metadata"),
    _dated("POST /events", "*", "an event has an `eventName`, a contact named by id, email or phone, and an "
           "RFC 3339 `eventTime`", "events"),
    _dated("POST /products", "*", "a product has an id; variant prices are not negative", "products"),
    _dated("POST /segments", "*", "a segment has a name and condition groups with conditions", "segments"),
    _v3("POST /batches", "*", "a batch names its `method`, `endpoint` and `items`, as every example does", "batches"),
    _v3("GET *", "sort", "`sort` is one of the values the description's table lists", "products"),
    _v3("GET /orders", "*Status", "`paymentStatus`/`fulfillmentStatus` are the statuses orders take", "orders"),
    _v3("POST /carts", "*", "a cart has a non-empty `cartID`, a non-negative `cartSum`, a known contact and "
        "products with ids", "carts"),
    _v3("POST /categories", "categoryID", "a category has a non-empty `categoryID`", "categories"),
    _v3("POST /contacts", "identifiers*", "at least one identifier, each a valid email or phone, its dates "
        "ISO 8601", "contacts"),
    _v3("POST /contacts", "customProperties*", "custom property values are strings, numbers, booleans or arrays "
        "of strings", "contacts"),
    _v3("POST /events", "*", "\"Email or phone number is required\", of a contact that exists", "events"),
    _v3("POST /orders", "*", "an order has a non-empty `orderID` and a non-negative `orderSum`", "orders"),
    _v3("POST /products", "*", "a product has a non-empty `productID`; prices are not negative", "products"),
)


def allowance(surface: str, operation: str, where: str) -> Allowance | None:
    return next((a for a in ALLOWANCES if a.covers(surface, operation, where)), None)


def markdown_table(surface: str) -> str:
    rows = [f"| `{a.operations}` | `{a.where}` | {a.rule} | {a.evidence} |"
            for a in ALLOWANCES if a.surface == surface]
    return "\n".join(["| operation | field | the vendor's rule | evidence |", "|---|---|---|---|", *rows]) + "\n"
