"""What every kind provides: desired Resources from the manifest, live Resources from Cobalt,
and the three writes. Server ids stay inside the kinds (in `Resource.server_ref`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from cobalt_sync.resource import KindState, Resource

if TYPE_CHECKING:
    from cobalt_sync.api import CobaltApi
    from cobalt_sync.backends.app_settings import AppSettings
    from cobalt_sync.manifest import Manifest


@dataclass(frozen=True)
class KindContext:
    """The connection and run options a kind needs to read or write."""

    api: CobaltApi
    settings: AppSettings
    parallelism: int = 8
    prune: frozenset[str] = frozenset()


class ResourceKind(Protocol):
    name: str

    def desired(self, manifest: Manifest) -> Iterable[Resource]: ...

    def read(self, ctx: KindContext, declared: KindState) -> KindState: ...

    def writable(self, ctx: KindContext) -> bool: ...

    def create(self, ctx: KindContext, want: Resource) -> None: ...

    def update(self, ctx: KindContext, want: Resource, have: Resource) -> None: ...

    def delete(self, ctx: KindContext, have: Resource) -> None: ...
