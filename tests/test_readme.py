"""README.md is the user guide: its manifest reference, exit codes and set-up commands must
stay true to the code, the schema and CI."""

from __future__ import annotations

import json
import re
from pathlib import Path

from cobalt_sync.errors import ExitCode

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    start = README.index(f"\n## {title}") if f"\n## {title}" in README else README.index(title)
    rest = README[start + 1 :]
    end = re.search(r"\n## ", rest)
    return rest[: end.start()] if end else rest


def schema_fields() -> set[str]:
    schema = json.loads((ROOT / "schemas" / "cobalt.schema.json").read_text())
    defs = schema["$defs"]
    prefixes = {
        "AppConfig": "apps.<slug>.",
        "OAuthConfig": "apps.<slug>.oauth.",
        "OAuthAbsent": "apps.<slug>.oauth.",
        "EventConfig": "events.<name>.",
        "LinkedAccountConfig": "linked_accounts.<id>.",
        "WebhookConfig": "webhooks.<url>.",
        "McpServerConfig": "mcp_servers.<name>.",
        "EnvVariableAbsent": "environment_variables.<name>.",
    }
    fields = set(schema["properties"])
    for name, prefix in prefixes.items():
        fields |= {prefix + prop for prop in defs[name].get("properties", {})}
    return fields


def test_every_schema_field_is_in_the_manifest_reference() -> None:
    reference = section("Manifest reference")
    documented = set(re.findall(r"^\| `([^`]+)` \|", reference, flags=re.MULTILINE))
    missing = schema_fields() - documented
    assert not missing, f"README's manifest reference lacks: {sorted(missing)}"
    unknown = documented - schema_fields()
    assert not unknown, f"README documents fields the schema does not have: {sorted(unknown)}"


def test_exit_code_table_matches_the_code() -> None:
    table = section("Exit codes")
    codes = {int(c) for c in re.findall(r"^\| (\d) \|", table, flags=re.MULTILINE)}
    assert codes == {int(code) for code in ExitCode}


def test_ci_runs_the_readme_commands() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    quick = section("Quick start")
    blocks = re.findall(r"```sh\n(.*?)\n```", quick, flags=re.DOTALL)
    demo, tests = blocks[0], blocks[1]
    for step in tests.split(" && ")[2:]:
        assert step.strip() in ci, f"CI does not run the README's test step: {step}"
    assert "pip install -e '.[test]'" in ci
    for step in ("apply -f examples/cobalt.yaml --auto-approve", "--detailed-exitcode"):
        assert step in demo and step in ci


def test_every_guarantee_names_a_test_that_exists() -> None:
    guarantees = section("Guarantees")
    names = set(re.findall(r"::(test_\w+)", guarantees))
    files = set(re.findall(r"`(tests/[\w/]+\.py)", guarantees))
    assert names and files
    sources = "".join(p.read_text() for p in (ROOT / "tests").rglob("test_*.py"))
    assert all((ROOT / f).exists() for f in files), files
    assert not [n for n in names if f"def {n}(" not in sources]
