"""apps: which catalog apps are enabled for the org and environment.

Enable is a create, disable a delete; there is no update. Against real Cobalt there is no
public endpoint for either, so the backend (`AppSettings`) may make them manual steps.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from cobalt_sync.backends.app_settings import NotObservable
from cobalt_sync.catalog import load_catalog
from cobalt_sync.kinds.base import KindContext, SecretSource
from cobalt_sync.plan import Action, Change
from cobalt_sync.resource import KindState, Resource

if TYPE_CHECKING:
    from cobalt_sync.manifest import Manifest

KIND = "apps"


class AppsKind:
    name = KIND

    def desired(self, manifest: Manifest) -> Iterable[Resource]:
        for slug, app in manifest.apps.items():
            if app.enabled:
                yield Resource(KIND, slug, {"enabled": True})
            else:
                yield Resource(KIND, slug, ensure="absent")

    def notes(self, manifest: Manifest) -> Iterable[str]:
        return ()

    def read(self, ctx: KindContext, declared: KindState) -> KindState:
        state = KindState()
        try:
            enabled = ctx.settings.list_enabled()
        except NotObservable as hidden:
            state.unobserved = {slug: hidden.reason for slug in declared.resources}
            if not declared.resources:  # e.g. export: nothing to mark, so say it once
                state.notes.append(f"{KIND}: enabled apps not observable: {hidden.reason}")
            return state
        for slug in sorted(enabled):
            state.add(Resource(KIND, slug, {"enabled": True}))
        return state

    def writable(self, ctx: KindContext) -> bool:
        return ctx.settings.can_write

    def create(self, ctx: KindContext, want: Resource) -> None:
        ctx.settings.set_enabled(want.key, True)

    def update(self, ctx: KindContext, want: Resource, have: Resource) -> None:
        ctx.settings.set_enabled(want.key, True)

    def delete(self, ctx: KindContext, have: Resource) -> None:
        ctx.settings.set_enabled(have.key, False)


def app_name(slug: str) -> str:
    """The name the dashboard shows for an app (the catalog's), else the slug."""
    app = load_catalog().get(slug)
    return app.name if app is not None else slug


def dashboard_step(change: Change, want: Resource | None, source: SecretSource) -> tuple[str, str]:
    """Where and what, in Cobalt's dashboard (cobalt-api.md §3.1, §5: "Go Live" or the
    toggle in the connector header)."""
    where = f"Apps → {app_name(change.key)}"
    if change.action is Action.DELETE:
        return where, "disable the app (connected customers lose it)"
    return where, "enable the app (Go Live)"
