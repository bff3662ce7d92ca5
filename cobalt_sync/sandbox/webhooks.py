"""Vendor webhook routes (`/webhook`, `/webhook/{id}`, `/webhooks/group/edit`), per org and
environment. No uniqueness: the vendor has no natural key for webhooks, so a retried POST
makes a second one, exactly as the real API would.

Owns webhook validation (including the vendor's event taxonomy, as the spec says it checks)
and shapes; cobalt-sync's `webhooks` kind reads and writes through these routes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from cobalt_sync.sandbox.context import API_PREFIX, json_body, require_tenant, sandbox_of
from cobalt_sync.sandbox.keys import Tenant
from cobalt_sync.sandbox.problems import bad_request, not_found
from cobalt_sync.sandbox.store import new_object_id, now_iso

METHODS = ("POST", "PUT", "PATCH")
TYPES = ("default", "slack", "custom")
# The vendor's webhook event taxonomy (cobalt-api.md §2e); the spec says POST checks events.
EVENTS = (
    "Connection Created",
    "Connection Deleted",
    "Connection Expired",
    "Workflow Completed",
    "Workflow Errored",
)
STRING_FIELDS = ("webhook_description", "description", "slug", "group")


def check_fields(body: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    """The writable fields of a webhook body, type-checked; unknown fields are dropped."""
    fields: dict[str, Any] = {}
    url = body.get("webhook_url")
    if url is not None or creating:
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise bad_request("webhook_url must be an http(s) URL")
        fields["webhook_url"] = url
    events = body.get("webhook_events")
    if events is not None or creating:
        if (
            not isinstance(events, list)
            or not events
            or not all(isinstance(e, str) for e in events)
        ):
            raise bad_request("webhook_events must be a non-empty list of strings")
        unknown = sorted(set(events) - set(EVENTS))
        if unknown:
            raise bad_request(f"unknown webhook event(s): {', '.join(unknown)}")
        fields["webhook_events"] = events
    fields.update(optional_fields(body))
    return fields


def optional_fields(body: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for name in STRING_FIELDS:
        if name in body:
            if not isinstance(body[name], str):
                raise bad_request(f"{name} must be a string")
            fields[name] = body[name]
    checks: dict[str, Callable[[Any], bool]] = {
        "method": lambda v: v in METHODS,
        "webhook_type": lambda v: v in TYPES,
        "is_enabled": lambda v: isinstance(v, bool),
        "webhook_headers": lambda v: isinstance(v, dict),
        "workflow_ids": lambda v: isinstance(v, list) and all(isinstance(i, str) for i in v),
        "webhook_body": lambda v: True,
    }
    for name, valid in checks.items():
        if name in body:
            if not valid(body[name]):
                raise bad_request(f"{name} has an invalid value")
            fields[name] = body[name]
    return fields


def webhook_or_404(request: Request, tenant: Tenant) -> dict[str, Any]:
    found = sandbox_of(request).store.get_webhook(tenant.scope, request.path_params["id"])
    if found is None:
        raise not_found("Webhook not found")
    return found


async def list_webhooks(request: Request) -> JSONResponse:
    tenant = require_tenant(request)
    return JSONResponse(sandbox_of(request).store.list_webhooks(tenant.scope))


async def create_webhook(request: Request) -> JSONResponse:
    tenant = require_tenant(request)
    fields = check_fields(await json_body(request), creating=True)
    stamp = now_iso()
    doc = {
        "_id": new_object_id(),
        "org_id": tenant.org,
        "environment": tenant.environment,
        "method": "POST",
        "webhook_type": "default",
        "is_enabled": True,
        **fields,
        "createdAt": stamp,
        "updatedAt": stamp,
    }
    sandbox_of(request).store.save_webhook(tenant.scope, doc)
    return JSONResponse(doc)


async def get_webhook(request: Request) -> JSONResponse:
    return JSONResponse(webhook_or_404(request, require_tenant(request)))


async def update_webhook(request: Request) -> JSONResponse:
    tenant = require_tenant(request)
    doc = webhook_or_404(request, tenant)
    doc.update(check_fields(await json_body(request), creating=False), updatedAt=now_iso())
    sandbox_of(request).store.save_webhook(tenant.scope, doc)
    return JSONResponse(doc)


async def delete_webhook(request: Request) -> JSONResponse:
    tenant = require_tenant(request)
    if not sandbox_of(request).store.delete_webhook(tenant.scope, request.path_params["id"]):
        raise not_found("Webhook not found")
    return JSONResponse(sandbox_of(request).store.list_webhooks(tenant.scope))


async def edit_group(request: Request) -> JSONResponse:
    tenant = require_tenant(request)
    body = await json_body(request)
    ids, group = body.get("webhookIds"), body.get("group", "")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        raise bad_request("webhookIds must be a non-empty list of ids")
    if not isinstance(group, str):
        raise bad_request("group must be a string")
    store = sandbox_of(request).store
    for doc in store.list_webhooks(tenant.scope):
        if doc["_id"] in ids:
            store.save_webhook(tenant.scope, {**doc, "group": group, "updatedAt": now_iso()})
    return JSONResponse(store.list_webhooks(tenant.scope))


ROUTES = [
    Route(API_PREFIX + "/webhook", list_webhooks, methods=["GET"]),
    Route(API_PREFIX + "/webhook", create_webhook, methods=["POST"]),
    Route(API_PREFIX + "/webhook/{id}", get_webhook, methods=["GET"]),
    Route(API_PREFIX + "/webhook/{id}", update_webhook, methods=["PUT"]),
    Route(API_PREFIX + "/webhook/{id}", delete_webhook, methods=["DELETE"]),
    Route(API_PREFIX + "/webhooks/group/edit", edit_group, methods=["PUT"]),
]
EXTENDED_ROUTES: list[Route] = []
ADMIN_ROUTES: list[Route] = []
