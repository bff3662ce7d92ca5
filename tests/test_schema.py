"""The published JSON Schemas: generated from the code, committed at the root (what the release
tag's URL serves) and inside the package (what `cobalt-sync schema` prints), the same bytes;
one URL scheme for all three `$id`s, the modelines `export` and the README write, and the
catalog entry for editors. (Agreement with `validate`: test_schema_agreement.py.)"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from pydantic import create_model

from cobalt_sync.manifest.json_schema import field_docstrings, schema_text
from cobalt_sync.manifest.yaml_reader import read_yaml
from cobalt_sync.schemas import (
    NAMES,
    REGENERATE,
    file_name,
    major_url,
    packaged_text,
    schema_url,
)
from cobalt_sync.schemas.generate import generated_text

ROOT = Path(__file__).parent.parent
COMMITTED = ROOT / "schemas" / "cobalt.schema.json"
EXAMPLES = sorted((ROOT / "examples").rglob("*.yaml"))


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    schema = json.loads(COMMITTED.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


@pytest.mark.parametrize("name", NAMES)
def test_both_committed_copies_are_the_generated_schema(name: str) -> None:
    generated = generated_text(name)
    for copy in (ROOT / "schemas", ROOT / "cobalt_sync" / "schemas"):
        assert (copy / file_name(name)).read_text(encoding="utf-8") == generated, (
            f"{copy.name}/{file_name(name)} is stale; regenerate with: {REGENERATE}"
        )
    assert packaged_text(name) == generated  # importlib.resources finds the package's copy


def test_schema_command_prints_the_committed_schemas(cli: Any) -> None:
    for args, name in [((), "cobalt"), (("plan",), "plan"), (("report",), "report")]:
        result = cli("schema", *args)
        assert (result.exit_code, result.stderr) == (0, "")
        assert result.stdout == (ROOT / "schemas" / file_name(name)).read_text(encoding="utf-8")


def test_schema_output_writes_the_file_where_a_modeline_can_name_it(
    cli: Any, tmp_path: Path
) -> None:
    out = tmp_path / ".cobalt" / "cobalt.schema.json"
    result = cli("schema", "--output", str(out))
    assert result.exit_code == 0, result.stderr
    assert out.read_text(encoding="utf-8") == COMMITTED.read_text(encoding="utf-8")
    assert "# yaml-language-server: $schema=" in result.stderr
    manifest = tmp_path / "cobalt.yaml"
    manifest.write_text("# yaml-language-server: $schema=.cobalt/cobalt.schema.json\n")
    assert cli("schema", "--output", str(manifest / "x")).exit_code == 3  # a file, not a folder


def test_every_schema_id_is_its_file_at_the_release_tag() -> None:
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    for name in NAMES:
        schema = json.loads((ROOT / "schemas" / file_name(name)).read_text(encoding="utf-8"))
        assert schema["$id"] == schema_url(name) == (
            f"https://raw.githubusercontent.com/cobalt-sync/cobalt-sync/v{version}/schemas/"
            f"{file_name(name)}"
        )


def test_export_and_the_readme_name_the_published_schema(cli: Any, cli_env: Any) -> None:
    modeline = f"# yaml-language-server: $schema={schema_url('cobalt')}"
    exported = cli("export")
    assert exported.exit_code == 0, exported.stderr
    assert exported.stdout.splitlines()[0] == modeline
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"```yaml\n{modeline}\n" in readme


def test_the_editor_catalog_entry_matches_manifests_and_names_the_major_url() -> None:
    entry = json.loads((ROOT / "docs" / "schemastore-catalog-entry.json").read_text())
    assert entry["fileMatch"] == ["cobalt.yaml", "cobalt.yml", "**/cobalt*.yaml"]
    assert entry["url"] == major_url("cobalt")
    assert set(entry) == {"name", "description", "fileMatch", "url"}


def test_a_model_without_source_has_no_field_docstrings_and_no_crash() -> None:
    """Python 3.13 finds no source for a `create_model` class (the Manifest): `schema`
    crashed there with "source code not available"."""
    made = create_model("MadeAtRunTimeWithoutSource", x=(int, 1))
    assert field_docstrings(made) == {}


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
