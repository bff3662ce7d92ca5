"""What the sandbox's HTML pages share: Jinja2 rendering (templates read once, at start),
security headers, form parsing, CSRF protection, and the local stylesheet.

CSRF: a random per-browser cookie (HttpOnly, SameSite=Strict) and, in every form, an HMAC of
that cookie and the form's purpose (the session token for hosted pages, the org for the
dashboard, the consent for the provider page). A POST is accepted only when the two match
(and, checked first by `guard.py`, when its Origin, if sent, is one of the sandbox's own
names). A page from another site can neither read the cookie nor compute the field; a form
of one Connect session is useless for another.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import parse_qs

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from cobalt_sync.sandbox.context import sandbox_of

CSRF_COOKIE = "cobalt_sandbox_csrf"
STYLESHEET = "/_sandbox/static/sandbox.css"
MAX_FORM_BYTES = 64 * 1024
# No script, no external anything; forms post only to us; tokens in URLs never leak by Referer.
SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "cache-control": "no-store",
}


class PageError(Exception):
    """Answer with the message page instead of the requested one."""

    def __init__(self, status: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.title = title
        self.message = message


def load_assets() -> None:
    """Read every template and static file into memory, once, when the app is built: a
    reinstall of the package under a running sandbox (`pip install -e .`) then changes
    nothing it serves, instead of failing pages with TemplateNotFound."""
    templates()
    static_files()


@cache
def templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.DictLoader(package_files("templates")),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@cache
def static_files() -> dict[str, bytes]:
    return {name: text.encode() for name, text in package_files("static").items()}


def package_files(folder: str) -> dict[str, str]:
    """`{relative path: text}` of every file under the package's `folder`."""
    found: dict[str, str] = {}
    pending = [("", resources.files("cobalt_sync.sandbox").joinpath(folder))]
    while pending:
        prefix, directory = pending.pop()
        for entry in directory.iterdir():
            if entry.is_dir():
                pending.append((f"{prefix}{entry.name}/", entry))
            elif not entry.name.startswith("."):
                found[prefix + entry.name] = entry.read_text(encoding="utf-8")
    return found


def csrf_value(request: Request, cookie: str, purpose: str) -> str:
    key = sandbox_of(request).signing_secret
    return hmac.new(key, f"csrf|{cookie}|{purpose}".encode(), hashlib.sha256).hexdigest()


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """Render `template`; its forms get `csrf(purpose)` bound to this browser's cookie."""
    cookie = request.cookies.get(CSRF_COOKIE) or ""
    fresh = not cookie
    if fresh:
        cookie = secrets.token_urlsafe(24)
    csrf: Callable[[str], str] = lambda purpose: csrf_value(request, cookie, purpose)  # noqa: E731
    html = templates().get_template(template).render(stylesheet=STYLESHEET, csrf=csrf, **context)
    response = HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)
    if fresh:
        response.set_cookie(CSRF_COOKIE, cookie, httponly=True, samesite="strict", path="/")
    return response


def message_page(request: Request, status: int, title: str, message: str) -> HTMLResponse:
    return page(request, "message.html", status, title=title, message=message)


async def on_page_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PageError)
    return message_page(request, exc.status, exc.title, exc.message)


async def form_of(request: Request, purpose: str) -> dict[str, str]:
    """The posted urlencoded form, after the CSRF check; one value per field. (Its Origin,
    type and size were checked by the guard against the sandbox's host list.)"""
    raw = await request.body()
    if len(raw) > MAX_FORM_BYTES:
        raise PageError(413, "Too large", "The form is larger than this page ever sends.")
    fields = {k: v[0] for k, v in parse_qs(raw.decode("utf-8", "replace")).items()}
    cookie = request.cookies.get(CSRF_COOKIE, "")
    expected = csrf_value(request, cookie, purpose)
    if not cookie or not hmac.compare_digest(fields.get("csrf", ""), expected):
        raise PageError(
            403,
            "Form expired",
            "This form is not valid any more (or was not sent by this page). "
            "Go back, reload the page and try again.",
        )
    return fields


async def stylesheet(request: Request) -> Response:
    return Response(
        static_files()["sandbox.css"],
        media_type="text/css",
        headers={"cache-control": "max-age=300", "x-content-type-options": "nosniff"},
    )


ROUTES = [Route(STYLESHEET, stylesheet, methods=["GET"])]
