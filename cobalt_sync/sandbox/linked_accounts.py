"""Vendor linked-account routes (`/linked-account`, `/linked-account/{id}`, disconnecting one
app), per org and environment: create (409 or 400 on a duplicate, per the fault settings),
upsert, paged list, get, delete.

Owns these shapes; the store keeps the accounts and their connections.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from cobalt_sync.sandbox.context import (
    API_PREFIX,
    json_body,
    linked_account_param,
    optional_string,
    require_session,
    require_tenant,
    sandbox_of,
    string_map,
)
from cobalt_sync.sandbox.keys import Tenant
from cobalt_sync.sandbox.paging import MAX_PAGE_LIMIT, page_envelope, positive_int
from cobalt_sync.sandbox.problems import ApiProblem, bad_request
from cobalt_sync.sandbox.store import Conflict

# Each account's app configs ("installs", set through the frontend SDK): the vendor deletes
# them with the account, so they are kept here by account and forgotten with it.
CONFIGS = "app_configs"


def account_or_404(
    tenant: Tenant, request: Request, account_id: str, *, switchable: bool = False
) -> dict[str, Any]:
    """The account, or not-found: 404, or 500 (old docs) when `switchable` and switched."""
    account = sandbox_of(request).store.get_account(tenant.scope, account_id)
    if account is None:
        status = sandbox_of(request).faults.settings.not_found_status if switchable else 404
        code = "RESOURCE_NOT_FOUND" if status == 404 else "SERVER_ERROR"
        raise ApiProblem(status, code, f"Linked Account with account id {account_id} not found")
    return account


def acting_account(request: Request) -> tuple[Tenant, str]:
    """The org and linked account a request acts for: a Bearer session token's, or the
    `x-api-key`'s org with the `linked_account_id` header (the spec's two securities)."""
    if request.headers.get("authorization"):
        session = require_session(request)
        return session.tenant, session.account_id
    tenant = require_tenant(request)
    account_id = linked_account_param(request)
    if not account_id:
        raise bad_request("linked_account_id is required (header) with an API key")
    account_or_404(tenant, request, account_id)
    return tenant, account_id


async def list_linked_accounts(request: Request) -> JSONResponse:
    tenant = require_tenant(request)
    page = positive_int(request, "page", 1)
    limit = min(positive_int(request, "limit", 10), MAX_PAGE_LIMIT)
    store = sandbox_of(request).store
    docs = store.page_accounts(tenant.scope, (page - 1) * limit, limit)
    return JSONResponse(page_envelope(docs, store.count_accounts(tenant.scope), page, limit))


def account_fields(body: dict[str, Any]) -> tuple[str, str | None, dict[str, str]]:
    """(account id, name, udf) from a create/upsert body; both id aliases accepted."""
    account_id = optional_string(body, "linked_account_id") or optional_string(body, "account_id")
    if not account_id:
        raise bad_request("linked_account_id is required")
    your_app = body.get("your_app")
    if your_app is not None and (not isinstance(your_app, dict) or not your_app):
        raise bad_request("your_app must be a non-empty object")
    return account_id, optional_string(body, "name"), string_map(body, "udf")


def without_integrations(doc: dict[str, Any]) -> dict[str, Any]:
    # The spec: create and upsert return the linked account "without `integrations`".
    return {k: v for k, v in doc.items() if k != "integrations"}


async def create_linked_account(request: Request) -> JSONResponse:
    tenant = require_tenant(request)
    account_id, name, udf = account_fields(await json_body(request))
    box = sandbox_of(request)
    try:
        doc = box.store.create_account(tenant.scope, account_id, name, udf)
    except Conflict:
        message = (
            f"Linked account with id {account_id} already exists in the "
            f"{tenant.environment} environment"
        )
        if box.faults.settings.duplicate_create_status == 409:
            raise ApiProblem(409, "CONFLICT", message) from None
        raise bad_request(message) from None
    return JSONResponse(without_integrations(doc))


async def upsert_linked_account(request: Request) -> JSONResponse:
    tenant = require_tenant(request)
    body = await json_body(request)
    if isinstance(body.get("payload"), dict):
        body = body["payload"]  # the docs: `payload` wins over flat fields
    account_id, name, udf = account_fields(body)
    doc, created = sandbox_of(request).store.upsert_account(tenant.scope, account_id, name, udf)
    return JSONResponse({**without_integrations(doc), "new_account": created})


async def get_linked_account(request: Request) -> JSONResponse:
    tenant = require_tenant(request)
    account_id = request.path_params["linked_account_id"]
    return JSONResponse(account_or_404(tenant, request, account_id, switchable=True))


async def delete_linked_account(request: Request) -> JSONResponse:
    tenant = require_tenant(request)
    account_id = request.path_params["linked_account_id"]
    store = sandbox_of(request).store
    if not store.delete_account(tenant.scope, account_id):
        account_or_404(tenant, request, account_id, switchable=True)  # raises not-found
    for config in store.list_docs(tenant.scope, CONFIGS):
        if config["linked_account_id"] == account_id:
            store.delete_doc(tenant.scope, CONFIGS, config["_id"])
    return JSONResponse({"message": "User deleted successfully"})


async def disconnect_integration(request: Request) -> JSONResponse:
    tenant = require_tenant(request)
    account_id = linked_account_param(request)
    if not account_id:
        raise bad_request("linked_account_id is required")
    account_or_404(tenant, request, account_id)
    sandbox_of(request).store.disconnect_app(tenant.scope, account_id, request.path_params["slug"])
    return JSONResponse(account_or_404(tenant, request, account_id))


ROUTES = [
    Route(API_PREFIX + "/linked-account", list_linked_accounts, methods=["GET"]),
    Route(API_PREFIX + "/linked-account", create_linked_account, methods=["POST"]),
    Route(API_PREFIX + "/linked-account", upsert_linked_account, methods=["PUT"]),
    Route(
        API_PREFIX + "/linked-account/integration/{slug}",
        disconnect_integration,
        methods=["DELETE"],
    ),
    Route(API_PREFIX + "/linked-account/{linked_account_id}", get_linked_account, methods=["GET"]),
    Route(
        API_PREFIX + "/linked-account/{linked_account_id}",
        delete_linked_account,
        methods=["DELETE"],
    ),
]
EXTENDED_ROUTES: list[Route] = []
ADMIN_ROUTES: list[Route] = []
