"""Notes earn their place: a note about an object shows under that object's change; notes about
objects the plan does not change are one line in text (`-v` shows them) and folded under a
`<details>` in Markdown; a reason dashboard steps cannot be observed is said once per plan.
End to end against the sandbox (both profiles)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TEST_KEY, Sandbox
from tests.e2e.test_real_cobalt_loop import MANIFEST as REAL_MANIFEST
from tests.e2e.test_real_cobalt_loop import real_cobalt_env

SCOPE_NOTE = "scope oauth is mandatory for hubspot"
MANIFEST = """\
version: 1
environment: test
apps:
  hubspot:
    enabled: true
    oauth:
      client_id: hub-client-1
      client_secret: ${HUBSPOT_CLIENT_SECRET}
      scopes: [crm.objects.contacts.read, oauth]
linked_accounts:
  acme: {name: Acme Corp}
"""


@pytest.fixture
def converged(
    cli: Any, cli_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """A manifest whose org already matches it."""
    monkeypatch.setenv("HUBSPOT_CLIENT_SECRET", "CANARY-hub-secret-77")
    manifest = tmp_path / "cobalt.yaml"
    manifest.write_text(MANIFEST)
    result = cli("apply", "-f", str(manifest), "--auto-approve")
    assert result.exit_code == 0, result.stderr
    return manifest


def test_notes_about_unchanged_objects_are_one_line_and_shown_with_v(
    cli: Any, converged: Path
) -> None:
    plan = cli("plan", "-f", str(converged))
    assert plan.exit_code == 0, plan.stderr
    assert "No changes." in plan.stdout
    assert SCOPE_NOTE not in plan.stdout
    assert "1 note about an unchanged entry (-v to show)." in plan.stdout

    verbose = cli("plan", "-f", str(converged), "-v")
    assert f"  - oauth_credentials/hubspot: {SCOPE_NOTE}" in verbose.stdout
    assert "(-v to show)" not in verbose.stdout

    document = json.loads(cli("plan", "-f", str(converged), "--format", "json").stdout)
    assert document["notes"] == []
    assert {
        "kind": "oauth_credentials",
        "key": "hubspot",
        "note": SCOPE_NOTE + (": Cobalt always requests it, so declaring it changes nothing"),
    } in document["unchanged_notes"]


def test_markdown_folds_notes_about_unchanged_objects(cli: Any, converged: Path) -> None:
    markdown = cli("plan", "-f", str(converged), "--format", "markdown").stdout
    folded = markdown.split("<details><summary>Notes (1) about unchanged entries</summary>")
    assert len(folded) == 2, markdown
    assert SCOPE_NOTE in folded[1] and SCOPE_NOTE not in folded[0]


def test_a_note_shows_under_the_change_of_its_object(cli: Any, converged: Path) -> None:
    converged.write_text(MANIFEST.replace("[crm.objects.contacts.read, oauth]", "[oauth]"))
    plan = cli("plan", "-f", str(converged))
    assert plan.exit_code == 0, plan.stderr
    change = plan.stdout.split("~ oauth_credentials/hubspot", 1)[1].split("\n\n", 1)[0]
    assert f"# {SCOPE_NOTE}" in change
    assert plan.stdout.count(SCOPE_NOTE) == 1
    assert "unchanged entr" not in plan.stdout


def test_a_targeted_plan_has_no_notes_about_objects_it_leaves_out(
    cli: Any, converged: Path
) -> None:
    converged.write_text(MANIFEST.replace("Acme Corp", "Acme Inc"))
    plan = cli("plan", "-f", str(converged), "--target", "linked_accounts/acme")
    assert plan.exit_code == 0, plan.stderr
    assert "~ linked_accounts/acme" in plan.stdout
    assert SCOPE_NOTE not in plan.stdout and "unchanged entr" not in plan.stdout
    everything = cli("-v", "plan", "-f", str(converged), "--target", "linked_accounts/acme")
    assert SCOPE_NOTE not in everything.stdout


def test_a_not_observable_reason_is_said_once_per_plan(
    cli: Any, cobalt_sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Real Cobalt's first plan: every app and credential step waits for the same thing."""
    for name, value in real_cobalt_env(cobalt_sandbox, TEST_KEY).items():
        monkeypatch.setenv(name, value)
    manifest = tmp_path / "cobalt.yaml"
    manifest.write_text(REAL_MANIFEST.format(environment="test"))

    text = cli("plan", "-f", str(manifest))
    assert text.exit_code == 0, text.stderr
    steps = text.stdout.split("Dashboard steps", 1)[1]
    assert steps.count("(not observable [1])") >= 3
    assert steps.count("  [1] not observable: ") == 1
    assert "[2]" not in steps

    markdown = cli("plan", "-f", str(manifest), "--format", "markdown").stdout
    assert markdown.count("(not observable &#91;1&#93;)") >= 3
    assert markdown.count("<sub>&#91;1&#93; not observable: ") == 1
