"""The JSON Schema of cobalt.yaml, generated from the pydantic models.

`schemas/cobalt.schema.json` (and the package's copy in cobalt_sync/schemas/) is this text,
committed so editors can use it through the modeline `# yaml-language-server: $schema=…`; a
test fails when they differ. Rules the models check in code (catalog, variables, files) are
not expressible here and stay in `load.py`.

The schema covers both forms: `environment:` (one environment) or `environments:` (sections
merged over the top level, see overlay.py). A section's entries may be partial (they merge
over the top level's) and `null` removes a key, so its definitions are the models' own with
required fields and cross-field rules dropped and null allowed: the loader checks the merged
result of every environment.
"""

from __future__ import annotations

import ast
import inspect
import json
import textwrap
from functools import cache
from itertools import pairwise
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from cobalt_sync.kinds import SECTIONS
from cobalt_sync.manifest.models import Manifest
from cobalt_sync.manifest.overlay import ENVIRONMENTS, FILE_LEVEL_FIELDS, SECTION
from cobalt_sync.schemas import schema_url

OVERLAY_SUFFIX = "Overlay"
# Every kind's section (from the registry) may hold partial entries beside `environments:`.
ENTRY_SECTIONS = tuple(SECTIONS)
# Rules that hold for a complete entry only: an overlay entry is merged before they apply.
_WHOLE_ENTRY_RULES = frozenset({"required", "if", "then", "else", "default"})


def json_schema() -> dict[str, Any]:
    """The schema as a dict (draft 2020-12)."""
    schema = _checked_keys(
        Manifest.model_json_schema(
            by_alias=True, mode="validation", schema_generator=DocumentedSchema
        )
    )
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
    # With sections, the top level may hold partial entries, or null, too (every section
    # completes or replaces them; the loader checks each merged environment): entries are
    # checked strictly only in the single-environment form.
    entries = {name: properties[name] for name in ENTRY_SECTIONS}
    for name, value in entries.items():
        properties[name] = {"description": value.get("description", "")}
    schema["if"] = {"required": [SECTION]}
    loose = {name: _nullable(_loosen(value)) for name, value in entries.items()}
    schema["then"] = {"properties": loose}
    schema["else"] = {"properties": entries}
    for name, definition in list(definitions.items()):
        definitions[name + OVERLAY_SUFFIX] = _loosen(definition)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": schema_url("cobalt"),
        "title": "cobalt.yaml",
        **{key: value for key, value in schema.items() if key != "title"},
        "$defs": dict(sorted(definitions.items())),
    }


class DocumentedSchema(GenerateJsonSchema):
    """Pydantic's generator, with each field's attribute docstring (the string literal under
    `name: type`) as its description, as `use_attribute_docstrings` would give: done here,
    once, rather than at every import (see `kinds.fields.SectionModel`)."""

    def model_schema(self, schema: core_schema.ModelSchema) -> JsonSchemaValue:
        json_schema = super().model_schema(schema)
        model: type[BaseModel] = schema["cls"]
        properties = json_schema.get("properties", {})
        for name, text in field_docstrings(model).items():
            field = model.model_fields.get(name)
            alias = (field.alias if field is not None else None) or name
            if alias in properties and "description" not in properties[alias]:
                properties[alias]["description"] = text
        return json_schema


def field_docstrings(model: type) -> dict[str, str]:
    """{field: docstring} of `model` and its bases, a subclass's docstring winning."""
    found: dict[str, str] = {}
    for cls in reversed(model.__mro__):
        if issubclass(cls, BaseModel) and cls is not BaseModel:
            found.update(_own_docstrings(cls))
    return found


@cache
def _own_docstrings(cls: type) -> dict[str, str]:
    try:
        source = inspect.getsource(cls)
    except (OSError, TypeError):
        # A class made by `create_model` (the Manifest) has no source: its fields carry
        # `description=` instead. (Python 3.13 raises here; 3.11 finds the TYPE_CHECKING stub.)
        return {}
    tree = ast.parse(textwrap.dedent(source))
    body = tree.body[0].body if isinstance(tree.body[0], ast.ClassDef) else []
    found: dict[str, str] = {}
    for statement, following in pairwise(body):
        if (
            isinstance(statement, ast.AnnAssign)
            and isinstance(statement.target, ast.Name)
            and isinstance(following, ast.Expr)
            and isinstance(following.value, ast.Constant)
            and isinstance(following.value.value, str)
        ):
            found[statement.target.id] = inspect.cleandoc(following.value.value)
    return found


def _checked_keys(schema: Any) -> Any:
    """Pydantic writes a constrained key type as `patternProperties`, which lets a key that
    does not match through unchecked (`"acme "` would pass); the loader refuses it. As
    `propertyNames.pattern` every key is checked, and the entries' schema becomes
    `additionalProperties`, which `_loosen` makes nullable in a section."""
    if isinstance(schema, list):
        return [_checked_keys(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    checked = {key: _checked_keys(value) for key, value in schema.items()}
    patterns = checked.get("patternProperties")
    if isinstance(patterns, dict) and len(patterns) == 1 and "additionalProperties" not in checked:
        ((pattern, entry),) = patterns.items()
        del checked["patternProperties"]
        checked["propertyNames"] = {**checked.get("propertyNames", {}), "pattern": pattern}
        checked["additionalProperties"] = entry
    return checked


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
