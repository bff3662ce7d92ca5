"""NOT IN COBALT'S PUBLIC API: the PROPOSED sandbox-only routes of contract §3.2 — app
enable/disable and the org's own OAuth client credentials, per org + environment.

Owns these routes only; they are served by the `extended` profile and absent from `cobalt`.
The client secret is neither stored nor returned; reads show its fingerprint,
"sha256:" + first 16 hex of sha256(client_id + ":" + client_secret).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from cobalt_sync.sandbox.catalog import CatalogApp
from cobalt_sync.sandbox.context import (
    API_PREFIX,
    json_body,
    optional_string,
    require_tenant,
    sandbox_of,
)
from cobalt_sync.sandbox.keys import Tenant
from cobalt_sync.sandbox.problems import ApiProblem, bad_request
from cobalt_sync.sandbox.store import Missing


def catalog_app_or_404(request: Request) -> CatalogApp:
    slug = request.path_params["slug"]
    app = sandbox_of(request).catalog.get(slug)
    if app is None:
        raise ApiProblem(404, "APPLICATION_NOT_FOUND", f"Application '{slug}' not found in catalog")
    return app


def oauth_app_or_400(request: Request) -> CatalogApp:
    app = catalog_app_or_404(request)
    if not app.supports_oauth:
        raise bad_request(
            f"Application '{app.slug}' does not use OAuth (auth type {app.auth_type})",
            "AUTH_TYPE_MISMATCH",
        )
    return app


def credentials_view(request: Request, tenant: Tenant, app: CatalogApp) -> dict[str, Any]:
    stored = sandbox_of(request).store.get_oauth(tenant.scope, app.slug)
    base = str(request.base_url).rstrip("/")
    view: dict[str, Any] = {
        "slug": app.slug,
        "mode": "default" if app.has_default_credentials else "unset",
        "client_id": None,
        "client_secret_set": False,
        "client_secret_fingerprint": None,
        "scopes": [],
        "mandatory_scopes": sorted(app.mandatory_scopes),
        "callback_url": f"{base}/api/v1/{app.slug}/callback",
        "updatedAt": None,
    }
    if stored is not None:
        view.update(
            mode="custom",
            client_id=stored["client_id"],
            client_secret_set=True,
            client_secret_fingerprint=stored["secret_fingerprint"],
            scopes=stored["scopes"],
            updatedAt=stored["updatedAt"],
        )
    return view


async def set_enabled(request: Request) -> JSONResponse:
    tenant = require_tenant(request)
    app = catalog_app_or_404(request)
    enabled = request.method == "PUT"
    changed = sandbox_of(request).store.set_enabled(tenant.scope, app.slug, enabled)
    return JSONResponse({"slug": app.slug, "enabled": enabled, "changed": changed})


async def get_credentials(request: Request) -> JSONResponse:
    tenant = require_tenant(request)
    return JSONResponse(credentials_view(request, tenant, oauth_app_or_400(request)))


def requested_scopes(body: dict[str, Any], app: CatalogApp) -> list[str]:
    scopes = body.get("scopes", [])
    if not isinstance(scopes, list) or not all(isinstance(s, str) and s for s in scopes):
        raise bad_request("scopes must be a list of non-empty strings", "INVALID_REQUEST")
    # Stored as a set without the mandatory ones: effective = mandatory ∪ scopes.
    return sorted(set(scopes) - set(app.mandatory_scopes))


async def put_credentials(request: Request) -> JSONResponse:
    tenant = require_tenant(request)
    app = oauth_app_or_400(request)
    body = await json_body(request)
    client_id = optional_string(body, "client_id")
    if not client_id:
        raise bad_request("client_id is required", "INVALID_REQUEST")
    secret = optional_string(body, "client_secret")
    if secret == "":
        raise bad_request("client_secret must not be empty", "INVALID_REQUEST")
    scopes = requested_scopes(body, app)
    try:
        sandbox_of(request).store.put_oauth(tenant.scope, app.slug, client_id, secret, scopes)
    except Missing as missing:
        raise bad_request(str(missing), "INVALID_REQUEST") from None
    return JSONResponse(credentials_view(request, tenant, app))


async def delete_credentials(request: Request) -> JSONResponse:
    tenant = require_tenant(request)
    app = oauth_app_or_400(request)
    sandbox_of(request).store.delete_oauth(tenant.scope, app.slug)
    return JSONResponse(credentials_view(request, tenant, app))


ROUTES = [
    Route(API_PREFIX + "/application/{slug}/enable", set_enabled, methods=["PUT", "DELETE"]),
    Route(API_PREFIX + "/application/{slug}/oauth-credentials", get_credentials, methods=["GET"]),
    Route(API_PREFIX + "/application/{slug}/oauth-credentials", put_credentials, methods=["PUT"]),
    Route(
        API_PREFIX + "/application/{slug}/oauth-credentials", delete_credentials, methods=["DELETE"]
    ),
]
