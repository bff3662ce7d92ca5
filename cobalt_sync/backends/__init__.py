"""Backends for what Cobalt's public API cannot do: app enablement and org OAuth credentials.

`app_settings.py` holds the two implementations of `kinds.app_settings.AppSettings`; a real
Cobalt endpoint, if one appears, replaces only that module.
"""

from cobalt_sync.backends.app_settings import (
    AppSettings,
    ManualAppSettings,
    NotObservable,
    SandboxAppSettings,
)

__all__ = [
    "AppSettings",
    "ManualAppSettings",
    "NotObservable",
    "SandboxAppSettings",
]
