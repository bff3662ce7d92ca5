"""Vendor Connect routes, the ways a linked account connects an app: session tokens (issue,
revoke), the hosted Connect URL and its properties, the session's account, and the seamless
flow a backend runs itself (the OAuth URL it opens, key-based credentials it saves).

Owns these shapes; the hosted pages are `hosted.py`, the consent's client `oauth_credentials`.
"""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from cobalt_sync.sandbox.apps import enabled_app_or_404
from cobalt_sync.sandbox.catalog import CatalogApp
from cobalt_sync.sandbox.context import (
    API_PREFIX,
    json_body,
    linked_account_param,
    optional_string,
    require_session,
    require_tenant,
    sandbox_of,
)
from cobalt_sync.sandbox.keys import Tenant
from cobalt_sync.sandbox.linked_accounts import account_or_404, acting_account
from cobalt_sync.sandbox.oauth_credentials import authorize_url, effective_client_id
from cobalt_sync.sandbox.problems import bad_request
from cobalt_sync.sandbox.store import Missing
from cobalt_sync.sandbox.tokens import encode_jwt

TOKEN_SECONDS = 24 * 3600
REFRESH_SECONDS = 7 * 24 * 3600


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


def missing_key_fields(app: CatalogApp, body: dict[str, Any]) -> list[str]:
    return [
        spec["name"]
        for spec in app.auth_input_map()
        if spec["required"] and not (isinstance(body.get(spec["name"]), str) and body[spec["name"]])
    ]


def save_key_credentials(
    request: Request, tenant: Tenant, account_id: str, body: dict[str, Any]
) -> CatalogApp:
    """Connect a key-based app with the fields its auth map requires. The values are checked,
    then dropped: like client secrets, the sandbox never keeps them."""
    app = enabled_app_or_404(tenant, request, request.path_params["slug"])
    if app.auth_type != "keybased" and "keybased" not in app.auth_types:
        raise bad_request(f"{app.slug} does not use key-based auth", "AUTH_TYPE_MISMATCH")
    missing = missing_key_fields(app, body)
    if missing:
        raise bad_request(f"missing credential field(s) for {app.slug}: {', '.join(missing)}")
    try:
        sandbox_of(request).store.connect_app(tenant.scope, account_id, app.slug, app.name)
    except Missing:
        account_or_404(tenant, request, account_id)  # raises the vendor's not-found
    return app


async def save_key_credentials_route(request: Request) -> JSONResponse:
    tenant, account_id = acting_account(request)
    app = save_key_credentials(request, tenant, account_id, await json_body(request))
    return JSONResponse({"success": True, "slug": app.slug, "linked_account_id": account_id})


ROUTES = [
    Route(API_PREFIX + "/linked-account/integration/oauth-url/{slug}", oauth_url, methods=["GET"]),
    Route(
        API_PREFIX + "/linked-account/integration/save-key-credentials/{slug}",
        save_key_credentials_route,
        methods=["PUT"],
    ),
    Route(API_PREFIX + "/session-token", issue_session_token, methods=["POST"]),
    Route(API_PREFIX + "/session-token/revoke", revoke_session_token, methods=["POST"]),
    Route(API_PREFIX + "/session/active-linked-account", active_linked_account, methods=["GET"]),
    Route(API_PREFIX + "/connect-url", connect_url, methods=["POST"]),
    Route(API_PREFIX + "/hosted-properties", hosted_properties, methods=["GET"]),
]
