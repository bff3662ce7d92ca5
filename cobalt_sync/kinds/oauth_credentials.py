"""oauth_credentials: an app's own OAuth client (id, secret, scopes) instead of Cobalt's default.

The secret is write-only: desired Resources carry its fingerprint in `attrs` (compared with
the fingerprint Cobalt reports) and the value itself only in `secrets`, which apply reads.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from cobalt_sync.kinds.base import KindContext
from cobalt_sync.normalise import UNOBSERVABLE, secret_fingerprint
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
                "scopes": scope_list(oauth.scopes),
            }
            yield Resource(KIND, slug, attrs, secrets={"client_secret": secret})

    def read(self, ctx: KindContext, declared: KindState) -> KindState:
        slugs = set(declared.resources)
        if KIND in ctx.prune:
            slugs |= ctx.settings.list_enabled()
        state = KindState()
        for slug in sorted(slugs):
            view = ctx.settings.get_oauth(slug)
            if view is not None:
                state.add(Resource(KIND, slug, live_attrs(view)))
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


def live_attrs(view: OAuthCredentials) -> JsonObject:
    """A live credential view in the desired shape; what the backend cannot see is marked."""
    if view.mode == "unknown":
        return {
            "client_id": view.client_id,
            "client_secret": UNOBSERVABLE,
            "scopes": UNOBSERVABLE,
        }
    return {
        "client_id": view.client_id,
        "client_secret": view.client_secret_fingerprint,
        "scopes": scope_list(view.scopes),
    }


def scope_list(scopes: Iterable[str]) -> list[JsonValue]:
    """Scopes are a set: sorted and once each, so order never shows up as a change."""
    return list(sorted(set(scopes)))
