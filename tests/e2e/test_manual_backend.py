"""Real Cobalt has no public API for app enablement or OAuth clients: with the manual backend
those changes are dashboard steps in the plan, apply leaves them to the user (exit 7), and
the next plan verifies them read-only. Nothing is written that the plan did not list."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import TEST_KEY, Sandbox

MANIFEST = """
version: 1
environment: test
apps:
  stripe: {enabled: true}
events:
  Order Placed:
    schema: {order: {id: 1}}
"""


@pytest.fixture
def manifest(tmp_path: Path, cli_env: dict[str, str]) -> Path:
    path = tmp_path / "cobalt.yaml"
    path.write_text(textwrap.dedent(MANIFEST))
    return path


def test_app_changes_become_dashboard_steps_and_are_verified_afterwards(
    cli: Any, manifest: Path, sandbox: Sandbox
) -> None:
    shown = cli("--app-settings", "manual", "plan", "-f", str(manifest))
    assert shown.exit_code == 0, shown.stderr
    steps = shown.stdout.split("Dashboard steps")[1]
    assert "1. Apps → Stripe (sandbox dashboard: #apps): enable the app (Go Live)" in steps
    # Cobalt shows enabled apps only for a linked account: the plan says it will create one.
    assert "+ linked_accounts/cobalt-sync-probe" in shown.stdout
    assert "1 dashboard step" in shown.stdout

    applied = cli("--app-settings", "manual", "apply", "-f", str(manifest), "--auto-approve")
    assert applied.exit_code == 7, applied.stderr
    assert "every API change is done; 1 dashboard step still to take" in applied.stderr
    org = sandbox.inspect()
    assert org["apps_enabled"] == []  # nothing was changed behind the user's back
    assert [e["name"] for e in org["events"]] == ["Order Placed"]

    # The user takes the step in the "dashboard" (here: the sandbox's own route).
    enabled = httpx.put(
        f"{sandbox.url}/api/v2/public/application/stripe/enable", headers={"x-api-key": TEST_KEY}
    )
    assert enabled.status_code == 200
    again = cli("--app-settings", "manual", "plan", "-f", str(manifest), "--detailed-exitcode")
    assert again.exit_code == 0, again.stdout + again.stderr
    assert "No changes" in again.stdout


def test_two_plans_in_a_row_print_the_same_and_list_steps_in_json(
    cli: Any, manifest: Path
) -> None:
    first = cli("--app-settings", "manual", "plan", "-f", str(manifest))
    second = cli("--app-settings", "manual", "plan", "-f", str(manifest))
    assert first.stdout == second.stdout
    document = json.loads(
        cli("--app-settings", "manual", "plan", "-f", str(manifest), "--format", "json").stdout
    )
    (step,) = document["dashboard_steps"]
    assert (step["kind"], step["key"], step["action"]) == ("apps", "stripe", "create")
    assert step["where"] == "Apps → Stripe (sandbox dashboard: #apps)"
    assert step["status"] == "unverified"
    assert document["summary"]["dashboard_steps"] == 1
    assert all(c["kind"] not in ("apps", "oauth_credentials") for c in document["changes"])
