"""A stalled API ends every command in bounded time: from the first request that got no
answer to exit, at most (retries + 1) × the timeout + 10 s, whatever the manifest declares,
with one notice per stalled request and no request sent more than (retries + 1) times.

The served sandbox holds the stalled requests without a byte of answer (`stall_ms`, until
the client hangs up) and records each one and when it arrived. The bound is computed from
the client's own constants; it is a bound with seconds to spare, not a race: the timeout is
kept small so the test is quick, and a run that waits twice (a second round of retries,
a read repeated after a failed one) shows in the count of stalled requests.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cobalt_sync.api.channel import STALL_RETRIES
from tests.conftest import TEST_KEY, Sandbox

TIMEOUT = 2  # seconds, --timeout
BOUND = (STALL_RETRIES + 1) * TIMEOUT + 10  # seconds from the first stalled request to exit
LONG = 120_000  # ms a stalled request is held (it ends when the client hangs up)

MANIFEST = """\
version: 1
environment: test
apps:
  hubspot:
    oauth:
      client_id: hub-client-1
      client_secret: ${HUBSPOT_CLIENT_SECRET}
      scopes: [crm.objects.contacts.read]
  stripe: {enabled: true}
events:
  Invoice Paid:
    schema: {invoice: {id: inv_1, amount: 10}}
linked_accounts:
  "account:1": {name: Acme}
  "account:2": {name: Globex}
  "account:3": {name: Initech}
"""

EVERY_REQUEST = None
ONE_ACCOUNT_GET = r"^GET /api/v2/public/linked-account/account:[^/]+$"
WRITES = r"^(POST|PUT|DELETE) "


@dataclass(frozen=True)
class Scenario:
    command: tuple[str, ...]
    stall_route: str | None
    exit_code: int
    manual: bool = True  # the `cobalt` profile and --app-settings manual, as on real Cobalt


SCENARIOS = {
    "plan, manual backend, seed accounts": Scenario(("plan",), EVERY_REQUEST, 4),
    # The case: the seed-account reads stall, the rest of the API answers.
    "plan, manual backend, seed-account reads": Scenario(("plan",), ONE_ACCOUNT_GET, 4),
    "plan, api backend": Scenario(("plan",), EVERY_REQUEST, 4, manual=False),
    "apply, reads stalled": Scenario(("apply", "--auto-approve"), EVERY_REQUEST, 4),
    # Writes that get no answer: exit 6 (an API change failed; the report says which), and
    # the re-read that verifies the apply does not wait a second time.
    "apply, writes stalled": Scenario(("apply", "--auto-approve"), WRITES, 6),
    "export": Scenario(("export", "-o", "{tmp}/exported.yaml"), EVERY_REQUEST, 4),
    "check": Scenario(("check",), EVERY_REQUEST, 4),
    "doctor": Scenario(("doctor",), EVERY_REQUEST, 4),
}


@pytest.fixture
def box(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    """The sandbox of the scenario's profile, with the CLI's environment pointed at it."""
    scenario: Scenario = SCENARIOS[request.param]
    sandbox: Sandbox = request.getfixturevalue("cobalt_sandbox" if scenario.manual else "sandbox")
    env = {
        "COBALT_API_URL": sandbox.url,
        "COBALT_API_KEY": TEST_KEY,
        "COBALT_MAX_RPS": "0",
        "COBALT_RETRY_BACKOFF": "0",
        "HUBSPOT_CLIENT_SECRET": "CANARY-hub-secret-7f1d",
    }
    if scenario.manual:
        env["COBALT_APP_SETTINGS"] = "manual"
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return sandbox


@pytest.mark.parametrize("box", list(SCENARIOS), indirect=True)
def test_a_stalled_api_ends_the_command_in_bounded_time_with_one_notice_per_request(
    cli: Any, box: Sandbox, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    scenario = SCENARIOS[request.node.callspec.params["box"]]
    manifest = tmp_path / "cobalt.yaml"
    manifest.write_text(MANIFEST)
    command = [part.format(tmp=tmp_path) for part in scenario.command]
    if command[0] != "doctor":
        command += ["-f", str(manifest)] if command[0] != "export" else []

    box.faults(stall_ms=LONG, stall_route=scenario.stall_route)
    result = cli("--timeout", str(TIMEOUT), *command)
    ended = time.time()

    assert result.exit_code == scenario.exit_code, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    stalls = box.get("stats")["stalls"]
    assert stalls, "the scenario stalled nothing: it tests nothing"
    first = min(stall["at"] for stall in stalls)
    assert ended - first <= BOUND, f"{ended - first:.1f}s from the first stalled request"

    sent = Counter(stall["request"] for stall in stalls)
    assert max(sent.values()) <= STALL_RETRIES + 1, sent  # no second round of retries
    warnings = [line for line in result.stderr.splitlines() if line.startswith("WARNING")]
    assert len(warnings) <= len(sent), "\n".join(warnings)
    assert all("gives up (exit 4)" in line for line in warnings), warnings
    assert "no answer within 2s" in result.output
