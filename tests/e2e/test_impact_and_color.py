"""Review aids: `plan --impact` counts the end customers an app change reaches, and colour
appears only on a terminal without NO_COLOR."""

from __future__ import annotations

import io
import textwrap
from pathlib import Path
from typing import Any

import pytest

from cobalt_sync.commands.common import use_color
from tests.conftest import Sandbox

MANIFEST = """
version: 1
environment: test
apps:
  hubspot: {enabled: false}
"""


def test_impact_counts_connected_linked_accounts(
    cli: Any, tmp_path: Path, cli_env: dict[str, str], sandbox: Sandbox
) -> None:
    sandbox.post(
        "seed",
        key="tk_sandbox",
        linked_accounts=3,
        account_prefix="cust-",
        apps=["hubspot"],
        connected_apps=["hubspot"],
    )
    manifest = tmp_path / "cobalt.yaml"
    manifest.write_text(textwrap.dedent(MANIFEST))
    plain = cli("plan", "-f", str(manifest))
    assert "- apps/hubspot" in plain.stdout
    assert "linked accounts have" not in plain.stdout  # opt-in: counting reads every account
    assert "`cobalt-sync plan --impact` counts them" in plain.stdout  # but it is suggested
    counted = cli("plan", "-f", str(manifest), "--impact")
    assert counted.exit_code == 0, counted.stderr
    assert "3 linked accounts have hubspot connected: disabling hides it from them" in (
        counted.stdout
    )


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("tty", "no_color", "expected"),
    [(True, None, True), (True, "1", False), (False, None, False)],
)
def test_colour_only_on_a_terminal_without_no_color(
    monkeypatch: pytest.MonkeyPatch, tty: bool, no_color: str | None, expected: bool
) -> None:
    monkeypatch.setattr("sys.stdout", Terminal() if tty else io.StringIO())
    if no_color is None:
        monkeypatch.delenv("NO_COLOR", raising=False)
    else:
        monkeypatch.setenv("NO_COLOR", no_color)
    assert use_color() is expected


def test_cli_output_off_a_terminal_has_no_escape_codes(
    cli: Any, tmp_path: Path, cli_env: dict[str, str], sandbox: Sandbox
) -> None:
    manifest = tmp_path / "cobalt.yaml"
    manifest.write_text("version: 1\nenvironment: test\nevents:\n  A:\n    schema: {a: 1}\n")
    for args in (["plan"], ["apply", "--auto-approve"], ["plan"]):
        result = cli(*args, "-f", str(manifest))
        assert "\x1b" not in result.stdout + result.stderr
