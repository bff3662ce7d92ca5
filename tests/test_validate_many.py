"""`validate` as pre-commit calls it: several files at once, secrets not available."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture(autouse=True)
def no_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SLACK_CLIENT_SECRET", "HUBSPOT_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)


def test_several_files_each_get_a_verdict(cli: Any) -> None:
    result = cli("validate", "-f", str(EXAMPLES / "cobalt.yaml"), str(EXAMPLES / "minimal.yaml"))
    assert result.exit_code == 3
    assert "minimal.yaml is valid" in result.stdout
    assert "variable 'SLACK_CLIENT_SECRET' is not set" in result.stderr
    assert "1 of 2 manifests are invalid" in result.stderr


def test_missing_variables_can_be_allowed_for_offline_checks(cli: Any) -> None:
    files = [str(EXAMPLES / "cobalt.yaml"), str(EXAMPLES / "minimal.yaml")]
    result = cli("validate", "--allow-missing-variables", "-f", *files)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.count("is valid") == 2


def test_allowing_missing_variables_still_reports_real_problems(
    cli: Any, tmp_path: Path
) -> None:
    bad = tmp_path / "cobalt.yaml"
    bad.write_text("version: 1\nenvironment: test\napps:\n  slak: {}\n")
    result = cli("validate", "--allow-missing-variables", str(bad))
    assert result.exit_code == 3
    assert "cobalt.yaml:4:3: apps.slak: unknown app 'slak'" in result.stderr
