"""Regenerate the JSON Schemas from the code: the repository's `schemas/` (what the release
tag's URL serves) and the package's `cobalt_sync/schemas/` (what `cobalt-sync schema` prints),
byte for byte the same. Run after changing a model, the plan or report format, or the version.

Usage: python scripts/generate-schemas.py   (with the project's venv active)
"""

from __future__ import annotations

from pathlib import Path

from cobalt_sync.schemas import NAMES, file_name
from cobalt_sync.schemas.generate import generated_text

ROOT = Path(__file__).resolve().parent.parent

for name in NAMES:
    text = generated_text(name)
    for folder in (ROOT / "schemas", ROOT / "cobalt_sync" / "schemas"):
        folder.mkdir(exist_ok=True)
        (folder / file_name(name)).write_text(text, encoding="utf-8")
        print(f"wrote {(folder / file_name(name)).relative_to(ROOT)}")
