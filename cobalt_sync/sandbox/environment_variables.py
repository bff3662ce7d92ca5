"""Vendor environment-variable routes: definitions (read-only, org-wide), values (per org
and environment: upsert, list by scope, get one, delete), and the dashboard admin route that
creates a definition, as a person does in Cobalt's dashboard (`/_sandbox/dashboard/env/…`).

An encrypted value is kept only as a fingerprint and always answered as `[REDACTED]`, as the
vendor does; a plain value is kept and answered as is.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from cobalt_sync.sandbox.admin import AdminError, admin_body, admin_tenant
from cobalt_sync.sandbox.context import API_PREFIX, json_body, require_tenant, sandbox_of
from cobalt_sync.sandbox.keys import Tenant
from cobalt_sync.sandbox.paging import MAX_PAGE_LIMIT, page_envelope, positive_int
from cobalt_sync.sandbox.problems import bad_request, not_found
from cobalt_sync.sandbox.store import new_object_id, now_iso

DEFINITIONS = "env_definitions"
VALUES = "env_values"
SCOPES = ("org", "workspace", "linked_account", "workflow")
FORMATS = ("string", "number", "url")
REDACTED = "[REDACTED]"


def paged(request: Request, docs: list[dict[str, Any]], **extra: Any) -> JSONResponse:
    page = positive_int(request, "page", 1)
    limit = min(positive_int(request, "limit", 10), MAX_PAGE_LIMIT)
    start = (page - 1) * limit
    return JSONResponse(
        {**extra, **page_envelope(docs[start : start + limit], len(docs), page, limit)}
    )


# --- definitions (org-wide: no environment) ---------------------------------------------------


async def list_definitions(request: Request) -> JSONResponse:
    tenant = require_tenant(request)
    docs = sandbox_of(request).store.list_docs(tenant.org, DEFINITIONS)
    query = request.query_params
    for field in ("scope", "var_format"):
        if query.get(field):
            docs = [d for d in docs if d[field] == query[field]]
    if query.get("name"):
        try:
            pattern = re.compile(query["name"])
        except re.error:
            raise bad_request("name must be a regular expression") from None
        docs = [d for d in docs if pattern.search(d["name"])]
    return paged(request, docs)


async def get_definition(request: Request) -> JSONResponse:
    tenant = require_tenant(request)
    found = sandbox_of(request).store.get_doc(tenant.org, DEFINITIONS, request.path_params["id"])
    if found is None:
        raise not_found("Variable definition not found")
    return JSONResponse({"definition": found})


# The dashboard's and plans' wording ("scope: organization") for the API's scope names.
SCOPE_WORDS = {"organization": "org", "linked account": "linked_account"}


def definition_fields(body: dict[str, Any]) -> tuple[str, str, str, bool]:
    """(name, scope, var_format, encrypted), the scope in the API's or the plan's wording."""
    name, scope = body.get("name"), body.get("scope", "org")
    var_format, encrypted = body.get("var_format", "string"), body.get("encrypted", False)
    if isinstance(scope, str):
        scope = SCOPE_WORDS.get(scope.strip().lower(), scope.strip())
    if not isinstance(name, str) or not name.strip():
        raise AdminError("name is required (a non-empty string)")
    if scope not in SCOPES:
        words = ", ".join([*SCOPES, *SCOPE_WORDS])
        raise AdminError(f"scope {body.get('scope')!r} is not one of: {words}")
    if var_format not in FORMATS:
        raise AdminError(f"var_format {var_format!r} is not one of: {', '.join(FORMATS)}")
    if not isinstance(encrypted, bool):
        raise AdminError("encrypted must be true or false")
    return name.strip(), str(scope), str(var_format), encrypted


def define(request: Request, tenant: Tenant, body: dict[str, Any]) -> dict[str, Any]:
    """Dashboard only: Settings → Environment variables → create (JSON route and page)."""
    name, scope, var_format, encrypted = definition_fields(body)
    store = sandbox_of(request).store
    if any(d["name"] == name for d in store.list_docs(tenant.org, DEFINITIONS)):
        raise AdminError(f"a definition named {name} exists")
    stamp = now_iso()
    doc = {
        "_id": new_object_id(),
        "org_id": tenant.org,
        "name": name,
        "description": str(body.get("description", "")),
        "scope": scope,
        "var_format": var_format,
        "encrypted": encrypted,
        "created_by": "dashboard",
        "updated_by": "dashboard",
        "createdAt": stamp,
        "updatedAt": stamp,
    }
    store.save_doc(tenant.org, DEFINITIONS, doc)
    return doc


def definitions(request: Request, tenant: Tenant) -> list[dict[str, Any]]:
    """The org's definitions, each with its value in this environment (redacted when
    encrypted), for the dashboard page."""
    store = sandbox_of(request).store
    values = {
        v["variable_definition_id"]: shown(v)
        for v in store.list_docs(tenant.scope, VALUES)
        if scope_of(v) == "org"
    }
    return [{**d, "value": values.get(d["_id"])} for d in store.list_docs(tenant.org, DEFINITIONS)]


def remove_value(request: Request, tenant: Tenant, value_id: str) -> None:
    if not sandbox_of(request).store.delete_doc(tenant.scope, VALUES, value_id):
        raise AdminError("that value is already gone")


async def create_definition(request: Request) -> JSONResponse:
    tenant = admin_tenant(request)
    body = await admin_body(request)
    return JSONResponse(define(request, tenant, body))


# --- values (per org and environment) ---------------------------------------------------------


def shown(value_doc: dict[str, Any]) -> dict[str, Any]:
    """A stored value as the vendor answers it: encrypted ones redacted, no fingerprint."""
    doc = {k: v for k, v in value_doc.items() if k != "fingerprint"}
    if "fingerprint" in value_doc:
        doc["value"] = REDACTED
    return doc


def definition_or_404(request: Request, tenant: Tenant, definition_id: Any) -> dict[str, Any]:
    found = (
        sandbox_of(request).store.get_doc(tenant.org, DEFINITIONS, definition_id)
        if isinstance(definition_id, str)
        else None
    )
    if found is None:
        raise not_found("Variable definition not found")
    return found


def checked_value(definition: dict[str, Any], value: Any) -> str:
    if not isinstance(value, str):
        raise bad_request("value must be a string")
    if definition["var_format"] == "number":
        try:
            float(value)
        except ValueError:
            raise bad_request("value must be a number for this variable") from None
    if definition["var_format"] == "url" and not re.match(r"https?://\S+$", value):
        raise bad_request("value must be a URL for this variable")
    return value


async def set_value(request: Request) -> JSONResponse:
    tenant = require_tenant(request)
    body = await json_body(request)
    definition = definition_or_404(request, tenant, body.get("variable_definition_id"))
    value = checked_value(definition, body.get("value"))
    account, workflow = body.get("linked_account_id"), body.get("workflow_id")
    store = sandbox_of(request).store
    same = [
        d
        for d in store.list_docs(tenant.scope, VALUES)
        if d["variable_definition_id"] == definition["_id"]
        and d.get("linked_account_id") == account
        and d.get("workflow_id") == workflow
    ]
    stamp = now_iso()
    doc: dict[str, Any] = (
        same[0]
        if same
        else {
            "_id": new_object_id(),
            "variable_definition_id": definition["_id"],
            "org_id": tenant.org,
            "environment": tenant.environment,
            "created_by": "api",
            "createdAt": stamp,
        }
    )
    doc.pop("value", None)
    doc.pop("fingerprint", None)
    if definition["encrypted"]:
        doc["fingerprint"] = "sha256:" + hashlib.sha256(value.encode()).hexdigest()[:16]
    else:
        doc["value"] = value
    for name, given in (("linked_account_id", account), ("workflow_id", workflow)):
        if isinstance(given, str):
            doc[name] = given
    doc.update(updated_by="api", updatedAt=stamp)
    store.save_doc(tenant.scope, VALUES, doc)
    return JSONResponse(shown(doc))


def scope_of(doc: dict[str, Any]) -> str:
    if doc.get("workflow_id"):
        return "workflow"
    return "linked_account" if doc.get("linked_account_id") else "org"


async def list_values(request: Request) -> JSONResponse:
    tenant = require_tenant(request)
    scope = request.path_params["scope"]
    if scope not in SCOPES:
        raise bad_request(f"scope must be one of {', '.join(SCOPES)}")
    docs = [
        shown(d)
        for d in sandbox_of(request).store.list_docs(tenant.scope, VALUES)
        if scope_of(d) == scope
    ]
    wanted = request.query_params.get("variable_definition_id")
    if wanted:
        docs = [d for d in docs if d["variable_definition_id"] == wanted]
    return paged(request, docs, status="success")


async def get_value(request: Request) -> JSONResponse:
    tenant = require_tenant(request)
    definition = definition_or_404(request, tenant, request.path_params["definition_id"])
    account = request.query_params.get("linked_account_id")
    for doc in sandbox_of(request).store.list_docs(tenant.scope, VALUES):
        if (
            doc["variable_definition_id"] == definition["_id"]
            and doc.get("linked_account_id") == account
        ):
            return JSONResponse(
                {
                    "value": shown(doc)["value"],
                    "encrypted": definition["encrypted"],
                    "name": definition["name"],
                    "scope": scope_of(doc),
                    "variable_definition_id": definition["_id"],
                }
            )
    raise not_found("Variable value not found")


async def delete_value(request: Request) -> JSONResponse:
    tenant = require_tenant(request)
    if not sandbox_of(request).store.delete_doc(
        tenant.scope, VALUES, request.path_params["value_id"]
    ):
        raise not_found("Variable value not found")
    return JSONResponse({"status": "success", "message": "Variable value deleted"})


ROUTES = [
    Route(API_PREFIX + "/env/definitions", list_definitions, methods=["GET"]),
    Route(API_PREFIX + "/env/definitions/{id}", get_definition, methods=["GET"]),
    Route(API_PREFIX + "/env/values", set_value, methods=["POST"]),
    Route(API_PREFIX + "/env/values/{scope}", list_values, methods=["GET"]),
    Route(API_PREFIX + "/env/value/{definition_id}", get_value, methods=["GET"]),
    Route(API_PREFIX + "/env/values/{value_id}", delete_value, methods=["DELETE"]),
]
EXTENDED_ROUTES: list[Route] = []
ADMIN_ROUTES = [
    Route("/_sandbox/dashboard/env/definitions", create_definition, methods=["POST"]),
]
