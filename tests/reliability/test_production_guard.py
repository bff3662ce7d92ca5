"""Scenario 7, the production guard: a key of one environment and a manifest of the other
never produce a write; the refusal (exit 5) comes before any request reaches the server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PROD_KEY, TEST_KEY, Sandbox
from tests.reliability.support import no_traceback

MANIFEST = """\
version: 1
environment: {environment}
apps:
  hubspot: {{enabled: true}}
events:
  Guarded:
    schema: {{id: 1}}
linked_accounts:
  guarded-1: {{name: Guarded}}
"""


@pytest.fixture
def guarded(
    tmp_path: Path, cli_env: dict[str, str], sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> Any:
    def setup(key: str, environment: str) -> Path:
        monkeypatch.setenv("COBALT_API_KEY", key)
        path = tmp_path / "cobalt.yaml"
        path.write_text(MANIFEST.format(environment=environment))
        sandbox.post("stats/reset")
        return path

    return setup


@pytest.mark.parametrize(
    ("key", "environment"),
    [(PROD_KEY, "test"), (TEST_KEY, "production")],
    ids=["production-key-test-manifest", "test-key-production-manifest"],
)
def test_mismatched_key_and_environment_sends_no_request(
    cli: Any, sandbox: Sandbox, guarded: Any, key: str, environment: str
) -> None:
    manifest = guarded(key, environment)
    for args in (
        ("apply", "-f", str(manifest), "--auto-approve"),
        ("apply", "-f", str(manifest), "--auto-approve", "--allow-mass-delete"),
        ("plan", "-f", str(manifest)),
    ):
        result = cli(*args)
        no_traceback(result)
        assert result.exit_code == 5, result.output
        assert "environment mismatch" in result.stderr
        assert key not in result.output
    stats = sandbox.get("stats")
    assert stats["requests_total"] == 0, stats
    assert stats["writes_applied"] == 0
    for env_key in (TEST_KEY, PROD_KEY):
        assert sandbox.inspect(env_key)["counts"] == {"events": 0, "linked_accounts": 0}


def test_saved_test_plan_applied_with_a_production_key_is_refused(
    cli: Any, sandbox: Sandbox, guarded: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest = guarded(TEST_KEY, "test")
    planfile = tmp_path / "plan.json"
    assert cli("plan", "-f", str(manifest), "--out", str(planfile)).exit_code == 0
    monkeypatch.setenv("COBALT_API_KEY", PROD_KEY)
    sandbox.post("stats/reset")
    refused = cli("apply", str(planfile), "--auto-approve")
    no_traceback(refused)
    assert refused.exit_code == 5, refused.output
    assert sandbox.get("stats")["requests_total"] == 0
    assert sandbox.inspect(PROD_KEY)["counts"] == {"events": 0, "linked_accounts": 0}
