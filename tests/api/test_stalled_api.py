"""A stalled or misaddressed API is never silence and never a mystery: a request waiting
without an answer is named on stderr with what happens next, a fully stalled API ends in
exit 4 with a hint, a name that does not resolve says so, and a near miss of Cobalt's host
is refused before the key is sent, with the right one suggested.

The stalled server is a raw socket that accepts connections and never answers; the short
`--timeout` keeps the test quick, and nothing here measures time.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

MANIFEST = "version: 1\nenvironment: test\n"


@pytest.fixture
def silent_server() -> Iterator[str]:
    """http://127.0.0.1:PORT of a server that accepts every connection and never answers."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            accepted.append(connection)  # held open, never read from or written to

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join(timeout=5)
    for connection in accepted:
        connection.close()
    listener.close()


@pytest.fixture
def manifest(tmp_path: Path) -> Path:
    path = tmp_path / "cobalt.yaml"
    path.write_text(MANIFEST)
    return path


def test_a_stalled_api_is_named_on_stderr_then_fails_with_exit_4_and_a_hint(
    cli: Any, cli_env: dict[str, str], silent_server: str, manifest: Path
) -> None:
    result = cli("--api-url", silent_server, "--timeout", "1", "plan", "-f", str(manifest))
    assert result.exit_code == 4, result.stderr
    assert result.stdout == ""
    waiting = [line for line in result.stderr.splitlines() if "waiting for GET " in line]
    # Each attempt says what it waits for and what comes next, the last that it gives up.
    assert any("no answer for" in line and "retried (1 of 2)" in line for line in waiting)
    assert any("gives up (exit 4)" in line for line in waiting), result.stderr
    error = next(line for line in result.stderr.splitlines() if line.startswith("Error: "))
    assert "no answer within 1s, 3 times" in error
    hint = next(line for line in result.stderr.splitlines() if line.startswith("Hint: "))
    assert "--api-url" in hint and "--timeout SECONDS" in hint and "network" in hint


def test_timeout_option_is_validated(cli: Any, cli_env: dict[str, str], manifest: Path) -> None:
    result = cli("--timeout", "0", "plan", "-f", str(manifest))
    assert result.exit_code == 3
    assert "--timeout" in result.stderr


def test_a_host_that_does_not_resolve_says_so(
    cli: Any, cli_env: dict[str, str], manifest: Path
) -> None:
    # .invalid never resolves (RFC 6761), with or without a network.
    url = "https://cobalt-sync-test.invalid"
    result = cli("--api-url", url, "--app-settings", "manual", "plan", "-f", str(manifest))
    assert result.exit_code == 4, result.stderr
    assert "the host name cobalt-sync-test.invalid did not resolve (DNS)" in result.stderr
    assert "Hint: Check the spelling of cobalt-sync-test.invalid" in result.stderr


@pytest.mark.parametrize(
    ("url", "suggestion"),
    [
        ("https://app.refodl.ai", "Did you mean --api-url https://app.refold.ai?"),
        ("https://api.gocobolt.io", "Did you mean --api-url https://api.gocobalt.io?"),
        ("https://app.gocobalt.io", "Use --api-url https://app.refold.ai"),
    ],
)
def test_a_near_miss_of_cobalts_host_is_refused_with_the_right_one(
    cli: Any, cli_env: dict[str, str], manifest: Path, url: str, suggestion: str
) -> None:
    result = cli("--api-url", url, "plan", "-f", str(manifest))
    assert result.exit_code == 3, result.stderr
    assert suggestion in result.stderr
    assert "§" not in result.stderr  # no pointer into an internal contract document
