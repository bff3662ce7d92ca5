"""The `webhooks` kind end to end: the CLI against the served sandbox. Keyed by URL; header
values are secrets (never printed, compared by fingerprint); a lost POST never duplicates;
live duplicates are named and left alone; undeclared webhooks are pruned only on request."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import Sandbox
from tests.e2e.test_plan_apply import apply, plan, run, write

TOKEN = "CANARY-HOOK-TOKEN-5c1e"
ROTATED = "CANARY-HOOK-TOKEN-rotated-9d0b"
URL = "https://hooks.example.com/cobalt"
OTHER = "https://other.example.com/hook"

MANIFEST = f"""
version: 1
environment: test
webhooks:
  "{URL}":
    events: [Connection Expired, Connection Created, Workflow Errored]
    headers: {{Authorization: "Bearer ${{HOOK_TOKEN}}"}}
    description: Tell the backend about connections
"""


@pytest.fixture
def workdir(tmp_path: Path, cli_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOOK_TOKEN", TOKEN)
    return tmp_path


def hooks(api: httpx.Client) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = api.get("/webhook").json()
    return found


def test_create_then_replan_is_clean_and_the_token_is_never_shown(
    cli: Any, workdir: Path, api: httpx.Client
) -> None:
    manifest = write(workdir, MANIFEST)
    first = plan(cli, manifest)
    assert first.exit_code == 2
    assert f"+ webhooks/{URL}" in first.stdout
    assert "headers.Authorization: (sensitive)" in first.stdout
    applied = apply(cli, manifest)
    assert applied.exit_code == 0, applied.output
    (hook,) = hooks(api)
    assert hook["webhook_headers"] == {"Authorization": f"Bearer {TOKEN}"}
    assert sorted(hook["webhook_events"]) == [
        "Connection Created",
        "Connection Expired",
        "Workflow Errored",
    ]
    assert (hook["method"], hook["is_enabled"]) == ("POST", True)
    again = plan(cli, manifest)
    assert again.exit_code == 0, again.stdout
    saved = run(cli, "plan", "-f", str(manifest), "--out", str(workdir / "plan.json"))
    for text in (first.output, applied.output, again.output, saved.output):
        assert TOKEN not in text
    assert TOKEN not in (workdir / "plan.json").read_text()


def test_a_rotated_header_value_is_an_update_shown_without_either_value(
    cli: Any, workdir: Path, api: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest = write(workdir, MANIFEST)
    assert apply(cli, manifest).exit_code == 0
    monkeypatch.setenv("HOOK_TOKEN", ROTATED)
    rotated = plan(cli, manifest)
    assert rotated.exit_code == 2
    assert "~ headers.Authorization: (sensitive)" in rotated.stdout
    assert TOKEN not in rotated.output and ROTATED not in rotated.output
    assert apply(cli, manifest).exit_code == 0
    assert hooks(api)[0]["webhook_headers"] == {"Authorization": f"Bearer {ROTATED}"}
    assert plan(cli, manifest).exit_code == 0


def test_changes_in_place_keep_what_the_manifest_cannot_express(
    cli: Any, workdir: Path, api: httpx.Client
) -> None:
    manifest = write(workdir, MANIFEST)
    assert apply(cli, manifest).exit_code == 0
    hook_id = hooks(api)[0]["_id"]
    api.put(f"/webhook/{hook_id}", json={"workflow_ids": ["wf-1"]}).raise_for_status()
    changed = write(
        workdir,
        MANIFEST.replace("Workflow Errored", "Workflow Completed")
        + ("    method: PUT\n    enabled: false\n"),
    )
    shown = plan(cli, changed)
    assert "~ enabled: true → false" in shown.stdout
    assert '~ method: "POST" → "PUT"' in shown.stdout
    assert apply(cli, changed).exit_code == 0
    (hook,) = hooks(api)
    assert hook["_id"] == hook_id and hook["workflow_ids"] == ["wf-1"]
    assert (hook["method"], hook["is_enabled"]) == ("PUT", False)
    assert plan(cli, changed).exit_code == 0


def test_a_lost_create_reply_is_re_read_by_url_not_repeated(
    cli: Any, workdir: Path, api: httpx.Client, sandbox: Sandbox
) -> None:
    urls = [f"https://h{i}.example.com/x" for i in range(6)]
    body = "\n".join(f'  "{u}": {{events: [Connection Created]}}' for u in urls)
    manifest = write(workdir, f"version: 1\nenvironment: test\nwebhooks:\n{body}\n")
    sandbox.faults(route="^/api/v2/public/webhook$", drop_rate=0.5, seed=3)
    first = apply(cli, manifest)
    stats = sandbox.get("stats")
    sandbox.faults(route=None, drop_rate=0.0)
    # One read to plan and one to verify; any more are the re-reads after a lost reply.
    reads = [e for e in stats["log"] if e["route"] == "GET /api/v2/public/webhook"]
    assert len(reads) > 2, "the test must lose at least one reply"
    assert first.exit_code in (0, 4, 6), first.output
    assert apply(cli, manifest).exit_code == 0
    live = [h["webhook_url"] for h in hooks(api)]
    assert sorted(live) == sorted(urls), "one webhook per URL: no duplicate from a retry"
    assert plan(cli, manifest).exit_code == 0


def test_live_duplicates_are_named_and_left_alone(
    cli: Any, workdir: Path, api: httpx.Client
) -> None:
    for _ in range(2):
        api.post("/webhook", json={"webhook_url": URL, "webhook_events": ["Connection Created"]})
    manifest = write(workdir, MANIFEST)
    shown = plan(cli, manifest)
    assert f"webhooks/{URL}: 2 live objects share this key" in shown.output
    assert f"+ webhooks/{URL}" not in shown.stdout and f"~ webhooks/{URL}" not in shown.stdout
    assert apply(cli, manifest).exit_code == 0
    assert len(hooks(api)) == 2


def test_absent_deletes_unmanaged_stay_and_prune_is_opt_in(
    cli: Any, workdir: Path, api: httpx.Client
) -> None:
    api.post("/webhook", json={"webhook_url": OTHER, "webhook_events": ["Workflow Errored"]})
    manifest = write(workdir, MANIFEST)
    assert apply(cli, manifest).exit_code == 0
    assert sorted(h["webhook_url"] for h in hooks(api)) == sorted([URL, OTHER])
    absent = write(
        workdir, MANIFEST.split("webhooks:")[0] + f'webhooks:\n  "{URL}": {{state: absent}}\n'
    )
    gone = plan(cli, absent)
    assert f"- webhooks/{URL}" in gone.stdout
    assert apply(cli, absent).exit_code == 0
    assert [h["webhook_url"] for h in hooks(api)] == [OTHER]
    pruning = write(workdir, "version: 1\nenvironment: test\nprune: [webhooks]\n")
    assert f"- webhooks/{OTHER}" in plan(cli, pruning).stdout
    assert apply(cli, pruning).exit_code == 0
    assert hooks(api) == []


def test_export_round_trips_with_the_header_as_a_variable(
    cli: Any, workdir: Path, api: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest = write(workdir, MANIFEST)
    assert apply(cli, manifest).exit_code == 0
    exported = run(cli, "export", "--kinds", "webhooks", "-o", str(workdir / "out.yaml"))
    assert exported.exit_code == 0, exported.output
    text = (workdir / "out.yaml").read_text()
    assert TOKEN not in text and TOKEN not in exported.output
    variable = "WEBHOOK_AUTHORIZATION_VALUE"
    assert f"Authorization: ${{{variable}}}" in text
    monkeypatch.setenv(variable, f"Bearer {TOKEN}")
    again = plan(cli, workdir / "out.yaml")
    assert again.exit_code == 0, again.output


def test_unknown_event_names_are_caught_offline_with_a_suggestion(cli: Any, workdir: Path) -> None:
    manifest = write(workdir, MANIFEST.replace("Workflow Errored", "Workflow Erored"))
    checked = run(cli, "validate", "-f", str(manifest))
    assert checked.exit_code == 3
    assert "(did you mean 'Workflow Errored'?)" in checked.stderr
    assert TOKEN not in checked.output


def test_the_plan_json_never_holds_the_header_value(cli: Any, workdir: Path) -> None:
    manifest = write(workdir, MANIFEST)
    shown = run(cli, "plan", "-f", str(manifest), "--format", "json")
    document = json.loads(shown.stdout)
    (change,) = document["changes"]
    header = next(f for f in change["fields"] if f["path"] == "headers.Authorization")
    assert header["sensitive"] is True and TOKEN not in shown.stdout


def test_a_manifest_without_webhooks_does_not_read_them(
    cli: Any, workdir: Path, api: httpx.Client, sandbox: Sandbox
) -> None:
    """The kinds added after the first four are read only when declared or pruned: an org
    that does not use them is not asked (and an API without them does not fail the plan)."""
    api.post("/webhook", json={"webhook_url": OTHER, "webhook_events": ["Workflow Errored"]})
    manifest = write(workdir, "version: 1\nenvironment: test\nevents: {}\n")
    shown = plan(cli, manifest)
    assert shown.exit_code == 0 and "webhooks" not in shown.stdout
    reads = {e["route"] for e in sandbox.get("stats")["log"] if e["route"].startswith("GET")}
    assert not {r for r in reads if "/webhook" in r or "/mcp-servers" in r or "/env/" in r}
    declared = plan(cli, write(workdir, MANIFEST))
    assert "1 unmanaged left alone" in declared.stdout, declared.stdout


def test_a_webhook_without_headers_shows_no_headers_line(
    cli: Any, workdir: Path, api: httpx.Client
) -> None:
    """`+ headers: (sensitive)` for headers nobody declared read as a hidden secret."""
    manifest = write(
        workdir,
        "version: 1\nenvironment: test\nwebhooks:\n"
        f'  "{OTHER}": {{events: [Connection Created]}}\n',
    )
    first = plan(cli, manifest)
    assert first.exit_code == 2 and f"+ webhooks/{OTHER}" in first.stdout
    assert "headers:" not in first.stdout  # (the manifest path shown may hold the word)
    assert apply(cli, manifest).exit_code == 0
    assert plan(cli, manifest).exit_code == 0
