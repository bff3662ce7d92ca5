"""What a person does in Cobalt's dashboard, as sandbox admin routes under `/_sandbox/dashboard/`
(both profiles): enable or disable an app, set or clear the org's own OAuth client.

Owns these operations and their validation, shared by the JSON routes here and the dashboard
pages; not part of Cobalt's API. Like the other admin routes, the org is named by its API key
in the `x-api-key` header. The secret is fingerprinted by the store, never kept.
"""

from __future__ import annotations

import difflib
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from cobalt_sync.sandbox.admin import PREFIX, AdminError, admin_body, admin_tenant
from cobalt_sync.sandbox.catalog import CatalogApp
from cobalt_sync.sandbox.context import sandbox_of
from cobalt_sync.sandbox.keys import Tenant
from cobalt_sync.sandbox.proposed import credentials_view
from cobalt_sync.sandbox.store import Missing

OAUTH_FIELDS = {"client_id", "client_secret", "scopes"}
APP_FIELDS = {"enabled"}


def catalog_app(request: Request, slug: str) -> CatalogApp:
    catalog = sandbox_of(request).catalog
    if slug in catalog:
        return catalog[slug]
    close = difflib.get_close_matches(slug, list(catalog), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise AdminError(f"unknown app slug {slug!r}{hint}")


def oauth_app(request: Request, slug: str) -> CatalogApp:
    app = catalog_app(request, slug)
    if not app.supports_oauth:
        raise AdminError(f"{app.name} ({slug}) does not use OAuth (auth type {app.auth_type})")
    return app


def only_fields(body: dict[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise AdminError(
            f"unknown field(s) {', '.join(unknown)}; expected {', '.join(sorted(allowed))}"
        )


def scope_list(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(s, str) and s.strip() for s in value):
        raise AdminError("scopes must be a list of non-empty strings")
    return [s.strip() for s in value]


def enable_app(request: Request, tenant: Tenant, slug: str, enabled: bool) -> dict[str, Any]:
    app = catalog_app(request, slug)
    changed = sandbox_of(request).store.set_enabled(tenant.scope, app.slug, enabled)
    return {"slug": app.slug, "enabled": enabled, "changed": changed}


def set_oauth(
    request: Request,
    tenant: Tenant,
    slug: str,
    client_id: Any,
    client_secret: Any,
    scopes: Any,
) -> dict[str, Any]:
    """Save "Use your own credentials"; the mandatory scopes are implied, not stored."""
    app = oauth_app(request, slug)
    if not isinstance(client_id, str) or not client_id.strip():
        raise AdminError("client_id is required (a non-empty string)")
    if client_secret is not None and (not isinstance(client_secret, str) or not client_secret):
        raise AdminError(
            "client_secret must be a non-empty string (omit it to keep the stored one)"
        )
    custom = sorted(set(scope_list(scopes)) - set(app.mandatory_scopes))
    try:
        sandbox_of(request).store.put_oauth(
            tenant.scope, app.slug, client_id.strip(), client_secret, custom
        )
    except Missing as missing:
        raise AdminError(str(missing)) from None
    return credentials_view(request, tenant, app)


def clear_oauth(request: Request, tenant: Tenant, slug: str) -> dict[str, Any]:
    """Back to Cobalt's default client (or none, for apps without one)."""
    app = oauth_app(request, slug)
    sandbox_of(request).store.delete_oauth(tenant.scope, app.slug)
    return credentials_view(request, tenant, app)


async def body_and_tenant(request: Request, allowed: set[str]) -> tuple[dict[str, Any], Tenant]:
    tenant = admin_tenant(request)
    body = await admin_body(request)
    only_fields(body, allowed)
    return body, tenant


async def post_app(request: Request) -> JSONResponse:
    body, tenant = await body_and_tenant(request, APP_FIELDS)
    enabled = body.get("enabled")
    if not isinstance(enabled, bool):
        raise AdminError('enabled is required: true or false, e.g. {"enabled": true}')
    return JSONResponse(enable_app(request, tenant, request.path_params["slug"], enabled))


async def put_oauth(request: Request) -> JSONResponse:
    body, tenant = await body_and_tenant(request, OAUTH_FIELDS)
    view = set_oauth(
        request,
        tenant,
        request.path_params["slug"],
        body.get("client_id"),
        body.get("client_secret"),
        body.get("scopes"),
    )
    return JSONResponse(view)


async def delete_oauth(request: Request) -> JSONResponse:
    _, tenant = await body_and_tenant(request, set())
    return JSONResponse(clear_oauth(request, tenant, request.path_params["slug"]))


ROUTES = [
    Route(PREFIX + "/dashboard/apps/{slug}", post_app, methods=["POST"]),
    Route(PREFIX + "/dashboard/oauth/{slug}", put_oauth, methods=["PUT"]),
    Route(PREFIX + "/dashboard/oauth/{slug}", delete_oauth, methods=["DELETE"]),
]
