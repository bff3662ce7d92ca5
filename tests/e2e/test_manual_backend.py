"""Real Cobalt has no public API for app enablement or OAuth clients: with the manual backend
those changes are dashboard steps in the plan, apply leaves them to the user (exit 6), and
the next plan verifies them read-only."""

from __future__ import annotations

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
    assert "+ apps/stripe  [manual]" in shown.stdout
    assert "Apps → stripe → enable" in shown.stdout

    applied = cli("--app-settings", "manual", "apply", "-f", str(manifest), "--auto-approve")
    assert applied.exit_code == 6
    assert "need manual steps" in applied.stderr
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
