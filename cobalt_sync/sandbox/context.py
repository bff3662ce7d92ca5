"""What every sandbox handler shares: the store, key ring, catalog, faults and request helpers
(auth by `x-api-key`, JSON body parsing with vendor-style 400s, Bearer session tokens).

Owns request → tenant resolution; must not define routes.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request

from cobalt_sync.sandbox.catalog import CatalogApp, load_catalog
from cobalt_sync.sandbox.consents import ConsentBook
from cobalt_sync.sandbox.faults import FaultState
from cobalt_sync.sandbox.keys import KeyRing, Tenant
from cobalt_sync.sandbox.problems import ApiProblem, bad_request
from cobalt_sync.sandbox.signins import LoginBook
from cobalt_sync.sandbox.store import Store
from cobalt_sync.sandbox.tokens import decode_jwt

API_PREFIX = "/api/v2/public"
# `extended`: the vendor API plus the §3.2 routes cobalt-sync's `api` backend writes through.
# `cobalt`: only what real Cobalt serves and requires; apps and OAuth clients are dashboard-only.
PROFILES = ("extended", "cobalt")


@dataclass(frozen=True)
class Sandbox:
    """The sandbox's long-lived parts, reachable from a request as `request.app.state.sandbox`."""

    store: Store
    keys: KeyRing
    faults: FaultState
    signing_secret: bytes
    profile: str = "extended"
    allow_remote_admin: bool = False  # `/_sandbox/` answers only loopback clients otherwise
    consents: ConsentBook = field(default_factory=ConsentBook)
    logins: LoginBook = field(default_factory=LoginBook)

    @property
    def like_cobalt(self) -> bool:
        """Behave as real Cobalt does where the sandbox is otherwise lenient or extended."""
        return self.profile == "cobalt"

    @property
    def catalog(self) -> dict[str, CatalogApp]:
        return load_catalog()


def sandbox_of(request: Request) -> Sandbox:
    box: Sandbox = request.app.state.sandbox
    return box


def events_scope(request: Request, tenant: Tenant) -> str:
    """Where a tenant's event definitions live: per environment (default) or, with the
    `share_events` switch, one set per org — the vendor does not say which is true."""
    if sandbox_of(request).faults.settings.share_events:
        return f"{tenant.org}/shared"
    return tenant.scope


def require_tenant(request: Request) -> Tenant:
    """The org + environment named by `x-api-key`; 401 in the vendor envelope otherwise."""
    tenant = sandbox_of(request).keys.tenant(request.headers.get("x-api-key"))
    if tenant is None:
        raise ApiProblem(401, "SERVER_ERROR", "Invalid Credentials")
    return tenant


@dataclass(frozen=True)
class Session:
    """A verified Bearer session token and the linked account it names."""

    token: str
    tenant: Tenant
    account_id: str


def require_session(request: Request) -> Session:
    header = request.headers.get("authorization", "")
    if not header:
        raise ApiProblem(401, "INVALID_TOKEN", "Authorization Token Missing")
    session = live_session(sandbox_of(request), header.removeprefix("Bearer ").strip())
    if session is None:
        raise ApiProblem(401, "INVALID_TOKEN", "Invalid or expired token")
    return session


def live_session(box: Sandbox, token: str) -> Session | None:
    """The session a token opens: signed by us, not expired, not revoked; else None."""
    claims = decode_jwt(token, box.signing_secret, time.time())
    stored = box.store.token(token)
    if claims is None or stored is None or stored["revoked"]:
        return None
    org, environment = str(stored["scope"]).split("/", 1)
    tenant = Tenant(org=org, environment=environment)
    return Session(token=token, tenant=tenant, account_id=str(stored["account_id"]))


async def json_body(request: Request, *, allow_empty: bool = False) -> dict[str, Any]:
    """The request body as a JSON object; malformed or non-object → vendor 400."""
    raw = await request.body()
    request.state.raw_body = raw
    if not raw.strip():
        if allow_empty:
            return {}
        raise bad_request("Request body is required")
    try:
        body = json.loads(raw)
    except json.JSONDecodeError as error:
        raise bad_request(f"Malformed JSON in request body: {error.msg}") from None
    except UnicodeDecodeError:
        raise bad_request("Request body is not UTF-8 JSON") from None
    if not isinstance(body, dict):
        raise bad_request("Request body must be a JSON object")
    return body


def optional_string(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise bad_request(f"{name} must be a string")
    return value


def string_map(body: dict[str, Any], name: str) -> dict[str, str]:
    """An object of string → string (UDFs); the spec types values as strings."""
    value = body.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise bad_request(f"{name} must be an object whose values are strings")
    return dict(value)


def linked_account_param(request: Request) -> str | None:
    """`linked_account_id` from the header or the query; the header wins (spec)."""
    return request.headers.get("linked_account_id") or request.query_params.get("linked_account_id")
