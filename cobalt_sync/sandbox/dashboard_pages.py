"""The sandbox dashboard at `/_sandbox/`: a page per org and environment showing what Cobalt's
dashboard would (apps, OAuth clients without secrets, variables, events and those fired,
accounts, webhooks, MCP servers) and taking every step a plan names, in the sections the steps
name (`#apps`, `#oauth`, `#env`). A browser sees only the orgs it signed in to with one of their
API keys (`logins.py`), loopback clients only unless --allow-remote-admin; orgs are addressed by
their random ids, never by API key, so no part of a key is on a page.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from cobalt_sync.sandbox.admin import PREFIX, AdminError
from cobalt_sync.sandbox.apps import enable_app
from cobalt_sync.sandbox.context import events_scope, sandbox_of
from cobalt_sync.sandbox.environment_variables import (
    FORMATS,
    SCOPE_WORDS,
    SCOPES,
    define,
    definitions,
    remove_value,
)
from cobalt_sync.sandbox.events import derive_response, fired_events
from cobalt_sync.sandbox.keys import Tenant
from cobalt_sync.sandbox.logins import login_page, signed_in
from cobalt_sync.sandbox.mcp_servers import COLLECTION as MCP_SERVERS
from cobalt_sync.sandbox.oauth_credentials import clear_oauth, set_oauth
from cobalt_sync.sandbox.web import PageError, form_of, page

ACCOUNTS_SHOWN = 50
FIRED_SHOWN = 20
WORDS = {scope: word for word, scope in SCOPE_WORDS.items()}  # org → organization


def tenants(request: Request) -> list[Tenant]:
    """The orgs this browser signed in to (never every org of the sandbox)."""
    return sorted(signed_in(request), key=lambda t: (t.org, t.environment))


def tenant_of(request: Request) -> Tenant:
    wanted = Tenant(request.path_params["org"], request.path_params["environment"])
    if wanted not in tenants(request):
        raise PageError(
            401,
            "Sign in first",
            "This browser has not signed in to that org and environment. Open the dashboard "
            "and sign in with its API key.",
        )
    return wanted


async def index(request: Request) -> Response:
    if not tenants(request):
        return login_page(request)
    return page(
        request,
        "dashboard_index.html",
        orgs=[{"tenant": t, "path": org_path(t)} for t in tenants(request)],
        profile=sandbox_of(request).profile,
    )


def org_path(tenant: Tenant) -> str:
    return f"{PREFIX}/org/{tenant.org}/{tenant.environment}"


def oauth_rows(request: Request, tenant: Tenant, enabled: list[str]) -> list[dict[str, Any]]:
    """One row per OAuth app that is enabled or has a client stored: never the secret."""
    box = sandbox_of(request)
    stored = box.store.oauth(tenant.scope)
    rows = []
    for slug in sorted(set(enabled) | set(stored)):
        app = box.catalog.get(slug)
        if app is None or not app.supports_oauth:
            continue
        own = stored.get(slug)
        rows.append(
            {
                "slug": slug,
                "name": app.name,
                "enabled": slug in enabled,
                "mode": oauth_mode(own is not None, app.has_default_credentials),
                "client_id": own["client_id"] if own else None,
                "scopes": own["scopes"] if own else [],
                "mandatory": sorted(app.mandatory_scopes),
                "updated": own["updatedAt"] if own else None,
            }
        )
    return rows


def oauth_mode(own: bool, has_default: bool) -> str:
    return "custom" if own else ("default" if has_default else "unset")


def account_rows(request: Request, tenant: Tenant) -> list[dict[str, Any]]:
    store = sandbox_of(request).store
    return [
        {
            "account_id": doc["account_id"],
            "name": doc["name"],
            "connections": sorted(i["type"] for i in doc["integrations"]),
        }
        for doc in store.page_accounts(tenant.scope, 0, ACCOUNTS_SHOWN)
    ]


def event_rows(request: Request, tenant: Tenant) -> list[dict[str, Any]]:
    rows = sandbox_of(request).store.list_events(events_scope(request, tenant))
    return [
        {"name": row["name"], "keys": [f["key"] for f in derive_response(json.loads(row["raw"]))]}
        for row in rows
    ]


async def org_page(request: Request, error: str | None = None, status: int = 200) -> Response:
    tenant = tenant_of(request)
    box = sandbox_of(request)
    enabled = box.store.enabled_apps(tenant.scope)
    catalog = sorted(box.catalog.values(), key=lambda app: app.name.lower())
    oauth = oauth_rows(request, tenant, enabled)
    listed = {row["slug"] for row in oauth}
    return page(
        request,
        "dashboard_org.html",
        status,
        tenant=tenant,
        path=org_path(tenant),
        others=[{"tenant": t, "path": org_path(t)} for t in tenants(request) if t != tenant],
        profile=box.profile,
        enabled=[box.catalog[s] for s in enabled if s in box.catalog],
        available=[app for app in catalog if app.slug not in enabled],
        oauth=oauth,
        events=event_rows(request, tenant),
        accounts=account_rows(request, tenant),
        account_count=box.store.count_accounts(tenant.scope),
        accounts_shown=ACCOUNTS_SHOWN,
        oauth_apps=[a for a in catalog if a.supports_oauth and a.slug not in listed],
        env=definitions(request, tenant),
        env_scopes=[(scope, WORDS.get(scope, scope)) for scope in SCOPES],
        env_formats=FORMATS,
        fired=fired_events(box.store, tenant)[:FIRED_SHOWN],
        mcp_servers=box.store.list_docs(tenant.scope, MCP_SERVERS),
        webhooks=box.store.list_webhooks(tenant.scope),
        done=request.query_params.get("done"),
        error=error,
    )


def purpose(tenant: Tenant) -> str:
    return f"dashboard|{tenant.scope}"


async def change(request: Request) -> Response:
    """Every dashboard form posts here with `action`; success redirects back (post/redirect/
    get, so a reload repeats nothing), a bad value re-renders the page with the error."""
    tenant = tenant_of(request)
    form = await form_of(request, purpose(tenant))
    slug = form.get("slug", "")
    try:
        done = apply_change(request, tenant, form.get("action", ""), slug, form)
    except AdminError as error:
        return await org_page(request, error=str(error), status=400)
    return RedirectResponse(f"{org_path(tenant)}?{urlencode({'done': done})}", 303)


def apply_change(
    request: Request, tenant: Tenant, action: str, slug: str, form: dict[str, str]
) -> str:
    name = sandbox_of(request).catalog[slug].name if slug in sandbox_of(request).catalog else slug
    if action in ("enable", "disable"):
        enable_app(request, tenant, slug, action == "enable")
        return f"{name} {action}d"
    if action == "set-oauth":
        scopes = form.get("scopes", "").replace(",", " ").split()
        secret = form.get("client_secret") or None  # an empty field keeps the stored secret
        set_oauth(request, tenant, slug, form.get("client_id"), secret, scopes)
        return f"{name}: own OAuth client saved"
    if action == "clear-oauth":
        clear_oauth(request, tenant, slug)
        return f"{name}: back to Cobalt's default credentials"
    if action == "define-env":
        body: dict[str, Any] = {
            "name": form.get("name", ""),
            "scope": form.get("scope", "organization"),
            "var_format": form.get("var_format", "string"),
            "encrypted": form.get("encrypted") == "on",
        }
        return f"variable {define(request, tenant, body)['name']} defined"
    if action == "remove-env-value":
        remove_value(request, tenant, form.get("value_id", ""))
        return f"the value of {form.get('name', 'the variable')} removed"
    raise AdminError(f"unknown action {action!r}")


ROUTES = [
    Route(PREFIX + "/", index, methods=["GET"]),
    Route(PREFIX + "/org/{org}/{environment}", org_page, methods=["GET"]),
    Route(PREFIX + "/org/{org}/{environment}", change, methods=["POST"]),
]
