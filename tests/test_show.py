"""`cobalt-sync show PLANFILE` renders a saved plan offline exactly as `plan` showed it, in
every format, with no key and no reachable API; `--no-color` turns colour off like NO_COLOR;
`apply --help` lists the exit codes."""

from __future__ import annotations

import io
from contextlib import redirect_stderr
from pathlib import Path
from typing import Any

import pytest

from cobalt_sync.cli import run
from cobalt_sync.errors import ExitCode

MANIFEST = """\
version: 1
environment: test
events:
  Invoice Paid:
    schema: {amount: 10, tags: [a, b]}
linked_accounts:
  acme: {name: Acme}
"""


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def saved(cli: Any, cli_env: dict[str, str], tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A saved plan, and what `plan` printed for it in each format."""
    manifest = tmp_path / "cobalt.yaml"
    manifest.write_text(MANIFEST)
    planfile = tmp_path / "plan.json"
    shown: dict[str, str] = {}
    for fmt in ("text", "json", "markdown"):
        result = cli("plan", "-f", str(manifest), "--format", fmt, "--out", str(planfile))
        assert result.exit_code == 0, result.stderr
        shown[fmt] = result.stdout
    return planfile, shown


def test_show_renders_a_saved_plan_offline_as_plan_did(
    cli: Any, saved: tuple[Path, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    planfile, shown = saved
    monkeypatch.delenv("COBALT_API_KEY")
    monkeypatch.setenv("COBALT_API_URL", "http://127.0.0.1:9")  # nothing listens: offline
    for fmt, expected in shown.items():
        result = cli("show", str(planfile), "--format", fmt)
        assert result.exit_code == 0, result.stderr
        assert result.stdout == expected, fmt


def test_show_refuses_a_file_that_is_not_a_plan(cli: Any, tmp_path: Path) -> None:
    other = tmp_path / "cobalt.yaml"
    other.write_text(MANIFEST)
    result = cli("show", str(other))
    assert result.exit_code == 3
    assert "not a readable cobalt-sync plan file" in result.stderr
    assert cli("show", str(tmp_path / "missing.json")).exit_code == 3


def test_no_color_turns_colour_off_on_a_terminal(
    saved: tuple[Path, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    planfile, _ = saved
    monkeypatch.delenv("NO_COLOR", raising=False)

    def shown(*flags: str) -> str:
        terminal = Terminal()
        monkeypatch.setattr("sys.stdout", terminal)
        with redirect_stderr(io.StringIO()):
            assert run([*flags, "show", str(planfile)]) == 0
        return terminal.getvalue()

    assert "\x1b[" in shown()
    assert "\x1b[" not in shown("--no-color")
    assert shown("--no-color") == shown("--no-color").replace("\x1b", "")


def test_apply_help_lists_every_exit_code_apply_can_return(cli: Any) -> None:
    text = cli("apply", "--help").stdout
    listed = text.split("Exit codes:", 1)[1].split("Options:", 1)[0]
    codes = [int(code) for code in ExitCode if code is not ExitCode.CHANGES]  # 2: plan's only
    for code in [*codes, 130, 143]:
        assert f" {code} " in listed, code


def test_show_and_apply_refuse_a_plan_file_nested_too_deeply(
    cli: Any, saved: tuple[Path, dict[str, str]]
) -> None:
    """200,000 levels are past what JSON can read on the stack: bad input, not a crash."""
    planfile, _ = saved
    text = planfile.read_text()
    deep = "[" * 200_000 + "]" * 200_000
    planfile.write_text(text.replace('"after": 10', f'"after": {deep}', 1))
    assert deep in planfile.read_text()
    for command in ("show", "apply"):
        result = cli(command, str(planfile))
        assert result.exit_code == 3, result.output
        assert "nested too deeply" in result.stderr and "RecursionError" not in result.output
