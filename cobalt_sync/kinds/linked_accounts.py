"""linked_accounts: seed end-customer accounts keyed by the id the org chose.

Written only through the idempotent upsert (PUT), so a retry never duplicates. Accounts this
tool creates carry `udf.managed_by = cobalt-sync`; only those can ever be pruned. Reading costs
requests in proportion to the manifest: per-account GETs unless paging the org is cheaper.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, TypeVar

from cobalt_sync.kinds.base import KindContext
from cobalt_sync.ownership import MANAGED_BY_KEY, MANAGED_BY_VALUE
from cobalt_sync.resource import JsonObject, JsonValue, KindState, Resource

if TYPE_CHECKING:
    from cobalt_sync.api import LinkedAccount
    from cobalt_sync.manifest import Manifest

KIND = "linked_accounts"
T = TypeVar("T")
R = TypeVar("R")


class LinkedAccountsKind:
    name = KIND

    def desired(self, manifest: Manifest) -> Iterable[Resource]:
        for account_id, account in manifest.linked_accounts.items():
            if account.state == "absent":
                yield Resource(KIND, account_id, ensure="absent")
                continue
            udf: dict[str, JsonValue] = dict(account.udf)
            attrs: JsonObject = {"udf": udf}
            if account.name is not None:
                attrs["name"] = account.name
            yield Resource(KIND, account_id, attrs)

    def notes(self, manifest: Manifest) -> Iterable[str]:
        return ()

    def read(self, ctx: KindContext, declared: KindState) -> KindState:
        api = ctx.api
        first = api.linked_account_page(1)
        state = KindState()
        for account in first.items:
            state.add(live_resource(account))
        if not first.has_next:
            return state
        missing = [key for key in declared.resources if key not in state.resources]
        pages = list(range(2, first.total_pages + 1))
        # Fewer requests wins; on a tie, per-account GETs carry one account each where a
        # page carries a thousand.
        if KIND in ctx.prune or len(pages) < len(missing):
            # At the page size the server used for page 1 (it may clamp our limit), so the
            # page numbers from its totalPages cover every account.
            for page in run_concurrently(ctx, pages, lambda n: api.following_page(n, first).items):
                for account in page:
                    state.add(live_resource(account))
            return state
        # A small manifest on a large org: read what we declared, count the rest.
        for found in run_concurrently(ctx, missing, api.get_linked_account):
            if found is not None:
                state.add(live_resource(found))
        state.total = first.total
        return state

    def writable(self, ctx: KindContext) -> bool:
        return True

    def create(self, ctx: KindContext, want: Resource) -> None:
        udf = {**string_map(want.attrs.get("udf")), MANAGED_BY_KEY: MANAGED_BY_VALUE}
        ctx.api.upsert_linked_account(want.key, name_of(want), udf)

    def update(self, ctx: KindContext, want: Resource, have: Resource) -> None:
        name = name_of(want) if "name" in want.attrs else name_of(have)
        ctx.api.upsert_linked_account(want.key, name, string_map(want.attrs.get("udf")))

    def delete(self, ctx: KindContext, have: Resource) -> None:
        ctx.api.delete_linked_account(have.key)


def live_resource(account: LinkedAccount) -> Resource:
    udf: dict[str, JsonValue] = {k: v for k, v in account.udf.items() if k != MANAGED_BY_KEY}
    owned = account.udf.get(MANAGED_BY_KEY) == MANAGED_BY_VALUE
    return Resource(KIND, account.account_id, {"name": account.name, "udf": udf}, owned=owned)


def run_concurrently(ctx: KindContext, items: list[T], work: Callable[[T], R]) -> list[R]:
    if not items:
        return []
    with ThreadPoolExecutor(max_workers=max(1, ctx.parallelism)) as pool:
        return list(pool.map(work, items))


def name_of(resource: Resource) -> str | None:
    name = resource.attrs.get("name")
    return name if isinstance(name, str) else None


def string_map(value: JsonValue) -> dict[str, str]:
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}
