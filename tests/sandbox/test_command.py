"""`cobalt-sync sandbox serve` refusals and the embedded sandbox's start-up errors."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest

from cobalt_sync.errors import InputError
from cobalt_sync.reading.embedded_sandbox import embedded_sandbox


def test_non_loopback_host_is_refused_with_the_reason(cli: Any) -> None:
    result = cli("sandbox", "serve", "--host", "0.0.0.0")
    assert result.exit_code == 3 and result.stdout == ""
    assert "clear text" in result.stderr and "--allow-remote" in result.stderr


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--error-rate", "2"], "--error-rate"),
        (["--drop-rate", "-1"], "--drop-rate"),
        (["--api-key", "sk_live_1"], "tk_<name>"),
        (["--rate-limit", "0"], "--rate-limit"),
    ],
)
def test_bad_values_are_bad_input(cli: Any, args: list[str], fragment: str) -> None:
    result = cli("sandbox", "serve", "--port", "0", *args)
    assert result.exit_code == 3 and fragment in result.stderr


def test_a_state_file_that_is_not_a_database_is_bad_input(cli: Any, tmp_path: Path) -> None:
    junk = tmp_path / "state.sqlite3"
    junk.write_text("this is not sqlite " * 100)
    result = cli("sandbox", "serve", "--port", "0", "--state", str(junk))
    assert result.exit_code == 3 and "--state" in result.stderr
    assert "Traceback" not in result.output


def test_embedded_sandbox_with_a_broken_state_dir_says_how_to_recover(tmp_path: Path) -> None:
    (tmp_path / "sandbox.sqlite3").write_text("garbage " * 200)
    with pytest.raises(InputError) as caught, embedded_sandbox(tmp_path):
        pass
    assert caught.value.hint is not None and str(tmp_path) in caught.value.hint


def test_a_port_in_use_is_refused_with_a_port_hint(cli: Any) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = cli("sandbox", "serve", "--port", str(port))
    assert result.exit_code == 3, result.output
    assert f"port {port} on 127.0.0.1 is already in use" in result.stderr
    assert "--port 0" in result.stderr and f"--port {port + 1}" in result.stderr
    assert "Errno" not in result.output and "Traceback" not in result.output
