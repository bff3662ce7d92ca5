"""oauth_credentials: an app's own OAuth client (id, secret, scopes) instead of Cobalt's default.

The secret is write-only: desired Resources carry its fingerprint in `attrs` (compared with
the fingerprint Cobalt reports) and the value itself only in `secrets`, which apply reads.
Scopes the app implies (its mandatory ones, from the catalog) are removed on both sides: Cobalt
adds them itself, and a live view may or may not list them.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import suppress
from typing import TYPE_CHECKING

from cobalt_sync.backends.app_settings import NotObservable
from cobalt_sync.catalog import load_catalog
from cobalt_sync.kinds.apps import app_name
from cobalt_sync.kinds.base import KindContext, SecretSource
from cobalt_sync.normalise import UNOBSERVABLE, secret_fingerprint
from cobalt_sync.plan import Action, Change
from cobalt_sync.resource import JsonObject, JsonValue, KindState, Resource

if TYPE_CHECKING:
    from cobalt_sync.api import OAuthCredentials
    from cobalt_sync.manifest import Manifest

KIND = "oauth_credentials"


class OAuthCredentialsKind:
    name = KIND

    def desired(self, manifest: Manifest) -> Iterable[Resource]:
        from cobalt_sync.manifest import OAuthConfig

        for slug, app in manifest.apps.items():
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

    def notes(self, manifest: Manifest) -> Iterable[str]:
        """Declared scopes that the app implies: accepted, and said once, not compared."""
        from cobalt_sync.manifest import OAuthConfig

        for slug, app in sorted(manifest.apps.items()):
            if not isinstance(app.oauth, OAuthConfig):
                continue
            implied = sorted(set(app.oauth.scopes) & implied_scopes(slug))
            if implied:
                listed = ", ".join(implied)
                scopes, are, them = ("scope", "is", "it") if len(implied) == 1 else (
                    "scopes", "are", "them"
                )
                yield (
                    f"{KIND}/{slug}: {scopes} {listed} {are} mandatory for {slug}: Cobalt "
                    f"always requests {them}, so declaring {them} changes nothing"
                )

    def read(self, ctx: KindContext, declared: KindState) -> KindState:
        slugs = set(declared.resources)
        if KIND in ctx.prune:
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

    def writable(self, ctx: KindContext) -> bool:
        return ctx.settings.can_write

    def create(self, ctx: KindContext, want: Resource) -> None:
        self.update(ctx, want, want)

    def update(self, ctx: KindContext, want: Resource, have: Resource) -> None:
        client_id = want.attrs["client_id"]
        scopes = want.attrs["scopes"]
        assert isinstance(client_id, str) and isinstance(scopes, list)
        secret = want.secrets["client_secret"]
        ctx.api.register_secret(secret)
        ctx.settings.put_oauth(want.key, client_id, secret, [str(s) for s in scopes])

    def delete(self, ctx: KindContext, have: Resource) -> None:
        ctx.settings.delete_oauth(have.key)


def read_view(state: KindState, declared: Resource | None, view: OAuthCredentials) -> None:
    """Add a live view to `state`, unless whose client it is cannot be told (real Cobalt
    shows a client id, but not whether it is the org's own or Cobalt's default)."""
    if view.mode != "unknown":
        state.add(Resource(KIND, view.slug, live_attrs(view)))
    elif declared is None:  # whose client it is, unknown: never a reason to delete anything
        state.notes.append(
            f"{KIND}/{view.slug}: Cobalt shows client id `{view.client_id}` for it, but not "
            "whether it is your own or Cobalt's default, so it is left out"
        )
    elif declared.ensure == "absent":
        state.notes.append(
            f"{KIND}/{view.slug}: `state: absent` cannot be verified on Cobalt: its consent "
            f"URL shows client id `{view.client_id}` but not whether it is yours or Cobalt's; "
            "if it is yours, switch the app to Cobalt's credentials in the dashboard"
        )
    else:
        state.add(Resource(KIND, view.slug, live_attrs(view)))
        state.notes.append(
            f"{KIND}/{view.slug}: the client secret cannot be read from Cobalt, so a "
            "rotated secret is not detected: set it in the dashboard when you rotate it"
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


def dashboard_step(change: Change, want: Resource | None, source: SecretSource) -> tuple[str, str]:
    """Where and exactly what to enter; the secret is named by its source, never shown."""
    where = f"Apps → {app_name(change.key)} → Settings → Credentials"
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
