"""Vendor application routes (`/application`, `/application/{slug}`, `/auth-structure/{slug}`):
the org's enabled catalog apps, with `connected*` for a named linked account (required under
profile `cobalt`, as the spec says); and enabling an app, through the §3.2 route (profile
`extended` only) or the dashboard's.
"""

from __future__ import annotations

import hashlib
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from cobalt_sync.sandbox.admin import PREFIX, AdminError
from cobalt_sync.sandbox.catalog import CatalogApp
from cobalt_sync.sandbox.context import (
    API_PREFIX,
    linked_account_param,
    require_tenant,
    sandbox_of,
)
from cobalt_sync.sandbox.dashboard import body_and_tenant, catalog_app
from cobalt_sync.sandbox.keys import Tenant
from cobalt_sync.sandbox.linked_accounts import account_or_404
from cobalt_sync.sandbox.problems import ApiProblem, bad_request


def stable_id(*parts: str) -> str:
    """A 24-hex id that is the same on every run (catalog apps have fixed server ids)."""
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:24]


def application_item(app: CatalogApp, account: dict[str, Any] | None) -> dict[str, Any]:
    item: dict[str, Any] = {
        "_id": stable_id("app", app.slug),
        "name": app.name,
        "slug": app.slug,
        "type": app.slug,
        "app_id": stable_id("app", app.slug),
        "icon": f"https://assets.sandbox.invalid/icons/{app.slug}.svg",
        "description": f"{app.name} (sandbox catalog)",
        "auth_type": app.auth_type,
        "auth_type_options": app.auth_structure(),
        "tags": list(app.tags),
        "ecosystem": app.ecosystem,
        "reauth_required": False,
    }
    if app.auth_type == "keybased":
        item["auth_input_map"] = app.auth_input_map()
    if account is not None:
        links = [i for i in account["integrations"] if i["type"] == app.slug]
        item["connected"] = bool(links)
        item["connected_accounts"] = [
            {
                "identifier": link["identifier"],
                "connectedAt": link["createdAt"],
                "status": "active",
                "auth_type": app.auth_type,
            }
            for link in links
        ]
    return item


def matches_filters(app: CatalogApp, request: Request) -> bool:
    query = request.query_params
    if query.get("slug") and query["slug"] != app.slug:
        return False
    if query.get("auth_type") and query["auth_type"] != app.auth_type:
        return False
    if query.get("ecosystem") in ("true", "false") and (query["ecosystem"] == "true") != (
        app.ecosystem
    ):
        return False
    wanted_tags = [t for t in query.get("tags", "").split(",") if t]
    return all(tag in app.tags for tag in wanted_tags)


def application_account(request: Request, tenant: Tenant) -> dict[str, Any] | None:
    """The linked account an application read is for. The spec marks `linked_account_id`
    "Required (header or query)"; profile `extended` is lenient and answers without one
    (then without `connected*`), profile `cobalt` refuses as the spec says."""
    account_id = linked_account_param(request)
    if account_id:
        return account_or_404(tenant, request, account_id)
    if sandbox_of(request).like_cobalt:
        raise bad_request("linked_account_id is required (header or query parameter)")
    return None


async def list_applications(request: Request) -> JSONResponse:
    tenant = require_tenant(request)
    account = application_account(request, tenant)
    box = sandbox_of(request)
    items = [
        application_item(box.catalog[slug], account)
        for slug in box.store.enabled_apps(tenant.scope)
        if slug in box.catalog and matches_filters(box.catalog[slug], request)
    ]
    return JSONResponse(items)


def enabled_app_or_404(tenant: Tenant, request: Request, slug: str) -> CatalogApp:
    box = sandbox_of(request)
    if slug not in box.catalog or slug not in box.store.enabled_apps(tenant.scope):
        raise ApiProblem(
            404,
            "EXTERNAL_API_FAILURE",
            f"Application with app_type '{slug}' not found for org {tenant.org}",
            http_error_type="EXTERNAL_API_ERROR",
        )
    return box.catalog[slug]


async def get_application(request: Request) -> JSONResponse:
    tenant = require_tenant(request)
    account = application_account(request, tenant)
    app = enabled_app_or_404(tenant, request, request.path_params["slug"])
    return JSONResponse(application_item(app, account))


async def auth_structure(request: Request) -> JSONResponse:
    slug = request.path_params["slug"]
    app = sandbox_of(request).catalog.get(slug)
    if app is None:
        raise ApiProblem(
            500,
            "Internal Server Error",
            f"Schema not found for integration type: {slug}",
            variant="D",
        )
    return JSONResponse(app.auth_structure())


# --- enabling an app (§3.2 and the dashboard) ----------------------------------------------


def catalog_app_or_404(request: Request) -> CatalogApp:
    slug = request.path_params["slug"]
    app = sandbox_of(request).catalog.get(slug)
    if app is None:
        raise ApiProblem(404, "APPLICATION_NOT_FOUND", f"Application '{slug}' not found in catalog")
    return app


async def set_enabled(request: Request) -> JSONResponse:
    tenant = require_tenant(request)
    app = catalog_app_or_404(request)
    enabled = request.method == "PUT"
    changed = sandbox_of(request).store.set_enabled(tenant.scope, app.slug, enabled)
    return JSONResponse({"slug": app.slug, "enabled": enabled, "changed": changed})


def enable_app(request: Request, tenant: Tenant, slug: str, enabled: bool) -> dict[str, Any]:
    app = catalog_app(request, slug)
    changed = sandbox_of(request).store.set_enabled(tenant.scope, app.slug, enabled)
    return {"slug": app.slug, "enabled": enabled, "changed": changed}


async def post_app(request: Request) -> JSONResponse:
    body, tenant = await body_and_tenant(request, APP_FIELDS)
    enabled = body.get("enabled")
    if not isinstance(enabled, bool):
        raise AdminError('enabled is required: true or false, e.g. {"enabled": true}')
    return JSONResponse(enable_app(request, tenant, request.path_params["slug"], enabled))


APP_FIELDS = {"enabled"}
ROUTES = [
    Route(API_PREFIX + "/application", list_applications, methods=["GET"]),
    Route(API_PREFIX + "/application/{slug}", get_application, methods=["GET"]),
    Route(API_PREFIX + "/auth-structure/{slug}", auth_structure, methods=["GET"]),
]
EXTENDED_ROUTES = [
    Route(API_PREFIX + "/application/{slug}/enable", set_enabled, methods=["PUT", "DELETE"]),
]
ADMIN_ROUTES = [Route(PREFIX + "/dashboard/apps/{slug}", post_app, methods=["POST"])]
