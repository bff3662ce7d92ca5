"""linked_accounts: seed end-customer accounts keyed by the id the org chose.

Written only through the idempotent upsert (PUT), so a retry never duplicates. Accounts this
tool creates carry `udf.managed_by = cobalt-sync`; only those can ever be pruned. Reading costs
requests in proportion to the manifest: per-account GETs unless paging the org is cheaper.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeVar

from pydantic import AfterValidator, ConfigDict, Field, WithJsonSchema, model_validator
from pydantic_core import PydanticCustomError

from cobalt_sync.kinds.base import KindSamples, ResourceKind, RunContext
from cobalt_sync.kinds.exporting import ExportBuilder, ExportSection, is_identifier
from cobalt_sync.kinds.fields import (
    ABSENT_ALONE_SCHEMA,
    IDENTIFIER_SCHEMA,
    NonEmptyString,
    SectionModel,
    absent_alone,
    identifier,
)
from cobalt_sync.kinds.ownership import MANAGED_BY_KEY, MANAGED_BY_VALUE, PROBE_ACCOUNT_ID
from cobalt_sync.kinds.rules import KindRules
from cobalt_sync.reading.paging import FollowUp, first_page_size, follow_up
from cobalt_sync.resource import JsonObject, JsonValue, KindState, Resource, State

if TYPE_CHECKING:
    from cobalt_sync.api import LinkedAccount
    from cobalt_sync.manifest import Manifest

KIND = "linked_accounts"
T = TypeVar("T")
R = TypeVar("R")


# --- manifest section -------------------------------------------------------------------------


def _account_id(value: str) -> str:
    identifier(value)
    if value == PROBE_ACCOUNT_ID:
        raise PydanticCustomError(
            "reserved",
            f"'{PROBE_ACCOUNT_ID}' is reserved for cobalt-sync's own probe account; "
            "choose another id",
        )
    return value


def _udf_key(value: str) -> str:
    identifier(value)
    if value == MANAGED_BY_KEY:
        raise PydanticCustomError(
            "reserved",
            f"the UDF key '{MANAGED_BY_KEY}' is reserved: cobalt-sync sets it on the "
            "linked accounts it manages",
        )
    return value


AccountId = Annotated[
    str,
    AfterValidator(_account_id),
    WithJsonSchema({**IDENTIFIER_SCHEMA, "not": {"const": PROBE_ACCOUNT_ID}}),
]
UdfKey = Annotated[
    str,
    AfterValidator(_udf_key),
    WithJsonSchema({**IDENTIFIER_SCHEMA, "not": {"const": MANAGED_BY_KEY}}),
]


class LinkedAccountConfig(SectionModel):
    """A seed linked account, keyed by your linked_account_id."""

    model_config = ConfigDict(json_schema_extra=dict(ABSENT_ALONE_SCHEMA))

    state: Literal["present", "absent"] = "present"
    """`present` (default) creates or updates the account; `absent` deletes it (only
    accounts cobalt-sync created are ever deleted)."""

    name: NonEmptyString | None = None
    """Display name of the account."""

    udf: dict[UdfKey, str] = Field(default={})
    """User-defined fields: string keys to string values (quote numbers and booleans).
    The key `managed_by` is reserved for cobalt-sync."""

    @model_validator(mode="after")
    def _absent_alone(self) -> LinkedAccountConfig:
        absent_alone(self.state, self.model_fields_set, "a linked account")
        return self


# --- comparison rules ---------------------------------------------------------------------


def align_linked_accounts(want: Resource, have: Resource) -> tuple[Resource, Resource]:
    """Compare only what the manifest declares: an omitted name is not managed, and UDF keys
    cannot be removed through the API (upsert merges), so undeclared live keys are ignored."""
    if declares_all(want, have):
        # Nothing undeclared to leave out (the usual case): the copy below would equal
        # `have`, and making it was most of this function's cost in a 10,000-account plan.
        return want, have
    attrs: JsonObject = {}
    for name in want.attrs:
        attrs[name] = have.attrs.get(name)
    want_udf, have_udf = want.attrs.get("udf"), have.attrs.get("udf")
    if isinstance(want_udf, dict) and isinstance(have_udf, dict):
        attrs["udf"] = {k: have_udf[k] for k in want_udf if k in have_udf}
    return want, have.with_attrs(attrs)


def declares_all(want: Resource, have: Resource) -> bool:
    """True when the live account has no field and no UDF key that the manifest leaves out."""
    if want.attrs.keys() != have.attrs.keys():
        return False
    want_udf, have_udf = want.attrs.get("udf"), have.attrs.get("udf")
    if isinstance(want_udf, dict) and isinstance(have_udf, dict):
        return have_udf.keys() <= want_udf.keys()
    return True


# --- the kind -----------------------------------------------------------------------------


class LinkedAccountsKind(ResourceKind):
    name = KIND
    section = KIND
    read_uses = "keys"
    entry_model = LinkedAccountConfig
    apply_rank = 40
    always_read = True
    rules = KindRules(align=align_linked_accounts)

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

    def read(self, ctx: RunContext, declared: KindState) -> KindState:
        api, read_all = ctx.api, ctx.reads_all(KIND)
        size = first_page_size(len(declared.resources), api.page_size, read_all)
        first = api.linked_account_page(1, limit=size)
        then = follow_up(
            has_next=first.has_next,
            total=first.total,
            total_pages=first.total_pages,
            first_size=first.limit or size,
            full_size=api.page_size,
            shown={account.account_id for account in first.items},
            declared=declared.resources,
            read_all=read_all,
        )
        if then.again_at_full_size:
            # A small first page on an org a few full pages hold: read those instead.
            first = api.linked_account_page(1)
            then = FollowUp(pages=tuple(range(2, first.total_pages + 1)))
        state = KindState()
        for account in first.items:
            state.add(live_resource(account))
        if then.pages:
            # At the page size the server used for page 1 (it may clamp our limit), so the
            # page numbers from its totalPages cover every account.
            pages = list(then.pages)
            following = run_concurrently(ctx, pages, lambda n: api.following_page(n, first).items)
            for page in following:
                for account in page:
                    state.add(live_resource(account))
            return state
        if not first.has_next:
            return state
        # A small manifest on a large org: read what we declared, count the rest.
        for found in run_concurrently(ctx, list(then.ids), api.get_linked_account):
            if found is not None:
                state.add(live_resource(found))
        state.total = first.total
        return state

    def create(self, ctx: RunContext, want: Resource) -> None:
        udf = {**string_map(want.attrs.get("udf")), MANAGED_BY_KEY: MANAGED_BY_VALUE}
        ctx.api.upsert_linked_account(want.key, name_of(want), udf)

    def update(self, ctx: RunContext, want: Resource, have: Resource) -> None:
        name = name_of(want) if "name" in want.attrs else name_of(have)
        ctx.api.upsert_linked_account(want.key, name, string_map(want.attrs.get("udf")))

    def delete(self, ctx: RunContext, have: Resource) -> None:
        ctx.api.delete_linked_account(have.key)

    def samples(self) -> KindSamples:
        def account(name: str, tier: str) -> dict[str, Any]:
            return {KIND: {"sample-acct-1": {"name": name, "udf": {"tier": tier}}}}

        return KindSamples(
            create=account("Sample Co", "free"),
            updates={
                "name": account("Sample Co Renamed", "free"),
                "udf": account("Sample Co", "pro"),
            },
        )

    def export(self, live: State, builder: ExportBuilder) -> ExportSection:
        accounts = live.kinds.get(KIND, KindState())
        entries: dict[str, Any] = {}
        for account_id in sorted(accounts.resources):
            resource = accounts.resources[account_id]
            if account_id == PROBE_ACCOUNT_ID:
                continue  # cobalt-sync's own probe: reserved, never part of a manifest
            if not (resource.owned or builder.options.all_linked_accounts):
                builder.accounts_left_out += 1
                continue
            if not is_identifier(account_id):
                builder.warnings.append(
                    f"linked_accounts/{account_id!r}: left out: a manifest key cannot be empty "
                    "or start or end with whitespace"
                )
                continue
            entries[account_id] = exported_account(resource, builder)
        if accounts.total is not None:
            # Only part of the org was read; the rest is, by construction, not exported.
            builder.accounts_left_out += max(0, accounts.total - len(accounts.resources))
        builder.counts[KIND] = len(entries)
        return ExportSection(KIND, entries)


def live_resource(account: LinkedAccount) -> Resource:
    udf: dict[str, JsonValue] = {k: v for k, v in account.udf.items() if k != MANAGED_BY_KEY}
    owned = account.udf.get(MANAGED_BY_KEY) == MANAGED_BY_VALUE
    return Resource(KIND, account.account_id, {"name": account.name, "udf": udf}, owned=owned)


def run_concurrently(ctx: RunContext, items: list[T], work: Callable[[T], R]) -> list[R]:
    if not items:
        return []
    with ThreadPoolExecutor(max_workers=max(1, ctx.parallelism)) as pool:
        return list(pool.map(work, items))


def name_of(resource: Resource) -> str | None:
    name = resource.attrs.get("name")
    return name if isinstance(name, str) else None


def string_map(value: JsonValue) -> dict[str, str]:
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def exported_account(resource: Resource, builder: ExportBuilder) -> dict[str, Any]:
    entry: dict[str, Any] = {}
    name = resource.attrs.get("name")
    if isinstance(name, str) and name:
        entry["name"] = name
    udf = resource.attrs.get("udf")
    if isinstance(udf, dict):
        kept = {}
        for key in sorted(udf):
            if is_identifier(key):
                kept[key] = str(udf[key])
            else:
                builder.warnings.append(
                    f"linked_accounts/{resource.key}: udf key {key!r} left out: a manifest "
                    "key cannot be empty or start or end with whitespace"
                )
        if kept:
            entry["udf"] = kept
    return entry
