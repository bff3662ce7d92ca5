"""`apply --wait-for-dashboard` against the sandbox's `cobalt` profile (real Cobalt's routes,
manual backend), the CLI a real process: the log says the steps once, then one line per
step a person takes and a heartbeat at most once per heartbeat interval, however many
re-reads; Ctrl-C or CI's SIGTERM while waiting prints the report of what landed (text, JSON,
Markdown), says truthfully where it stopped, and exits 130/143.

Re-reads and heartbeats are made fast with COBALT_DASHBOARD_POLL / _HEARTBEAT; the line
counts asserted are bounded by steps and heartbeats, never by a measured time.
"""

from __future__ import annotations

import json
import math
import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TEST_KEY, Sandbox
from tests.reliability.support import (
    SandboxProcess,
    cli_env_for,
    finished,
    kill9,
    no_traceback,
    start_cli,
)

MANIFEST = """\
version: 1
environment: test
apps:
  slack: {enabled: true}
  stripe: {enabled: true}
events:
  Invoice Paid:
    schema: {invoice: {id: inv_1}}
linked_accounts:
  "acct-1": {name: Acme}
"""
STEPS = ("apps/slack", "apps/stripe")
WAIT_HEADER = "Waiting up to"


def start_apply(box: Sandbox, tmp: Path, *args: str, poll: float, heartbeat: float) -> Any:
    manifest = tmp / "cobalt.yaml"
    manifest.write_text(MANIFEST)
    env = cli_env_for(
        box.url,
        TEST_KEY,
        COBALT_DASHBOARD_POLL=str(poll),
        COBALT_DASHBOARD_HEARTBEAT=str(heartbeat),
    )
    command = ["--app-settings", "manual", "apply", "-f", str(manifest), "--auto-approve"]
    return start_cli([*command, *args], env, tmp)


def wait_for(process: Any, text: str, count: int = 1) -> None:
    deadline = time.monotonic() + 120
    while process.err_path.read_text().count(text) < count:
        if process.poll() is not None:
            raise AssertionError(f"exited {process.returncode} before {text!r}:\n"
                                 f"{process.err_path.read_text()[-3000:]}")
        assert time.monotonic() < deadline, f"never saw {text!r}"
        time.sleep(0.02)


def waiting_lines(stderr: str) -> list[str]:
    """What the wait itself said: from its header up to the final message."""
    lines = stderr.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(WAIT_HEADER))
    return [
        line for line in lines[start:]
        if not line.startswith(("Not finished:", "Interrupted:", "Hint:"))
    ]


@pytest.mark.parametrize(
    ("signum", "fmt", "code"),
    [(signal.SIGINT, "text", 130), (signal.SIGTERM, "json", 143), (signal.SIGINT, "markdown", 130)],
)
def test_a_signal_while_waiting_prints_what_was_done(
    cobalt_sandbox: Sandbox, tmp_path: Path, signum: int, fmt: str, code: int
) -> None:
    process = start_apply(
        cobalt_sandbox, tmp_path, "--wait-for-dashboard", "600", "--format", fmt,
        poll=0.05, heartbeat=600,
    )
    try:
        wait_for(process, WAIT_HEADER)
        cobalt_sandbox.dashboard_enable("slack")  # a person takes one of the two steps
        wait_for(process, "✓ apps/slack done in the dashboard; 1 step left")
        os.kill(process.pid, signum)
        result = finished(process, timeout=60)
    finally:
        kill9(process)
    no_traceback(result)
    assert result.exit_code == code, result.stderr[-3000:]
    name = signal.Signals(signum).name
    assert "stopped before changing anything" not in result.stderr
    assert f"Interrupted: {name} while waiting for 1 dashboard step; every API change had " \
        "landed (2 changes)" in result.stderr
    assert "re-running `cobalt-sync apply` is safe" in result.stderr
    org = cobalt_sandbox.inspect()
    assert org["counts"] == {"events": 1, "linked_accounts": 1}
    if fmt == "json":
        report = json.loads(result.stdout)
        assert report["interrupted"] == name and report["complete"] is True
        assert report["summary"]["done"] == 2 and report["summary"]["not_run"] == 0
        assert [f"{s['kind']}/{s['key']}" for s in report["dashboard_steps"]] == ["apps/stripe"]
        return
    # In text the plan comes first on stdout; the report follows it.
    report_text = result.stdout
    if fmt == "text":
        report_text = report_text[report_text.index("Apply to the"):]
    said = f"Interrupted by {name} while waiting for the dashboard steps: every API change " \
        "had landed"
    assert said in report_text.replace("\\", "").replace("**", "")  # Markdown marks
    assert "Apply: 2 done" in report_text.replace("**", "")
    assert "Stripe" in report_text and "Slack" not in report_text


def test_sigterm_during_a_stalled_re_read_still_prints_the_json_report(tmp_path: Path) -> None:
    """The re-read hangs (an API stalled for a minute), so the signal cannot unwind it in
    time; the process still ends with the JSON report of what landed, once, and 143."""
    box = SandboxProcess(None, "--profile", "cobalt").start(tmp_path)
    try:
        manifest = tmp_path / "cobalt.yaml"
        manifest.write_text(MANIFEST)
        env = cli_env_for(box.url, TEST_KEY, COBALT_APP_SETTINGS="manual",
                          COBALT_DASHBOARD_POLL="0.2", COBALT_TIMEOUT="120")
        args = ["apply", "-f", str(manifest), "--auto-approve", "--wait-for-dashboard", "600",
                "--format", "json"]
        process = start_cli(args, env, tmp_path)
        try:
            wait_for(process, WAIT_HEADER)
            box.admin("POST", "faults", json={"latency_ms": 60_000})
            time.sleep(1)  # the next re-read is under way, and hangs
            os.kill(process.pid, signal.SIGTERM)
            result = finished(process, timeout=60)
        finally:
            kill9(process)
    finally:
        box.kill()
    no_traceback(result)
    assert result.exit_code == 143, result.stderr[-3000:]
    report = json.loads(result.stdout)  # one document, whole
    assert report["interrupted"] == "SIGTERM" and report["summary"]["done"] == 2
    assert len(report["dashboard_steps"]) == 2
    assert result.stderr.strip().splitlines()[-1].startswith(
        "Interrupted (SIGTERM) while waiting for dashboard steps: every API change had landed"
    )


def test_the_wait_logs_each_step_once_and_a_bounded_heartbeat(
    cobalt_sandbox: Sandbox, tmp_path: Path
) -> None:
    """A person takes one step, then the other; hundreds of re-reads meanwhile."""
    heartbeat = 0.5
    process = start_apply(
        cobalt_sandbox, tmp_path, "--wait-for-dashboard", "600", poll=0.01, heartbeat=heartbeat
    )
    try:
        wait_for(process, WAIT_HEADER)
        wait_for(process, "still waiting for 2 dashboard steps", count=2)
        cobalt_sandbox.dashboard_enable("stripe")
        wait_for(process, "still waiting for 1 dashboard step", count=2)
        cobalt_sandbox.dashboard_enable("slack")
        result = finished(process, timeout=120)
    finally:
        kill9(process)
    no_traceback(result)
    assert result.exit_code == 0, result.stderr[-3000:]
    lines = waiting_lines(result.stderr)
    assert lines[1:3] == ["  1. Apps → Slack (sandbox dashboard: #apps): enable the app (Go Live)",
                          "  2. Apps → Stripe (sandbox dashboard: #apps): enable the app (Go Live)"]
    done = [line for line in lines if line.startswith("✓")]
    assert done == ["✓ apps/stripe done in the dashboard; 1 step left",
                    "✓ apps/slack done in the dashboard; no steps left"]
    heartbeats = [line for line in lines if "still waiting" in line]
    assert len(lines) == 1 + len(STEPS) + len(done) + len(heartbeats)
    # Heartbeats only while nothing else is said; the step list is never printed again.
    assert sum("Apps → Slack" in line for line in result.stderr.splitlines()) == 1


def test_fifteen_minutes_of_waiting_stay_under_forty_lines(
    cobalt_sandbox: Sandbox, tmp_path: Path
) -> None:
    """The Action's suggested 900 s wait with a 60 s heartbeat, scaled down 300-fold (a
    re-read every 10 ms instead of 5 s); nobody takes the steps: exit 7."""
    wait, heartbeat = 3.0, 0.2
    process = start_apply(
        cobalt_sandbox, tmp_path, "--wait-for-dashboard", str(wait), poll=0.01,
        heartbeat=heartbeat,
    )
    result = finished(process, timeout=120)
    no_traceback(result)
    assert result.exit_code == 7, result.stderr[-3000:]
    lines = waiting_lines(result.stderr)
    heartbeats = [line for line in lines if "still waiting" in line]
    assert len(heartbeats) <= math.ceil(wait / heartbeat)
    assert len(lines) == 1 + len(STEPS) + len(heartbeats) + 1  # + "Stopped waiting: …"
    assert len(lines) < 40
    assert lines[-1] == "Stopped waiting: 2 steps left (the report below lists them)."
    # Exit 7 is not a failure: said as what is left to do, not as an error.
    assert "Error:" not in result.stderr
    assert "Not finished: every API change is done; 2 dashboard steps still to take" \
        in result.stderr


def test_a_bad_pace_setting_is_refused_before_any_write(
    cobalt_sandbox: Sandbox, tmp_path: Path
) -> None:
    manifest = tmp_path / "cobalt.yaml"
    manifest.write_text(MANIFEST)
    env = cli_env_for(cobalt_sandbox.url, TEST_KEY, COBALT_APP_SETTINGS="manual",
                      COBALT_DASHBOARD_POLL="soon")
    process = start_cli(["apply", "-f", str(manifest), "--auto-approve"], env, tmp_path)
    result = finished(process, timeout=120)
    assert result.exit_code == 3
    assert "COBALT_DASHBOARD_POLL must be a number of seconds > 0, got 'soon'" in result.stderr
    assert cobalt_sandbox.inspect()["counts"] == {"events": 0, "linked_accounts": 0}


def test_one_dashboard_step_left_is_said_in_the_singular_and_not_as_an_error(
    cli: Any, cobalt_sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = {"COBALT_API_URL": cobalt_sandbox.url, "COBALT_API_KEY": TEST_KEY,
           "COBALT_APP_SETTINGS": "manual", "COBALT_MAX_RPS": "0"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    manifest = tmp_path / "cobalt.yaml"
    manifest.write_text(MANIFEST.replace("  slack: {enabled: true}\n", ""))
    result = cli("apply", "-f", str(manifest), "--auto-approve")
    assert result.exit_code == 7, result.output
    assert "Apply: 2 done, 0 failed, 0 skipped; 1 dashboard step to take." in result.stdout
    last = result.stderr.splitlines()[-2:]
    assert last[0] == "Not finished: every API change is done; 1 dashboard step still to take " \
        "(listed above)"
    assert last[1].startswith("Hint: take them in the Cobalt dashboard")
    assert "Error" not in result.stderr and "remain " not in result.stderr
