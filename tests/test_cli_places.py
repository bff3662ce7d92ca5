"""Nothing depends on the working directory: `--sandbox` keeps its org beside the manifest
(or in --sandbox-dir) with a .gitignore of its own; global options work after the command
too; `check --show-url` under --sandbox keeps serving until Ctrl-C so its URLs open."""

from __future__ import annotations

import re
import signal
import time
from pathlib import Path
from typing import Any

import click
import httpx
import pytest

from cobalt_sync.cli import COMMANDS, cli, global_options, hoist_global_options
from tests.reliability.support import clean_env, finished, kill9, start_cli

MANIFEST = """\
version: 1
environment: test
apps:
  freshdesk: {enabled: true}
events:
  Invoice Paid:
    schema: {amount: 10}
linked_accounts:
  acme: {name: Acme}
"""


@pytest.fixture
def org(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """tmp/myorg/cobalt.yaml, and no COBALT_* setting that would point elsewhere."""
    for name in ("COBALT_API_URL", "COBALT_API_KEY", "COBALT_APP_SETTINGS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COBALT_MAX_RPS", "0")
    (tmp_path / "myorg").mkdir()
    (tmp_path / "elsewhere").mkdir()
    path = tmp_path / "myorg" / "cobalt.yaml"
    path.write_text(MANIFEST)
    return path


def test_sandbox_org_lives_beside_the_manifest_whatever_the_directory(
    cli: Any, org: Path, tmp_path: Path
) -> None:
    applied = cli("--sandbox", "apply", "-f", "myorg/cobalt.yaml", "--auto-approve", cwd=tmp_path)
    assert applied.exit_code == 0, applied.stderr
    state = tmp_path / "myorg" / ".cobalt-sandbox"
    assert (state / ".gitignore").read_text().splitlines()[-1] == "*"
    assert not (tmp_path / ".cobalt-sandbox").exists()
    # From another directory, the same manifest sees the org apply left: no changes.
    planned = cli(
        "--sandbox", "plan", "-f", "../myorg/cobalt.yaml", "--detailed-exitcode",
        cwd=tmp_path / "elsewhere",
    )
    assert planned.exit_code == 0, planned.stdout + planned.stderr
    assert not (tmp_path / "elsewhere" / ".cobalt-sandbox").exists()


def test_sandbox_dir_puts_the_org_where_asked_and_implies_sandbox(
    cli: Any, org: Path, tmp_path: Path
) -> None:
    where = tmp_path / "state"
    applied = cli("--sandbox-dir", str(where), "apply", "-f", str(org), "--auto-approve")
    assert applied.exit_code == 0, applied.stderr
    assert (where / ".gitignore").is_file() and any(where.glob("*.sqlite3"))
    assert not (org.parent / ".cobalt-sandbox").exists()
    again = cli("plan", "--sandbox-dir", str(where), "-f", str(org), "--detailed-exitcode")
    assert again.exit_code == 0, again.stdout + again.stderr


def test_global_options_also_work_after_the_command(cli: Any, org: Path) -> None:
    result = cli("plan", "--sandbox", "-f", str(org), "--detailed-exitcode")
    assert result.exit_code == 2, result.stderr  # an empty sandbox org: changes to make
    assert "embedded sandbox" in result.stderr
    assert hoist_global_options(["plan", "-f", "x", "--", "--sandbox"])[-1] == "--sandbox"


def test_no_command_defines_an_option_named_like_a_global_one() -> None:
    """What makes moving a global option written after the command safe."""
    ctx = click.Context(cli)
    globals_ = set(global_options())
    for name in COMMANDS:
        command = cli.get_command(ctx, name)
        assert command is not None
        commands = [command]
        if isinstance(command, click.Group):
            commands += [command.get_command(ctx, sub) for sub in command.list_commands(ctx)]
        for each in commands:
            for param in getattr(each, "params", []):
                clash = set(getattr(param, "opts", [])) & globals_
                assert not clash, (name, clash)


def test_check_show_url_under_sandbox_serves_until_ctrl_c(
    cli: Any, org: Path, tmp_path: Path
) -> None:
    applied = cli("--sandbox", "apply", "-f", str(org), "--auto-approve")
    assert applied.exit_code == 0, applied.stderr
    env = clean_env(COBALT_MAX_RPS="0")
    process = start_cli(["--sandbox", "check", "--show-url", "-f", str(org)], env, tmp_path)
    try:
        deadline = time.monotonic() + 120
        while "keeps serving" not in process.err_path.read_text():
            assert process.poll() is None, process.err_path.read_text()
            assert time.monotonic() < deadline
            time.sleep(0.05)
        url = re.search(r"http://127\.0\.0\.1:\d+/\S+", process.out_path.read_text())
        assert url, process.out_path.read_text()
        # The printed URL opens: the sandbox behind it is still serving its Connect page.
        page = httpx.get(url.group(0), timeout=10)
        assert page.status_code == 200, page.text[:500]
        process.send_signal(signal.SIGINT)
        result = finished(process, timeout=60)
    finally:
        kill9(process)
    assert result.exit_code == 0, result.stderr
    assert "Stopping the embedded sandbox." in result.stderr
