"""linked_accounts: seed end-customer accounts keyed by the id the org chose.

Written only through the idempotent upsert (PUT), so a retry never duplicates. Accounts this
tool creates carry `udf.managed_by = cobalt-sync`; only those can ever be pruned. Reading costs
requests in proportion to the manifest: per-account GETs unless paging the org is cheaper.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema, model_validator
from pydantic_core import PydanticCustomError

from cobalt_sync.kinds.base import KindSamples, ResourceKind, RunContext
from cobalt_sync.kinds.exporting import NOT_A_KEY, ExportBuilder, ExportSection, is_identifier
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
from cobalt_sync.plan import Action, Change
from cobalt_sync.reading.paging import FollowUp, first_page_size, follow_up
from cobalt_sync.reply_shapes import REPLY_CONFIG, ReplyShape
from cobalt_sync.resource import JsonObject, JsonValue, KindState, Resource, State

if TYPE_CHECKING:
    from cobalt_sync.api import CobaltApi
    from cobalt_sync.kinds.base import Declared

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
    section_key = AccountId
    section_doc = "Seed linked accounts by linked_account_id."
    observer = True
    own_keys = frozenset({PROBE_ACCOUNT_ID})
    apply_rank = 40
    always_read = True
    rules = KindRules(align=align_linked_accounts)

    def observers(self, declared: KindState) -> list[str]:
        return sorted(a.key for a in declared.resources.values() if a.ensure == "present")

    def probe(self) -> Resource:
        return Resource(KIND, PROBE_ACCOUNT_ID)

    def findings(
        self, want: KindState, have: KindState, *, pruned: bool
    ) -> tuple[list[str], list[str]]:
        warnings = list(unowned_warning(want, have)) if pruned else []
        notes = [*left_behind_note(want, have, prune=pruned), *kept_udf_note(want, have)]
        return warnings, notes

    def annotate(self, changes: list[Change], want: KindState, have: KindState) -> list[Change]:
        renamed = left_behind_names(want, have)
        return [with_consequences(change, renamed) for change in changes]

    def desired(self, manifest: Declared) -> Iterable[Resource]:
        for account_id, account in manifest.section(KIND).items():
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
        first = account_page(api, 1, limit=size)
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
            first = account_page(api, 1)
            then = FollowUp(pages=tuple(range(2, first.total_pages + 1)))
        state = KindState()
        for account in first.items:
            state.add(live_resource(account))
        if then.pages:
            # At the page size the server used for page 1 (it may clamp our limit), so the
            # page numbers from its totalPages cover every account.
            pages = list(then.pages)
            following = run_concurrently(ctx, pages, lambda n: following_page(api, n, first).items)
            for page in following:
                for account in page:
                    state.add(live_resource(account))
            return state
        if not first.has_next:
            return state
        # A small manifest on a large org: read what we declared, count the rest.
        for found in run_concurrently(ctx, list(then.ids), lambda i: get_account(api, i)):
            if found is not None:
                state.add(live_resource(found))
        state.total = first.total
        return state

    def create(self, ctx: RunContext, want: Resource) -> None:
        udf = {**string_map(want.attrs.get("udf")), MANAGED_BY_KEY: MANAGED_BY_VALUE}
        upsert_account(ctx.api, want.key, name_of(want), udf)

    def update(self, ctx: RunContext, want: Resource, have: Resource) -> None:
        name = name_of(want) if "name" in want.attrs else name_of(have)
        upsert_account(ctx.api, want.key, name, string_map(want.attrs.get("udf")))

    def delete(self, ctx: RunContext, have: Resource) -> None:
        delete_account(ctx.api, have.key)

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
                    f"linked_accounts/{account_id!r}: left out: {NOT_A_KEY}"
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
                    f"linked_accounts/{resource.key}: udf key {key!r} left out: {NOT_A_KEY}"
                )
        if kept:
            entry["udf"] = kept
    return entry


# --- what a plan says about accounts beyond their fields ------------------------------------

PROBE_REASON = (
    "created so that cobalt-sync can verify dashboard steps: Cobalt shows enabled apps and "
    "OAuth clients only for a linked account. Declare a seed account in `linked_accounts` "
    "to have it used instead."
)
# Named in a plan-level note; the rest are counted.
KEYS_NAMED = 5


def with_consequences(change: Change, renamed: Mapping[str, str]) -> Change:
    """The probe account says why it is created; a new account named like one cobalt-sync
    created and the manifest no longer declares is probably a renamed key, and the old
    account stays."""
    if change.key == PROBE_ACCOUNT_ID:
        return replace(change, notes=(*change.notes, PROBE_REASON))
    if change.action is Action.CREATE:
        name = next((f.after for f in change.fields if f.path == "name"), None)
        old = renamed.get(name) if isinstance(name, str) else None
        if old is not None:
            note = (
                f"{old} has this name and is no longer declared: if this is its new key, "
                f"{old} stays in Cobalt unless declared with `state: absent`"
            )
            return replace(change, notes=(*change.notes, note))
    return change


def left_behind_names(want: KindState, have: KindState) -> dict[str, str]:
    """name → key of the accounts cobalt-sync created that the manifest no longer declares
    (the first key, in sorted order, when several share a name)."""
    names: dict[str, str] = {}
    for key in owned_left_behind(want, have):
        name = have.resources[key].attrs.get("name")
        if isinstance(name, str):
            names.setdefault(name, key)
    return names


def unowned_warning(want: KindState, have: KindState) -> Iterator[str]:
    unowned = [
        k
        for k, r in have.resources.items()
        if k not in want.resources and not r.owned and k != PROBE_ACCOUNT_ID
    ]
    if unowned:
        yield (
            f"{KIND}: {len(unowned)} undeclared accounts were not created by "
            "cobalt-sync (no udf managed_by=cobalt-sync) and are never pruned."
        )


def owned_left_behind(want: KindState, have: KindState) -> list[str]:
    """Undeclared accounts that cobalt-sync created (udf managed_by=cobalt-sync)."""
    return sorted(
        key
        for key, resource in have.resources.items()
        if resource.owned and key not in want.resources and key != PROBE_ACCOUNT_ID
    )


def left_behind_note(want: KindState, have: KindState, *, prune: bool) -> Iterator[str]:
    """Accounts cobalt-sync created that the manifest no longer declares stay in Cobalt
    unless asked: say so, and how to delete them (nothing to say when pruning them)."""
    left = [] if prune else owned_left_behind(want, have)
    if left:
        yield (
            f"{KIND}: {plural_accounts(len(left))} created by cobalt-sync "
            f"{'is' if len(left) == 1 else 'are'} no longer in the manifest and "
            f"{'stays' if len(left) == 1 else 'stay'} in Cobalt ({named(left)}). To delete, "
            f"declare each with `state: absent`, or add `prune: [{KIND}]`."
        )


def kept_udf_note(want: KindState, have: KindState) -> Iterator[str]:
    """Cobalt's upsert merges UDFs, so a key no longer sent stays on the account. The
    planner cannot tell a key removed from cobalt.yaml from one set elsewhere, so it names
    undeclared keys on the accounts cobalt-sync created, where a removal is the likely cause."""
    kept: list[str] = []
    for key in sorted(want.resources):
        desired, current = want.resources[key], have.resources.get(key)
        if desired.ensure == "absent" or current is None or not current.owned:
            continue
        extra = udf_of(current.attrs).keys() - udf_of(desired.attrs).keys()
        if extra:
            kept.append(f"{key} ({', '.join(sorted(extra))})")
    if kept:
        yield (
            f"{KIND}: {plural_accounts(len(kept))} keep UDF keys that the manifest "
            f"does not declare: {named(kept)}. Cobalt keeps UDF keys that are not sent, so a "
            "key removed from cobalt.yaml stays on the account; remove it in the Cobalt "
            "dashboard if it must go."
        )


def udf_of(attrs: Mapping[str, JsonValue]) -> dict[str, JsonValue]:
    udf = attrs.get("udf")
    return udf if isinstance(udf, dict) else {}


def plural_accounts(count: int) -> str:
    return f"{count} account" if count == 1 else f"{count} accounts"


def named(items: list[str]) -> str:
    rest = len(items) - KEYS_NAMED
    return ", ".join(items[:KEYS_NAMED]) + (f" and {rest} more" if rest > 0 else "")


# --- Cobalt's replies and calls -----------------------------------------------------------

Scalar = str | int | float | bool | None
# Callers turn `total_pages` into that many requests (and a list of page numbers): a page
# envelope is believed only when it is consistent with the limit we asked for and names a
# plausible org. Ten million linked accounts is far beyond any org we know of.
MAX_LINKED_ACCOUNTS = 10_000_000


@dataclass(frozen=True)
class LinkedAccount:
    """An end-customer account; `integrations` are the slugs of its connected apps."""

    account_id: str
    name: str | None
    udf: dict[str, str]
    environment: str
    integrations: tuple[str, ...]


@dataclass(frozen=True)
class LinkedAccountPage:
    """One page of the linked-account list, with the vendor's paging facts."""

    items: list[LinkedAccount]
    total: int
    page: int
    total_pages: int
    has_next: bool
    # Items per page the server used: its echoed `limit` when it paged at fewer than we
    # asked (a clamp), else the limit we asked for; 0 when the page was built elsewhere.
    limit: int = 0


class WireUdf(BaseModel):
    model_config = REPLY_CONFIG

    key_name: str
    key_value: Scalar = None


class WireIntegration(BaseModel):
    model_config = REPLY_CONFIG

    type: str


class WireLinkedAccount(BaseModel):
    model_config = REPLY_CONFIG

    account_id: str
    name: str | None = None
    udf: list[WireUdf] | dict[str, Scalar] | None = None
    environment: str = ""
    integrations: list[WireIntegration] | None = None

    def value(self) -> LinkedAccount:
        return LinkedAccount(
            account_id=self.account_id,
            name=self.name,
            udf=self._udf(),
            environment=self.environment,
            integrations=tuple(item.type for item in self.integrations or ()),
        )

    def _udf(self) -> dict[str, str]:
        """UDFs go in as an object and come back as `[{key_name, key_value}]` (§2b)."""
        if self.udf is None:
            return {}
        if isinstance(self.udf, dict):
            return {key: _text(value) for key, value in self.udf.items()}
        return {item.key_name: _text(item.key_value) for item in self.udf}


def _text(value: Scalar) -> str:
    return "" if value is None else value if isinstance(value, str) else json.dumps(value)


class WirePage(BaseModel):
    model_config = REPLY_CONFIG

    docs: list[WireLinkedAccount]
    # Vendor field names, camelCase as sent.
    totalDocs: int
    page: int
    totalPages: int
    hasNextPage: bool
    limit: int | None = None  # the page size the server used (may be less than asked)

    def value(self) -> LinkedAccountPage:
        return LinkedAccountPage(
            items=[doc.value() for doc in self.docs],
            total=self.totalDocs,
            page=self.page,
            total_pages=self.totalPages,
            has_next=self.hasNextPage,
            limit=self.limit or 0,
        )


_ACCOUNT: ReplyShape[WireLinkedAccount] = ReplyShape(WireLinkedAccount)
_PAGE: ReplyShape[WirePage] = ReplyShape(WirePage)
_LIST = "list_linked_accounts"


def account_page(api: CobaltApi, page: int, limit: int | None = None) -> LinkedAccountPage:
    """One page; its `limit` is the page size the server used, which a server that clamps
    `limit` makes smaller than asked. Read the pages after it with `following_page`."""
    size = api.page_size if limit is None else limit
    wire = api.request(_LIST, _PAGE, params={"page": str(page), "limit": str(size)})
    return checked_page(api, api.value(_LIST, wire), size)


def following_page(api: CobaltApi, page: int, first: LinkedAccountPage) -> LinkedAccountPage:
    """Page `page` at the size the server used for `first`, so that page numbers (and
    `first.total_pages`) cover every account even when the server clamped our limit."""
    found = account_page(api, page, limit=first.limit or api.page_size)
    if first.limit and found.limit < first.limit:
        # Page numbers computed at one size would skip accounts at a smaller one.
        raise api.unexpected(
            _LIST,
            f"answered page {page} with {found.limit} linked accounts per page after "
            f"page 1 used {first.limit}; accounts could be missed, so nothing was "
            "concluded from the list (run again)",
        )
    return found


def count_accounts(api: CobaltApi) -> int:
    """The number of linked accounts, in one small request."""
    return account_page(api, 1, limit=1).total


def list_accounts(api: CobaltApi, concurrency: int = 8) -> list[LinkedAccount]:
    """Every linked account: page 1 says how many pages; the rest are fetched concurrently.
    An account that moves between pages while they are read is returned once."""
    first = account_page(api, 1)
    pages = [first]
    rest = list(range(2, first.total_pages + 1))
    if rest:
        workers = max(1, min(concurrency, len(rest)))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            pages.extend(pool.map(lambda number: following_page(api, number, first), rest))
    seen: dict[str, LinkedAccount] = {}
    for page in pages:
        for account in page.items:
            seen.setdefault(account.account_id, account)
    return list(seen.values())


def get_account(api: CobaltApi, account_id: str) -> LinkedAccount | None:
    path = {"linked_account_id": account_id}
    wire = api.find("get_linked_account", _ACCOUNT, path_params=path)
    return api.value("get_linked_account", wire) if wire is not None else None


def upsert_account(
    api: CobaltApi, account_id: str, name: str | None, udf: dict[str, str]
) -> LinkedAccount:
    """Create or update by id (PUT: retry-safe, so a lost reply never duplicates)."""
    body: JsonObject = {"account_id": account_id, "udf": dict(udf)}
    if name is not None:
        body["name"] = name
    wire = api.request("upsert_linked_account", _ACCOUNT, body=body)
    return api.value("upsert_linked_account", wire)


def delete_account(api: CobaltApi, account_id: str) -> None:
    """Delete an account; one that is already gone counts as deleted."""
    api.remove("delete_linked_account", {"linked_account_id": account_id})


def checked_page(api: CobaltApi, page: LinkedAccountPage, asked: int) -> LinkedAccountPage:
    """The page with `limit` set to the page size the server used (its echoed `limit` when
    smaller than `asked`), or UnexpectedResponseError when its counts cannot be true."""
    limit = page.limit if 0 < page.limit < asked else asked
    most_pages = max(1, -(-page.total // limit))  # ceil(total / limit)
    problem = None
    if page.limit < 0:
        problem = f"limit {page.limit} is not a page size"
    elif not 0 <= page.total <= MAX_LINKED_ACCOUNTS:
        problem = f"totalDocs {page.total} is outside 0..{MAX_LINKED_ACCOUNTS:,}"
    elif not 0 <= page.total_pages <= most_pages:
        problem = f"totalPages {page.total_pages} does not fit {page.total} items of {limit}"
    elif len(page.items) > limit:
        problem = f"{len(page.items)} items on a page of at most {limit}"
    if problem is None:
        return replace(page, limit=limit)
    raise api.unexpected(
        _LIST, f"answered with a page envelope that cannot be true ({problem})"
    )
