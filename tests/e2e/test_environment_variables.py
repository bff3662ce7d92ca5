"""The `environment_variables` kind end to end: the CLI against the served sandbox. A value
for a name with no definition is a dashboard step (definitions are dashboard-only); values are
never printed; an encrypted value cannot be read back, which the plan says instead of planning
an update on every run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import TEST_KEY, Sandbox
from tests.e2e.test_plan_apply import apply, plan, run, write

TOKEN = "CANARY-CRM-TOKEN-31f7"
ROTATED = "CANARY-CRM-TOKEN-rotated-8a2c"
EMAIL = "help@example.com"

MANIFEST = f"""
version: 1
environment: test
environment_variables:
  SUPPORT_EMAIL: {EMAIL}
  CRM_TOKEN: ${{CRM_TOKEN}}
"""


@pytest.fixture
def workdir(tmp_path: Path, cli_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CRM_TOKEN", TOKEN)
    return tmp_path


def define(sandbox: Sandbox, name: str, *, encrypted: bool) -> str:
    """What a person does in the dashboard: Settings → Environment variables → create."""
    created = sandbox.post(
        "dashboard/env/definitions", key=TEST_KEY, name=name, encrypted=encrypted
    )
    return str(created["_id"])


def values(api: httpx.Client) -> dict[str, str]:
    names = {d["_id"]: d["name"] for d in api.get("/env/definitions").json()["docs"]}
    docs = api.get("/env/values/org", params={"limit": 100}).json()["docs"]
    return {names[d["variable_definition_id"]]: d["value"] for d in docs}


def test_missing_definitions_are_dashboard_steps_then_values_are_set(
    cli: Any, workdir: Path, api: httpx.Client, sandbox: Sandbox
) -> None:
    manifest = write(workdir, MANIFEST)
    shown = plan(cli, manifest)
    assert "Settings → Environment variables" in shown.stdout
    assert "create `CRM_TOKEN` (scope: organization, encrypted)" in shown.stdout
    assert "create `SUPPORT_EMAIL` (scope: organization, not encrypted)" in shown.stdout
    assert "$CRM_TOKEN" in shown.stdout
    first = apply(cli, manifest)
    assert first.exit_code == 7, first.output
    define(sandbox, "SUPPORT_EMAIL", encrypted=False)
    define(sandbox, "CRM_TOKEN", encrypted=True)
    second = apply(cli, manifest)
    assert second.exit_code == 0, second.output
    assert values(api) == {"SUPPORT_EMAIL": EMAIL, "CRM_TOKEN": "[REDACTED]"}
    again = plan(cli, manifest)
    assert again.exit_code == 0, again.output
    assert "the definition is encrypted" not in again.output  # unchanged: folded away
    verbose = plan(cli, manifest, "-v")
    assert "environment_variables/CRM_TOKEN: the definition is encrypted" in verbose.stdout
    for text in (shown.output, first.output, second.output, again.output):
        assert TOKEN not in text


def test_a_saved_plan_stays_valid_once_the_definition_is_created(
    cli: Any, workdir: Path, api: httpx.Client, sandbox: Sandbox
) -> None:
    manifest = write(workdir, MANIFEST)
    saved = workdir / "plan.json"
    assert run(cli, "plan", "-f", str(manifest), "--out", str(saved)).exit_code == 0
    assert TOKEN not in saved.read_text()
    assert run(cli, "apply", str(saved), "--auto-approve").exit_code == 7
    define(sandbox, "SUPPORT_EMAIL", encrypted=False)
    define(sandbox, "CRM_TOKEN", encrypted=True)
    converged = run(cli, "apply", str(saved), "--auto-approve")
    assert converged.exit_code == 0, converged.output
    assert set(values(api)) == {"SUPPORT_EMAIL", "CRM_TOKEN"}


def test_plain_values_are_compared_encrypted_ones_said_plainly_never_updated(
    cli: Any,
    workdir: Path,
    api: httpx.Client,
    sandbox: Sandbox,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    define(sandbox, "SUPPORT_EMAIL", encrypted=False)
    define(sandbox, "CRM_TOKEN", encrypted=True)
    manifest = write(workdir, MANIFEST)
    assert apply(cli, manifest).exit_code == 0
    changed = write(workdir, MANIFEST.replace(EMAIL, "support@example.com"))
    monkeypatch.setenv("CRM_TOKEN", ROTATED)
    shown = plan(cli, changed)
    assert shown.exit_code == 2
    assert "~ environment_variables/SUPPORT_EMAIL" in shown.stdout
    assert "~ value: (sensitive)" in shown.stdout
    assert "environment_variables/CRM_TOKEN" not in shown.stdout.split("Note")[0]
    # CRM_TOKEN does not change in the plan: its note is counted, and -v says it.
    assert "1 note about an unchanged entry (-v to show)" in shown.stdout
    assert "a changed value cannot be detected" in plan(cli, changed, "-v").stdout
    assert EMAIL not in shown.stdout and ROTATED not in shown.output
    assert apply(cli, changed).exit_code == 0
    assert values(api)["SUPPORT_EMAIL"] == "support@example.com"
    assert plan(cli, changed).exit_code == 0


def test_absent_removes_a_value_unmanaged_stay_and_prune_is_opt_in(
    cli: Any, workdir: Path, api: httpx.Client, sandbox: Sandbox
) -> None:
    for name in ("SUPPORT_EMAIL", "CRM_TOKEN", "OTHER"):
        define(sandbox, name, encrypted=name == "CRM_TOKEN")
    other = api.get("/env/definitions", params={"name": "^OTHER$"}).json()["docs"][0]["_id"]
    api.post("/env/values", json={"variable_definition_id": other, "value": "x"})
    manifest = write(workdir, MANIFEST)
    assert apply(cli, manifest).exit_code == 0
    assert set(values(api)) == {"SUPPORT_EMAIL", "CRM_TOKEN", "OTHER"}
    absent = write(
        workdir,
        "version: 1\nenvironment: test\nenvironment_variables:\n  CRM_TOKEN: {state: absent}\n",
    )
    assert "- environment_variables/CRM_TOKEN" in plan(cli, absent).stdout
    assert apply(cli, absent).exit_code == 0
    assert set(values(api)) == {"SUPPORT_EMAIL", "OTHER"}
    pruning = write(workdir, "version: 1\nenvironment: test\nprune: [environment_variables]\n")
    assert "- environment_variables/OTHER" in plan(cli, pruning).stdout
    assert apply(cli, pruning).exit_code == 0
    assert values(api) == {}


def test_export_writes_plain_values_and_a_variable_for_encrypted_ones(
    cli: Any,
    workdir: Path,
    sandbox: Sandbox,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    define(sandbox, "SUPPORT_EMAIL", encrypted=False)
    define(sandbox, "CRM_TOKEN", encrypted=True)
    assert apply(cli, write(workdir, MANIFEST)).exit_code == 0
    out = workdir / "out.yaml"
    exported = run(cli, "export", "--kinds", "environment_variables", "-o", str(out))
    assert exported.exit_code == 0, exported.output
    text = out.read_text()
    assert f"SUPPORT_EMAIL: {EMAIL}" in text and "CRM_TOKEN: ${CRM_TOKEN_VALUE}" in text
    assert TOKEN not in text + exported.output
    monkeypatch.setenv("CRM_TOKEN_VALUE", TOKEN)
    assert plan(cli, out).exit_code == 0


def test_values_must_be_strings_offline(cli: Any, workdir: Path) -> None:
    manifest = write(workdir, MANIFEST + "  PORT: 8080\n")
    checked = run(cli, "validate", "-f", str(manifest))
    assert checked.exit_code == 3
    assert "environment_variables.PORT: expected a string, got a number" in checked.stderr
