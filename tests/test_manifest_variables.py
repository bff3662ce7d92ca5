"""The variable syntax: ${VAR}, ${VAR:-default}, $$, and a lone $ left alone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cobalt_sync.errors import ManifestError
from cobalt_sync.manifest import load_manifest
from cobalt_sync.manifest.variables import resolve


@pytest.mark.parametrize(
    ("text", "environ", "value"),
    [
        ("${A}", {"A": "x"}, "x"),
        ("pre-${A}-post", {"A": "x"}, "pre-x-post"),
        ("${A}${B}", {"A": "1", "B": "2"}, "12"),
        ("${A:-dflt}", {}, "dflt"),
        ("${A:-dflt}", {"A": ""}, "dflt"),
        ("${A:-dflt}", {"A": "set"}, "set"),
        ("${A:-}", {}, ""),
        ("${A}", {"A": ""}, ""),
        ("$${A}", {"A": "x"}, "${A}"),
        ("costs $5", {}, "costs $5"),
        ("a $$ b", {}, "a $ b"),
        ("${A:-x:-y}", {}, "x:-y"),
    ],
)
def test_resolves(text: str, environ: dict[str, str], value: str) -> None:
    resolution = resolve(text, environ)
    assert resolution.problems == ()
    assert resolution.value == value


def test_missing_variable_names_the_variable() -> None:
    resolution = resolve("${A}-${B}", {"A": "x"})
    assert resolution.problems == ("variable 'B' is not set (export it before running)",)


@pytest.mark.parametrize("text", ["${", "${A", "${1A}", "${A B}", "${}", "${A-b}"])
def test_malformed_references_are_problems_without_the_text(text: str) -> None:
    [problem] = resolve(text, {"A": "secret-value"}).problems
    assert "secret-value" not in problem
    assert "variable reference" in problem


def test_literal_and_default_are_reported_for_the_secret_rule() -> None:
    assert resolve("hunter2", {}).literal
    assert not resolve("${S}", {"S": "x"}).literal
    assert resolve("${S:-x}", {"S": "set"}).has_defaults


def test_a_huge_variable_name_is_shortened_in_the_message(tmp_path: Path) -> None:
    name = "A" * 100_000
    path = tmp_path / "cobalt.yaml"
    account = f"  a1: {{name: '${{{name}}}'}}\n"
    path.write_text(f"version: 1\nenvironment: test\nlinked_accounts:\n{account}")
    with pytest.raises(ManifestError) as failure:
        load_manifest(path, environ={})
    (problem,) = failure.value.problems
    assert "(100000 characters)" in problem.message and len(problem.message) < 300


CANARY = "CANARY-SECRET-123"
ECHOING = """\
version: 1
environment: test
events:
  Order Placed:
    schema_file: ${SAMPLE}
  Order Shipped:
    schema_file: "samples/${SAMPLE}.json"
  Order Paid:
    schema_file: "broken/${SAMPLE}.json"
mcp_servers:
  Sales Agent:
    description: Sales
    apps: ["${APP}"]
  Support Agent:
    description: Support
    apps: ["${SHORT}"]
"""


def test_validate_names_the_variable_never_its_value(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Checks that quote a refused value (a file not found, an unknown app, a file's bad
    JSON) quote what is written, `${VAR}`, when the value came from a variable."""
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / f"{CANARY}.json").write_text('{"id": ')
    (tmp_path / "cobalt.yaml").write_text(ECHOING)
    monkeypatch.setenv("SAMPLE", CANARY)
    monkeypatch.setenv("APP", CANARY)
    monkeypatch.setenv("SHORT", "zz")
    monkeypatch.chdir(tmp_path)
    result = cli("validate", "-f", "cobalt.yaml")
    assert result.exit_code == 3
    assert CANARY not in result.output and "'zz'" not in result.output
    assert "schema_file: file not found: '${SAMPLE}'" in result.stderr
    assert "file not found: 'samples/${SAMPLE}.json'" in result.stderr
    assert "broken/${SAMPLE}.json:1:" in result.stderr  # the JSON file's own position
    assert "unknown app '${APP}'" in result.stderr and "unknown app '${SHORT}'" in result.stderr


def test_a_variable_in_a_key_is_refused_and_a_lone_dollar_is_kept(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keys name objects in plans and logs: `${VAR}` there would print its value."""
    monkeypatch.setenv("WH_TOKEN", CANARY)
    monkeypatch.chdir(tmp_path)
    hooks = (
        "version: 1\nenvironment: test\nwebhooks:\n"
        '  "https://hooks.example/services/${WH_TOKEN}": {events: [Connection Created]}\n'
    )
    Path("cobalt.yaml").write_text(hooks)
    refused = cli("validate", "-f", "cobalt.yaml")
    assert refused.exit_code == 3 and CANARY not in refused.output
    assert "cobalt.yaml:4:3:" in refused.stderr
    assert "a variable (${WH_TOKEN}) in a key is not substituted" in refused.stderr
    events = "version: 1\nenvironment: test\nevents:\n  Paid $5:\n    schema: {amount: 5}\n"
    Path("cobalt.yaml").write_text(events)
    loaded = load_manifest(Path("cobalt.yaml"), {})
    assert list(loaded.manifest.events) == ["Paid $5"]
