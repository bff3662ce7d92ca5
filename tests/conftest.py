"""Shared fixtures: a Cobalt sandbox served on 127.0.0.1 for the whole session, reset before
each test (`sandbox`: profile extended; `cobalt_sandbox`: profile cobalt, like real Cobalt), and
`cli` to run the real command line in-process with stdout, stderr and the exit code kept apart."""

from __future__ import annotations

import io
import logging
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from cobalt_sync.cli import run
from cobalt_sync.sandbox.server import SandboxServer

TEST_KEY = "tk_sandbox"
PROD_KEY = "pk_sandbox"


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


class Sandbox:
    """The served sandbox plus its admin API (`/_sandbox/...`), which takes the org's key in
    the `x-api-key` header (`key=` names it; the test key by default)."""

    def __init__(self, server: SandboxServer) -> None:
        self.server = server
        self.url: str = server.url
        self.admin = httpx.Client(base_url=self.url, timeout=30)

    def post(self, path: str, key: str = TEST_KEY, **body: Any) -> Any:
        response = self.admin.post(f"/_sandbox/{path}", json=body, headers={"x-api-key": key})
        response.raise_for_status()
        return response.json()

    def get(self, path: str, key: str = TEST_KEY, **params: Any) -> Any:
        response = self.admin.get(f"/_sandbox/{path}", params=params, headers={"x-api-key": key})
        response.raise_for_status()
        return response.json()

    def reset(self) -> None:
        self.post("reset")

    def inspect(self, key: str = TEST_KEY) -> Any:
        return self.get("inspect", key=key)

    def faults(self, **settings: Any) -> Any:
        return self.post("faults", **settings)

    # What a person does in Cobalt's dashboard (both profiles).

    def dashboard_enable(self, slug: str, enabled: bool = True, key: str = TEST_KEY) -> Any:
        return self._dashboard("POST", f"apps/{slug}", {"enabled": enabled}, key)

    def dashboard_set_oauth(
        self,
        slug: str,
        client_id: str,
        client_secret: str,
        scopes: Sequence[str] = (),
        key: str = TEST_KEY,
    ) -> Any:
        body = {"client_id": client_id, "client_secret": client_secret, "scopes": list(scopes)}
        return self._dashboard("PUT", f"oauth/{slug}", body, key)

    def dashboard_clear_oauth(self, slug: str, key: str = TEST_KEY) -> Any:
        return self._dashboard("DELETE", f"oauth/{slug}", None, key)

    def dashboard(
        self, method: str, path: str, body: Mapping[str, Any], key: str = TEST_KEY
    ) -> Any:
        """Any dashboard JSON route, `/_sandbox/dashboard/<path>` (a kind's sample steps)."""
        return self._dashboard(method, path, dict(body), key)

    def _dashboard(self, method: str, path: str, body: dict[str, Any] | None, key: str) -> Any:
        response = self.admin.request(
            method, f"/_sandbox/dashboard/{path}", json=body, headers={"x-api-key": key}
        )
        response.raise_for_status()
        return response.json()


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[SandboxServer]:
    with SandboxServer(host="127.0.0.1", port=0) as server:
        yield server


@pytest.fixture
def sandbox(sandbox_server: SandboxServer) -> Iterator[Sandbox]:
    box = Sandbox(sandbox_server)
    box.reset()
    yield box
    box.admin.close()


@pytest.fixture(scope="session")
def cobalt_sandbox_server() -> Iterator[SandboxServer]:
    with SandboxServer(host="127.0.0.1", port=0, profile="cobalt") as server:
        yield server


@pytest.fixture
def cobalt_sandbox(cobalt_sandbox_server: SandboxServer) -> Iterator[Sandbox]:
    """A sandbox that behaves like real Cobalt (profile cobalt), reset before each test."""
    box = Sandbox(cobalt_sandbox_server)
    box.reset()
    yield box
    box.admin.close()


@pytest.fixture
def cli_env(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Environment for a CLI run against the sandbox with the test key and no pacing."""
    env = {
        "COBALT_API_URL": sandbox.url,
        "COBALT_API_KEY": TEST_KEY,
        "COBALT_MAX_RPS": "0",
        "COBALT_RETRY_BACKOFF": "0",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("NO_COLOR", raising=False)
    return env


class TerminalInput(io.StringIO):
    """Standard input that says it is a terminal (for confirmation prompts)."""

    def isatty(self) -> bool:
        return True


def invoke(*args: str, cwd: Path | None = None, stdin: str = "", tty: bool = False) -> CliResult:
    """Run `cobalt-sync ARGS` in this process; stdout, stderr and exit code kept apart."""
    out, err = io.StringIO(), io.StringIO()
    # The CLI configures the `cobalt_sync` logger for its run; a later test capturing logs
    # (caplog) must find it as it was, whatever ran before it.
    logger = logging.getLogger("cobalt_sync")
    saved_logger = (logger.handlers[:], logger.level, logger.propagate)
    old_cwd = Path.cwd()
    old_stdin = os.sys.stdin  # type: ignore[attr-defined]
    try:
        if cwd is not None:
            os.chdir(cwd)
        os.sys.stdin = (TerminalInput if tty else io.StringIO)(stdin)  # type: ignore[attr-defined]
        with redirect_stdout(out), redirect_stderr(err):
            code = run(list(args))
    finally:
        logger.handlers[:], logger.level, logger.propagate = saved_logger
        os.chdir(old_cwd)
        os.sys.stdin = old_stdin  # type: ignore[attr-defined]
    return CliResult(code, out.getvalue(), err.getvalue())


@pytest.fixture
def cli() -> Any:
    return invoke
