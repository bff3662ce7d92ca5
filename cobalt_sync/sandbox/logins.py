"""Signing in to the sandbox dashboard: a browser shows an org only after someone typed one of
its API keys on the sign-in page, from any address, loopback included.

Owns the sign-in and sign-out routes and the book of signed-in browsers. The cookie carries
an opaque random id and its HMAC under the sandbox's secret (HttpOnly, SameSite=Strict, path
`/_sandbox/`); which orgs it opens is kept here, in memory, so a restart signs everyone out
and the cookie itself reveals nothing. The key is never stored, shown or put in a URL.
"""

from __future__ import annotations

import hashlib
import hmac

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from cobalt_sync.sandbox.context import sandbox_of
from cobalt_sync.sandbox.keys import Tenant
from cobalt_sync.sandbox.web import form_of, page

PREFIX = "/_sandbox"
LOGIN_COOKIE = "cobalt_sandbox_login"


def cookie_value(request: Request, sid: str) -> str:
    key = sandbox_of(request).signing_secret
    return f"{sid}.{hmac.new(key, f'login|{sid}'.encode(), hashlib.sha256).hexdigest()}"


def browser_id(request: Request) -> str | None:
    """The signed-in id of this browser's cookie, if its signature is ours."""
    sid, _, _ = request.cookies.get(LOGIN_COOKIE, "").partition(".")
    if sid and hmac.compare_digest(request.cookies[LOGIN_COOKIE], cookie_value(request, sid)):
        return sid
    return None


def signed_in(request: Request) -> frozenset[Tenant]:
    """The orgs (and environments) this browser signed in to."""
    sid = browser_id(request)
    return sandbox_of(request).logins.tenants(sid) if sid else frozenset()


def login_page(request: Request, status: int = 200, error: str | None = None) -> Response:
    return page(request, "dashboard_login.html", status, error=error, action=f"{PREFIX}/login")


async def show_login(request: Request) -> Response:
    return login_page(request)


async def login(request: Request) -> Response:
    form = await form_of(request, "login")
    tenant = sandbox_of(request).keys.tenant(form.get("key", "").strip())
    if tenant is None:
        return login_page(request, 401, "That is not an API key this sandbox accepts.")
    sid = sandbox_of(request).logins.sign_in(browser_id(request), tenant)
    target = f"{PREFIX}/org/{tenant.org}/{tenant.environment}"
    response = RedirectResponse(target, 303)
    response.set_cookie(
        LOGIN_COOKIE,
        cookie_value(request, sid),
        httponly=True,
        samesite="strict",
        path=f"{PREFIX}/",
    )
    return response


async def logout(request: Request) -> Response:
    await form_of(request, "logout")
    sid = browser_id(request)
    if sid:
        sandbox_of(request).logins.sign_out(sid)
    response = RedirectResponse(f"{PREFIX}/", 303)
    response.delete_cookie(LOGIN_COOKIE, path=f"{PREFIX}/")
    return response


ROUTES = [
    Route(PREFIX + "/login", show_login, methods=["GET"]),
    Route(PREFIX + "/login", login, methods=["POST"]),
    Route(PREFIX + "/logout", logout, methods=["POST"]),
]
