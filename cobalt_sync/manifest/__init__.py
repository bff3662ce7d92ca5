"""The cobalt.yaml manifest: its models, and `load_manifest` which reads and checks a file.

Everything the rest of cobalt-sync needs from a manifest is re-exported here; the
submodules are implementation detail.
"""

from cobalt_sync.manifest.load import DraftManifest, LoadedManifest, draft_manifest, load_manifest
from cobalt_sync.manifest.models import (
    PRUNABLE_KINDS,
    SUPPORTED_VERSIONS,
    AppConfig,
    EventConfig,
    LinkedAccountConfig,
    Manifest,
    OAuthAbsent,
    OAuthConfig,
)

__all__ = [
    "PRUNABLE_KINDS",
    "SUPPORTED_VERSIONS",
    "AppConfig",
    "DraftManifest",
    "EventConfig",
    "LinkedAccountConfig",
    "LoadedManifest",
    "Manifest",
    "OAuthAbsent",
    "OAuthConfig",
    "draft_manifest",
    "load_manifest",
]
