"""One registry of kinds (`cobalt_sync.kinds.KINDS`): every other list of kinds in the code,
the manifest format and the committed schemas must agree with it, so that adding a kind is
one module plus one registry line, and forgetting a list fails here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cobalt_sync.exporting.document import ExportOptions, export_manifest
from cobalt_sync.kinds import (
    APPLY_ORDER,
    KIND_ORDER,
    KINDS,
    PRUNABLE_KINDS,
    RULES,
    SECTIONS,
    STEP_KINDS,
)
from cobalt_sync.manifest import Manifest
from cobalt_sync.manifest.json_schema import ENTRY_SECTIONS, json_schema
from cobalt_sync.plan import Action, Change
from cobalt_sync.render.schema import PLAN_SCHEMA
from cobalt_sync.resource import State

ROOT = Path(__file__).resolve().parent.parent
TOP_LEVEL_FIELDS = {"version", "environment", "prune", "environments"}


def test_every_kind_is_one_module_named_after_it() -> None:
    for name, kind in KINDS.items():
        assert kind.name == name
        assert type(kind).__module__ == f"cobalt_sync.kinds.{name}"


def test_the_orders_hold_every_kind_once() -> None:
    assert tuple(KINDS) == KIND_ORDER
    assert sorted(APPLY_ORDER) == sorted(KIND_ORDER)
    assert set(RULES) == set(KINDS)
    assert set(PRUNABLE_KINDS) <= set(KINDS) and set(STEP_KINDS) <= set(KINDS)


def test_the_manifest_sections_are_the_registrys() -> None:
    sections = [name for name in Manifest.model_fields if name not in TOP_LEVEL_FIELDS]
    assert sections == list(SECTIONS)
    for section, model in SECTIONS.items():
        annotation = str(Manifest.model_fields[section].annotation)
        assert model.__name__ in annotation, f"Manifest.{section} does not hold {model.__name__}"


def test_every_section_may_be_partial_beside_environments() -> None:
    assert tuple(SECTIONS) == ENTRY_SECTIONS
    schema = json_schema()
    assert set(schema["then"]["properties"]) == set(SECTIONS)


def test_prune_accepts_exactly_the_prunable_kinds() -> None:
    schema = json_schema()
    assert schema["properties"]["prune"]["items"]["enum"] == list(PRUNABLE_KINDS)
    committed = json.loads((ROOT / "schemas" / "cobalt.schema.json").read_text())
    assert committed["properties"]["prune"]["items"]["enum"] == list(PRUNABLE_KINDS)


def test_the_plan_schema_names_every_kind() -> None:
    described = PLAN_SCHEMA["$defs"]["change"]["properties"]["kind"]["description"]
    assert described == f"Kind of object; one of {', '.join(KIND_ORDER)}."


def test_export_writes_the_sections_in_registry_order() -> None:
    text = export_manifest(State(), ExportOptions(environment="test")).text
    written = [line[:-1] for line in text.splitlines() if line.endswith(":") or ": {}" in line]
    order = [line.split(":")[0] for line in written if not line.startswith((" ", "#"))]
    assert order == list(SECTIONS)


@pytest.mark.parametrize("name", KIND_ORDER)
def test_prerequisites_point_at_kinds_applied_earlier(name: str) -> None:
    """A create waits only for a kind apply runs before it; a delete only for one after it
    (deletes run in reverse), so no change ever waits for one that has not run yet."""
    kind = KINDS[name]
    for action in Action:
        needed = kind.prerequisite(Change(name, "key", action))
        if needed is None:
            continue
        other = needed.split("/")[0]
        assert other in KINDS
        earlier = APPLY_ORDER.index(other) < APPLY_ORDER.index(name)
        assert earlier == (action is not Action.DELETE), f"{name} {action} waits for {other}"
