"""Shared pieces of the reliability suite: the CLI and the sandbox as real subprocesses (so
they can be killed with SIGKILL), generated manifests, and checks of an org's end state.

Owns only test scaffolding; it drives the product through its command line and the sandbox's
admin API, never through internal functions.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import TEST_KEY, CliResult

MANAGED_UDF = {"managed_by": "cobalt-sync"}
ADMIN_KEY = {"x-api-key": TEST_KEY}  # the admin API takes the org's key as a header


def free_port() -> int:
    """A port nobody listens on right now (the OS picks it; a tiny reuse race is acceptable)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def clean_env(**overrides: str) -> dict[str, str]:
    """The current environment without any COBALT_* setting, plus `overrides`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COBALT_")}
    env.pop("NO_COLOR", None)
    env.update(overrides)
    return env


def cli_env_for(url: str, key: str = TEST_KEY, **extra: str) -> dict[str, str]:
    return clean_env(
        COBALT_API_URL=url,
        COBALT_API_KEY=key,
        COBALT_MAX_RPS="0",
        COBALT_RETRY_BACKOFF="0",
        **extra,
    )


def cli_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "cobalt_sync", *args]


def run_cli(
    args: Sequence[str], env: Mapping[str, str], cwd: Path | None = None, timeout: float = 300
) -> CliResult:
    """`cobalt-sync ARGS` as a real process; stdout, stderr and the exit code kept apart."""
    done = subprocess.run(
        cli_command(*args),
        env=dict(env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    return CliResult(done.returncode, done.stdout, done.stderr)


def start_cli(args: Sequence[str], env: Mapping[str, str], log_dir: Path) -> Any:
    """`cobalt-sync ARGS` started in the background, its output going to files in `log_dir`
    (a pipe nobody reads would fill up and stall it); the caller waits for or kills it."""
    stamp = time.monotonic_ns()
    out = (log_dir / f"cli-{stamp}.out").open("w")
    err = (log_dir / f"cli-{stamp}.err").open("w")
    try:
        process = subprocess.Popen(
            cli_command(*args),
            env=dict(env),
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
            text=True,
        )
    finally:
        out.close()
        err.close()
    process.out_path = log_dir / f"cli-{stamp}.out"
    process.err_path = log_dir / f"cli-{stamp}.err"
    return process


def finished(process: Any, timeout: float = 300) -> CliResult:
    """Wait for a process from `start_cli` and collect what it wrote."""
    process.wait(timeout=timeout)
    return CliResult(process.returncode, process.out_path.read_text(), process.err_path.read_text())


def kill9(process: Any) -> None:
    """SIGKILL, the signal nothing can catch or clean up after."""
    if process.poll() is None:
        os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


class SandboxProcess:
    """`cobalt-sync sandbox serve` as a separate process on a port of our choosing."""

    def __init__(self, state_path: Path | None = None, *flags: str) -> None:
        self.state_path = state_path
        self.flags = flags
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: Any = None
        self.log_path: Path | None = None

    def start(self, log_dir: Path) -> SandboxProcess:
        args = ["sandbox", "serve", "--port", str(self.port), *self.flags]
        if self.state_path is not None:
            args += ["--state", str(self.state_path)]
        self.log_path = log_dir / f"sandbox-{self.port}-{time.monotonic_ns()}.log"
        log = self.log_path.open("w")
        self.process = subprocess.Popen(
            cli_command(*args),
            env=clean_env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        log.close()
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"sandbox exited early:\n{self.log()}")
            try:
                httpx.get(
                    f"{self.url}/_sandbox/stats", timeout=2, headers=ADMIN_KEY
                ).raise_for_status()
                return
            except httpx.HTTPError:
                time.sleep(0.05)
        raise RuntimeError(f"sandbox did not start:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text() if self.log_path and self.log_path.exists() else ""

    def kill(self) -> None:
        kill9(self.process)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def admin(self, method: str, path: str, **kwargs: Any) -> Any:
        response = httpx.request(
            method, f"{self.url}/_sandbox/{path}", timeout=30, headers=ADMIN_KEY, **kwargs
        )
        response.raise_for_status()
        return response.json()


# --- manifests -------------------------------------------------------------------------------


def event_name(index: int) -> str:
    return f"rel.event.{index:04d}"


def account_id(index: int) -> str:
    return f"rel-acct-{index:04d}"


def event_sample(index: int, version: int = 1) -> dict[str, Any]:
    return {"id": f"evt_{index}", "version": version, "customer": {"email": "a@example.com"}}


def account_udf(index: int) -> dict[str, str]:
    return {"tier": ["free", "growth", "enterprise"][index % 3], "region": "eu"}


def manifest_text(events: int, accounts: int, version: int = 1) -> str:
    """A manifest of `events` events and `accounts` linked accounts, as JSON (valid YAML)."""
    document = {
        "version": 1,
        "environment": "test",
        "events": {event_name(i): {"schema": event_sample(i, version)} for i in range(events)},
        "linked_accounts": {
            account_id(i): {"name": f"Account {i}", "udf": account_udf(i)} for i in range(accounts)
        },
    }
    return json.dumps(document, indent=1)


def write_manifest(directory: Path, events: int, accounts: int, version: int = 1) -> Path:
    path = directory / "cobalt.yaml"
    path.write_text(manifest_text(events, accounts, version))
    return path


# --- end-state checks --------------------------------------------------------------------


@dataclass(frozen=True)
class OrgCheck:
    """What differs between an inspected org and the generated manifest (empty = right)."""

    missing: list[str]
    wrong: list[str]
    duplicates: dict[str, Any]

    @property
    def right(self) -> bool:
        return not self.missing and not self.wrong and not self.has_duplicates

    @property
    def has_duplicates(self) -> bool:
        return any(bool(found) for found in self.duplicates.values())


def check_org(
    org: Mapping[str, Any], events: int, accounts: int, version: int = 1, *, owned: bool = True
) -> OrgCheck:
    """`owned`: every account must carry cobalt-sync's ownership mark. Off when someone else
    may have created a declared account first: it is then updated, never adopted."""
    missing: list[str] = []
    wrong: list[str] = []
    live_events = {e["name"]: json.loads(e["raw_response"]) for e in org["events"]}
    for i in range(events):
        name = event_name(i)
        if name not in live_events:
            missing.append(f"events/{name}")
        elif live_events[name] != event_sample(i, version):
            wrong.append(f"events/{name}")
    live_accounts = {a["account_id"]: a for a in org["linked_accounts"]}
    for i in range(accounts):
        key = account_id(i)
        account = live_accounts.get(key)
        if account is None:
            missing.append(f"linked_accounts/{key}")
            continue
        udf = dict(account["udf"])
        if not owned:
            udf.pop("managed_by", None)
        expected = {**account_udf(i), **(MANAGED_UDF if owned else {})}
        if account["name"] != f"Account {i}" or udf != expected:
            wrong.append(f"linked_accounts/{key}")
    return OrgCheck(missing, wrong, org["duplicates"])


def unmanaged_view(org: Mapping[str, Any]) -> dict[str, Any]:
    """The objects no generated manifest declares, in a comparable form."""
    return {
        "events": sorted(
            (e["name"], e["raw_response"])
            for e in org["events"]
            if not e["name"].startswith("rel.event.")
        ),
        "linked_accounts": sorted(
            (a["account_id"], a["name"], json.dumps(a["udf"], sort_keys=True))
            for a in org["linked_accounts"]
            if not a["account_id"].startswith("rel-acct-")
        ),
    }


def no_traceback(result: CliResult) -> None:
    assert "Traceback" not in result.output, result.output[-4000:]
