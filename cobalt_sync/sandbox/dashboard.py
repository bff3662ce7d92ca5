"""What every kind's dashboard admin route (`/_sandbox/dashboard/…`, both profiles, not part of
Cobalt's API) shares: reading the body and the org it names, refusing unknown fields, naming a
catalog app with a did-you-mean. The routes themselves are each kind's `ADMIN_ROUTES`.

Like the other admin routes, the org is named by its API key in the `x-api-key` header.
"""

from __future__ import annotations

import difflib
from typing import Any

from starlette.requests import Request

from cobalt_sync.sandbox.admin import AdminError, admin_body, admin_tenant
from cobalt_sync.sandbox.catalog import CatalogApp
from cobalt_sync.sandbox.context import sandbox_of
from cobalt_sync.sandbox.keys import Tenant


def catalog_app(request: Request, slug: str) -> CatalogApp:
    catalog = sandbox_of(request).catalog
    if slug in catalog:
        return catalog[slug]
    close = difflib.get_close_matches(slug, list(catalog), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise AdminError(f"unknown app slug {slug!r}{hint}")


def only_fields(body: dict[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise AdminError(
            f"unknown field(s) {', '.join(unknown)}; expected {', '.join(sorted(allowed))}"
        )


def scope_list(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(s, str) and s.strip() for s in value):
        raise AdminError("scopes must be a list of non-empty strings")
    return [s.strip() for s in value]


async def body_and_tenant(request: Request, allowed: set[str]) -> tuple[dict[str, Any], Tenant]:
    tenant = admin_tenant(request)
    body = await admin_body(request)
    only_fields(body, allowed)
    return body, tenant
