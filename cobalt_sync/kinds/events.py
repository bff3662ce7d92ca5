"""events: app events, each a name and a sample JSON payload, on the org's default app.

Matched by name; the server `_id` rides in `server_ref` for PUT/DELETE. A create that may have
landed is never blindly repeated: the client re-reads by name (see `CobaltApi.create_event`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from cobalt_sync.kinds.base import KindContext
from cobalt_sync.resource import JsonObject, JsonValue, KindState, Resource

if TYPE_CHECKING:
    from cobalt_sync.api import Event
    from cobalt_sync.manifest import Manifest

KIND = "events"


class EventsKind:
    name = KIND

    def desired(self, manifest: Manifest) -> Iterable[Resource]:
        for name, event in manifest.events.items():
            if event.state == "absent":
                yield Resource(KIND, name, ensure="absent")
            else:
                yield Resource(KIND, name, {"schema": event.sample})

    def notes(self, manifest: Manifest) -> Iterable[str]:
        return ()

    def read(self, ctx: KindContext, declared: KindState) -> KindState:
        state = KindState()
        for event in ctx.api.list_events():
            state.add(live_resource(event))
        return state

    def writable(self, ctx: KindContext) -> bool:
        return True

    def create(self, ctx: KindContext, want: Resource) -> None:
        sample = sample_of(want)
        event = ctx.api.create_event(want.key, sample)
        # A concurrent writer (or our own lost reply) may have created it first, with
        # another payload: converge instead of failing.
        if event.sample is not None and event.sample != sample:
            ctx.api.update_event(event.id, want.key, sample)

    def update(self, ctx: KindContext, want: Resource, have: Resource) -> None:
        assert have.server_ref is not None
        ctx.api.update_event(have.server_ref, want.key, sample_of(want))

    def delete(self, ctx: KindContext, have: Resource) -> None:
        assert have.server_ref is not None
        ctx.api.delete_event(have.server_ref)


def live_resource(event: Event) -> Resource:
    attrs: JsonObject
    if event.sample is not None:
        attrs = {"schema": event.sample}
    else:
        shape: dict[str, JsonValue] = dict(event.shape)
        attrs = {"shape": shape}
    return Resource(KIND, event.name, attrs, server_ref=event.id)


def sample_of(resource: Resource) -> JsonObject:
    sample = resource.attrs.get("schema")
    assert isinstance(sample, dict)
    return sample
