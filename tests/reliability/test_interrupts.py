"""Ctrl-C and CI's SIGTERM sent to a real `cobalt-sync` process: mid-apply it stops
scheduling writes, lets the ones in flight land, prints what landed (JSON too), says a
re-run is safe and exits 130/143; a re-run converges with no duplicates. A second signal
ends it at once; during plan one line and 130/143.

The sandbox's latency keeps writes in flight long enough to aim at; no timing is asserted.
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TEST_KEY, Sandbox
from tests.reliability.support import (
    SandboxProcess,
    check_org,
    cli_env_for,
    finished,
    kill9,
    no_traceback,
    start_cli,
    write_manifest,
)

EVENTS, ACCOUNTS = 10, 40


def wait_until(process: Any, condition: Any, what: str) -> None:
    deadline = time.monotonic() + 120
    while not condition():
        if process.poll() is not None:
            raise AssertionError(f"exited {process.returncode} before {what}: "
                                 f"{process.err_path.read_text()[-2000:]}")
        assert time.monotonic() < deadline, f"never saw {what}"
        time.sleep(0.01)


def writes(sandbox: Sandbox) -> int:
    return int(sandbox.get("stats")["writes_applied"])


def interrupt_apply(sandbox: Sandbox, tmp_path: Path, signum: int, *extra: str) -> Any:
    """Start an apply of 50 objects with slow writes, signal it after a few landed."""
    manifest = write_manifest(tmp_path, EVENTS, ACCOUNTS)
    sandbox.faults(latency_ms=300)
    env = cli_env_for(sandbox.url, TEST_KEY)
    args = ["apply", "-f", str(manifest), "--auto-approve", "--parallelism", "4", *extra]
    process = start_cli(args, env, tmp_path)
    try:
        wait_until(process, lambda: writes(sandbox) >= 4, "the first writes")
        process.send_signal(signum)
        result = finished(process, timeout=120)
    finally:
        kill9(process)
    sandbox.faults(latency_ms=0)
    return result, manifest


def converges(cli: Any, sandbox: Sandbox, manifest: Path) -> None:
    rerun = cli("apply", "-f", str(manifest), "--auto-approve")
    no_traceback(rerun)
    assert rerun.exit_code == 0, rerun.output[-3000:]
    state = check_org(sandbox.inspect(), EVENTS, ACCOUNTS)
    assert state.right, (state.missing[:5], state.wrong[:5], state.duplicates)


def test_ctrl_c_mid_apply_reports_what_landed_and_a_rerun_converges(
    cli: Any, cli_env: dict[str, str], sandbox: Sandbox, tmp_path: Path
) -> None:
    result, manifest = interrupt_apply(sandbox, tmp_path, signal.SIGINT)
    no_traceback(result)
    assert result.exit_code == 130, result.output[-3000:]
    assert "Interrupted (SIGINT): no new writes" in result.stderr
    assert "Aborted." not in result.stderr
    summary = next(line for line in result.stdout.splitlines() if line.startswith("Apply: "))
    assert " not run." in summary, summary
    assert "Interrupted by SIGINT" in result.stdout
    assert "Re-running `cobalt-sync apply` is safe" in result.stdout
    # Every change reported done is live: the report tells the truth about what landed.
    done = [line.split()[1] for line in result.stdout.splitlines() if "✓ done" in line]
    org = sandbox.inspect()
    live = {f"linked_accounts/{a['account_id']}" for a in org["linked_accounts"]}
    live |= {f"events/{e['name']}" for e in org["events"]}
    assert done and set(done) <= live
    assert len(live) < EVENTS + ACCOUNTS  # it did stop scheduling writes
    converges(cli, sandbox, manifest)


def test_sigterm_mid_apply_prints_the_json_report_and_exits_143(
    cli: Any, cli_env: dict[str, str], sandbox: Sandbox, tmp_path: Path
) -> None:
    result, manifest = interrupt_apply(sandbox, tmp_path, signal.SIGTERM, "--format", "json")
    no_traceback(result)
    assert result.exit_code == 143, result.output[-3000:]
    report = json.loads(result.stdout)
    assert report["interrupted"] == "SIGTERM"
    assert report["summary"]["done"] > 0 and report["summary"]["not_run"] > 0
    assert report["complete"] is False
    assert "re-running `cobalt-sync apply` is safe" in result.stderr
    converges(cli, sandbox, manifest)


@pytest.fixture
def own_sandbox(tmp_path: Path) -> Iterator[SandboxProcess]:
    """A sandbox process of the test's own: requests left hanging in it must not land in
    the shared sandbox after another test reset it."""
    box = SandboxProcess(None).start(tmp_path)
    yield box
    box.kill()


def test_a_second_ctrl_c_stops_at_once(own_sandbox: SandboxProcess, tmp_path: Path) -> None:
    """Writes that hang for a minute: the first Ctrl-C would wait for them (up to the grace
    period); the second one does not wait for anything."""
    manifest = write_manifest(tmp_path, EVENTS, ACCOUNTS)
    env = cli_env_for(own_sandbox.url, TEST_KEY)
    own_sandbox.admin("POST", "faults", json={"latency_ms": 300})
    process = start_cli(["apply", "-f", str(manifest), "--auto-approve"], env, tmp_path)
    try:
        wait_until(process, lambda: "✓" in process.err_path.read_text(), "the first write")
        own_sandbox.admin("POST", "faults", json={"latency_ms": 60_000})
        process.send_signal(signal.SIGINT)
        wait_until(process, lambda: "no new writes" in process.err_path.read_text(),
                   "the first interrupt's notice")
        process.send_signal(signal.SIGINT)
        result = finished(process, timeout=60)
    finally:
        kill9(process)
    assert result.exit_code == 130
    assert "Stopped at once (SIGINT)" in result.stderr
    assert "Apply:" not in result.stdout  # it did not wait for the hung writes to report


def test_interrupting_plan_exits_130_or_143_with_one_line(
    own_sandbox: SandboxProcess, tmp_path: Path
) -> None:
    manifest = write_manifest(tmp_path, EVENTS, ACCOUNTS)
    env = cli_env_for(own_sandbox.url, TEST_KEY)
    own_sandbox.admin("POST", "faults", json={"latency_ms": 60_000})  # the live read hangs
    for signum, code in ((signal.SIGINT, 130), (signal.SIGTERM, 143)):
        process = start_cli(["plan", "-f", str(manifest)], env, tmp_path)
        try:
            wait_until(process, lambda p=process: "Reading the live org" in
                       p.err_path.read_text(), "the live read")
            os.kill(process.pid, signum)
            result = finished(process, timeout=60)
        finally:
            kill9(process)
        assert result.exit_code == code, result.stderr
        no_traceback(result)
        name = signal.Signals(signum).name
        last = result.stderr.strip().splitlines()[-1]
        assert last == f"Interrupted ({name}): stopped before changing anything."
        assert result.stdout == ""
