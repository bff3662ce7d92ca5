"""The JSON Schemas cobalt-sync publishes (the manifest, a plan, an apply report): their one
URL scheme, and the copies shipped inside the package, read through `importlib.resources`.

Every `$id` is the file at its release tag, `https://raw.githubusercontent.com/<repository>/
v<version>/schemas/<name>.schema.json`: it resolves as soon as the tag is pushed, from any
machine, and never changes under a pinned version. `schemas/` (the repository's copy, what
that URL serves) and this package's folder hold the same text, generated from the code
(`generate.py`): `python scripts/generate-schemas.py` writes both, and a test fails when
either is stale.
"""

from __future__ import annotations

from importlib.resources import files

REPOSITORY = "cobalt-sync/cobalt-sync"
REPOSITORY_URL = f"https://github.com/{REPOSITORY}"
RAW_URL = f"https://raw.githubusercontent.com/{REPOSITORY}"
NAMES = ("cobalt", "plan", "report")
"""`cobalt` is the manifest's (cobalt.yaml), `plan` a plan's (JSON, `--out`), `report` apply's."""
REGENERATE = "python scripts/generate-schemas.py"


def file_name(name: str) -> str:
    return f"{name}.schema.json"


def schema_url(name: str, version: str | None = None) -> str:
    """The schema of this (or `version`'s) release, at its tag: what `$id` and the modeline
    `export` writes say."""
    return f"{RAW_URL}/v{version or _installed_version()}/schemas/{file_name(name)}"


def major_url(name: str, version: str | None = None) -> str:
    """The schema at the major tag (`v0`), which every release moves: the newest of the
    major version, for an editor's catalog that names no version."""
    major = (version or _installed_version()).split(".")[0]
    return f"{RAW_URL}/v{major}/schemas/{file_name(name)}"


def _installed_version() -> str:
    import cobalt_sync

    return str(cobalt_sync.__version__)


def packaged_text(name: str) -> str:
    """The schema as shipped in the wheel (cobalt_sync/schemas/)."""
    if name not in NAMES:
        raise ValueError(f"no schema named {name!r}; expected one of {', '.join(NAMES)}")
    return (files(__name__) / file_name(name)).read_text(encoding="utf-8")
