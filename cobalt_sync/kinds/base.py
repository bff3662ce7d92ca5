"""What a kind is: `ResourceKind`, the base every kind module subclasses, and `RunContext`,
the one context a run hands to the kinds (client, app-settings backend, target, read scope).

A kind owns its manifest section model, desired and live Resources, the three writes, its
comparison rules, apply rank and prerequisites, dashboard-step wording and export section.
Server ids stay inside the kinds (in `Resource.server_ref`). Nothing here imports the API
client at run time, so `validate` can load every kind's section model without httpx.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from cobalt_sync.kinds.rules import KindRules
from cobalt_sync.plan import Change
from cobalt_sync.resource import KindNote, KindState, Resource, State

if TYPE_CHECKING:
    from pydantic import BaseModel

    from cobalt_sync.api import CobaltApi
    from cobalt_sync.backends.app_settings import AppSettings
    from cobalt_sync.kinds.exporting import ExportBuilder, ExportSection
    from cobalt_sync.manifest import LoadedManifest, Manifest


@dataclass(frozen=True)
class SecretSource:
    """Where a manifest secret comes from, said without its value: `$HUBSPOT_CLIENT_SECRET`,
    or the field it is written in."""

    text: str

    @classmethod
    def of(cls, loaded: LoadedManifest, path: tuple[str, ...]) -> SecretSource:
        names = loaded.references.get(path, ())
        if names:
            return cls(" and ".join(f"${name}" for name in names))
        return cls(f"`{'.'.join(path)}` in {loaded.path.name}")


@dataclass(frozen=True)
class RunContext:
    """One run against one org and environment: everything a kind needs to read or write.

    `read_all` is the read scope: kinds whose every live object must be read (kinds being
    pruned, or exported), where otherwise reading the declared objects is enough.
    """

    api: CobaltApi
    settings: AppSettings
    environment: Literal["test", "production"]
    target: str
    parallelism: int = 8
    read_all: frozenset[str] = frozenset()

    def reads_all(self, kind: str) -> bool:
        return kind in self.read_all


class ResourceKind:
    """One kind of Cobalt object. Subclasses set the class attributes and override what
    differs; the registry (`kinds/__init__.py`) derives every list of kinds from them."""

    name: ClassVar[str]
    # The manifest section the kind is declared in, and the model of one entry of it; None
    # when the kind is declared inside another kind's section (OAuth clients under `apps`).
    section: ClassVar[str | None] = None
    entry_model: ClassVar[type[BaseModel] | None] = None
    # Creates and updates run in ascending rank (deletes in reverse): see APPLY_ORDER.
    apply_rank: ClassVar[int]
    prunable: ClassVar[bool] = True
    # Read by every plan (its undeclared objects are listed as unmanaged), or only when the
    # manifest declares or prunes the kind: the kinds added after the first four cost requests
    # (and may be unavailable to an org) for teams that do not use them.
    always_read: ClassVar[bool] = False
    rules: ClassVar[KindRules] = KindRules()
    # True when a change of this kind can be a dashboard step (`dashboard_step` words it).
    has_dashboard_steps: ClassVar[bool] = False
    # What `read` uses of the declared objects: nothing, their keys, or whole checked
    # entries. With nothing or keys, the read can start from the manifest's draft before
    # its models check it (read_ahead.py).
    read_uses: ClassVar[Literal["nothing", "keys", "entries"]] = "entries"

    def desired(self, manifest: Manifest) -> Iterable[Resource]:
        raise NotImplementedError

    def notes(self, manifest: Manifest) -> Iterable[KindNote]:
        """Facts about the declared objects a reviewer should see (e.g. implied scopes), as
        (key, text): the plan shows one with its object's change, or folds it away."""
        return ()

    def manifest_path(self, key: str) -> tuple[str, ...]:
        """Where object `key` is declared in the manifest (its line is cited by a change)."""
        return (self.section or self.name, key)

    def read(self, ctx: RunContext, declared: KindState) -> KindState:
        raise NotImplementedError

    def draft_keys(self, document: Mapping[str, Any]) -> KindState | None:
        """The declared objects as far as a read needs them (key and `ensure`), guessed from
        the manifest's unchecked document; None when the section's shape gives no guess.
        A guess only decides what is read ahead: `read_ahead.py` uses the reading when the
        checked manifest declares exactly these, so a wrong one costs time, never a wrong
        plan."""
        if self.section is None:
            return None
        entries = document.get(self.section, {})
        if not isinstance(entries, Mapping):
            return None
        state = KindState()
        for key, entry in entries.items():
            if not isinstance(key, str):
                return None
            absent = isinstance(entry, Mapping) and entry.get("state") == "absent"
            state.add(Resource(self.name, key, ensure="absent" if absent else "present"))
        return state

    def writable(self, ctx: RunContext) -> bool:
        return True

    def create(self, ctx: RunContext, want: Resource) -> None:
        raise NotImplementedError

    def update(self, ctx: RunContext, want: Resource, have: Resource) -> None:
        raise NotImplementedError

    def delete(self, ctx: RunContext, have: Resource) -> None:
        raise NotImplementedError

    def prerequisite(self, change: Change) -> str | None:
        """The address a change must wait for in apply, if any."""
        return None

    def dashboard_step(
        self, change: Change, want: Resource | None, source: SecretSource
    ) -> tuple[str, str]:
        """(where, what) a person does in Cobalt's dashboard for `change`; never a secret."""
        raise NotImplementedError

    def secret_path(self, key: str) -> tuple[str, ...]:
        """The manifest path of the secret a dashboard step names for object `key`."""
        return (self.section or self.name, key)

    def export(self, live: State, builder: ExportBuilder) -> ExportSection | None:
        """The kind's manifest section for `export`; None when another kind writes it."""
        return None
