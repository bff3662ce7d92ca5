"""Scenario 3, races: two `apply` processes on one manifest at once end in the right org
with no duplicates; an `apply` while someone else edits the org through the API either ends
right or says that the org still differs (exit 6), never duplicates anything, and never
touches what the other writer made.
"""

from __future__ import annotations

import json
import random
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import TEST_KEY, Sandbox
from tests.reliability.support import (
    account_id,
    check_org,
    cli_env_for,
    finished,
    no_traceback,
    start_cli,
    write_manifest,
)

EVENTS, ACCOUNTS = 120, 180
API = "/api/v2/public"


@pytest.mark.slow
def test_two_applies_at_once(
    cli: Any, cli_env: dict[str, str], sandbox: Sandbox, tmp_path: Path
) -> None:
    manifest = write_manifest(tmp_path, EVENTS, ACCOUNTS)
    sandbox.faults(latency_ms=3, jitter_ms=4, seed=5)  # interleave the two
    env = cli_env_for(sandbox.url, TEST_KEY)
    args = ["apply", "-f", str(manifest), "--auto-approve", "--format", "json"]
    first, second = start_cli(args, env, tmp_path), start_cli(args, env, tmp_path)
    results = [finished(first), finished(second)]
    for result in results:
        no_traceback(result)
        assert result.exit_code in (0, 6), result.output[-3000:]
        if result.exit_code == 6:  # the loser of a race says so, with the report
            assert json.loads(result.stdout)["outcomes"], result.stdout[-2000:]
    org = sandbox.inspect()
    state = check_org(org, EVENTS, ACCOUNTS)
    assert state.right, (state.missing[:5], state.wrong[:5], org["duplicates"])
    assert org["counts"] == {"events": EVENTS, "linked_accounts": ACCOUNTS}
    sandbox.faults(latency_ms=0, jitter_ms=0)
    assert cli("plan", "-f", str(manifest), "--detailed-exitcode").exit_code == 0


@dataclass
class Editor:
    """Someone editing the org by hand while apply runs: creates their own accounts and
    events, renames and deletes some of ours, rewrites some of our events' samples."""

    url: str
    rng: random.Random
    stop: threading.Event = field(default_factory=threading.Event)
    own_accounts: dict[str, str] = field(default_factory=dict)
    own_events: set[str] = field(default_factory=set)
    managed_edits: list[float] = field(default_factory=list)  # when each one completed
    errors: list[str] = field(default_factory=list)

    def run(self) -> None:
        with httpx.Client(base_url=self.url + API, headers={"x-api-key": TEST_KEY},
                          timeout=10) as client:
            step = 0
            while not self.stop.is_set():
                try:
                    self.edit(client, step)
                except httpx.HTTPError as error:
                    self.errors.append(repr(error))
                step += 1
                time.sleep(0.004)

    def edit(self, client: httpx.Client, step: int) -> None:
        choice = step % 5
        if choice == 0:
            account = f"human-{step}"
            if client.put("/linked-account", json={"account_id": account,
                                                   "name": f"Human {step}"}).is_success:
                self.own_accounts[account] = f"Human {step}"
        elif choice == 1:
            name = f"human.event.{step}"
            reply = client.post("/application/event", json={"name": name,
                                                             "response": '{"h": 1}'})
            if reply.is_success:
                self.own_events.add(name)
        elif choice == 2:
            target = account_id(self.rng.randrange(ACCOUNTS))
            if client.delete(f"/linked-account/{target}").is_success:
                self.managed_edits.append(time.monotonic())
        elif choice == 3:
            target = account_id(self.rng.randrange(ACCOUNTS))
            body = {"account_id": target, "name": "renamed by a human"}
            if client.put("/linked-account", json=body).is_success:
                self.managed_edits.append(time.monotonic())
        else:
            events = client.get("/application/event").json()
            ours = [e for e in events if e["name"].startswith("rel.event.")]
            if ours:
                event = self.rng.choice(ours)
                body = {"name": event["name"], "response": '{"edited": true}'}
                if client.put(f"/application/event/{event['_id']}", json=body).is_success:
                    self.managed_edits.append(time.monotonic())


def watch_for(process: Any, needle: str, seen: list[float]) -> None:
    """Note when the apply's stderr first shows `needle` (stderr goes to a file)."""
    while process.poll() is None and not seen:
        if needle in process.err_path.read_text():
            seen.append(time.monotonic())
            return
        time.sleep(0.005)


@pytest.mark.slow
def test_apply_while_someone_edits_the_org(
    cli: Any, cli_env: dict[str, str], sandbox: Sandbox, tmp_path: Path, record_property: Any
) -> None:
    manifest = write_manifest(tmp_path, EVENTS, ACCOUNTS)
    sandbox.faults(latency_ms=4)
    editor = Editor(sandbox.url, random.Random(31))
    editing = threading.Thread(target=editor.run)
    editing.start()
    time.sleep(0.1)  # the editor is already at work when apply reads the org
    process = start_cli(["apply", "-f", str(manifest), "--auto-approve", "--format", "json"],
                        cli_env_for(sandbox.url, TEST_KEY), tmp_path)
    verifying: list[float] = []
    watch_for(process, "Re-reading the live org to verify", verifying)
    editor.stop.set()
    editing.join(timeout=30)
    result = finished(process)
    no_traceback(result)
    sandbox.faults(latency_ms=0)
    org = sandbox.inspect()
    state = check_org(org, EVENTS, ACCOUNTS, owned=False)

    assert result.exit_code in (0, 6), result.output[-3000:]
    assert not state.has_duplicates, org["duplicates"]
    # The other writer's own objects are not ours to touch: all there, as they wrote them.
    live_accounts = {a["account_id"]: a["name"] for a in org["linked_accounts"]}
    assert {a: live_accounts.get(a) for a in editor.own_accounts} == editor.own_accounts
    assert editor.own_events <= {e["name"] for e in org["events"]}
    # Exit 0 claims the org matched when apply re-read it: a difference now is only
    # acceptable if the editor changed one of our objects after that re-read began.
    if result.exit_code == 0 and not state.right:
        assert verifying and any(t >= verifying[0] for t in editor.managed_edits), (
            "apply said the org matches, but our objects differ and nobody edited them "
            f"since the re-read: {state.missing[:5]} {state.wrong[:5]}"
        )
    if result.exit_code == 6:
        assert "differs" in result.stderr or "failed" in result.stderr, result.stderr[-2000:]
    record_property("exit_code_while_edited", result.exit_code)
    record_property("managed_edits", len(editor.managed_edits))
    print(f"apply while edited: exit {result.exit_code}, {len(editor.managed_edits)} edits of "
          f"our objects, org right afterwards: {state.right}")
    assert editor.managed_edits, "the editor never touched a managed object"

    rerun = cli("apply", "-f", str(manifest), "--auto-approve")
    assert rerun.exit_code == 0, rerun.output[-3000:]
    final = sandbox.inspect()
    assert check_org(final, EVENTS, ACCOUNTS, owned=False).right
    live_after = {a["account_id"]: a["name"] for a in final["linked_accounts"]}
    assert {a: live_after.get(a) for a in editor.own_accounts} == editor.own_accounts


# --- kinds whose key Cobalt does not keep unique ----------------------------------------------

HOOKS = [f"https://hooks.example.com/race/{i}" for i in range(3)]
SERVERS = [f"Race Agent {i}" for i in range(3)]


def unkeyed_manifest(directory: Path) -> Path:
    """Webhooks (keyed by URL) and MCP servers (keyed by name): Cobalt keeps neither unique."""
    document = {
        "version": 1,
        "environment": "test",
        "webhooks": {
            url: {"events": ["Connection Created"], "headers": {"X-Token": "race-hook-token"}}
            for url in HOOKS
        },
        "mcp_servers": {
            name: {"description": f"{name} helps", "apps": ["slack"]} for name in SERVERS
        },
    }
    path = directory / "cobalt.yaml"
    path.write_text(json.dumps(document, indent=1))
    return path


def live_keys(url: str) -> tuple[list[str], list[str]]:
    """Every webhook URL and every MCP server name in the org, once per live object."""
    with httpx.Client(base_url=url + API, headers={"x-api-key": TEST_KEY}, timeout=30) as api:
        hooks = [hook["webhook_url"] for hook in api.get("/webhook").json()]
        docs = api.get("/mcp-servers", params={"limit": 100}).json()["docs"]
    return sorted(hooks), sorted(doc["name"] for doc in docs)


def deleted_copies(result: Any) -> list[str]:
    """The report's lines about duplicate copies this apply deleted."""
    outcomes = json.loads(result.stdout)["outcomes"]
    return [note for o in outcomes for note in o.get("notes", []) if "duplicate" in note]


@pytest.mark.slow
def test_two_applies_at_once_keep_one_webhook_and_one_mcp_server(
    cli: Any, cli_env: dict[str, str], sandbox: Sandbox, tmp_path: Path
) -> None:
    """Both applies plan the same creates (the reads are slow enough to overlap), both
    create, both re-read by key and agree on which copy stays: one object per key, both
    exit 0, and the report of whoever deleted a copy says so."""
    manifest = unkeyed_manifest(tmp_path)
    env = cli_env_for(sandbox.url, TEST_KEY)
    args = ["apply", "-f", str(manifest), "--auto-approve", "--format", "json"]
    deleted: list[str] = []
    for round_ in range(2):
        sandbox.reset()
        sandbox.faults(latency_ms=60, jitter_ms=40, seed=round_)
        first, second = start_cli(args, env, tmp_path), start_cli(args, env, tmp_path)
        results = [finished(first), finished(second)]
        sandbox.faults(latency_ms=0, jitter_ms=0)
        for result in results:
            no_traceback(result)
            assert result.exit_code == 0, result.output[-3000:]
            assert "race-hook-token" not in result.output
            deleted += deleted_copies(result)
        assert live_keys(sandbox.url) == (HOOKS, SERVERS)
        assert cli("plan", "-f", str(manifest), "--detailed-exitcode").exit_code == 0
    print(f"racing applies deleted {len(deleted)} duplicate copies over two rounds")
    # Over two rounds the applies did race: copies were created twice and cleaned up.
    assert deleted, "no apply ever met the other's copy: the race was not exercised"
    assert all("identical to the one kept" in line for line in deleted), deleted


@pytest.mark.slow
def test_a_copy_someone_else_made_meanwhile_is_named_and_left_alone(
    cli: Any, cli_env: dict[str, str], sandbox: Sandbox, tmp_path: Path
) -> None:
    """A person creates a webhook of the same URL, but other events, while apply creates
    ours: apply keeps both, names theirs in the report and exits 6; nothing of theirs is
    changed, and the plan afterwards says what to do."""
    url = HOOKS[0]
    manifest = tmp_path / "cobalt.yaml"
    manifest.write_text(json.dumps({
        "version": 1, "environment": "test",
        "webhooks": {url: {"events": ["Connection Created"]}},
    }))
    sandbox.faults(latency_ms=400)
    process = start_cli(["apply", "-f", str(manifest), "--auto-approve", "--format", "json"],
                        cli_env_for(sandbox.url, TEST_KEY), tmp_path)
    planned: list[float] = []
    watch_for(process, f"+ webhooks/{url}", planned)
    assert planned, finished(process).output[-3000:]
    theirs = {"webhook_url": url, "webhook_events": ["Workflow Errored"]}
    with httpx.Client(base_url=sandbox.url + API, headers={"x-api-key": TEST_KEY},
                      timeout=30) as api:
        their_id = api.post("/webhook", json=theirs).json()["_id"]
    result = finished(process)
    sandbox.faults(latency_ms=0)
    no_traceback(result)
    assert result.exit_code == 6, result.output[-3000:]
    (outcome,) = json.loads(result.stdout)["outcomes"]
    assert outcome["status"] == "failed"
    assert f"id {their_id}" in outcome["reason"] and "differs" in outcome["reason"]
    assert "left alone" in outcome["reason"]
    assert json.loads(result.stdout)["duplicates"] == [f"webhooks/{url}"]
    hooks = httpx.get(f"{sandbox.url}{API}/webhook", headers={"x-api-key": TEST_KEY}).json()
    events = sorted(tuple(hook["webhook_events"]) for hook in hooks)
    assert events == [("Connection Created",), ("Workflow Errored",)]
    shown = cli("plan", "-f", str(manifest))
    assert f"webhooks/{url}: 2 live objects share this key" in shown.output
    assert "delete the others in Cobalt's dashboard" in shown.output
