"""The sandbox's outer wall, an ASGI middleware in front of every route: which Host names it
answers to, which clients may reach `/_sandbox/`, which origins and content types may change
anything, and how large a body may be — all decided before a handler reads a byte.

Owns these request-level refusals and nothing else; who may act on which org (API keys, the
dashboard's login) is the handlers' business (`admin.py`, `dashboard_pages.py`).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cobalt_sync.sandbox.keys import KeyRing
from cobalt_sync.sandbox.problems import HTTP_ERROR_TYPES, ApiProblem, problem_body, send_json

ADMIN_PREFIX = "/_sandbox/"
# Posted HTML forms (CSRF-token checked); every other body must be JSON.
FORM_PREFIXES = ("/connect/", "/oauth/", "/_sandbox/org/", "/_sandbox/login", "/_sandbox/logout")
# Reachable from remote clients without --allow-remote-admin: the Connect pages' stylesheet.
PUBLIC_ADMIN_PREFIXES = ("/_sandbox/static/",)
# The dashboard's HTML pages (their own login session); the rest of `/_sandbox/` is JSON and
# needs the org's API key in this header, like the vendor API.
PAGE_PREFIXES = ("/_sandbox/org/", "/_sandbox/login", "/_sandbox/logout", "/_sandbox/static/")
KEY_HEADER = b"x-api-key"
# Origin is checked on writes to what a browser can reach with ambient credentials (cookies):
# the pages and the admin API. The vendor API authenticates by headers a cross-site page
# cannot set without a CORS preflight the sandbox never approves.
ORIGIN_CHECKED_PREFIXES = ("/connect/", "/oauth/", ADMIN_PREFIX)
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
MAX_JSON_BYTES = 10 * 1024 * 1024  # far above any body cobalt-sync or a test sends
MAX_FORM_BYTES = 64 * 1024  # far above any form these pages send


class BodyTooLarge(HTTPException):
    """Raised from `receive()` once a body passes its limit: nothing more is read."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, too_large_message(limit))


def too_large_message(limit: int) -> str:
    return f"Request body too large: this route takes at most {limit // 1024} KiB"


@dataclass(frozen=True)
class HostList:
    """The names this sandbox answers to: loopback, its --host, and each --allowed-host.
    An entry may carry a port (`devbox:9000`, e.g. behind a proxy); without one, an
    Origin must use the port the sandbox listens on."""

    names: frozenset[str]
    origins: frozenset[str]  # "host:port" entries, for Origin headers through a proxy

    @classmethod
    def of(cls, host: str, allowed: Iterable[str] = ()) -> HostList:
        names, origins = set(LOOPBACK_NAMES), set()
        for entry in (host, *allowed):
            name, port = split_host(entry.strip().lower())
            if name:
                names.add(name)
                if port:
                    origins.add(f"{name}:{port}")
        return cls(frozenset(names), frozenset(origins))

    def allows_host(self, header: str) -> bool:
        name, _ = split_host(header.lower())
        return name in self.names

    def allows_origin(self, origin: str, server_port: int | None) -> bool:
        """Same scheme-less host and port as this server; never compared with `Host`."""
        parts = urlsplit(origin.lower())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return False
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            return False
        name = parts.hostname
        if f"{name}:{port}" in self.origins:
            return True
        return name in self.names and port == server_port


def split_host(value: str) -> tuple[str, str]:
    """`[::1]:8787` → (`::1`, `8787`); `localhost` → (`localhost`, ``)."""
    if value.startswith("["):
        name, _, rest = value[1:].partition("]")
        return name, rest.removeprefix(":")
    if value.count(":") > 1:  # a bare IPv6 address
        return value, ""
    name, _, port = value.partition(":")
    return name, port


def is_loopback_address(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Guard:
    """Refuses, in this order: an unknown Host (421), a remote client on `/_sandbox/`
    without --allow-remote-admin (403), a write from another origin (403), a body of the
    wrong type (415), a body over its route's limit (413, up front or while reading)."""

    def __init__(
        self, app: ASGIApp, hosts: HostList, keys: KeyRing, allow_remote_admin: bool
    ) -> None:
        self.app = app
        self.hosts = hosts
        self.keys = keys
        self.allow_remote_admin = allow_remote_admin

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        refusal = self.refusal(scope)
        if refusal is not None:
            await send_refusal(send, path, *refusal)
            return
        limit = MAX_FORM_BYTES if path.startswith(FORM_PREFIXES) else MAX_JSON_BYTES
        declared = header(scope, b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await send_refusal(send, path, 413, too_large_message(limit))
            return
        started = False

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting(receive, limit), watched_send)
        except BodyTooLarge as error:  # raised outside the app's own error handlers
            if started:
                raise
            await send_refusal(send, path, 413, str(error.detail))

    def refusal(self, scope: Scope) -> tuple[int, str] | None:
        path, method = scope["path"], scope["method"]
        host = header(scope, b"host") or ""
        if not self.hosts.allows_host(host):
            return 421, (
                f"This sandbox does not answer to the host name {split_host(host)[0]!r}. "
                "Use 127.0.0.1 or localhost, or start it with --allowed-host NAME."
            )
        if path.startswith(ADMIN_PREFIX) and not path.startswith(PUBLIC_ADMIN_PREFIXES):
            client = scope.get("client") or ("", 0)
            if not self.allow_remote_admin and not is_loopback_address(str(client[0])):
                return 403, (
                    "The sandbox's admin routes and dashboard answer only on this machine "
                    "(loopback). Start the sandbox with --allow-remote-admin to open them to "
                    "other hosts; each still needs the org's API key."
                )
        if method not in SAFE_METHODS:
            refused = self.write_refusal(scope, path)
            if refused is not None:
                return refused
        return self.key_refusal(scope, path)

    def key_refusal(self, scope: Scope, path: str) -> tuple[int, str] | None:
        """Every admin JSON route needs a key of this sandbox (the handler then acts on that
        key's org only). The message never names or hints at a key."""
        if not is_admin_api(path):
            return None
        key = header(scope, KEY_HEADER)
        if not key:
            return 401, "This route needs the org's API key in the x-api-key header."
        if self.keys.tenant(key) is None:
            return 401, "The x-api-key header holds no key this sandbox accepts."
        return None

    def write_refusal(self, scope: Scope, path: str) -> tuple[int, str] | None:
        origin = header(scope, b"origin")
        forms = path.startswith(FORM_PREFIXES)
        # Our pages send no Referer (Referrer-Policy: no-referrer), so a browser labels their
        # own form posts `Origin: null`; those are decided by the forms' CSRF token.
        if forms and origin == "null":
            origin = None
        if origin is not None and path.startswith(ORIGIN_CHECKED_PREFIXES):
            server = scope.get("server")
            port = int(server[1]) if server and server[1] is not None else None
            if not self.hosts.allows_origin(origin, port):
                return 403, "Refused: this request was sent by a page on another site."
        wanted = "application/x-www-form-urlencoded" if forms else "application/json"
        kind = (header(scope, b"content-type") or "").split(";")[0].strip().lower()
        has_body = header(scope, b"transfer-encoding") is not None or (
            header(scope, b"content-length") not in (None, "0")
        )
        if (kind or has_body) and kind != wanted:
            shown = kind or "none"
            return 415, f"Unsupported content type {shown!r}: this route takes {wanted}."
        return None


def is_admin_api(path: str) -> bool:
    return (
        path.startswith(ADMIN_PREFIX)
        and path != ADMIN_PREFIX
        and not path.startswith(PAGE_PREFIXES)
    )


def counting(receive: Receive, limit: int) -> Receive:
    """`receive` that raises BodyTooLarge as soon as more than `limit` bytes have come."""
    seen = 0

    async def wrapped() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise BodyTooLarge(limit)
        return message

    return wrapped


def header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value).decode("latin-1")
    return None


async def send_refusal(send: Send, path: str, status: int, message: str) -> None:
    """A JSON error shaped like the route's others (the admin API's `{"error"}`, else the
    vendor's); the connection is closed so an unread body is dropped, not read."""
    if is_admin_api(path):
        shaped: dict[str, Any] = {"error": message}
    else:
        shaped = problem_body(ApiProblem(status, HTTP_ERROR_TYPES.get(status, "ERROR"), message))
    await send_json(send, status, shaped, [(b"connection", b"close")])
