"""Files cobalt-sync writes (`plan --out`, `export -o`): a missing folder for a plan is
created, a bad path is exit 3 before any request, and a link planted where the temporary file
goes is never written through (the file is created exclusively, then renamed)."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

MANIFEST = """\
version: 1
environment: test
events:
  Invoice Paid:
    schema: {amount: 10}
"""
PLANTED = "planted0000"  # the first "random" temporary-file suffix, known to the attacker


@pytest.fixture
def manifest(cli_env: dict[str, str], tmp_path: Path) -> Path:
    path = tmp_path / "cobalt.yaml"
    path.write_text(MANIFEST)
    return path


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    path = tmp_path / "victim.txt"
    path.write_text("precious\n")
    return path


@pytest.fixture
def guessed_names(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The first temporary name is one an attacker guessed; later ones are random."""
    real = secrets.token_hex
    calls = iter([PLANTED])
    monkeypatch.setattr(secrets, "token_hex", lambda n: next(calls, None) or real(n))
    yield


def plant_links(target: Path, victim: Path) -> list[Path]:
    """Links at the guessed temporary name and at the old predictable `NAME.tmp`."""
    links = [
        target.with_name(f".{target.name}.{PLANTED}.tmp"),
        target.with_name(target.name + ".tmp"),
    ]
    for link in links:
        link.symlink_to(victim)
    return links


def test_plan_out_creates_missing_folders_and_the_plan_shows(
    cli: Any, manifest: Path, tmp_path: Path
) -> None:
    out = tmp_path / "plans" / "pr" / "cobalt-plan.json"
    result = cli("plan", "-f", str(manifest), "--out", str(out))
    assert result.exit_code == 0, result.stderr
    assert json.loads(out.read_text())["manifest_path"] == "../../cobalt.yaml"
    shown = cli("show", str(out))
    assert shown.exit_code == 0 and "events/Invoice Paid" in shown.stdout
    assert [p.name for p in out.parent.iterdir()] == ["cobalt-plan.json"]  # no temp left


@pytest.mark.parametrize("where", ["through a file", "a directory"])
def test_plan_out_on_a_bad_path_is_bad_input_before_any_request(
    cli: Any, manifest: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    blocker = tmp_path / "blocker"
    if where == "a directory":
        blocker.mkdir()
        out = blocker
    else:
        blocker.write_text("a file, not a folder\n")
        out = blocker / "plan.json"
    monkeypatch.setenv("COBALT_API_URL", "http://127.0.0.1:9")  # a request would be exit 4
    result = cli("plan", "-f", str(manifest), "--out", str(out))
    assert result.exit_code == 3, result.output
    assert str(out) in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""  # refused before planning


@pytest.mark.usefixtures("guessed_names")
def test_plan_out_never_writes_through_a_link_at_its_temporary_path(
    cli: Any, manifest: Path, victim: Path, tmp_path: Path
) -> None:
    out = tmp_path / "plan.json"
    links = plant_links(out, victim)
    result = cli("plan", "-f", str(manifest), "--out", str(out))
    assert result.exit_code == 0, result.stderr
    assert victim.read_text() == "precious\n"
    assert not out.is_symlink() and json.loads(out.read_text())["cobalt_sync_plan"] == 1
    assert all(link.is_symlink() for link in links)  # someone else's files: left alone


@pytest.mark.usefixtures("guessed_names")
def test_plan_out_replaces_a_link_at_the_target_itself_not_what_it_points_to(
    cli: Any, manifest: Path, victim: Path, tmp_path: Path
) -> None:
    out = tmp_path / "plan.json"
    out.symlink_to(victim)
    assert cli("plan", "-f", str(manifest), "--out", str(out)).exit_code == 0
    assert victim.read_text() == "precious\n"
    assert not out.is_symlink() and "cobalt_sync_plan" in out.read_text()


@pytest.mark.usefixtures("guessed_names")
@pytest.mark.parametrize("force", [False, True])
def test_export_never_writes_through_a_link_at_its_temporary_path(
    cli: Any, manifest: Path, victim: Path, tmp_path: Path, force: bool
) -> None:
    assert cli("apply", "-f", str(manifest), "--auto-approve").exit_code == 0
    out = tmp_path / "exported.yaml"
    if force:
        out.write_text("old\n")
    links = plant_links(out, victim)
    result = cli("export", "-o", str(out), *(["--force"] if force else []))
    assert result.exit_code == 0, result.stderr
    assert victim.read_text() == "precious\n"
    assert "Invoice Paid" in out.read_text()
    assert all(link.is_symlink() for link in links)
