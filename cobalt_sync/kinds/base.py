"""What a kind is: `ResourceKind`, the base every kind module subclasses, and `RunContext`,
the one context a run hands to the kinds (client, app-settings backend, target, read scope).

A kind owns its manifest section model, desired and live Resources, the three writes, its
comparison rules, apply rank and prerequisites, dashboard-step wording and export section.
Server ids stay inside the kinds (in `Resource.server_ref`). Nothing here imports the API
client at run time, so `validate` can load every kind's section model without httpx.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol

from cobalt_sync.kinds.rules import KindRules
from cobalt_sync.plan import Change
from cobalt_sync.resource import JsonObject, KindNote, KindState, Resource, State

if TYPE_CHECKING:
    from pydantic import BaseModel

    from cobalt_sync.api import CobaltApi
    from cobalt_sync.kinds.app_settings import AppSettings
    from cobalt_sync.kinds.exporting import ExportBuilder, ExportSection

Severity = Literal["error", "warning"]
DocumentPath = tuple[str | int, ...]


class Declared(Protocol):
    """What a kind reads of a checked manifest (`manifest.models.Manifest` is one). A
    protocol, so that `kinds/` never imports `manifest/`: the manifest is built from the
    kinds' sections, not the other way round."""

    @property
    def environment(self) -> str: ...

    @property
    def prune(self) -> Sequence[str]: ...

    def section(self, name: str) -> Mapping[str, Any]: ...


class ManifestSource(Protocol):
    """Where a loaded manifest's values came from (`manifest.LoadedManifest` is one)."""

    @property
    def path(self) -> Path: ...

    @property
    def references(self) -> Mapping[Any, tuple[str, ...]]: ...


class DocumentChecks(Protocol):
    """What a kind's cross-field checks may do with the document being loaded (load.py):
    report a problem at a path, check that a secret comes from a variable, read a file the
    entry names."""

    def report(
        self,
        path: DocumentPath,
        message: str,
        *,
        at_key: bool = False,
        severity: Severity = "error",
    ) -> None: ...

    def check_secret(
        self, data: Any, path: DocumentPath, literal_message: str, severity: Severity
    ) -> None: ...

    def read_sample(self, path: DocumentPath, relative: str) -> JsonObject | None: ...


@dataclass(frozen=True)
class SecretSource:
    """Where a manifest secret comes from, said without its value: `$HUBSPOT_CLIENT_SECRET`,
    or the field it is written in."""

    text: str

    @classmethod
    def of(cls, loaded: ManifestSource, path: tuple[str, ...]) -> SecretSource:
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


@dataclass(frozen=True)
class DashboardAction:
    """What a person does in Cobalt's dashboard, as the sandbox's dashboard JSON routes take
    it: `method` on `/_sandbox/dashboard/<path>` with `body` (the sender adds the org's key)."""

    method: str
    path: str
    body: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class KindSamples:
    """Small manifest fragments a kind offers for checking every README guarantee on it
    (tests/guarantees/): a new kind that provides them is checked by itself.

    `create` declares a few objects from scratch (manifest sections → entries); `updates`
    holds, per updatable field, the same objects with that field changed; `secrets` the
    `${VARIABLE}`s the fragments reference and their values (canaries that must never show);
    `dashboard` what a person does in Cobalt's dashboard for `create` to converge when the
    plan lists dashboard steps (definitions only the dashboard creates, or every step on
    real Cobalt), and `update_steps` the same for an update, by field."""

    create: Mapping[str, Any]
    updates: Mapping[str, Mapping[str, Any]]
    secrets: Mapping[str, str] = field(default_factory=dict)
    dashboard: tuple[DashboardAction, ...] = ()
    update_steps: Mapping[str, tuple[DashboardAction, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class LiveCopy:
    """One of the live objects holding a key, with what orders copies the same way for every
    reader: the vendor's creation stamp, then the server id (both as the vendor sends them)."""

    resource: Resource
    created: str = ""

    @property
    def order(self) -> tuple[str, str]:
        return (self.created, self.resource.server_ref or "")


class ResourceKind:
    """One kind of Cobalt object. Subclasses set the class attributes and override what
    differs; the registry (`kinds/__init__.py`) derives every list of kinds from them."""

    def __init_subclass__(cls) -> None:
        super().__init_subclass__()
        if "noun" not in cls.__dict__ and "name" in cls.__dict__:
            cls.noun = cls.name.replace("_", " ").removesuffix("s")

    name: ClassVar[str]
    # One object of the kind, in words (`validate` counts them: "2 webhooks").
    noun: ClassVar[str]
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
    # False when the vendor lets two objects share the kind's key (webhooks by URL, MCP
    # servers by name): two applies racing can then each create one. Such a kind implements
    # `copies`, and apply keeps one copy after every create (applying/duplicates.py).
    key_unique_on_server: ClassVar[bool] = True
    # How the manifest's section is typed: its keys, one entry (default: `entry_model`), the
    # section's description and any JSON Schema it adds (manifest.models builds `Manifest`).
    section_key: ClassVar[Any] = str
    section_value: ClassVar[Any] = None
    section_doc: ClassVar[str] = ""
    section_schema: ClassVar[Mapping[str, Any] | None] = None
    # The kind whose section this kind's objects are written in (`export --kinds` needs it).
    written_under: ClassVar[str | None] = None
    # How a manifest says "delete this object" (`promotion` words a removal with it).
    absent_spelling: ClassVar[str] = "state: absent"
    # Fields of an entry that an environment overlay replaces together, never key by key.
    replaced_whole: ClassVar[frozenset[str]] = frozenset()
    # True for the kind whose objects other kinds are observed through: on real Cobalt,
    # enabled apps are read through a linked account (see `observers` and `probe`).
    observer: ClassVar[bool] = False
    # True for the kind whose present objects Cobalt's Connect page offers (`check`).
    offered_in_connect: ClassVar[bool] = False
    # True for kinds whose changes reach the end customers who connected the app they are
    # about (`plan --impact` counts them; the kind's `impact` words the note).
    counts_connected: ClassVar[bool] = False
    # Keys of cobalt-sync's own objects (the probe account): never unmanaged, never pruned.
    own_keys: ClassVar[frozenset[str]] = frozenset()

    def desired(self, manifest: Declared) -> Iterable[Resource]:
        raise NotImplementedError

    def notes(self, manifest: Declared) -> Iterable[KindNote]:
        """Facts about the declared objects a reviewer should see (e.g. implied scopes), as
        (key, text): the plan shows one with its object's change, or folds it away."""
        return ()

    def manifest_path(self, key: str) -> tuple[str, ...]:
        """Where object `key` is declared in the manifest (its line is cited by a change)."""
        return (self.section or self.name, key)

    def check_document(self, checks: DocumentChecks, data: Mapping[str, Any]) -> Mapping[str, Any]:
        """Cross-field checks of the (substituted, unvalidated) document the models cannot
        make: catalog lookups, secrets written in the file, files an entry names. Returns
        what to `attach` to the validated entries, by key."""
        return {}

    def attach(self, entry: Any, value: Any) -> None:
        """Attach what `check_document` read for an entry to the validated entry."""

    def nested_models(self) -> Mapping[int, type[BaseModel]]:
        """Models of mappings deeper in an entry, by path length (`apps.slack.oauth` is 3):
        messages name their fields."""
        return {}

    def observers(self, declared: KindState) -> list[str]:
        """With `observer`: the declared objects (that will exist) other kinds may be read
        through."""
        return []

    def probe(self) -> Resource | None:
        """With `observer`: the object a plan adds when nothing declared or live lets
        dashboard-only kinds be observed."""
        return None

    def annotate(self, changes: list[Change], want: KindState, have: KindState) -> list[Change]:
        """The kind's changes with notes on what they do beyond their fields (disabling an
        app hides it from customers; a new account named like one left behind)."""
        return changes

    def findings(
        self, want: KindState, have: KindState, *, pruned: bool
    ) -> tuple[list[str], list[str]]:
        """(warnings, notes) about the kind as a whole that a plan shows."""
        return [], []

    def impact(self, change: Change, connected: int) -> Change:
        """`change` with a note on the `connected` end customers who connected the app it is
        about (`plan --impact`; asked only of kinds that set `counts_connected`)."""
        return change

    def read(self, ctx: RunContext, declared: KindState) -> KindState:
        raise NotImplementedError

    def copies(self, ctx: RunContext, key: str) -> list[LiveCopy]:
        """Every live object holding `key`, read fresh. Needed only when the vendor does not
        keep the key unique (`key_unique_on_server = False`): apply re-reads by key after a
        create, so two applies racing end with one object (applying/duplicates.py)."""
        raise NotImplementedError

    def duplicate_advice(self, address: str, count: int, *, declared: bool) -> str:
        """The plan's warning for `count` live objects sharing one key, saying what to do."""
        how = (
            "Cobalt does not keep this key unique: someone created it twice, or two applies "
            "of a cobalt-sync older than 0.3 raced"
            if not self.key_unique_on_server
            else "Cobalt should have refused the second one"
        )
        then = (
            "then `plan` updates the one left to match the manifest"
            if declared
            else "the manifest does not declare it, so cobalt-sync never deletes any of them"
        )
        return (
            f"{address}: {count} live objects share this key ({how}). cobalt-sync will not "
            "guess which one is meant and plans nothing for it: keep the one you want, "
            f"delete the others in Cobalt's dashboard; {then}."
        )

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

    def export_into(
        self, entries: Mapping[str, Any], live: State, builder: ExportBuilder
    ) -> None:
        """With `written_under`: add this kind's objects to the entries of that kind's
        exported section (each entry a dict)."""

    def samples(self) -> KindSamples:
        """Small fragments to check every README guarantee on this kind (see KindSamples)."""
        raise NotImplementedError(f"{self.name}: no samples for tests/guarantees")
