"""apps: which catalog apps are enabled for the org and environment.

Enable is a create, disable a delete; there is no update. Against real Cobalt there is no
public endpoint for either, so the backend (`AppSettings`) may make them manual steps.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from cobalt_sync.kinds.base import KindContext
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

    def read(self, ctx: KindContext, declared: KindState) -> KindState:
        state = KindState()
        for slug in sorted(ctx.settings.list_enabled()):
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
