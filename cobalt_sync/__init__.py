"""cobalt-sync: configuration as code for a Cobalt organisation.

The package reads `cobalt.yaml`, compares it with the live org and makes the org match.
The version has one source, `pyproject.toml`: `__version__` reads the installed metadata
on first use (importlib.metadata costs milliseconds that `validate` need not pay up front).
"""

from __future__ import annotations

DISTRIBUTION = "cobalt-sync"


def __getattr__(name: str) -> str:
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version(DISTRIBUTION)
        except PackageNotFoundError:  # run from a source tree that was never installed
            return "0+unknown"
    raise AttributeError(f"module 'cobalt_sync' has no attribute {name!r}")
