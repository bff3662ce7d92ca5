"""Scenario 2, killed mid-apply: SIGKILL the CLI at seeded points of a 1,000-object apply,
and each time a re-run converges to the right org with no duplicates; SIGKILL the sandbox
(served with --state) while writes land, and after a restart on the same file it starts,
its database is intact, and every write it acknowledged is there.
"""

from __future__ import annotations

import json
import random
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
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

EVENTS, ACCOUNTS = 300, 700  # 1,000 objects
KILL_POINTS = sorted(random.Random(1009).sample(range(10, EVENTS + ACCOUNTS - 20), 5))
API = "/api/v2/public"


def wait_for_writes(sandbox: Sandbox, process: Any, target: int) -> int:
    """Poll the sandbox until `target` writes landed; the number seen when it is reached."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        applied = int(sandbox.get("stats")["writes_applied"])
        if applied >= target:
            return applied
        if process.poll() is not None:
            err = process.err_path.read_text()
            raise AssertionError(f"apply ended (exit {process.returncode}) before the kill "
                                 f"point {target}: {err[-2000:]}")
        time.sleep(0.005)
    raise AssertionError(f"apply never reached {target} writes")


@pytest.mark.slow
def test_cli_killed_mid_apply_then_rerun_converges(
    cli: Any, cli_env: dict[str, str], sandbox: Sandbox, tmp_path: Path, record_property: Any
) -> None:
    manifest = write_manifest(tmp_path, EVENTS, ACCOUNTS)
    env = cli_env_for(sandbox.url, TEST_KEY)
    killed_at: list[int] = []
    for point in KILL_POINTS:
        sandbox.reset()
        sandbox.faults(latency_ms=8)  # time to aim: ~1 write per ms at parallelism 8
        process = start_cli(["apply", "-f", str(manifest), "--auto-approve"], env, tmp_path)
        try:
            wait_for_writes(sandbox, process, point)
        finally:
            kill9(process)
        killed_at.append(int(sandbox.get("stats")["writes_applied"]))
        assert process.returncode == -9
        sandbox.faults(latency_ms=0)

        rerun = cli("apply", "-f", str(manifest), "--auto-approve")
        no_traceback(rerun)
        assert rerun.exit_code == 0, rerun.output[-3000:]
        org = sandbox.inspect()
        state = check_org(org, EVENTS, ACCOUNTS)
        assert state.right, (point, state.missing[:5], state.wrong[:5], org["duplicates"])
        assert org["counts"] == {"events": EVENTS, "linked_accounts": ACCOUNTS}
    record_property("kill_points", KILL_POINTS)
    record_property("writes_when_killed", killed_at)
    print(f"CLI kills: aimed at {KILL_POINTS}, killed at {killed_at} writes")
    assert killed_at == sorted(killed_at) and killed_at[-1] < EVENTS + ACCOUNTS
    final = cli("plan", "-f", str(manifest), "--detailed-exitcode")
    assert final.exit_code == 0, final.stdout[-2000:]


# --- the sandbox killed while it acknowledges writes ---------------------------------------


@dataclass
class Ledger:
    """What the sandbox answered 200 to: it must all survive a SIGKILL."""

    accounts: dict[str, str] = field(default_factory=dict)  # id → acknowledged name
    events: set[str] = field(default_factory=set)
    acks: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def writer(url: str, ledger: Ledger, prefix: str, count: int, stop: threading.Event) -> None:
    """Create accounts (PUT upsert), rename each once, and create events (POST)."""
    headers = {"x-api-key": TEST_KEY}
    with httpx.Client(base_url=url + API, headers=headers, timeout=5) as client:
        for n in range(count):
            if stop.is_set():
                return
            account, event = f"{prefix}-{n}", f"{prefix}.event.{n}"
            try:
                for name in (f"first {n}", f"second {n}"):
                    reply = client.put("/linked-account", json={"account_id": account,
                                                                "name": name})
                    if reply.status_code == 200:
                        with ledger.lock:
                            ledger.accounts[account] = name
                            ledger.acks += 1
                reply = client.post("/application/event",
                                    json={"name": event, "response": '{"n": 1}'})
                if reply.status_code == 200:
                    with ledger.lock:
                        ledger.events.add(event)
                        ledger.acks += 1
            except httpx.HTTPError:
                return  # the server died under us: expected


def integrity(state: Path) -> str:
    """sqlite's own check of the file, read-only, while no server has it open."""
    with sqlite3.connect(f"file:{state}?mode=ro", uri=True) as db:
        return str(db.execute("PRAGMA integrity_check").fetchone()[0])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[list[SandboxProcess]]:
    started: list[SandboxProcess] = []
    yield started
    for process in started:
        process.stop()


@pytest.mark.slow
def test_sandbox_killed_during_writes_keeps_every_acknowledged_write(
    tmp_path: Path, served: list[SandboxProcess], record_property: Any
) -> None:
    state = tmp_path / "state" / "sandbox.sqlite3"
    ledger = Ledger()
    rng = random.Random(77)
    acknowledged_at_kill: list[int] = []
    for cycle in range(3):
        box = SandboxProcess(state).start(tmp_path)
        served.append(box)
        stop = threading.Event()
        threads = [
            threading.Thread(target=writer, args=(box.url, ledger, f"c{cycle}w{w}", 400, stop))
            for w in range(4)
        ]
        for thread in threads:
            thread.start()
        target = ledger.acks + rng.randint(40, 250)
        deadline = time.monotonic() + 60
        while ledger.acks < target:
            assert time.monotonic() < deadline, "writes did not start"
            time.sleep(0.002)
        box.kill()  # mid-write: the writers are still sending
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        acknowledged_at_kill.append(ledger.acks)
        assert integrity(state) == "ok"

    survivor = SandboxProcess(state).start(tmp_path)
    served.append(survivor)
    org = survivor.admin("GET", "inspect")
    live_accounts = {a["account_id"]: a["name"] for a in org["linked_accounts"]}
    live_events = {e["name"] for e in org["events"]}
    lost_accounts = sorted(set(ledger.accounts) - set(live_accounts))
    lost_events = sorted(ledger.events - live_events)
    assert lost_accounts == [] and lost_events == []
    # A rename acknowledged before the kill is what the account says now (or a later one).
    stale = [a for a, name in ledger.accounts.items()
             if live_accounts[a] != name and not name.startswith("first")]
    assert stale == []
    assert org["duplicates"] == {"events": {}, "linked_accounts": {}}
    record_property("acknowledged_at_each_kill", acknowledged_at_kill)
    print(f"sandbox kills: acknowledged writes before each kill {acknowledged_at_kill}, "
          f"{len(live_accounts)} accounts and {len(live_events)} events after restart")
    assert acknowledged_at_kill[-1] > acknowledged_at_kill[0] > 0


@pytest.mark.slow
def test_sandbox_dying_during_verification_still_reports_what_was_done(
    tmp_path: Path, served: list[SandboxProcess]
) -> None:
    """Every write landed, then the API went away while apply re-read the org: the run must
    not claim success, and the report of what was done must not be lost with the error."""
    box = SandboxProcess(None, "--latency-ms", "150").start(tmp_path)
    served.append(box)
    manifest = write_manifest(tmp_path, 3, 4)
    env = cli_env_for(box.url, TEST_KEY)
    process = start_cli(["apply", "-f", str(manifest), "--auto-approve", "--format", "json"],
                        env, tmp_path)
    deadline = time.monotonic() + 60
    while "Re-reading the live org" not in process.err_path.read_text():
        assert process.poll() is None, process.err_path.read_text()
        assert time.monotonic() < deadline
        time.sleep(0.005)
    box.kill()  # the re-read's requests are in flight (150 ms latency): they never return
    result = finished(process, timeout=120)
    no_traceback(result)
    assert result.exit_code in (4, 6), result.output[-3000:]
    assert result.exit_code != 0
    report = result.stdout
    assert report.strip(), "the report of the 7 writes that landed was lost:\n" + result.stderr
    outcomes = {o["key"]: o["status"] for o in json.loads(report)["outcomes"]}
    assert sorted(outcomes.values()) == ["done"] * 7
