"""A stalled or misaddressed API is never silence and never a mystery: a request waiting
without an answer is named on stderr with what happens next, a fully stalled API ends in
exit 4 with a hint, a name that does not resolve says so, and a near miss of Cobalt's host
is refused before the key is sent, with the right one suggested.

The stalled server is a raw socket that accepts connections and never answers, or the
sandbox holding a route's requests (`stall_ms`); the short timeouts keep the tests quick.
Nothing here races a clock: the budget's end is read from when the sandbox saw requests.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cobalt_sync.api import CobaltApi
from cobalt_sync.api.channel import STALL_RETRIES
from cobalt_sync.errors import ApiError, NetworkError, NotFoundError
from tests.conftest import TEST_KEY, Sandbox

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
    # One notice per stalled request, saying what comes next, not one per attempt.
    assert waiting, result.stderr
    assert len(waiting) == len({line.split(":")[1] for line in waiting}), waiting
    for line in waiting:
        assert "no answer for" in line and "it times out and is sent again" in line
        assert "cobalt-sync gives up (exit 4) in" in line
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


# --- one budget of patience per run (the channel's StallBudget) ---------------------------

T = 1.0  # the timeout of these clients, in seconds
ACCOUNT_GET = r"^GET /api/v2/public/linked-account/"


@pytest.fixture
def patient(sandbox: Sandbox) -> Iterator[CobaltApi]:
    with CobaltApi(sandbox.url, TEST_KEY, timeout=T, backoff=0, requests_per_second=None) as api:
        yield api


def get_account(api: CobaltApi, account_id: str) -> ApiError | None:
    return api.raw("get_linked_account", path_params={"linked_account_id": account_id})[1]


def test_once_a_request_gave_up_the_rest_are_not_sent_and_name_it(
    patient: CobaltApi, sandbox: Sandbox
) -> None:
    sandbox.faults(stall_ms=60_000, stall_route=ACCOUNT_GET)
    first = get_account(patient, "acme")
    assert first is not None and first.message == "no answer within 1s, 3 times"
    sent = sandbox.get("stats")["requests_total"]

    # Another route, which would answer: not sent, and the error says why.
    _, error = patient.raw("list_webhooks")
    assert isinstance(error, NetworkError)
    assert str(error) == (
        "GET /api/v2/public/webhook: not sent: the API stopped answering "
        "(GET /api/v2/public/linked-account/{linked_account_id}: no answer within 1s, 3 times)"
    )
    assert error.hint is not None and "--timeout SECONDS" in error.hint
    assert sandbox.get("stats")["requests_total"] == sent


def test_parallel_requests_started_one_after_another_share_one_budget(
    patient: CobaltApi, sandbox: Sandbox
) -> None:
    """Eight reads of a stalled route, one every half timeout: each would wait 3 × the
    timeout on its own (12 s in all); together they wait 3 × the timeout, and none is sent
    once that has passed."""
    sandbox.faults(stall_ms=60_000, stall_route=ACCOUNT_GET)
    errors: dict[str, ApiError | None] = {}

    def read(account_id: str) -> None:
        errors[account_id] = get_account(patient, account_id)

    threads = []
    for number in range(8):
        thread = threading.Thread(target=read, args=(f"account-{number}",))
        thread.start()
        threads.append(thread)
        threading.Event().wait(T / 2)
    for thread in threads:
        thread.join()

    assert all(isinstance(error, NetworkError) for error in errors.values()), errors
    stalls = sandbox.get("stats")["stalls"]
    first = min(stall["at"] for stall in stalls)
    budget = (STALL_RETRIES + 1) * T
    # No attempt left after the budget ran out (a second of slack for the server's clock).
    assert max(stall["at"] for stall in stalls) - first < budget + 1
    sent = {stall["request"].rsplit("/", 1)[1] for stall in stalls}
    never_sent = {f"account-{n}" for n in range(8)} - sent
    assert never_sent, "a read started after the budget ran out was still sent"
    assert all("not sent" in errors[account].message for account in never_sent)


def test_a_slow_moment_does_not_spend_the_runs_patience(
    patient: CobaltApi, sandbox: Sandbox
) -> None:
    """A read that timed out once, then was answered, leaves the run as patient as before:
    later requests, long after the budget would have run out, go out and are answered."""
    sandbox.faults(stall_ms=60_000, stall_route=ACCOUNT_GET)
    errors: list[ApiError | None] = []
    reader = threading.Thread(target=lambda: errors.append(get_account(patient, "acme")))
    reader.start()
    while not sandbox.get("stats")["stalls"]:  # the first attempt is being held
        threading.Event().wait(0.05)
    sandbox.faults(stall_ms=0)  # the API answers again: the retry gets a 404
    reader.join()
    assert isinstance(errors[0], NotFoundError)

    threading.Event().wait((STALL_RETRIES + 1) * T)  # past the first stall's deadline
    _, error = patient.raw("list_webhooks")
    assert error is None
