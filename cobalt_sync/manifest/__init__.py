"""The cobalt.yaml manifest: its models, and `load_manifest` which reads and checks a file.

Everything the rest of cobalt-sync needs from a manifest is re-exported here; the
submodules are implementation detail. The exports are imported on first use (PEP 562): a
run reads its manifest's draft (YAML, environment, variables) before the models exist, so
that its first reads can start while they are built (`read_ahead.py`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cobalt_sync.manifest.load import (
        DraftManifest as DraftManifest,
    )
    from cobalt_sync.manifest.load import (
        LoadedManifest as LoadedManifest,
    )
    from cobalt_sync.manifest.load import (
        draft_manifest as draft_manifest,
    )
    from cobalt_sync.manifest.load import (
        load_manifest as load_manifest,
    )
    from cobalt_sync.manifest.models import (
        PRUNABLE_KINDS as PRUNABLE_KINDS,
    )
    from cobalt_sync.manifest.models import (
        AppConfig as AppConfig,
    )
    from cobalt_sync.manifest.models import (
        EventConfig as EventConfig,
    )
    from cobalt_sync.manifest.models import (
        LinkedAccountConfig as LinkedAccountConfig,
    )
    from cobalt_sync.manifest.models import (
        Manifest as Manifest,
    )
    from cobalt_sync.manifest.models import (
        OAuthAbsent as OAuthAbsent,
    )
    from cobalt_sync.manifest.models import (
        OAuthConfig as OAuthConfig,
    )
    from cobalt_sync.manifest.versions import SUPPORTED_VERSIONS as SUPPORTED_VERSIONS

_HOMES = {
    "DraftManifest": "load",
    "LoadedManifest": "load",
    "draft_manifest": "load",
    "load_manifest": "load",
    "PRUNABLE_KINDS": "models",
    "AppConfig": "models",
    "EventConfig": "models",
    "LinkedAccountConfig": "models",
    "Manifest": "models",
    "OAuthAbsent": "models",
    "OAuthConfig": "models",
    "SUPPORTED_VERSIONS": "versions",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)
