"""Global command-line options, shared by every command through click's context object.

Owns only the values; how they turn into an API connection lives in `connect.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class GlobalOptions:
    """What `cobalt-sync [--api-url URL] [--sandbox] [-v|--debug]` was given."""

    api_url: str | None = None
    sandbox: bool = False
    verbose: int = 0
    debug: bool = False
    app_settings: str | None = None  # "api" | "manual" | None (decided from the URL)
    timeout: float | None = None  # seconds per request; None: COBALT_TIMEOUT or the default
    # Where --sandbox keeps its org; None: .cobalt-sandbox beside the manifest.
    sandbox_dir: Path | None = None
    no_color: bool = False  # --no-color (NO_COLOR in the environment does the same)
