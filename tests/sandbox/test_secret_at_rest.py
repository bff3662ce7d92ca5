"""The sandbox stores a fingerprint of each secret of every kind (OAuth client secrets,
encrypted variables, webhook header values), never the secret: every file it writes (the
sqlite database, its -wal and -shm, anything else in its directory) is grepped for a canary
and is its owner's only (0600), and a state file from before this rule is converted and
scrubbed on open."""

from __future__ import annotations

import json
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
environment_variables:
  CRM_TOKEN: ${CRM_TOKEN}
webhooks:
  "https://hooks.example.com/cobalt":
    events: [Connection Created]
    headers: {Authorization: "Bearer ${HOOK_TOKEN}", X-Signing-Key: "${SIGNING_KEY}"}
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
            "CRM_TOKEN": CANARY + "-variable",
            "HOOK_TOKEN": CANARY + "-header",
            "SIGNING_KEY": CANARY + "-second-header",
        }.items():
            monkeypatch.setenv(name, value)
        box = Sandbox(server)
        box.post("dashboard/env/definitions", name="CRM_TOKEN", encrypted=True)
        applied = cli("apply", "-f", str(manifest), "--auto-approve")
        assert applied.exit_code == 0, applied.output
        with httpx.Client(base_url=server.url + API, headers={"x-api-key": "tk_sandbox"}) as api:
            (hook,) = api.get("/webhook").json()
        # The check can fail: while it runs, the sandbox answers the header as it was sent.
        assert hook["webhook_headers"]["Authorization"] == f"Bearer {CANARY}-header"
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
        # The check can fail: the fingerprinted client id and the webhook URL are on disk.
        assert files_holding(state_dir, "slack-client-1") != []
        assert files_holding(state_dir, "hooks.example.com") != []
        assert modes(state_dir) == {path.name: 0o600 for path in state_dir.iterdir()}
    assert files_holding(state_dir, CANARY) == []  # after a clean stop
    assert set(modes(state_dir).values()) == {0o600}
    with SandboxServer(state_path=state_dir / "sandbox.sqlite3") as server:
        with httpx.Client(base_url=server.url + API, headers={"x-api-key": "tk_sandbox"}) as api:
            (hook,) = api.get("/webhook").json()
        # After a restart the value is gone: answered redacted, as Cobalt does for a value
        # it will not show; the next plan compares the header by name and sees no change.
        assert hook["webhook_headers"] == {
            "Authorization": "[REDACTED]",
            "X-Signing-Key": "[REDACTED]",
        }
        monkeypatch.setenv("COBALT_API_URL", server.url)
        again = cli("plan", "-f", str(manifest), "--detailed-exitcode")
        assert again.exit_code == 0, again.output


def modes(directory: Path) -> dict[str, int]:
    return {path.name: path.stat().st_mode & 0o777 for path in directory.iterdir()}


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
    db.execute(
        "CREATE TABLE webhooks (seq INTEGER PRIMARY KEY AUTOINCREMENT, scope TEXT, oid TEXT, "
        "body TEXT)"
    )
    hook = {
        "_id": "a" * 24,
        "org_id": "org_sandbox",
        "webhook_url": "https://h.example.com",
        "webhook_events": ["Connection Created"],
        "webhook_headers": {"X-Token": CANARY},
    }
    db.execute(
        "INSERT INTO webhooks (scope, oid, body) VALUES ('org_sandbox/test', ?, ?)",
        ("a" * 24, json.dumps(hook)),
    )
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
            hooks = api.get("/webhook").json()
            # The stored secret still counts: scopes change without sending it again.
            kept = api.put(
                "/application/hubspot/oauth-credentials",
                json={"client_id": "hub-old", "scopes": ["crm.lists.write"]},
            )
    assert org["apps_enabled"] == ["hubspot"]
    assert hooks == [{**hooks[0], "webhook_headers": {"X-Token": "[REDACTED]"}}]
    assert hooks[0]["org_id"] == org["org"] != "org_sandbox"  # moved to the org's random id
    assert view["client_id"] == "hub-old" and view["scopes"] == ["crm.lists.read"]
    assert view["client_secret_fingerprint"] == secret_fingerprint("hub-old", CANARY)
    assert kept.json()["client_secret_fingerprint"] == view["client_secret_fingerprint"]
    assert files_holding(tmp_path, CANARY) == []
    with SandboxServer(state_path=state) as server:  # a converted file opens as it is
        again = httpx.get(f"{server.url}/_sandbox/inspect", headers=ADMIN).json()
    assert again["oauth"]["hubspot"]["client_id"] == "hub-old"
