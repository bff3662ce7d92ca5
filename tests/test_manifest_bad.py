"""Every tests/manifests/bad-*.yaml is rejected by `cobalt-sync validate` with exit 3 and one
problem at the line and with the message its header comment names:

    # expect: LINE: PATH: MESSAGE      (a problem in the manifest itself)
    # expect: -: MESSAGE               (a problem of the whole file, without a line)
    # expect: FILE:LINE: PATH: MESSAGE (a problem inside a file the manifest refers to)

`{prunable_kinds}` in a message stands for the registry's prunable kinds, so that adding a
kind changes no file here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cobalt_sync.kinds import PRUNABLE_KINDS

MANIFESTS = Path(__file__).parent / "manifests"
BAD = sorted(MANIFESTS.glob("bad-*.yaml"))
HEADER = re.compile(rb"# expect: (?:(?P<file>[^\s:]+):)?(?P<line>\d+|-): (?P<message>.+)")


@dataclass(frozen=True)
class Expectation:
    where: str  # the `file:line:` prefix, or `file: ` for a whole-file problem
    message: str


def expectation(path: Path) -> Expectation:
    first_line = path.read_bytes().split(b"\n", 1)[0]
    match = HEADER.fullmatch(first_line)
    assert match, f"{path.name}: first line must be '# expect: LINE: MESSAGE'"
    shown = path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path
    file = shown.parent / match["file"].decode() if match["file"] else shown
    line = match["line"].decode()
    where = f"{file.as_posix()}: " if line == "-" else f"{file.as_posix()}:{line}:"
    message = match["message"].decode()
    return Expectation(where, message.replace("{prunable_kinds}", ", ".join(PRUNABLE_KINDS)))


@pytest.fixture(autouse=True)
def variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_CLIENT_SECRET", "from-the-environment")
    monkeypatch.delenv("COBALT_SYNC_TEST_UNSET_VARIABLE", raising=False)


def test_there_are_enough_bad_manifests() -> None:
    assert len(BAD) >= 25


@pytest.mark.parametrize("path", BAD, ids=lambda path: path.stem)
def test_bad_manifest_is_rejected_at_its_line(cli: Any, path: Path) -> None:
    expected = expectation(path)
    shown = path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path

    result = cli("validate", "-f", str(shown))

    assert result.exit_code == 3
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    # Lines indented under a problem (a source excerpt) belong to it.
    problems = [line for line in lines if not line.startswith(("Error:", "Hint:", " "))]
    assert len(problems) == 1, result.stderr
    assert problems[0].startswith(expected.where), result.stderr
    assert expected.message in problems[0], result.stderr
    assert lines[-1] == "Error: 1 problem found in the manifest"
    assert "Traceback" not in result.stderr
