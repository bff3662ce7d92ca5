"""Scenario 5, a hostile or broken API: HTML, truncated or cut JSON, wrong types, missing
fields, a 200 carrying an error, an empty 200, a redirect to another host, stalled headers, a
body that trickles forever and one that never ends. Each is a clear exit-4 error from `plan`
and `apply` (no traceback, bounded time and memory); a write whose reply was bad is never
counted as done; and the API key never reaches the host a redirect points to.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import CliResult
from tests.reliability.hostile_api import (
    MODES,
    HostileApp,
    HostileSettings,
    Recorder,
    RecordingApp,
    serve,
)
from tests.reliability.support import cli_command, cli_env_for

CANARY_KEY = "tk_hostile_canary_3f9a7c1e"
MANIFEST = """\
version: 1
environment: test
apps:
  hubspot: {enabled: true}
events:
  Hostile One:
    schema: {id: 1}
  Hostile Two:
    schema: {id: 2}
linked_accounts:
  hostile-1: {name: One}
  hostile-2: {name: Two}
"""
# Ceilings, not timings: a hang or a runaway buffer is far beyond both.
RUN_CEILING_SECONDS = 150
ADDRESS_SPACE_LIMIT = 2 * 1024**3


@dataclass
class Hostile:
    settings: HostileSettings
    recorder: Recorder
    elsewhere: Recorder
    url: str


@pytest.fixture(scope="module")
def hostile() -> Iterator[Hostile]:
    settings, recorder, elsewhere = HostileSettings(), Recorder(), Recorder()
    with serve(RecordingApp(elsewhere)) as other_url, serve(HostileApp(settings, recorder)) as url:
        settings.elsewhere = other_url
        yield Hostile(settings, recorder, elsewhere, url)


def limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_LIMIT, ADDRESS_SPACE_LIMIT))


# One stage of writes: a timeout costs a full retry budget per stage, once is enough.
ACCOUNTS_ONLY = MANIFEST.split("apps:")[0] + MANIFEST.split("    schema: {id: 2}\n")[1]


def run_against(
    hostile: Hostile, tmp_path: Path, *args: str, text: str = MANIFEST
) -> tuple[CliResult, float]:
    manifest = tmp_path / "cobalt.yaml"
    manifest.write_text(text)
    env = cli_env_for(hostile.url, CANARY_KEY, COBALT_TIMEOUT="1")
    started = time.monotonic()
    try:
        done = subprocess.run(
            cli_command(*args, "-f", str(manifest)), env=env, capture_output=True, text=True,
            timeout=RUN_CEILING_SECONDS * 2, stdin=subprocess.DEVNULL, preexec_fn=limit_memory,
        )
    except subprocess.TimeoutExpired:
        raise AssertionError(f"`{' '.join(args)}` hung against a hostile API") from None
    return CliResult(done.returncode, done.stdout, done.stderr), time.monotonic() - started


def assert_clear_api_error(result: CliResult, seconds: float) -> None:
    assert result.exit_code == 4, result.output[-3000:]
    assert "Traceback" not in result.output and "internal error" not in result.output
    assert result.stderr.count("Error:") == 1, result.stderr[-3000:]
    assert CANARY_KEY not in result.output
    assert seconds < RUN_CEILING_SECONDS, f"took {seconds:.0f}s"


SLOW_MODES = {"slow-headers", "slow-body"}
READ_CASES = [
    (mode, command)
    for mode in MODES
    for command in ("plan", "apply")
    # plan and apply read through the same code; the slow modes cost ~10 s a run, once is enough
    if not (mode in SLOW_MODES and command == "apply")
]


@pytest.mark.slow
@pytest.mark.parametrize(("mode", "command"), READ_CASES)
def test_bad_reads_are_a_clear_api_error(
    hostile: Hostile, tmp_path: Path, mode: str, command: str
) -> None:
    hostile.settings.mode, hostile.settings.phase = mode, "reads"
    hostile.elsewhere.requests.clear()
    extra = ("--auto-approve",) if command == "apply" else ()
    result, seconds = run_against(hostile, tmp_path, command, *extra)
    assert_clear_api_error(result, seconds)
    assert hostile.elsewhere.requests == []


@pytest.mark.slow
@pytest.mark.parametrize("mode", MODES)
def test_bad_write_replies_are_never_counted_as_done(
    hostile: Hostile, tmp_path: Path, mode: str
) -> None:
    hostile.settings.mode, hostile.settings.phase = mode, "writes"
    hostile.elsewhere.requests.clear()
    text = ACCOUNTS_ONLY if mode in SLOW_MODES else MANIFEST
    result, seconds = run_against(hostile, tmp_path, "apply", "--auto-approve",
                                  "--format", "json", text=text)
    assert result.exit_code in (4, 6), result.output[-3000:]
    assert "Traceback" not in result.output and "internal error" not in result.output
    assert CANARY_KEY not in result.output
    assert seconds < RUN_CEILING_SECONDS, f"took {seconds:.0f}s"
    if result.exit_code == 6:
        report = json.loads(result.stdout)
        statuses = {o["status"] for o in report["outcomes"]}
        assert "done" not in statuses, report["outcomes"]
        assert report["verified"] is False
    assert hostile.elsewhere.requests == []


def test_redirect_target_never_sees_the_key(hostile: Hostile, tmp_path: Path) -> None:
    """Both phases, both commands: the other host receives nothing, so never the key."""
    hostile.settings.mode = "redirect-elsewhere"
    hostile.elsewhere.requests.clear()
    hostile.recorder.requests.clear()
    for phase in ("reads", "writes"):
        hostile.settings.phase = phase
        run_against(hostile, tmp_path, "apply", "--auto-approve")
        run_against(hostile, tmp_path, "plan")
    assert hostile.recorder.requests, "the configured host was never asked"
    assert all(h.get("x-api-key") == CANARY_KEY for _, _, h in hostile.recorder.requests)
    assert hostile.elsewhere.requests == []
    assert os.environ.get("COBALT_API_KEY") != CANARY_KEY


def test_a_deep_but_readable_sample_is_planned_not_crashed_on(
    hostile: Hostile, tmp_path: Path
) -> None:
    """An event nested 950 levels deep (readable JSON, far past what a manifest allows):
    plan and apply treat it as data, they do not fall over on it."""
    hostile.settings.mode, hostile.settings.phase = "deep-json-parseable", "reads"
    shown, _ = run_against(hostile, tmp_path, "plan", "--detailed-exitcode")
    assert shown.exit_code == 2, shown.output[-3000:]
    assert "events/Hostile One" in shown.stdout
    assert "Traceback" not in shown.output
