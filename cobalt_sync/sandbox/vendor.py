"""Routes that exist in Cobalt's public API (`/api/v2/public/...`), answered the vendor's way:
applications, auth structure, linked accounts, app events, session tokens, Connect URL.

Owns request validation and response shapes per the contract; storage lives in `store.py`,
the non-vendor §3.2 routes in `proposed.py`. Under profile `cobalt` the sandbox's leniencies
are off: applications need a linked account, and event replies carry only the docs' derived
`[{key, type}]` list as `response` (no `raw_response`).
"""

from __future__ import annotations

import hashlib
import json
import math
import secrets
import time
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from cobalt_sync.sandbox.catalog import CatalogApp
from cobalt_sync.sandbox.context import (
    API_PREFIX,
    events_scope,
    json_body,
    linked_account_param,
    optional_string,
    require_session,
    require_tenant,
    sandbox_of,
    string_map,
)
from cobalt_sync.sandbox.keys import Tenant
from cobalt_sync.sandbox.problems import ApiProblem, bad_request, not_found
from cobalt_sync.sandbox.store import Conflict, Missing
from cobalt_sync.sandbox.tokens import encode_jwt

# The vendor documents no maximum page size; ours is 1000 (larger requests are clamped and
# the envelope's `limit` says so), which keeps one page under a few MB.
MAX_PAGE_LIMIT = 1000
TOKEN_SECONDS = 24 * 3600
REFRESH_SECONDS = 7 * 24 * 3600


def stable_id(*parts: str) -> str:
    """A 24-hex id that is the same on every run (catalog apps have fixed server ids)."""
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:24]


# --- applications --------------------------------------------------------------------------


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


# --- linked accounts -----------------------------------------------------------------------


def positive_int(request: Request, name: str, default: int) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise bad_request(f"{name} must be a positive integer") from None
    if value < 1:
        raise bad_request(f"{name} must be a positive integer")
    return value


def page_envelope(docs: list[Any], total: int, page: int, limit: int) -> dict[str, Any]:
    """mongoose-paginate-v2's envelope, which is what the vendor's field names come from."""
    total_pages = max(1, math.ceil(total / limit))
    has_prev, has_next = page > 1, page < total_pages
    return {
        "docs": docs,
        "totalDocs": total,
        "limit": limit,
        "page": page,
        "totalPages": total_pages,
        "pagingCounter": (page - 1) * limit + 1,
        "hasPrevPage": has_prev,
        "hasNextPage": has_next,
        "prevPage": page - 1 if has_prev else None,
        "nextPage": page + 1 if has_next else None,
    }


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
    if not sandbox_of(request).store.delete_account(tenant.scope, account_id):
        account_or_404(tenant, request, account_id, switchable=True)  # raises not-found
    return JSONResponse({"message": "User deleted successfully"})


async def disconnect_integration(request: Request) -> JSONResponse:
    tenant = require_tenant(request)
    account_id = linked_account_param(request)
    if not account_id:
        raise bad_request("linked_account_id is required")
    account_or_404(tenant, request, account_id)
    sandbox_of(request).store.disconnect_app(tenant.scope, account_id, request.path_params["slug"])
    return JSONResponse(account_or_404(tenant, request, account_id))


# --- app events ----------------------------------------------------------------------------


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


# --- session tokens and hosted Connect -----------------------------------------------------


async def issue_session_token(request: Request) -> JSONResponse:
    tenant = require_tenant(request)
    account_id = optional_string(await json_body(request, allow_empty=True), "linked_account_id")
    if not account_id:
        raise bad_request("linked_account_id is required")
    box = sandbox_of(request)
    if box.store.get_account(tenant.scope, account_id) is None:
        raise bad_request(f"Invalid linked account id {account_id}", "INVALID_LINKED_ACCOUNT_ID")
    now = time.time()
    live = box.store.live_token(tenant.scope, account_id, now)
    if live is None or request.query_params.get("force_refresh") == "true":
        # Opaque: the session's org and account are in the store, not in the readable claims.
        claims = {"sid": secrets.token_hex(16), "iat": int(now), "exp": int(now) + TOKEN_SECONDS}
        token = encode_jwt(claims, box.signing_secret)
        refresh = secrets.token_urlsafe(32)
        box.store.save_token(token, tenant.scope, account_id, refresh, now + TOKEN_SECONDS)
        live = {"token": token, "refresh": refresh, "exp": now + TOKEN_SECONDS}
    return JSONResponse(
        {
            "token": live["token"],
            "refresh_token": live["refresh"],
            "expires_in": max(0, int(live["exp"] - now)),
            "refresh_expires_in": REFRESH_SECONDS,
        }
    )


async def revoke_session_token(request: Request) -> JSONResponse:
    session = require_session(request)
    revoked = sandbox_of(request).store.revoke_token(session.token)
    return JSONResponse({"success": True, "revoked_count": revoked})


async def connect_url(request: Request) -> JSONResponse:
    session = require_session(request)
    props = await json_body(request, allow_empty=True)
    sandbox_of(request).store.save_props(session.token, props)
    base = str(request.base_url).rstrip("/")
    return JSONResponse({"hosted_url": f"{base}/connect/{session.token}"})


async def hosted_properties(request: Request) -> JSONResponse:
    session = require_session(request)
    stored = sandbox_of(request).store.token(session.token)
    props = json.loads(stored["props"]) if stored and stored["props"] else {}
    return JSONResponse(props)


async def active_linked_account(request: Request) -> JSONResponse:
    session = require_session(request)
    return JSONResponse(account_or_404(session.tenant, request, session.account_id))


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


async def oauth_url(request: Request) -> JSONResponse:
    tenant = require_tenant(request)
    app = enabled_app_or_404(tenant, request, request.path_params["slug"])
    account_id = linked_account_param(request)
    if not account_id:
        raise bad_request("linked_account_id is required")
    account_or_404(tenant, request, account_id)
    if not app.supports_oauth:
        raise bad_request(f"{app.slug} does not use OAuth", "AUTH_TYPE_MISMATCH")
    effective_client_id(request, tenant, app)  # 400 before a consent is opened
    state = sandbox_of(request).consents.begin(tenant.scope, account_id, app.slug, None)
    return JSONResponse({"auth_url": authorize_url(request, tenant, app, state)})


def _route(path: str, endpoint: Any, method: str) -> Route:
    return Route(API_PREFIX + path, endpoint, methods=[method])


ROUTES = [
    _route("/application", list_applications, "GET"),
    # /application/event must precede /application/{slug}.
    _route("/application/event", list_events, "GET"),
    _route("/application/event", create_event, "POST"),
    _route("/application/event/{event_id}", get_event, "GET"),
    _route("/application/event/{event_id}", replace_event, "PUT"),
    _route("/application/event/{event_id}", delete_event, "DELETE"),
    _route("/application/{slug}", get_application, "GET"),
    _route("/auth-structure/{slug}", auth_structure, "GET"),
    _route("/linked-account", list_linked_accounts, "GET"),
    _route("/linked-account", create_linked_account, "POST"),
    _route("/linked-account", upsert_linked_account, "PUT"),
    _route("/linked-account/integration/oauth-url/{slug}", oauth_url, "GET"),
    _route("/linked-account/integration/{slug}", disconnect_integration, "DELETE"),
    _route("/linked-account/{linked_account_id}", get_linked_account, "GET"),
    _route("/linked-account/{linked_account_id}", delete_linked_account, "DELETE"),
    _route("/session-token", issue_session_token, "POST"),
    _route("/session-token/revoke", revoke_session_token, "POST"),
    _route("/session/active-linked-account", active_linked_account, "GET"),
    _route("/connect-url", connect_url, "POST"),
    _route("/hosted-properties", hosted_properties, "GET"),
]
