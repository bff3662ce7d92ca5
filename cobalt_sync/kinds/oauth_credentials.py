"""oauth_credentials: an app's own OAuth client (id, secret, scopes) instead of Cobalt's default.

The secret is write-only: desired Resources carry its fingerprint in `attrs` (compared with
the fingerprint Cobalt reports) and the value itself only in `secrets`, which apply reads.
Scopes the app implies (its mandatory ones, from the catalog) are removed on both sides: Cobalt
adds them itself, and a live view may or may not list them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from contextlib import suppress
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from cobalt_sync.catalog import load_catalog
from cobalt_sync.errors import NotObservable
from cobalt_sync.kinds.apps import KIND as APPS
from cobalt_sync.kinds.apps import OAuthConfig, app_name, connected_note
from cobalt_sync.kinds.base import (
    DashboardAction,
    KindSamples,
    ResourceKind,
    RunContext,
    SecretSource,
)
from cobalt_sync.kinds.exporting import ExportBuilder, variable_name
from cobalt_sync.kinds.rules import UNOBSERVABLE, KindRules, secret_fingerprint
from cobalt_sync.plan import Action, Change, FieldChange
from cobalt_sync.resource import JsonObject, JsonValue, KindNote, KindState, Resource, State

if TYPE_CHECKING:
    from cobalt_sync.kinds.app_settings import OAuthCredentials
    from cobalt_sync.kinds.base import Declared

KIND = "oauth_credentials"


# --- comparison rules ---------------------------------------------------------------------


def align_oauth(want: Resource, have: Resource) -> tuple[Resource, Resource]:
    """Where the backend cannot observe a field (real Cobalt reveals only the client id),
    leave it out of the comparison instead of reporting a change on every plan."""
    unknown = [name for name, value in have.attrs.items() if value == UNOBSERVABLE]
    if not unknown:
        return want, have
    keep = {k: v for k, v in want.attrs.items() if k not in unknown}
    return replace(want, attrs=keep), replace(
        have, attrs={k: v for k, v in have.attrs.items() if k not in unknown}
    )


def tag_oauth_change(fields: tuple[FieldChange, ...]) -> tuple[str, ...]:
    """A new client id or scope set makes existing connections authorise again."""
    if any(f.path == "client_id" or f.path.startswith("scopes") for f in fields):
        return ("reauthorize",)
    return ()


# --- the kind -----------------------------------------------------------------------------


class OAuthCredentialsKind(ResourceKind):
    name = KIND
    noun = "own OAuth client"
    # Declared as `apps.<slug>.oauth`: the `apps` section model holds it.
    written_under = APPS
    counts_connected = True
    apply_rank = 10
    always_read = True
    rules = KindRules(
        align=align_oauth, tag=tag_oauth_change, sensitive=frozenset({"client_secret"})
    )
    has_dashboard_steps = True

    def impact(self, change: Change, connected: int) -> Change:
        note = connected_note(change.key, connected)
        if connected and "reauthorize" in change.tags:
            note += ": they will have to authorise again"
        return replace(change, notes=(*change.notes, note))

    def export_into(
        self, entries: Mapping[str, Any], live: State, builder: ExportBuilder
    ) -> None:
        _export_into(entries, live, builder)

    def desired(self, manifest: Declared) -> Iterable[Resource]:
        for slug, app in manifest.section(APPS).items():
            oauth = app.oauth
            if oauth is None:
                continue
            if not isinstance(oauth, OAuthConfig):
                yield Resource(KIND, slug, ensure="absent")
                continue
            secret = oauth.client_secret.get_secret_value()
            attrs: JsonObject = {
                "client_id": oauth.client_id,
                "client_secret": secret_fingerprint(oauth.client_id, secret),
                "scopes": scope_list(oauth.scopes, implied_scopes(slug)),
            }
            yield Resource(KIND, slug, attrs, secrets={"client_secret": secret})

    def notes(self, manifest: Declared) -> Iterable[KindNote]:
        """Declared scopes that the app implies: accepted, and said once, not compared."""
        for slug, app in sorted(manifest.section(APPS).items()):
            if not isinstance(app.oauth, OAuthConfig):
                continue
            implied = sorted(set(app.oauth.scopes) & implied_scopes(slug))
            if implied:
                listed = ", ".join(implied)
                scopes, are, them = ("scope", "is", "it") if len(implied) == 1 else (
                    "scopes", "are", "them"
                )
                yield slug, (
                    f"{scopes} {listed} {are} mandatory for {slug}: Cobalt "
                    f"always requests {them}, so declaring {them} changes nothing"
                )

    def read(self, ctx: RunContext, declared: KindState) -> KindState:
        slugs = set(declared.resources)
        if ctx.reads_all(KIND):
            with suppress(NotObservable):  # nothing unobservable is ever pruned
                slugs |= ctx.settings.list_enabled()
        state = KindState()
        for slug in sorted(slugs):
            try:
                view = ctx.settings.get_oauth(slug)
            except NotObservable as hidden:
                if slug in declared.resources:
                    state.unobserved[slug] = hidden.reason
                continue
            if view is not None:
                read_view(state, declared.resources.get(slug), view)
        return state

    def writable(self, ctx: RunContext) -> bool:
        return ctx.settings.can_write

    def create(self, ctx: RunContext, want: Resource) -> None:
        self.update(ctx, want, want)

    def update(self, ctx: RunContext, want: Resource, have: Resource) -> None:
        client_id = want.attrs["client_id"]
        scopes = want.attrs["scopes"]
        assert isinstance(client_id, str) and isinstance(scopes, list)
        secret = want.secrets["client_secret"]
        ctx.api.register_secret(secret)
        ctx.settings.put_oauth(want.key, client_id, secret, [str(s) for s in scopes])

    def delete(self, ctx: RunContext, have: Resource) -> None:
        ctx.settings.delete_oauth(have.key)

    def prerequisite(self, change: Change) -> str | None:
        """Going back to Cobalt's default client waits for the app to be disabled."""
        if change.action is Action.DELETE:
            return f"apps/{change.key}"
        return None

    def secret_path(self, key: str) -> tuple[str, ...]:
        return ("apps", key, "oauth", "client_secret")

    def manifest_path(self, key: str) -> tuple[str, ...]:
        return ("apps", key, "oauth")

    def samples(self) -> KindSamples:
        """GitHub's own client (no mandatory scopes): id, secret and scopes each change."""
        secret, rotated = 'CANARY-gh"sécret\\-6b1f', "CANARY-gh-rotated-😀-0c2d"

        def app(client_id: str, variable: str, scopes: list[str]) -> dict[str, Any]:
            oauth = {"client_id": client_id, "client_secret": f"${{{variable}}}", "scopes": scopes}
            return {APPS: {"github": {"oauth": oauth}}}

        def step(client_id: str, value: str, scopes: list[str]) -> DashboardAction:
            body = {"client_id": client_id, "client_secret": value, "scopes": scopes}
            return DashboardAction("PUT", "oauth/github", body)

        return KindSamples(
            create=app("gh-sample-client", "GH_SAMPLE_SECRET", ["repo"]),
            updates={
                "client_id": app("gh-sample-client-2", "GH_SAMPLE_SECRET", ["repo"]),
                "client_secret": app("gh-sample-client", "GH_SAMPLE_ROTATED", ["repo"]),
                "scopes": app("gh-sample-client", "GH_SAMPLE_SECRET", ["repo", "gist"]),
            },
            secrets={"GH_SAMPLE_SECRET": secret, "GH_SAMPLE_ROTATED": rotated},
            dashboard=(
                step("gh-sample-client", secret, ["repo"]),
                DashboardAction("POST", "apps/github", {"enabled": True}),
            ),
            update_steps={
                "client_id": (step("gh-sample-client-2", secret, ["repo"]),),
                "client_secret": (step("gh-sample-client", rotated, ["repo"]),),
                "scopes": (step("gh-sample-client", secret, ["repo", "gist"]),),
            },
        )

    def dashboard_step(
        self, change: Change, want: Resource | None, source: SecretSource
    ) -> tuple[str, str]:
        """Where and exactly what to enter; the secret is named by its source, never shown."""
        where = f"Apps → {app_name(change.key)} → Settings → Credentials"
        where += " (sandbox dashboard: #oauth)"
        if change.action is Action.DELETE or want is None:
            return where, "choose Cobalt's credentials (\"Use our credentials\") and save"
        client_id = want.attrs.get("client_id")
        scopes = want.attrs.get("scopes")
        listed = " ".join(f"`{s}`" for s in scopes) if isinstance(scopes, list) and scopes else ""
        implied = sorted(implied_scopes(change.key))
        scope_text = f"scopes {listed}" if listed else "no scopes beyond the mandatory ones"
        if implied:
            scope_text += f" (Cobalt adds the mandatory {', '.join(implied)} itself)"
        return where, (
            f"\"Use your own credentials\": client id `{client_id}`, {scope_text}, "
            f"the client secret from {source.text}; save"
        )


def read_view(state: KindState, declared: Resource | None, view: OAuthCredentials) -> None:
    """Add a live view to `state`, unless whose client it is cannot be told (real Cobalt
    shows a client id, but not whether it is the org's own or Cobalt's default)."""
    if view.mode != "unknown":
        state.add(Resource(KIND, view.slug, live_attrs(view)))
    elif declared is None:  # whose client it is, unknown: never a reason to delete anything
        state.notes.append((
            view.slug,
            f"Cobalt shows client id `{view.client_id}` for it, but not "
            f"whether it is your own or Cobalt's default, so it is left out; if it is yours, "
            f"declare it: {adopting_block(view)}",
        ))
    elif declared.ensure == "absent":
        state.notes.append((
            view.slug,
            "`state: absent` cannot be verified on Cobalt: its consent "
            f"URL shows client id `{view.client_id}` but not whether it is yours or Cobalt's; "
            "if it is yours, switch the app to Cobalt's credentials in the dashboard",
        ))
    else:
        state.add(Resource(KIND, view.slug, live_attrs(view)))
        state.notes.append((
            view.slug,
            "the client secret cannot be read from Cobalt, so a "
            "rotated secret is not detected: set it in the dashboard when you rotate it",
        ))


def adopting_block(view: OAuthCredentials) -> str:
    """The `oauth:` block that declares a client seen in a consent URL (flow style, one
    line), its secret as the variable export would name."""
    implied = implied_scopes(view.slug) | set(view.mandatory_scopes)
    scopes = "" if view.scopes is None else ", ".join(map(str, scope_list(view.scopes, implied)))
    variable = f"${{{variable_name(view.slug, 'CLIENT_SECRET', ())}}}"
    shown = f", scopes: [{scopes}]" if view.scopes is not None else ""
    return (
        f"`apps.{view.slug}.oauth: {{client_id: {view.client_id}, "
        f'client_secret: "{variable}"{shown}}}`'
    )


def live_attrs(view: OAuthCredentials) -> JsonObject:
    """A live credential view in the desired shape; what cannot be seen is marked."""
    implied = implied_scopes(view.slug) | set(view.mandatory_scopes)
    scopes: JsonValue = UNOBSERVABLE if view.scopes is None else scope_list(view.scopes, implied)
    if view.mode == "unknown":
        return {"client_id": view.client_id, "client_secret": UNOBSERVABLE, "scopes": scopes}
    return {
        "client_id": view.client_id,
        "client_secret": view.client_secret_fingerprint,
        "scopes": scopes,
    }


def implied_scopes(slug: str) -> set[str]:
    """The app's mandatory scopes as the catalog documents them."""
    app = load_catalog().get(slug)
    return set(app.scopes) if app is not None else set()


def scope_list(scopes: Iterable[str], implied: set[str] | frozenset[str] = frozenset()) -> list[
    JsonValue
]:
    """Scopes are a set: sorted and once each, without the implied ones, so neither order
    nor Cobalt's own additions ever show up as a change."""
    return list(sorted(set(scopes) - set(implied)))


def _export_into(entries: Mapping[str, Any], live: State, builder: ExportBuilder) -> None:
    oauth = live.kinds.get(KIND, KindState()).resources
    for slug, entry in entries.items():
        credentials = oauth.get(slug)
        block = oauth_block(credentials, builder) if credentials is not None else None
        if block is not None:
            entry["oauth"] = block


def oauth_block(credentials: Resource, builder: ExportBuilder) -> dict[str, Any] | None:
    """Own credentials as a manifest block: the client id literally (it is public: every
    consent URL carries it), the secret as a `${VAR}` the user sets. Cobalt's default client
    (no secret of ours behind it) is not exported: omitting `oauth` leaves it alone."""
    slug = credentials.key
    client_id = credentials.attrs.get("client_id")
    fingerprint = credentials.attrs.get("client_secret")
    if not isinstance(client_id, str) or not client_id or fingerprint is None:
        return None
    secret = builder.placeholder(slug, "CLIENT_SECRET", f"OAuth client secret of the {slug} app")
    scopes = credentials.attrs.get("scopes")
    block: dict[str, Any] = {"client_id": client_id, "client_secret": secret}
    if scopes == UNOBSERVABLE:
        builder.warnings.append(
            f"apps/{slug}: Cobalt shows only the OAuth client id in use (read from its consent "
            "URL; it may be Cobalt's default client): check it, and add `scopes:` by hand"
        )
    else:
        block["scopes"] = sorted(str(s) for s in scopes) if isinstance(scopes, list) else []
    return block
