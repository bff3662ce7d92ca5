"""apply on a terminal: the user is asked, only 'yes' applies, and progress is a bar there."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from cobalt_sync.applying.report import Outcome, Status
from cobalt_sync.commands.progress import ProgressPrinter
from cobalt_sync.plan import Action, Change
from tests.conftest import Sandbox

MANIFEST = "version: 1\nenvironment: test\nevents:\n  Ping:\n    schema: {ok: true}\n"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def manifest(tmp_path: Path, cli_env: dict[str, str]) -> Path:
    path = tmp_path / "cobalt.yaml"
    path.write_text(MANIFEST)
    return path


@pytest.mark.parametrize(("answer", "code", "events"), [("yes\n", 0, 1), ("y\n", 5, 0)])
def test_only_yes_applies(
    cli: Any,
    manifest: Path,
    sandbox: Sandbox,
    answer: str,
    code: int,
    events: int,
) -> None:
    result = cli("apply", "-f", str(manifest), stdin=answer, tty=True)
    assert result.exit_code == code, result.stderr
    assert sandbox.inspect()["counts"]["events"] == events


def test_progress_bar_on_a_terminal_and_plain_lines_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    outcome = Outcome(Change("events", "Ping", Action.CREATE), Status.DONE)
    for terminal in (True, False):
        err = Terminal() if terminal else io.StringIO()
        monkeypatch.setattr("sys.stderr", err)
        printer = ProgressPrinter(2, terminal=terminal)
        printer(outcome)
        printer.close()
        text = err.getvalue()
        assert "[1/2  50%" in text and "✓ create events/Ping" in text
        assert ("\x1b[K" in text) is terminal
        assert ("#" * 15 in text) is terminal
