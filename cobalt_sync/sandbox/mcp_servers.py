"""Vendor MCP server routes (`/mcp-servers`, `/mcp-servers/{id}`), per org and environment.

Created with name and description only (201); everything else is a patch-style PUT that writes
only the fields it is given; DELETE answers 204. No uniqueness on names, as the vendor.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from cobalt_sync.sandbox.context import API_PREFIX, json_body, require_tenant, sandbox_of
from cobalt_sync.sandbox.keys import Tenant
from cobalt_sync.sandbox.paging import MAX_PAGE_LIMIT, page_envelope, positive_int
from cobalt_sync.sandbox.problems import bad_request, not_found
from cobalt_sync.sandbox.store import new_object_id, now_iso

COLLECTION = "mcp_servers"
STRINGS = ("name", "description", "agent_name", "primary_color", "secondary_color", "base_prompt")
LISTS = ("associated_apps", "suggestions", "chains")


def patch_fields(body: dict[str, Any]) -> dict[str, Any]:
    """The writable fields of an update body, type-checked (UpdateMcpServerRequest)."""
    fields: dict[str, Any] = {}
    for name in STRINGS:
        if name in body:
            if not isinstance(body[name], str):
                raise bad_request(f"{name} must be a string")
            fields[name] = body[name]
    for name in LISTS:
        if name in body:
            value = body[name]
            if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
                raise bad_request(f"{name} must be a list of objects")
            fields[name] = value
    if "safe_mode" in body:
        if not isinstance(body["safe_mode"], bool):
            raise bad_request("safe_mode must be a boolean")
        fields["safe_mode"] = body["safe_mode"]
    apps = fields.get("associated_apps", [])
    if not all(isinstance(app.get("slug"), str) and app["slug"] for app in apps):
        raise bad_request("each associated app needs a slug")
    return fields


def server_or_404(request: Request, tenant: Tenant) -> dict[str, Any]:
    found = sandbox_of(request).store.get_doc(
        tenant.scope, COLLECTION, request.path_params["mcp_server_id"]
    )
    if found is None:
        raise not_found("MCP server not found")
    return found


async def list_servers(request: Request) -> JSONResponse:
    tenant = require_tenant(request)
    page = positive_int(request, "page", 1)
    limit = min(positive_int(request, "limit", 10), MAX_PAGE_LIMIT)
    # Sorted by createdAt, newest first, as the vendor documents.
    docs = list(reversed(sandbox_of(request).store.list_docs(tenant.scope, COLLECTION)))
    start = (page - 1) * limit
    return JSONResponse(page_envelope(docs[start : start + limit], len(docs), page, limit))


async def create_server(request: Request) -> JSONResponse:
    tenant = require_tenant(request)
    body = await json_body(request)
    name, description = body.get("name"), body.get("description")
    if not isinstance(name, str) or not name or not isinstance(description, str):
        raise bad_request("name and description are required strings")
    stamp = now_iso()
    doc = {
        "_id": new_object_id(),
        "name": name,
        "description": description,
        "associated_org_id": tenant.org,
        "associated_apps": [],
        "suggestions": [],
        "chains": [],
        "notebooks": [],
        "safe_mode": False,
        "environment": tenant.environment,
        "createdAt": stamp,
        "updatedAt": stamp,
    }
    sandbox_of(request).store.save_doc(tenant.scope, COLLECTION, doc)
    return JSONResponse({"_id": doc["_id"], "name": name, "description": description}, 201)


async def get_server(request: Request) -> JSONResponse:
    return JSONResponse(server_or_404(request, require_tenant(request)))


async def update_server(request: Request) -> JSONResponse:
    tenant = require_tenant(request)
    doc = server_or_404(request, tenant)
    doc.update(patch_fields(await json_body(request)), updatedAt=now_iso())
    sandbox_of(request).store.save_doc(tenant.scope, COLLECTION, doc)
    return JSONResponse(doc)


async def delete_server(request: Request) -> Response:
    tenant = require_tenant(request)
    oid = request.path_params["mcp_server_id"]
    if not sandbox_of(request).store.delete_doc(tenant.scope, COLLECTION, oid):
        raise not_found("MCP server not found")
    return Response(status_code=204)


ROUTES = [
    Route(API_PREFIX + "/mcp-servers", list_servers, methods=["GET"]),
    Route(API_PREFIX + "/mcp-servers", create_server, methods=["POST"]),
    Route(API_PREFIX + "/mcp-servers/{mcp_server_id}", get_server, methods=["GET"]),
    Route(API_PREFIX + "/mcp-servers/{mcp_server_id}", update_server, methods=["PUT"]),
    Route(API_PREFIX + "/mcp-servers/{mcp_server_id}", delete_server, methods=["DELETE"]),
]
EXTENDED_ROUTES: list[Route] = []
ADMIN_ROUTES: list[Route] = []
