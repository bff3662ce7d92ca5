"""The JSON Schema of cobalt.yaml, generated from the pydantic models.

`schemas/cobalt.schema.json` is this text, committed so editors can use it through the
modeline `# yaml-language-server: $schema=…`; a test fails when the two differ. Rules the
models check in code (catalog, variables, files) are not expressible here and stay in
`load.py`.

The schema covers both forms: `environment:` (one environment) or `environments:` (sections
merged over the top level, see overlay.py). A section's entries may be partial (they merge
over the top level's) and `null` removes a key, so its definitions are the models' own with
required fields and cross-field rules dropped and null allowed: the loader checks the merged
result of every environment.
"""

from __future__ import annotations

import json
from typing import Any

from cobalt_sync.manifest.models import Manifest
from cobalt_sync.manifest.overlay import ENVIRONMENTS, FILE_LEVEL_FIELDS, SECTION

SCHEMA_ID = "https://github.com/cobalt-sync/cobalt-sync/schemas/cobalt.schema.json"
REGENERATE = "cobalt-sync schema > schemas/cobalt.schema.json"


OVERLAY_SUFFIX = "Overlay"
ENTRY_SECTIONS = ("apps", "events", "linked_accounts")
# Rules that hold for a complete entry only: an overlay entry is merged before they apply.
_WHOLE_ENTRY_RULES = frozenset({"required", "if", "then", "else", "default"})


def json_schema() -> dict[str, Any]:
    """The schema as a dict (draft 2020-12)."""
    schema = Manifest.model_json_schema(by_alias=True, mode="validation")
    definitions: dict[str, Any] = schema.pop("$defs")
    properties: dict[str, Any] = schema["properties"]
    overlay = {
        "type": "object",
        "additionalProperties": False,
        "description": "What this environment changes: merged over the top level (mappings "
        "key by key; lists, scalars and an event's sample replaced; `null` removes a key; "
        "`{state: absent}` deletes the object in this environment).",
        "properties": {
            name: _nullable(_loosen(value))
            for name, value in properties.items()
            if name not in FILE_LEVEL_FIELDS
        },
    }
    properties[SECTION] = {
        "type": "object",
        "minProperties": 1,
        "description": "One section per environment (test, production): that environment's "
        "manifest is the top level with its section merged over it. Choose the environment "
        "with --environment or COBALT_ENVIRONMENT (default: the API key's).",
        "propertyNames": {"enum": list(ENVIRONMENTS)},
        "additionalProperties": {"anyOf": [overlay, {"type": "null"}]},
    }
    schema["required"] = [name for name in schema["required"] if name != "environment"]
    schema["oneOf"] = [{"required": ["environment"]}, {"required": [SECTION]}]
    # With sections, the top level may hold partial entries too (a section completes them):
    # entries are checked strictly only in the single-environment form.
    entries = {name: properties[name] for name in ENTRY_SECTIONS}
    for name, value in entries.items():
        properties[name] = {"description": value.get("description", "")}
    schema["if"] = {"required": [SECTION]}
    schema["then"] = {"properties": {name: _loosen(value) for name, value in entries.items()}}
    schema["else"] = {"properties": entries}
    for name, definition in list(definitions.items()):
        definitions[name + OVERLAY_SUFFIX] = _loosen(definition)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "cobalt.yaml",
        **{key: value for key, value in schema.items() if key != "title"},
        "$defs": dict(sorted(definitions.items())),
    }


def _loosen(schema: Any) -> Any:
    """The schema of a partial entry: no required fields or whole-entry rules, references
    to the overlay definitions, `null` (remove) allowed for every property."""
    if isinstance(schema, list):
        return [_loosen(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    loose: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _WHOLE_ENTRY_RULES:
            continue
        if key == "$ref":
            loose[key] = value + OVERLAY_SUFFIX
        elif key == "oneOf":
            loose["anyOf"] = _loosen(value)  # partial entries may fit more than one shape
        elif key == "properties":
            loose[key] = {name: _nullable(_loosen(item)) for name, item in value.items()}
        elif key == "additionalProperties" and isinstance(value, dict):
            loose[key] = _nullable(_loosen(value))
        else:
            loose[key] = _loosen(value)
    return loose


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def schema_text() -> str:
    """The schema exactly as committed in schemas/cobalt.schema.json."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
