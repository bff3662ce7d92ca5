"""The sandbox stores a fingerprint of each OAuth client secret, never the secret: every file
it writes (the sqlite database, its -wal and -shm, anything else in its directory) is grepped
for a canary, and a state file from before this rule is converted and scrubbed on open."""

from __future__ import annotations

import sqlite3
import textwrap
from pathlib import Path
from typing import Any

import httpx
import pytest

from cobalt_sync.sandbox.server import SandboxServer
from cobalt_sync.sandbox.store import secret_fingerprint
from tests.conftest import Sandbox
from tests.sandbox.conftest import API

CANARY = "CANARY-client-secret-5d1e7a"
ADMIN = {"x-api-key": "tk_sandbox"}

MANIFEST = """
version: 1
environment: test
apps:
  slack:
    oauth:
      client_id: slack-client-1
      client_secret: ${SLACK_SECRET}
      scopes: [chat:write]
"""


def files_holding(directory: Path, needle: str) -> list[str]:
    written = [path for path in sorted(directory.rglob("*")) if path.is_file()]
    assert written, f"the sandbox wrote nothing in {directory}"
    return [path.name for path in written if needle.encode() in path.read_bytes()]


def test_no_file_the_sandbox_writes_holds_a_client_secret(
    tmp_path: Path, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    state_dir = tmp_path / "state"
    state_dir.mkdir()
    manifest = tmp_path / "cobalt.yaml"
    manifest.write_text(textwrap.dedent(MANIFEST))
    with SandboxServer(state_path=state_dir / "sandbox.sqlite3") as server:
        for name, value in {
            "COBALT_API_URL": server.url,
            "COBALT_API_KEY": "tk_sandbox",
            "COBALT_MAX_RPS": "0",
            "SLACK_SECRET": CANARY,
        }.items():
            monkeypatch.setenv(name, value)
        applied = cli("apply", "-f", str(manifest), "--auto-approve")
        assert applied.exit_code == 0, applied.output
        box = Sandbox(server)
        box.dashboard_set_oauth("hubspot", "hub-client-1", CANARY + "-dashboard")
        with httpx.Client(base_url=server.url + API, headers={"x-api-key": "tk_sandbox"}) as api:
            api.put(
                "/application/salesforce/oauth-credentials",
                json={"client_id": "sf-1", "client_secret": CANARY + "-route"},
            ).raise_for_status()
        stored = box.inspect()["oauth"]
        assert stored["slack"]["client_secret_fingerprint"] == secret_fingerprint(
            "slack-client-1", CANARY
        )
        assert sorted(stored) == ["hubspot", "salesforce", "slack"]
        box.admin.close()
        assert {p.name for p in state_dir.iterdir()} >= {"sandbox.sqlite3", "sandbox.sqlite3-wal"}
        assert files_holding(state_dir, CANARY) == []  # while serving: db, -wal, -shm
        # The check can fail: the fingerprinted client id is on disk.
        assert files_holding(state_dir, "slack-client-1") != []
    assert files_holding(state_dir, CANARY) == []  # after a clean stop


OLD_OAUTH = """CREATE TABLE oauth (scope TEXT, slug TEXT, client_id TEXT, client_secret TEXT,
    scopes TEXT, updated_at TEXT, PRIMARY KEY (scope, slug))"""


def old_state_file(path: Path) -> None:
    """A state file as sandboxes before the fingerprint rule left it: secrets in clear."""
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute(OLD_OAUTH)
    db.execute(
        "INSERT INTO oauth VALUES ('org_sandbox/test', 'hubspot', 'hub-old', ?, ?, ?)",
        (CANARY, '["crm.lists.read"]', "2026-01-01T00:00:00.000Z"),
    )
    db.execute(
        "CREATE TABLE apps (scope TEXT, slug TEXT, enabled_at TEXT, PRIMARY KEY (scope, slug))"
    )
    db.execute("INSERT INTO apps VALUES ('org_sandbox/test', 'hubspot', '2026-01-01')")
    db.commit()
    db.close()
    assert CANARY.encode() in path.read_bytes()


def test_an_old_state_file_is_converted_and_scrubbed(tmp_path: Path) -> None:
    state = tmp_path / "sandbox.sqlite3"
    old_state_file(state)
    with SandboxServer(state_path=state) as server:
        assert files_holding(tmp_path, CANARY) == []
        org = httpx.get(f"{server.url}/_sandbox/inspect", headers=ADMIN).json()
        with httpx.Client(base_url=server.url + API, headers={"x-api-key": "tk_sandbox"}) as api:
            view = api.get("/application/hubspot/oauth-credentials").json()
            # The stored secret still counts: scopes change without sending it again.
            kept = api.put(
                "/application/hubspot/oauth-credentials",
                json={"client_id": "hub-old", "scopes": ["crm.lists.write"]},
            )
    assert org["apps_enabled"] == ["hubspot"]
    assert view["client_id"] == "hub-old" and view["scopes"] == ["crm.lists.read"]
    assert view["client_secret_fingerprint"] == secret_fingerprint("hub-old", CANARY)
    assert kept.json()["client_secret_fingerprint"] == view["client_secret_fingerprint"]
    assert files_holding(tmp_path, CANARY) == []
    with SandboxServer(state_path=state) as server:  # a converted file opens as it is
        again = httpx.get(f"{server.url}/_sandbox/inspect", headers=ADMIN).json()
    assert again["oauth"]["hubspot"]["client_id"] == "hub-old"
