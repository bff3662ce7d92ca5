"""The command line's skeleton: --version, `python -m cobalt_sync`, validate's outputs, and
bad command lines exit 3 (click's own usage-error 2 would mean "changes")."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from cobalt_sync import __version__

EXAMPLES = Path(__file__).parent.parent / "examples"
# click's own wording: "No such option: --bogus" before 8.4, "No such option '--bogus'." since
# (pyproject allows click 8.1, and CI runs the minimums).
NO_SUCH_BOGUS = re.compile(r"No such option(: | ')--bogus")


@pytest.fixture
def example_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_CLIENT_SECRET", "slack-demo")
    monkeypatch.setenv("HUBSPOT_CLIENT_SECRET", "hubspot-demo")
    monkeypatch.setenv("HUBSPOT_TEST_CLIENT_SECRET", "hubspot-test-demo")


def test_version(cli: Any) -> None:
    result = cli("--version")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == f"cobalt-sync, version {__version__}\n"


def test_python_dash_m_runs_the_cli() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "cobalt_sync", "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode, done.stdout, done.stderr) == (
        0,
        f"cobalt-sync, version {__version__}\n",
        "",
    )


def test_python_dash_m_exits_with_the_commands_code(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "cobalt_sync", "validate"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 3
    assert done.stdout == ""
    assert "cobalt.yaml: file not found" in done.stderr


def test_unknown_command_is_bad_input_with_a_suggestion(cli: Any) -> None:
    result = cli("valdate")
    assert result.exit_code == 3
    assert result.stdout == ""
    assert "no such command 'valdate' (did you mean 'validate'?)" in result.stderr


def test_unknown_option_is_bad_input(cli: Any) -> None:
    result = cli("validate", "--bogus")
    assert result.exit_code == 3
    assert result.stdout == ""
    assert NO_SUCH_BOGUS.search(result.stderr), result.stderr


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["-f", "cobalt.yaml", "plan"], "-f is an option of `plan`: it goes after the command "
         "(`cobalt-sync plan -f cobalt.yaml`)"),
        (["--detailed-exitcode", "plan"], "(`cobalt-sync plan --detailed-exitcode`)"),
        (["--file=my file.yaml", "validate"], "(`cobalt-sync validate '--file=my file.yaml'`)"),
    ],
)
def test_a_commands_option_before_the_command_says_where_it_goes(
    cli: Any, args: list[str], said: str
) -> None:
    result = cli(*args)
    assert result.exit_code == 3 and result.stdout == ""
    assert said in result.stderr


def test_an_option_no_command_has_gets_no_such_advice(cli: Any) -> None:
    result = cli("--bogus", "plan")
    assert result.exit_code == 3
    assert NO_SUCH_BOGUS.search(result.stderr) and "goes after" not in result.stderr


@pytest.mark.usefixtures("example_secrets")
@pytest.mark.parametrize(
    "path", sorted(EXAMPLES.rglob("*.yaml")), ids=lambda path: str(path.relative_to(EXAMPLES))
)
def test_every_example_validates(cli: Any, path: Path) -> None:
    result = cli("validate", "-f", str(path))
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout.startswith(f"{path} is valid: ")


@pytest.mark.usefixtures("example_secrets")
def test_validate_summary_counts_what_the_file_declares(cli: Any) -> None:
    result = cli("validate", "-f", "cobalt.yaml", cwd=EXAMPLES)
    assert result.exit_code == 0
    assert result.stdout == (
        "cobalt.yaml is valid: 6 apps, 2 own OAuth clients, 4 events, 4 linked accounts, "
        "1 webhook, 1 MCP server\n"
    )


def test_validate_defaults_to_cobalt_yaml_in_the_working_directory(
    cli: Any, tmp_path: Path
) -> None:
    (tmp_path / "cobalt.yaml").write_text("version: 1\nenvironment: test\n")
    result = cli("validate", cwd=tmp_path)
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == "cobalt.yaml is valid: no objects declared\n"


def test_warnings_go_to_stderr_and_the_summary_to_stdout(cli: Any, tmp_path: Path) -> None:
    (tmp_path / "cobalt.yaml").write_text(
        "version: 1\nenvironment: test\napps:\n  slack:\n    oauth:\n"
        "      client_id: abc\n      client_secret: literal-in-file\n"
    )
    result = cli("validate", cwd=tmp_path)
    assert result.exit_code == 0
    assert result.stdout == "cobalt.yaml is valid: 1 app, 1 own OAuth client, 1 warning\n"
    assert result.stderr == (
        "cobalt.yaml:7:22: apps.slack.oauth.client_secret: warning: the client secret is "
        "written in the file; use a variable: ${SLACK_CLIENT_SECRET}\n"
    )


def test_missing_manifest_is_bad_input(cli: Any, tmp_path: Path) -> None:
    result = cli("validate", "-f", "nope.yaml", cwd=tmp_path)
    assert result.exit_code == 3
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "nope.yaml: file not found",
        "Error: 1 problem found in the manifest",
        "Hint: create it (see examples/cobalt.yaml) or pass -f PATH",
    ]
