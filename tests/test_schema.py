"""schemas/cobalt.schema.json: generated from the models, committed, and in step with them;
it accepts the examples and rejects what editors should flag."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from cobalt_sync.manifest.json_schema import REGENERATE, schema_text
from cobalt_sync.manifest.yaml_reader import read_yaml

ROOT = Path(__file__).parent.parent
COMMITTED = ROOT / "schemas" / "cobalt.schema.json"
EXAMPLES = sorted((ROOT / "examples").rglob("*.yaml"))


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    schema = json.loads(COMMITTED.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def test_committed_schema_is_up_to_date() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == schema_text(), (
        f"schemas/cobalt.schema.json is stale; regenerate it with: {REGENERATE}"
    )


def test_schema_command_prints_the_committed_schema(cli: Any) -> None:
    result = cli("schema")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == COMMITTED.read_text(encoding="utf-8")


def test_descriptions_come_from_field_docstrings() -> None:
    schema = json.loads(schema_text())
    client_secret = schema["$defs"]["OAuthConfig"]["properties"]["client_secret"]
    assert "${SLACK_CLIENT_SECRET}" in client_secret["description"]
    assert client_secret["writeOnly"] is True
    assert "Supported versions: 1" in schema["properties"]["version"]["description"]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.name)
def test_examples_satisfy_the_schema(validator: Draft202012Validator, path: Path) -> None:
    data = read_yaml(path.read_bytes()).data
    assert [error.message for error in validator.iter_errors(data)] == []


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.name)
def test_examples_carry_the_editor_modeline(path: Path) -> None:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    up = "../" * len(path.relative_to(ROOT).parent.parts)
    assert first == f"# yaml-language-server: $schema={up}schemas/cobalt.schema.json"


@pytest.mark.parametrize(
    "document",
    [
        {"version": 2, "environment": "test"},
        {"version": 1, "environment": "staging"},
        {"version": 1, "environment": "test", "apps": {"slak": {}}},
        {"version": 1, "environment": "test", "apps": {"slack": {"enabeld": True}}},
        {"version": 1, "environment": "test", "events": {"E": {"schema": {}}}},
        {"version": 1, "environment": "test", "events": {"E": {}}},
        {
            "version": 1,
            "environment": "test",
            "events": {"E": {"schema": {"a": 1}, "schema_file": "e.json"}},
        },
        {
            "version": 1,
            "environment": "test",
            "events": {"E": {"state": "absent", "schema": {"a": 1}}},
        },
        {
            "version": 1,
            "environment": "test",
            "linked_accounts": {"a": {"udf": {"managed_by": "me"}}},
        },
        {"version": 1, "environment": "test", "linked_accounts": {"a": {"udf": {"seats": 3}}}},
        {"version": 1, "environment": "test", "linked_accounts": {"cobalt-sync-probe": {}}},
        {"version": 1, "environment": "test", "prune": ["events", "events"]},
        {
            "version": 1,
            "environment": "test",
            "apps": {
                "slack": {"oauth": {"client_id": "a", "client_secret": "b", "state": "absent"}}
            },
        },
    ],
)
def test_schema_flags_what_the_loader_rejects(
    validator: Draft202012Validator, document: dict[str, Any]
) -> None:
    assert list(validator.iter_errors(document)) != []
