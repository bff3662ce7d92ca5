"""The plan says what the user would otherwise have to guess: an account cobalt-sync created
and the manifest dropped stays (and how to delete it), a renamed account key leaves the old
account, a UDF key removed from the manifest stays in Cobalt, and disabling an app takes it
from the customers who connected it. End to end against the sandbox."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Sandbox

BASE = """\
version: 1
environment: test
apps:
  freshdesk: {enabled: true}
linked_accounts:
  acme: {name: Acme Corp, udf: {plan: pro, tier: gold}}
  globex: {name: Globex}
"""


@pytest.fixture
def applied(cli: Any, cli_env: dict[str, str], sandbox: Sandbox, tmp_path: Path) -> Path:
    manifest = tmp_path / "cobalt.yaml"
    manifest.write_text(BASE)
    result = cli("apply", "-f", str(manifest), "--auto-approve")
    assert result.exit_code == 0, result.stderr
    return manifest


def plan_text(cli: Any, manifest: Path, text: str) -> str:
    manifest.write_text(text)
    result = cli("plan", "-f", str(manifest))
    assert result.exit_code == 0, result.stderr
    return str(result.stdout)


def test_a_udf_key_removed_from_the_manifest_is_noted_not_silent(cli: Any, applied: Path) -> None:
    shown = plan_text(cli, applied, BASE.replace(", tier: gold", ""))
    assert "No changes." in shown
    assert "acme (tier)" in shown
    assert "Cobalt keeps UDF keys that are not sent" in shown


def test_a_dropped_account_cobalt_sync_created_is_named_with_how_to_delete_it(
    cli: Any, applied: Path
) -> None:
    shown = plan_text(cli, applied, BASE.replace("  globex: {name: Globex}\n", ""))
    assert "No changes." in shown
    line = next(line for line in shown.splitlines() if "created by cobalt-sync" in line)
    assert "(globex)" in line and "`state: absent`" in line and "`prune: [linked_accounts]`" in line


def test_a_renamed_account_key_says_the_old_account_stays(cli: Any, applied: Path) -> None:
    shown = plan_text(cli, applied, BASE.replace("  globex:", "  globex-inc:"))
    assert "+ linked_accounts/globex-inc" in shown
    assert "globex has this name and is no longer declared" in shown
    assert "globex stays in Cobalt unless declared with `state: absent`" in shown


def test_disabling_an_app_says_who_loses_it_and_suggests_impact(cli: Any, applied: Path) -> None:
    shown = plan_text(
        cli, applied, BASE.replace("freshdesk: {enabled: true}", "freshdesk: {enabled: false}")
    )
    assert "- apps/freshdesk" in shown
    assert "customers who have connected this app lose it" in shown
    assert "`cobalt-sync plan --impact` counts them" in shown
