"""The registry of kinds: one module per kind of Cobalt object, listed once in `KINDS`.

Every other list of kinds is derived from it: the plan order (`KIND_ORDER`), the apply order
(`APPLY_ORDER`), the comparison rules (`RULES`), the prunable kinds, the manifest sections
(`SECTIONS`, hence the JSON Schema) and the kinds with dashboard steps. A test fails when any
list of kinds elsewhere disagrees. Importing this package never imports the API client.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel

from cobalt_sync.kinds.apps import AppsKind
from cobalt_sync.kinds.base import (
    DashboardAction,
    Declared,
    KindSamples,
    LiveCopy,
    ResourceKind,
    RunContext,
    SecretSource,
)
from cobalt_sync.kinds.environment_variables import EnvironmentVariablesKind
from cobalt_sync.kinds.events import EventsKind
from cobalt_sync.kinds.linked_accounts import LinkedAccountsKind
from cobalt_sync.kinds.mcp_servers import McpServersKind
from cobalt_sync.kinds.oauth_credentials import OAuthCredentialsKind
from cobalt_sync.kinds.rules import KindRules
from cobalt_sync.kinds.webhooks import WebhooksKind
from cobalt_sync.plan import Change

_ALL: tuple[ResourceKind, ...] = (
    AppsKind(),
    OAuthCredentialsKind(),
    EventsKind(),
    LinkedAccountsKind(),
    WebhooksKind(),
    McpServersKind(),
    EnvironmentVariablesKind(),
)

KINDS: Mapping[str, ResourceKind] = {kind.name: kind for kind in _ALL}
"""Every kind, by name, in the order a plan shows them."""

KIND_ORDER: tuple[str, ...] = tuple(KINDS)
"""Kinds in the order a plan shows them (and a manifest and an export list them)."""

APPLY_ORDER: tuple[str, ...] = tuple(sorted(KINDS, key=lambda name: KINDS[name].apply_rank))
"""Kinds in the order apply creates and updates them (deletes run in reverse): e.g. own
OAuth credentials go in before an app is enabled (see each kind's `apply_rank`)."""

RULES: Mapping[str, KindRules] = {name: kind.rules for name, kind in KINDS.items()}
"""How the planner compares each kind: alignment, sensitive fields, review tags."""

PRUNABLE_KINDS: tuple[str, ...] = tuple(name for name, kind in KINDS.items() if kind.prunable)
"""The kinds a manifest may list under `prune:`."""

SECTIONS: Mapping[str, type[BaseModel]] = {
    kind.section: kind.entry_model
    for kind in KINDS.values()
    if kind.section is not None and kind.entry_model is not None
}
"""Manifest sections (`apps:`, `events:`…) and the model of one entry, in manifest order."""

STEP_KINDS: tuple[str, ...] = tuple(n for n, kind in KINDS.items() if kind.has_dashboard_steps)
"""Kinds whose changes can be dashboard steps (real Cobalt has no public API for them)."""


REPLACED_TOGETHER: Mapping[str, frozenset[str]] = {
    kind.section: kind.replaced_whole for kind in _ALL if kind.section and kind.replaced_whole
}
"""Per section, the fields of an entry an environment overlay replaces together."""

OBSERVER: ResourceKind = next(kind for kind in _ALL if kind.observer)
"""The kind other kinds are observed through (linked accounts: on real Cobalt, enabled apps
are read through one), and whose declared objects `check` opens Connect for."""

CONNECT_OFFERED: ResourceKind = next(kind for kind in _ALL if kind.offered_in_connect)
"""The kind whose present objects Cobalt's Connect page offers (enabled apps)."""


def present_keys(kind: ResourceKind, manifest: Declared) -> tuple[str, ...]:
    """The keys of the objects of `kind` the manifest wants to exist, sorted."""
    return tuple(sorted(r.key for r in kind.desired(manifest) if r.ensure == "present"))


def prerequisite(change: Change) -> str | None:
    """The address a change must wait for in apply, if any (each kind says: enabling an app
    waits for its own OAuth client; going back to Cobalt's client waits for the disable)."""
    kind = KINDS.get(change.kind)
    return kind.prerequisite(change) if kind is not None else None


__all__ = [
    "APPLY_ORDER",
    "CONNECT_OFFERED",
    "KINDS",
    "KIND_ORDER",
    "OBSERVER",
    "PRUNABLE_KINDS",
    "REPLACED_TOGETHER",
    "RULES",
    "SECTIONS",
    "STEP_KINDS",
    "DashboardAction",
    "KindSamples",
    "LiveCopy",
    "ResourceKind",
    "RunContext",
    "SecretSource",
    "prerequisite",
    "present_keys",
]
