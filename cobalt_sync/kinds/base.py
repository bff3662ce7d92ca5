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
    from cobalt_sync.manifest import LoadedManifest, Manifest


@dataclass(frozen=True)
class SecretSource:
    """Where a manifest secret comes from, said without its value: `$HUBSPOT_CLIENT_SECRET`,
    or the field it is written in."""

    text: str

    @classmethod
    def of(cls, loaded: LoadedManifest, slug: str) -> SecretSource:
        path = ("apps", slug, "oauth", "client_secret")
        names = loaded.references.get(path, ())
        if names:
            return cls(" and ".join(f"${name}" for name in names))
        return cls(f"`{'.'.join(path)}` in {loaded.path.name}")


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

    def notes(self, manifest: Manifest) -> Iterable[str]:
        """Facts about the declared objects a reviewer should see (e.g. implied scopes)."""
        ...

    def read(self, ctx: KindContext, declared: KindState) -> KindState: ...

    def writable(self, ctx: KindContext) -> bool: ...

    def create(self, ctx: KindContext, want: Resource) -> None: ...

    def update(self, ctx: KindContext, want: Resource, have: Resource) -> None: ...

    def delete(self, ctx: KindContext, have: Resource) -> None: ...
