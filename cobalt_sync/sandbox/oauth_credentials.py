"""The org's OAuth client per app: its own (dashboard `ADMIN_ROUTES`, or the §3.2
`EXTENDED_ROUTES`, NOT in Cobalt's public API) or Cobalt's default; the effective scopes and the
consent URL a Connect flow opens. The secret is never kept or returned, only its fingerprint,
"sha256:" + first 16 hex of sha256(client_id + ":" + client_secret).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from cobalt_sync.sandbox.admin import PREFIX, AdminError
from cobalt_sync.sandbox.apps import catalog_app_or_404
from cobalt_sync.sandbox.catalog import CatalogApp
from cobalt_sync.sandbox.context import (
    API_PREFIX,
    json_body,
    optional_string,
    require_tenant,
    sandbox_of,
)
from cobalt_sync.sandbox.dashboard import body_and_tenant, catalog_app, scope_list
from cobalt_sync.sandbox.keys import Tenant
from cobalt_sync.sandbox.problems import bad_request
from cobalt_sync.sandbox.store import Missing


def effective_client_id(request: Request, tenant: Tenant, app: CatalogApp) -> str:
    """Own client id if set, else Cobalt's shared one, else the app cannot start OAuth."""
    stored = sandbox_of(request).store.get_oauth(tenant.scope, app.slug)
    if stored is not None:
        return str(stored["client_id"])
    if app.has_default_credentials:
        return f"cobalt-default-{app.slug}"
    raise bad_request(f"No OAuth client configured for {app.slug}", "OAUTH_CLIENT_MISSING")


def effective_scopes(request: Request, tenant: Tenant, app: CatalogApp) -> list[str]:
    """Mandatory ∪ stored, sorted so that the consent URL is stable."""
    stored = sandbox_of(request).store.get_oauth(tenant.scope, app.slug)
    return sorted({*app.mandatory_scopes, *(stored["scopes"] if stored else [])})


def authorize_url(request: Request, tenant: Tenant, app: CatalogApp, state: str) -> str:
    """The stand-in provider's consent URL for the org's effective OAuth client."""
    base = str(request.base_url).rstrip("/")
    query = urlencode(
        {
            "client_id": effective_client_id(request, tenant, app),
            "redirect_uri": f"{base}/api/v1/{app.slug}/callback",
            "response_type": "code",
            "scope": " ".join(effective_scopes(request, tenant, app)),
            "state": state,
        }
    )
    return f"{base}/oauth/{app.slug}/authorize?{query}"


# --- the org's own client: §3.2 routes ---------------------------------------------------


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


# --- the org's own client: the dashboard -------------------------------------------------


def oauth_app(request: Request, slug: str) -> CatalogApp:
    app = catalog_app(request, slug)
    if not app.supports_oauth:
        raise AdminError(f"{app.name} ({slug}) does not use OAuth (auth type {app.auth_type})")
    return app


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


OAUTH_FIELDS = {"client_id", "client_secret", "scopes"}
ROUTES: list[Route] = []
CREDENTIALS = API_PREFIX + "/application/{slug}/oauth-credentials"
EXTENDED_ROUTES = [
    Route(CREDENTIALS, get_credentials, methods=["GET"]),
    Route(CREDENTIALS, put_credentials, methods=["PUT"]),
    Route(CREDENTIALS, delete_credentials, methods=["DELETE"]),
]
ADMIN_ROUTES = [
    Route(PREFIX + "/dashboard/oauth/{slug}", put_oauth, methods=["PUT"]),
    Route(PREFIX + "/dashboard/oauth/{slug}", delete_oauth, methods=["DELETE"]),
]
