"""Assembles the sandbox ASGI app: one emulation module per kind (`KINDS`, each with vendor
`ROUTES`, §3.2 `EXTENDED_ROUTES` served under profile `extended` only, and dashboard
`ADMIN_ROUTES`), the Connect and frontend-SDK routes, admin routes, hosted and dashboard pages,
error handlers, the fault middleware, and the guard (hosts, origins, body limits) outside it
all. Templates, static files and the catalog are read here, once. Wiring only.
"""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute
from starlette.types import ASGIApp

from cobalt_sync.sandbox import (
    admin,
    apps,
    connect,
    dashboard_pages,
    environment_variables,
    events,
    hosted,
    linked_accounts,
    logins,
    mcp_servers,
    oauth_credentials,
    sdk,
    web,
    webhooks,
)
from cobalt_sync.sandbox.catalog import load_catalog
from cobalt_sync.sandbox.context import PROFILES, Sandbox, sandbox_of
from cobalt_sync.sandbox.faults import FaultMiddleware, FaultSettings, FaultState
from cobalt_sync.sandbox.guard import Guard, HostList
from cobalt_sync.sandbox.keys import KeyRing
from cobalt_sync.sandbox.problems import ApiProblem, problem_body, problem_response
from cobalt_sync.sandbox.store import Store

# Every kind's emulation, one module each; each module has the same three route lists.
# Events come before apps: `/application/event` must be matched before `/application/{slug}`.
KINDS = (
    events,
    apps,
    oauth_credentials,
    linked_accounts,
    webhooks,
    mcp_servers,
    environment_variables,
)


def vendor_routes() -> list[BaseRoute]:
    """The routes of Cobalt's public API: every kind's, then the Connect flows'."""
    return [*(route for kind in KINDS for route in kind.ROUTES), *connect.ROUTES]


def extended_routes() -> list[BaseRoute]:
    """The §3.2 routes, NOT in Cobalt's public API: served under profile `extended` only."""
    return [route for kind in KINDS for route in kind.EXTENDED_ROUTES]


async def on_problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiProblem)
    if sandbox_of(request).faults.settings.echo_secrets_in_errors:
        exc.message = f"{exc.message} {await echo_of(request)}"
    return problem_response(exc)


async def echo_of(request: Request) -> str:
    """Hostile mode, for the client's redaction tests: the key and body, echoed verbatim."""
    raw = getattr(request.state, "raw_body", None)
    if raw is None:
        try:
            raw = await request.body()
        except RuntimeError:  # the handler already consumed the stream
            raw = b""
    body = raw.decode("utf-8", "replace")
    return f"[echo x-api-key={request.headers.get('x-api-key')} body={body}]"


async def on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        problem = ApiProblem(404, "NOT_FOUND", f"Cannot {request.method} {request.url.path}")
    elif exc.status_code == 413:
        # Close the connection: the rest of an oversized body is dropped, not read.
        close = {"connection": "close"}
        if request.url.path.startswith(admin.PREFIX + "/"):
            return JSONResponse({"error": str(exc.detail)}, 413, headers=close)
        problem = ApiProblem(413, "PAYLOAD_TOO_LARGE", str(exc.detail))
        return JSONResponse(problem_body(problem), 413, headers=close)
    else:
        problem = ApiProblem(exc.status_code, "BAD_REQUEST", str(exc.detail))
    return JSONResponse(problem_body(problem), status_code=exc.status_code)


async def on_admin_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, admin.AdminError)
    return admin.admin_error_response(str(exc), exc.status)


async def on_crash(request: Request, exc: Exception) -> Response:
    problem = ApiProblem(500, "SERVER_ERROR", f"sandbox bug: {type(exc).__name__}")
    return problem_response(problem)


def build_app(
    store: Store,
    keys: KeyRing,
    faults: FaultSettings,
    profile: str = "extended",
    allow_remote_admin: bool = False,
    hosts: HostList | None = None,
) -> tuple[ASGIApp, Sandbox]:
    """The served ASGI app and the Sandbox it closes over; `hosts` defaults to loopback."""
    if profile not in PROFILES:
        raise ValueError(f"unknown sandbox profile {profile!r}; expected one of {PROFILES}")
    web.load_assets()
    load_catalog()
    keys.bind(store.org_id)
    box = Sandbox(
        store=store,
        keys=keys,
        faults=FaultState(faults),
        signing_secret=store.signing_secret(),
        profile=profile,
        allow_remote_admin=allow_remote_admin,
    )
    handlers: dict[Any, Any] = {
        ApiProblem: on_problem,
        admin.AdminError: on_admin_error,
        web.PageError: web.on_page_error,
        404: on_http_error,
        405: on_http_error,
        413: on_http_error,
        Exception: on_crash,
    }
    routes = [
        *vendor_routes(),
        *(extended_routes() if profile == "extended" else []),
        *sdk.ROUTES,
        *admin.ROUTES,
        *(route for kind in KINDS for route in kind.ADMIN_ROUTES),
        *hosted.ROUTES,
        *dashboard_pages.ROUTES,
        *logins.ROUTES,
        *web.ROUTES,
    ]
    app = Starlette(routes=routes, exception_handlers=handlers)
    app.state.sandbox = box
    faulted = FaultMiddleware(app, box.faults, routes)
    return Guard(faulted, hosts or HostList.of("127.0.0.1"), keys, allow_remote_admin), box
