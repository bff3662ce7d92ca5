"""The JSON plan and report: one documented, versioned shape, published as JSON Schema,
readable back into the same Plan (a saved plan is this document)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from render_cases import (
    big_plan,
    clean_report,
    empty_plan,
    empty_report,
    full_plan,
    hostile_plan,
    mixed_report,
    refused_plan,
)

from cobalt_sync.applying.report import ApplyReport
from cobalt_sync.plan import SENSITIVE, Plan
from cobalt_sync.planning.saved_plan import save_plan
from cobalt_sync.render import render_plan, render_report
from cobalt_sync.render.json_format import dumps
from cobalt_sync.render.schema import PLAN_SCHEMA, REPORT_SCHEMA
from cobalt_sync.schemas import REGENERATE

SCHEMAS = Path(__file__).parents[2] / "schemas"
PLANS: list[Callable[[], Plan]] = [
    full_plan,
    empty_plan,
    refused_plan,
    hostile_plan,
    lambda: big_plan(50),
]
REPORTS: list[Callable[[], ApplyReport]] = [mixed_report, clean_report, empty_report]


@pytest.mark.parametrize(("name", "schema"), [("plan", PLAN_SCHEMA), ("report", REPORT_SCHEMA)])
def test_published_schema_is_current(name: str, schema: dict[str, Any]) -> None:
    path = SCHEMAS / f"{name}.schema.json"
    assert path.read_text(encoding="utf-8") == dumps(schema), (
        f"schemas/{name}.schema.json is stale: regenerate with {REGENERATE}"
    )


def schema_nodes(node: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for name, child in node.get("properties", {}).items():
            yield name, child
        for child in node.values():
            yield from schema_nodes(child)
    elif isinstance(node, list):
        for child in node:
            yield from schema_nodes(child)


@pytest.mark.parametrize("schema", [PLAN_SCHEMA, REPORT_SCHEMA])
def test_schema_is_valid_and_describes_every_field(schema: dict[str, Any]) -> None:
    Draft202012Validator.check_schema(schema)
    assert schema["$id"].endswith(".schema.json") and schema["title"]
    undocumented = [name for name, node in schema_nodes(schema) if not node.get("description")]
    assert undocumented == []


@pytest.mark.parametrize("make", PLANS)
def test_every_plan_document_validates_against_the_schema(make: Callable[[], Plan]) -> None:
    document = json.loads(render_plan(make(), "json"))
    Draft202012Validator(PLAN_SCHEMA).validate(document)


@pytest.mark.parametrize("make", REPORTS)
def test_every_report_document_validates_against_the_schema(
    make: Callable[[], ApplyReport],
) -> None:
    document = json.loads(render_report(make(), "json"))
    Draft202012Validator(REPORT_SCHEMA).validate(document)


def test_a_saved_plan_file_validates_against_the_schema(tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    save_plan(full_plan(), Path("cobalt.yaml"), out)
    Draft202012Validator(PLAN_SCHEMA).validate(json.loads(out.read_text(encoding="utf-8")))


def test_the_schema_rejects_a_document_of_another_shape() -> None:
    document = json.loads(render_plan(full_plan(), "json"))
    document["changes"][0]["action"] = "replace"
    assert not Draft202012Validator(PLAN_SCHEMA).is_valid(document)


@pytest.mark.parametrize("make", PLANS)
def test_plan_json_reads_back_into_the_same_plan(make: Callable[[], Plan]) -> None:
    plan = make()
    assert Plan.from_dict(json.loads(render_plan(plan, "json"))) == plan


def test_plan_json_summarises_counts_and_hides_secrets() -> None:
    document = json.loads(render_plan(full_plan(), "json"))
    assert document["format_version"] == 1
    assert document["summary"] == {
        "create": 3,
        "update": 2,
        "delete": 1,
        "unmanaged": 264,
        "dashboard_steps": 0,
    }
    secret = next(f for c in document["changes"] for f in c["fields"] if f.get("sensitive"))
    assert secret["before"] == secret["after"] == SENSITIVE


def test_json_is_stable_text_with_a_trailing_newline() -> None:
    first, second = render_plan(full_plan(), "json"), render_plan(full_plan(), "json")
    assert first == second
    assert first.endswith("}\n") and first.startswith('{\n  "format_version": 1,')


def test_report_json_counts_outcomes() -> None:
    document = json.loads(render_report(mixed_report(), "json"))
    assert document["summary"] == {
        "done": 4,
        "failed": 1,
        "skipped": 1,
        "not_run": 0,
        "dashboard_steps": 2,
    }
    assert document["complete"] is False and document["verified"] is False
    assert [c["key"] for c in document["remaining"]] == ["Invoice Paid", "acme-test"]
