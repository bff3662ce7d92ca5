"""The routes Cobalt's frontend SDK (`@cobaltio/cobalt-js` 8.0.0: the assisted Connect flow)
calls with a session token: apps, OAuth popup URL, key-based save, disconnect, config CRUD and
account details. Paths and bodies are the SDK's (`cobalt.ts`); untyped replies follow the vendor
spec. They answer CORS for any origin: the Bearer token is the only credential, no cookies.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from cobalt_sync.sandbox.apps import application_item, enabled_app_or_404
from cobalt_sync.sandbox.connect import save_key_credentials
from cobalt_sync.sandbox.context import json_body, require_session, sandbox_of
from cobalt_sync.sandbox.linked_accounts import CONFIGS, account_or_404
from cobalt_sync.sandbox.oauth_credentials import authorize_url, effective_client_id
from cobalt_sync.sandbox.problems import ApiProblem, bad_request, not_found, problem_response

DEFAULT_CONFIG = "default"
CORS = {
    "access-control-allow-origin": "*",
    "access-control-allow-methods": "GET, POST, PUT, DELETE, OPTIONS",
    "access-control-allow-headers": "authorization, content-type",
    "access-control-max-age": "600",
}

Endpoint = Callable[[Request], Awaitable[Response]]


def cors(endpoint: Endpoint) -> Endpoint:
    """The endpoint, its replies (errors included) carrying the CORS headers: a browser hides
    a reply without them from the page, so the SDK would see a network error, not the 4xx."""

    async def wrapped(request: Request) -> Response:
        try:
            response = await endpoint(request)
        except ApiProblem as problem:
            response = problem_response(problem)
        response.headers.update(CORS)
        return response

    return wrapped


async def preflight(request: Request) -> Response:
    return Response(status_code=204, headers=CORS)


# --- apps and connecting ------------------------------------------------------------------


async def list_apps(request: Request) -> Response:
    session = require_session(request)
    box = sandbox_of(request)
    account = account_or_404(session.tenant, request, session.account_id)
    items = [
        application_item(box.catalog[slug], account)
        for slug in box.store.enabled_apps(session.tenant.scope)
        if slug in box.catalog
    ]
    return JSONResponse(items)


async def get_app(request: Request) -> Response:
    session = require_session(request)
    app = enabled_app_or_404(session.tenant, request, request.path_params["slug"])
    account = account_or_404(session.tenant, request, session.account_id)
    return JSONResponse(application_item(app, account))


async def integrate(request: Request) -> Response:
    """The consent URL for the SDK's popup; the stand-in provider's callback connects. The
    consent is bound to the session, as a hosted page's is: revoking the token stops it."""
    session = require_session(request)
    app = enabled_app_or_404(session.tenant, request, request.path_params["slug"])
    if not app.supports_oauth:
        raise bad_request(f"{app.slug} does not use OAuth", "AUTH_TYPE_MISMATCH")
    effective_client_id(request, session.tenant, app)  # 400 before a consent is opened
    consents = sandbox_of(request).consents
    state = consents.begin(session.tenant.scope, session.account_id, app.slug, session.token)
    return JSONResponse({"auth_url": authorize_url(request, session.tenant, app, state)})


async def save_keys(request: Request) -> Response:
    session = require_session(request)
    body = await json_body(request, allow_empty=True)
    save_key_credentials(request, session.tenant, session.account_id, body)
    return JSONResponse({"success": True})


async def disconnect(request: Request) -> Response:
    session = require_session(request)
    slug = request.path_params["slug"]
    sandbox_of(request).store.disconnect_app(session.tenant.scope, session.account_id, slug)
    return JSONResponse({"success": True})


async def account_details(request: Request) -> Response:
    """`getAccountDetails`: the SDK types it `unknown`; the org's display fields and the
    customer's, never anything of a key."""
    session = require_session(request)
    account = account_or_404(session.tenant, request, session.account_id)
    return JSONResponse(
        {
            "org": {"_id": session.tenant.org, "environment": session.tenant.environment},
            "customer": {"_id": account["account_id"], "name": account["name"]},
        }
    )


# --- config -------------------------------------------------------------------------------


def config_key(account_id: str, slug: str, config_id: str) -> str:
    return f"{account_id}|{slug}|{config_id}"


def slug_and_config(body: dict[str, Any]) -> tuple[str, str]:
    slug, config_id = body.get("slug"), body.get("config_id") or DEFAULT_CONFIG
    if not isinstance(slug, str) or not slug or not isinstance(config_id, str):
        raise bad_request("slug is required (a string); config_id, if given, a string")
    return slug, config_id


def config_view(doc: dict[str, Any]) -> dict[str, Any]:
    """The spec's `GetApplicationConfigDTO`: fields as `IFieldInConfig` objects."""
    return {
        "slug": doc["slug"],
        "config_id": doc["config_id"],
        "fields": [{"id": k, "name": k, "value": v} for k, v in doc["fields"].items()],
        "workflows": doc["workflows"],
        "field_errors": [],
    }


def labels_of(body: dict[str, Any]) -> dict[str, Any]:
    labels = body.get("labels", [])
    if not isinstance(labels, list) or not all(
        isinstance(label, dict) and isinstance(label.get("name"), str) for label in labels
    ):
        raise bad_request("labels must be a list of {name, value}")
    return {label["name"]: label.get("value") for label in labels}


async def create_config(request: Request) -> Response:
    """`config`: find the app's config for this account, creating it when missing."""
    session = require_session(request)
    body = await json_body(request)
    slug, config_id = slug_and_config(body)
    enabled_app_or_404(session.tenant, request, slug)
    store, key = sandbox_of(request).store, config_key(session.account_id, slug, config_id)
    doc = store.get_doc(session.tenant.scope, CONFIGS, key)
    if doc is None:
        doc = {
            "_id": key,
            "linked_account_id": session.account_id,
            "slug": slug,
            "config_id": config_id,
            "fields": {},
            "workflows": [],
        }
    doc["labels"] = labels_of(body)
    store.save_doc(session.tenant.scope, CONFIGS, doc)
    return JSONResponse(config_view(doc))


def workflows_of(body: dict[str, Any]) -> list[dict[str, Any]]:
    flows = body.get("workflows", [])
    if not isinstance(flows, list) or not all(
        isinstance(f, dict) and isinstance(f.get("id"), str) for f in flows
    ):
        raise bad_request("workflows must be a list of {id, enabled, fields}")
    return [
        {
            "id": f["id"],
            "enabled": bool(f.get("enabled", False)),
            "fields": [{"id": k, "value": v} for k, v in dict(f.get("fields") or {}).items()],
        }
        for f in flows
    ]


async def update_config(request: Request) -> Response:
    """`updateConfig`: replaces fields and workflows of an existing config (the spec's PUT)."""
    session = require_session(request)
    body = await json_body(request)
    slug, config_id = slug_and_config(body)
    store, key = sandbox_of(request).store, config_key(session.account_id, slug, config_id)
    doc = store.get_doc(session.tenant.scope, CONFIGS, key)
    if doc is None:
        raise not_found(f"No config {config_id} for {slug}; create it with config first")
    fields = body.get("fields", {})
    if not isinstance(fields, dict):
        raise bad_request("fields must be an object of field id → value")
    doc.update(fields=fields, workflows=workflows_of(body))
    store.save_doc(session.tenant.scope, CONFIGS, doc)
    return JSONResponse(config_view(doc))


def config_path_key(request: Request) -> tuple[str, str]:
    session = require_session(request)
    slug = request.path_params["slug"]
    config_id = request.path_params.get("config_id", DEFAULT_CONFIG)
    return session.tenant.scope, config_key(session.account_id, slug, config_id)


async def get_config(request: Request) -> Response:
    scope, key = config_path_key(request)
    doc = sandbox_of(request).store.get_doc(scope, CONFIGS, key)
    if doc is None:
        raise not_found("Config not found")
    return JSONResponse(config_view(doc))


async def delete_config(request: Request) -> Response:
    scope, key = config_path_key(request)
    if not sandbox_of(request).store.delete_doc(scope, CONFIGS, key):
        raise not_found("Config not found")
    return JSONResponse({"message": "Config deleted"})


def _routes(path: str, **endpoints: Endpoint) -> list[Route]:
    """One route per method, plus the CORS preflight for the path."""
    routes = [Route(path, cors(e), methods=[m.upper()]) for m, e in endpoints.items()]
    return [*routes, Route(path, preflight, methods=["OPTIONS"])]


ROUTES = [
    *_routes("/api/v3/org/basics", get=account_details),
    *_routes("/api/v2/f-sdk/application", get=list_apps),
    *_routes("/api/v2/f-sdk/application/{slug}", get=get_app),
    *_routes("/api/v1/{slug}/integrate", get=integrate),
    *_routes("/api/v2/app/{slug}/save", post=save_keys),
    *_routes("/api/v1/linked-acc/integration/{slug}", delete=disconnect),
    *_routes("/api/v2/f-sdk/config", post=create_config, put=update_config),
    *_routes("/api/v2/f-sdk/slug/{slug}/config", get=get_config, delete=delete_config),
    *_routes("/api/v2/f-sdk/slug/{slug}/config/{config_id}", get=get_config, delete=delete_config),
]
