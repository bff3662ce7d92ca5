"""Vendor app-event routes: declared events (`/application/event`), whose sample's derived
`[{key, type}]` list is the `response` (profile `cobalt`: without the sample), and firing one
for a linked account (`/event/trigger`, `/event/{slug}`), which the sandbox records for the
dashboard and `inspect` instead of starting a workflow. The store keeps them per org or scope.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from cobalt_sync.sandbox.context import (
    API_PREFIX,
    events_scope,
    json_body,
    require_tenant,
    sandbox_of,
)
from cobalt_sync.sandbox.keys import Tenant
from cobalt_sync.sandbox.linked_accounts import acting_account
from cobalt_sync.sandbox.problems import ApiProblem, bad_request, not_found
from cobalt_sync.sandbox.store import Conflict, Missing, new_object_id, now_iso

FIRED = "events_fired"
FIRED_KEPT = 200  # the newest fired events kept per org and environment


def derive_response(sample: dict[str, Any], prefix: str = "") -> list[dict[str, str]]:
    """Depth-first, document order; objects get an `object` entry then their children;
    everything else is `text` and arrays are not descended into (contract §2c)."""
    fields: list[dict[str, str]] = []
    for name, value in sample.items():
        key = f"{prefix}{name}"
        if isinstance(value, dict):
            fields.append({"key": key, "type": "object"})
            fields.extend(derive_response(value, f"{key}."))
        else:
            fields.append({"key": key, "type": "text"})
    return fields


def event_doc(row: dict[str, Any], *, with_raw: bool = True) -> dict[str, Any]:
    """One `CustomTrigger`; `with_raw=False` is the docs' v3 variant, without the sample."""
    doc: dict[str, Any] = {
        "_id": row["_id"],
        "name": row["name"],
        "response": derive_response(json.loads(row["raw"])),
    }
    if with_raw:
        doc["raw_response"] = row["raw"]
    if row["json_schema"] is not None:
        doc["json_schema"] = row["json_schema"]
    doc.update(createdAt=row["createdAt"], updatedAt=row["updatedAt"], __v=row["__v"])
    return doc


def event_fields(body: dict[str, Any]) -> tuple[str, str, Any]:
    """(name, compact raw sample JSON, json_schema) from a create/replace body."""
    name, sample = body.get("name"), body.get("response")
    if not isinstance(name, str) or not name or sample is None:
        raise bad_request("name and response are required", "INVALID_EVENT")
    if isinstance(sample, str):
        try:
            sample = json.loads(sample)
        except json.JSONDecodeError:
            raise bad_request(
                "response must be a JSON object or a string holding one", "INVALID_EVENT"
            ) from None
    if not isinstance(sample, dict):
        raise bad_request("response must be a JSON object or a string holding one", "INVALID_EVENT")
    schema = body.get("json_schema")
    if schema is not None and not isinstance(schema, dict):
        raise bad_request("json_schema must be an object", "INVALID_EVENT")
    return name, json.dumps(sample, separators=(",", ":"), ensure_ascii=False), schema


def event_list(request: Request, tenant: Tenant) -> JSONResponse:
    box = sandbox_of(request)
    rows = box.store.list_events(events_scope(request, tenant))
    return JSONResponse([event_doc(row, with_raw=not box.like_cobalt) for row in rows])


def event_id_param(request: Request) -> str:
    event_id: str = request.path_params["event_id"]
    if len(event_id) != 24 or any(c not in "0123456789abcdef" for c in event_id):
        raise bad_request(f"Invalid event id {event_id}", "INVALID_EVENT_ID")
    return event_id


def duplicate_event(name: str) -> ApiProblem:
    return bad_request(f"Trigger with name {name} already exists", "INVALID_EVENT_ID")


def event_not_found() -> ApiProblem:
    return not_found("Event not found")


async def list_events(request: Request) -> JSONResponse:
    return event_list(request, require_tenant(request))


async def create_event(request: Request) -> JSONResponse:
    tenant = require_tenant(request)
    name, raw, schema = event_fields(await json_body(request))
    try:
        scope = events_scope(request, tenant)
        sandbox_of(request).store.create_event(scope, name, raw, schema)
    except Conflict:
        raise duplicate_event(name) from None
    return event_list(request, tenant)


async def get_event(request: Request) -> JSONResponse:
    tenant = require_tenant(request)
    scope = events_scope(request, tenant)
    row = sandbox_of(request).store.get_event(scope, event_id_param(request))
    if row is None:
        raise event_not_found()
    return JSONResponse(event_doc(row, with_raw=not sandbox_of(request).like_cobalt))


async def replace_event(request: Request) -> JSONResponse:
    tenant = require_tenant(request)
    event_id = event_id_param(request)
    name, raw, schema = event_fields(await json_body(request))
    try:
        scope = events_scope(request, tenant)
        sandbox_of(request).store.replace_event(scope, event_id, name, raw, schema)
    except Missing:
        raise event_not_found() from None
    except Conflict:
        raise duplicate_event(name) from None
    return event_list(request, tenant)


async def delete_event(request: Request) -> JSONResponse:
    tenant = require_tenant(request)
    try:
        scope = events_scope(request, tenant)
        sandbox_of(request).store.delete_event(scope, event_id_param(request))
    except Missing:
        raise event_not_found() from None
    return event_list(request, tenant)


# --- firing an event (the backend's side of the quickstart) --------------------------------


def fired_fields(body: dict[str, Any]) -> tuple[str, Any]:
    """(event name, payload) from a trigger body: `event` or its alias `trigger`."""
    name = body.get("event", body.get("trigger"))
    if not isinstance(name, str) or not name:
        raise bad_request("event (or trigger) is required: the name of a declared event")
    return name, body.get("payload", {})


def record_fired(request: Request, tenant: Tenant, doc: dict[str, Any]) -> None:
    store = sandbox_of(request).store
    store.save_doc(tenant.scope, FIRED, doc)
    for old in store.list_docs(tenant.scope, FIRED)[:-FIRED_KEPT]:
        store.delete_doc(tenant.scope, FIRED, old["_id"])


def fired_events(store: Any, tenant: Tenant) -> list[dict[str, Any]]:
    """The events fired in this org and environment, newest first (dashboard, inspect)."""
    return list(reversed(store.list_docs(tenant.scope, FIRED)))


async def fire(request: Request, slug: str | None) -> JSONResponse:
    tenant, account_id = acting_account(request)
    name, payload = fired_fields(await json_body(request))
    rows = sandbox_of(request).store.list_events(events_scope(request, tenant))
    if not any(row["name"] == name for row in rows):
        raise not_found("Trigger not found", "INVALID_EVENT")
    doc = {
        "_id": new_object_id(),
        "event": name,
        "linked_account_id": account_id,
        "slug": slug,
        "config_id": request.headers.get("config_id"),
        "payload": payload,
        "createdAt": now_iso(),
    }
    record_fired(request, tenant, doc)
    return JSONResponse({"message": "Webhook Fired Success"})


async def trigger_event(request: Request) -> JSONResponse:
    return await fire(request, request.headers.get("slug"))


async def trigger_event_for_app(request: Request) -> JSONResponse:
    return await fire(request, request.path_params["slug"])


ROUTES = [
    Route(API_PREFIX + "/application/event", list_events, methods=["GET"]),
    Route(API_PREFIX + "/application/event", create_event, methods=["POST"]),
    Route(API_PREFIX + "/application/event/{event_id}", get_event, methods=["GET"]),
    Route(API_PREFIX + "/application/event/{event_id}", replace_event, methods=["PUT"]),
    Route(API_PREFIX + "/application/event/{event_id}", delete_event, methods=["DELETE"]),
    Route(API_PREFIX + "/event/trigger", trigger_event, methods=["POST"]),
    Route(API_PREFIX + "/event/{slug}", trigger_event_for_app, methods=["POST"]),
]
EXTENDED_ROUTES: list[Route] = []
ADMIN_ROUTES: list[Route] = []
