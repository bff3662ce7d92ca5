"""apps: which catalog apps are enabled for the org and environment, and the `apps:` section
of a manifest (which also holds each app's own OAuth client, see oauth_credentials.py).

Enable is a create, disable a delete; there is no update. Against real Cobalt there is no
public endpoint for either, so the backend (`AppSettings`) may make them dashboard steps.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, Discriminator, Field, SecretStr, Tag, field_validator

from cobalt_sync.catalog import load_catalog
from cobalt_sync.errors import NotObservable
from cobalt_sync.kinds.base import (
    DashboardAction,
    DocumentChecks,
    KindSamples,
    ResourceKind,
    RunContext,
    SecretSource,
    Severity,
)
from cobalt_sync.kinds.exporting import ExportBuilder, ExportSection
from cobalt_sync.kinds.fields import NonEmptyString, SectionModel, unique
from cobalt_sync.plan import Action, Change
from cobalt_sync.resource import KindState, Resource, State

if TYPE_CHECKING:
    from cobalt_sync.kinds.base import Declared

KIND = "apps"
DISABLE_NOTE = (
    "customers who have connected this app lose it; `cobalt-sync plan --impact` counts them"
)


def connected_note(slug: str, connected: int) -> str:
    """`3 linked accounts have slack connected` (`plan --impact`)."""
    noun = "linked account has" if connected == 1 else "linked accounts have"
    return f"{connected} {noun} {slug} connected"
# Tags of the discriminated `oauth` union: they appear in error locations and are dropped.
OAUTH_CREDENTIALS_TAG = "oauth-credentials"
OAUTH_ABSENT_TAG = "oauth-absent"


# --- manifest section -------------------------------------------------------------------------


class OAuthConfig(SectionModel):
    """The app's own OAuth client, used instead of Cobalt's default credentials."""

    client_id: NonEmptyString
    """OAuth client id of your app at the provider, e.g. `${SLACK_CLIENT_ID}`."""

    client_secret: SecretStr = Field(min_length=1)
    """OAuth client secret. Write it as a variable, e.g. `${SLACK_CLIENT_SECRET}`: a literal
    secret is a warning with `environment: test` and an error with `production`."""

    scopes: list[NonEmptyString] = Field(default=[], json_schema_extra={"uniqueItems": True})
    """Scopes to request, each once; Cobalt adds the app's mandatory scopes itself."""

    @field_validator("scopes")
    @classmethod
    def _scopes_unique(cls, scopes: list[str]) -> list[str]:
        return unique(scopes, "this scope")


class OAuthAbsent(SectionModel):
    """Remove the app's own OAuth client: go back to Cobalt's default credentials."""

    state: Literal["absent"]
    """`absent`: delete the app's own OAuth credentials."""


def _oauth_tag(value: Any) -> str:
    if isinstance(value, dict) and "state" in value:
        return OAUTH_ABSENT_TAG
    return OAUTH_CREDENTIALS_TAG


OAuthSetting = Annotated[
    Annotated[OAuthConfig, Tag(OAUTH_CREDENTIALS_TAG)]
    | Annotated[OAuthAbsent, Tag(OAUTH_ABSENT_TAG)],
    Discriminator(_oauth_tag),
]


class AppConfig(SectionModel):
    """One app of the Cobalt catalog, keyed by its slug."""

    enabled: bool = True
    """Whether the app is enabled for the org (shown in Connect). `false` disables it."""

    oauth: OAuthSetting | None = None
    """Own OAuth client credentials (OAuth apps only). Omit to leave the credentials
    unmanaged; `{state: absent}` to go back to Cobalt's default credentials."""


# --- the kind -----------------------------------------------------------------------------


def app_name(slug: str) -> str:
    """The name the dashboard shows for an app (the catalog's), else the slug."""
    app = load_catalog().get(slug)
    return app.name if app is not None else slug


class AppsKind(ResourceKind):
    name = KIND
    section = KIND
    read_uses = "keys"
    entry_model = AppConfig
    section_doc = "Apps by catalog slug (e.g. `slack`, `hubspot`)."
    section_schema: ClassVar[Mapping[str, Any]] = {
        "propertyNames": {"enum": list(load_catalog().slugs())}
    }
    absent_spelling = "enabled: false"
    offered_in_connect = True
    counts_connected = True
    # After own OAuth credentials (oauth_credentials.py): no end customer ever meets Cobalt's
    # default consent screen for an app that is meant to use the org's own client.
    apply_rank = 20
    always_read = True
    has_dashboard_steps = True

    def annotate(self, changes: list[Change], want: KindState, have: KindState) -> list[Change]:
        """Disabling an app hides it from the customers who connected it."""
        return [
            replace(c, notes=(*c.notes, DISABLE_NOTE)) if c.action is Action.DELETE else c
            for c in changes
        ]

    def nested_models(self) -> Mapping[int, type[BaseModel]]:
        return {3: OAuthConfig}  # apps.<slug>.oauth

    def impact(self, change: Change, connected: int) -> Change:
        """The count replaces the suggestion to run `--impact` (the disable note)."""
        note = connected_note(change.key, connected)
        if connected and change.action is Action.DELETE:
            note += ": disabling hides it from them"
        kept = tuple(n for n in change.notes if n != DISABLE_NOTE)
        return replace(change, notes=(*kept, note))

    def check_document(self, checks: DocumentChecks, data: Mapping[str, Any]) -> Mapping[str, Any]:
        """Every slug is in Cobalt's catalog, `oauth` only on OAuth apps, and a client secret
        comes from a variable (production refuses one written in the file)."""
        apps = data.get(KIND)
        if not isinstance(apps, dict):
            return {}
        catalog = load_catalog()
        severity: Severity = "error" if data.get("environment") == "production" else "warning"
        for slug, app in apps.items():
            entry = catalog.get(slug)
            has_oauth = isinstance(app, dict) and app.get("oauth") is not None
            if entry is None:
                close = catalog.suggest(slug)
                hint = f" (did you mean '{close}'?)" if close else " (not in Cobalt's catalog)"
                checks.report((KIND, slug), f"unknown app '{slug}'{hint}", at_key=True)
            elif has_oauth and not entry.supports_oauth:
                checks.report(
                    (KIND, slug, "oauth"),
                    f"app '{slug}' uses {entry.auth_type_label} authentication; only OAuth apps "
                    "(auth type oauth2) take `oauth` client credentials",
                    at_key=True,
                )
            variable = f"${{{slug.upper()}_CLIENT_SECRET}}"
            checks.check_secret(
                data,
                (KIND, slug, "oauth", "client_secret"),
                f"the client secret is written in the file; use a variable: {variable}",
                severity,
            )
        return {}

    def desired(self, manifest: Declared) -> Iterable[Resource]:
        for slug, app in manifest.section(KIND).items():
            if app.enabled:
                yield Resource(KIND, slug, {"enabled": True})
            else:
                yield Resource(KIND, slug, ensure="absent")

    def read(self, ctx: RunContext, declared: KindState) -> KindState:
        state = KindState()
        try:
            enabled = ctx.settings.list_enabled()
        except NotObservable as hidden:
            state.unobserved = {slug: hidden.reason for slug in declared.resources}
            if not declared.resources:  # e.g. export: nothing to mark, so say it once
                state.notes.append((None, f"{KIND}: enabled apps not observable: {hidden.reason}"))
            return state
        for slug in sorted(enabled):
            state.add(Resource(KIND, slug, {"enabled": True}))
        return state

    def writable(self, ctx: RunContext) -> bool:
        return ctx.settings.can_write

    def create(self, ctx: RunContext, want: Resource) -> None:
        ctx.settings.set_enabled(want.key, True)

    def update(self, ctx: RunContext, want: Resource, have: Resource) -> None:
        ctx.settings.set_enabled(want.key, True)

    def delete(self, ctx: RunContext, have: Resource) -> None:
        ctx.settings.set_enabled(have.key, False)

    def prerequisite(self, change: Change) -> str | None:
        """Enabling waits for the app's own credentials."""
        if change.action is not Action.DELETE:
            return f"oauth_credentials/{change.key}"
        return None

    def dashboard_step(
        self, change: Change, want: Resource | None, source: SecretSource
    ) -> tuple[str, str]:
        """Where and what, in Cobalt's dashboard (cobalt-api.md §3.1, §5: "Go Live" or the
        toggle in the connector header)."""
        where = f"Apps → {app_name(change.key)} (sandbox dashboard: #apps)"
        if change.action is Action.DELETE:
            return where, "disable the app (connected customers lose it)"
        return where, "enable the app (Go Live)"

    def samples(self) -> KindSamples:
        """A key-based app (no OAuth client to go with it): enabled, then disabled."""
        return KindSamples(
            create={KIND: {"stripe": {"enabled": True}}},
            updates={"enabled": {KIND: {"stripe": {"enabled": False}}}},
            dashboard=(DashboardAction("POST", "apps/stripe", {"enabled": True}),),
            update_steps={"enabled": (DashboardAction("POST", "apps/stripe", {"enabled": False}),)},
        )

    def export(self, live: State, builder: ExportBuilder) -> ExportSection:
        apps = live.kinds.get(KIND, KindState()).resources
        known = builder.options.known_apps
        entries: dict[str, Any] = {}
        for slug in sorted(apps):
            if known is not None and slug not in known:
                builder.warnings.append(
                    f"apps/{slug}: left out: the slug is not in cobalt-sync's app catalog, so "
                    "a manifest cannot name it"
                )
                continue
            entries[slug] = {"enabled": True}  # own OAuth clients: oauth_credentials.export_into
        builder.counts[KIND] = len(entries)
        return ExportSection(KIND, entries)
