"""The sandbox-only admin API under `/_sandbox/` (JSON, never faulted): reset, seed, inspect,
faults, stats, connect. For tests, benchmarks and demos; not part of Cobalt.

Every route needs an API key of this sandbox in the `x-api-key` header, as the vendor API
does, and acts on that key's org only (the guard refuses a request without one first). The
faults and stats are the sandbox's own, shared by its orgs, so any of its keys turns them.
Owns admin request parsing; data changes go through the store like any vendor route.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from cobalt_sync.sandbox.context import events_scope, sandbox_of
from cobalt_sync.sandbox.events import derive_response, fired_events
from cobalt_sync.sandbox.faults import Stats
from cobalt_sync.sandbox.keys import Tenant
from cobalt_sync.sandbox.store import Missing

PREFIX = "/_sandbox"
MANAGED_UDF = {"managed_by": "cobalt-sync"}


KEY_HEADER = "x-api-key"
KEY_MOVED = (
    "the org's API key goes in the x-api-key header, not in the body or the URL "
    "(where logs and shell history keep it)"
)


class AdminError(Exception):
    """A bad admin request: answered `status` (400 unless said) `{"error": message}`."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def admin_error_response(message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def admin_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except json.JSONDecodeError as error:
        raise AdminError(f"malformed JSON: {error.msg}") from None
    except UnicodeDecodeError:
        raise AdminError("body must be UTF-8 JSON") from None
    if not isinstance(body, dict):
        raise AdminError("body must be a JSON object")
    if "key" in body:
        raise AdminError(KEY_MOVED)
    return body


def admin_tenant(request: Request) -> Tenant:
    """The org and environment of the `x-api-key` header; the error never names a key."""
    if "key" in request.query_params:
        raise AdminError(KEY_MOVED)
    key = request.headers.get(KEY_HEADER)
    tenant = sandbox_of(request).keys.tenant(key)
    if tenant is None:
        message = "The x-api-key header holds no key this sandbox accepts."
        if not key:
            message = "This route needs the org's API key in the x-api-key header."
        raise AdminError(message, 401)
    return tenant


def count_field(body: dict[str, Any], name: str) -> int:
    value = body.get(name, 0)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise AdminError(f"{name} must be a non-negative integer")
    return value


def slug_list(request: Request, body: dict[str, Any], name: str) -> list[str]:
    slugs = body.get(name, [])
    if not isinstance(slugs, list) or not all(isinstance(s, str) for s in slugs):
        raise AdminError(f"{name} must be a list of app slugs")
    unknown = [s for s in slugs if s not in sandbox_of(request).catalog]
    if unknown:
        raise AdminError(f"unknown app slug(s): {', '.join(unknown)}")
    return slugs


async def reset(request: Request) -> JSONResponse:
    """Empty the key's org (every environment; its id stays) and put the sandbox's faults
    and counters back to how it started. Other orgs are untouched."""
    tenant = admin_tenant(request)
    box = sandbox_of(request)
    box.store.wipe_org(tenant.org)
    box.faults.reset()
    return JSONResponse({"reset": True, "org": tenant.org})


async def seed(request: Request) -> JSONResponse:
    tenant = admin_tenant(request)
    body = await admin_body(request)
    box = sandbox_of(request)
    udf = body.get("udf") or {}
    if not isinstance(udf, dict) or not all(isinstance(v, str) for v in udf.values()):
        raise AdminError("udf must be an object of strings")
    if body.get("managed"):
        udf = {**udf, **MANAGED_UDF}
    prefix = body.get("account_prefix", "seed-")
    if not isinstance(prefix, str):
        raise AdminError("account_prefix must be a string")
    apps = slug_list(request, body, "apps")
    connected = [(s, box.catalog[s].name) for s in slug_list(request, body, "connected_apps")]
    for slug in apps:
        box.store.set_enabled(tenant.scope, slug, True)
    accounts = box.store.observers(
        tenant.scope, count_field(body, "linked_accounts"), prefix, udf, connected
    )
    events = seed_events(request, tenant, count_field(body, "events"), body)
    return JSONResponse({"linked_accounts": accounts, "events": events, "apps_enabled": len(apps)})


def seed_events(request: Request, tenant: Tenant, count: int, body: dict[str, Any]) -> int:
    """`count` events `seed.event.N`, plus planted copies of `duplicate_events` names."""
    duplicates = body.get("duplicate_events", [])
    if not isinstance(duplicates, list) or not all(isinstance(n, str) for n in duplicates):
        raise AdminError("duplicate_events must be a list of event names")
    store, scope = sandbox_of(request).store, events_scope(request, tenant)
    sample = json.dumps({"id": "evt_1", "account": {"name": "Acme"}}, separators=(",", ":"))
    taken = {row["name"] for row in store.list_events(scope)}
    made = 0
    for index in range(1, count + 1):
        name = f"seed.event.{index}"
        if name not in taken:
            store.create_event(scope, name, sample, None)
            made += 1
    for name in duplicates:
        copies = 1 if name in taken or name.startswith("seed.event.") else 2
        for _ in range(copies):
            store.create_event(scope, name, sample, None, allow_duplicate=True)
            made += 1
    return made


def oauth_summary(request: Request, tenant: Tenant) -> dict[str, Any]:
    box = sandbox_of(request)
    summary: dict[str, Any] = {}
    for slug, stored in sorted(box.store.oauth(tenant.scope).items()):
        summary[slug] = {
            "mode": "custom",
            "client_id": stored["client_id"],
            "client_secret_fingerprint": stored["secret_fingerprint"],
            "scopes": stored["scopes"],
        }
    return summary


async def inspect(request: Request) -> JSONResponse:
    tenant = admin_tenant(request)
    store = sandbox_of(request).store
    events = [
        {
            "_id": row["_id"],
            "name": row["name"],
            "response": derive_response(json.loads(row["raw"])),
            "raw_response": row["raw"],
        }
        for row in store.list_events(events_scope(request, tenant))
    ]
    report: dict[str, Any] = {
        "org": tenant.org,
        "environment": tenant.environment,
        "apps_enabled": store.enabled_apps(tenant.scope),
        "oauth": oauth_summary(request, tenant),
        "events": events,
        "events_fired": fired_events(store, tenant),
        "counts": {"events": len(events), "linked_accounts": store.count_accounts(tenant.scope)},
        "duplicates": {
            "events": store.duplicate_events(events_scope(request, tenant)),
            "linked_accounts": store.duplicate_accounts(tenant.scope),
        },
    }
    if request.query_params.get("accounts", "true") != "false":
        report["linked_accounts"] = [
            {
                "account_id": doc["account_id"],
                "name": doc["name"],
                "udf": {e["key_name"]: e["key_value"] for e in doc["udf"]},
                "integrations": sorted(i["type"] for i in doc["integrations"]),
            }
            for doc in store.all_accounts(tenant.scope)
        ]
    return JSONResponse(report)


async def faults(request: Request) -> JSONResponse:
    admin_tenant(request)
    state = sandbox_of(request).faults
    if request.method == "POST":
        try:
            state.apply(state.settings.updated(await admin_body(request)))
        except (ValueError, TypeError) as error:
            raise AdminError(str(error)) from None
    return JSONResponse(state.settings.to_dict())


async def stats(request: Request) -> JSONResponse:
    admin_tenant(request)
    return JSONResponse(sandbox_of(request).faults.stats.to_dict())


async def reset_stats(request: Request) -> JSONResponse:
    admin_tenant(request)
    state = sandbox_of(request).faults
    state.stats = Stats()
    return JSONResponse(state.stats.to_dict())


async def connect(request: Request) -> JSONResponse:
    tenant = admin_tenant(request)
    body = await admin_body(request)
    slug, account_id = body.get("slug"), body.get("account_id")
    box = sandbox_of(request)
    if not isinstance(slug, str) or slug not in box.catalog:
        raise AdminError(f"unknown app slug {slug!r}")
    if not isinstance(account_id, str):
        raise AdminError("account_id must be a string")
    try:
        box.store.connect_app(tenant.scope, account_id, slug, box.catalog[slug].name)
    except Missing:
        raise AdminError(f"no linked account {account_id!r} in {tenant.scope}") from None
    return JSONResponse({"account_id": account_id, "slug": slug, "connected": True})


ROUTES = [
    Route(PREFIX + "/reset", reset, methods=["POST"]),
    Route(PREFIX + "/seed", seed, methods=["POST"]),
    Route(PREFIX + "/inspect", inspect, methods=["GET"]),
    Route(PREFIX + "/faults", faults, methods=["GET", "POST"]),
    Route(PREFIX + "/stats", stats, methods=["GET"]),
    Route(PREFIX + "/stats/reset", reset_stats, methods=["POST"]),
    Route(PREFIX + "/connect", connect, methods=["POST"]),
]
