"""The JSON Schema of cobalt.yaml, generated from the pydantic models.

`schemas/cobalt.schema.json` is this text, committed so editors can use it through the
modeline `# yaml-language-server: $schema=…`; a test fails when the two differ. Rules the
models check in code (catalog, variables, files) are not expressible here and stay in
`load.py`.
"""

from __future__ import annotations

import json
from typing import Any

from cobalt_sync.manifest.models import Manifest

SCHEMA_ID = "https://github.com/cobalt-sync/cobalt-sync/schemas/cobalt.schema.json"
REGENERATE = "cobalt-sync schema > schemas/cobalt.schema.json"


def json_schema() -> dict[str, Any]:
    """The schema as a dict (draft 2020-12)."""
    schema = Manifest.model_json_schema(by_alias=True, mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "cobalt.yaml",
        **{key: value for key, value in schema.items() if key != "title"},
    }


def schema_text() -> str:
    """The schema exactly as committed in schemas/cobalt.schema.json."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
