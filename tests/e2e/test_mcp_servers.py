"""The `mcp_servers` kind end to end: the CLI against the served sandbox. Keyed by name;
created with name and description, apps patched on top; dashboard-set filters survive; a lost
POST never duplicates; duplicates and undeclared servers are left alone unless pruned."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import Sandbox
from tests.e2e.test_plan_apply import apply, plan, run, write

MANIFEST = """
version: 1
environment: test
mcp_servers:
  Support Agent:
    description: Answers customer questions from HubSpot and Slack
    apps: [slack, hubspot]
"""


@pytest.fixture
def workdir(tmp_path: Path, cli_env: dict[str, str]) -> Path:
    return tmp_path


def servers(api: httpx.Client) -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = api.get("/mcp-servers", params={"limit": 100}).json()["docs"]
    return [api.get(f"/mcp-servers/{doc['_id']}").json() for doc in docs]


def test_create_patches_the_apps_and_replans_clean(
    cli: Any, workdir: Path, api: httpx.Client
) -> None:
    manifest = write(workdir, MANIFEST)
    shown = plan(cli, manifest)
    assert shown.exit_code == 2 and "+ mcp_servers/Support Agent" in shown.stdout
    assert apply(cli, manifest).exit_code == 0
    (server,) = servers(api)
    assert server["description"] == "Answers customer questions from HubSpot and Slack"
    assert sorted(a["slug"] for a in server["associated_apps"]) == ["hubspot", "slack"]
    assert plan(cli, manifest).exit_code == 0


def test_changing_apps_keeps_the_filters_set_in_the_dashboard(
    cli: Any, workdir: Path, api: httpx.Client
) -> None:
    manifest = write(workdir, MANIFEST)
    assert apply(cli, manifest).exit_code == 0
    (server,) = servers(api)
    filtered = [
        {"slug": "hubspot", "workflows": ["wf-1"], "actions": ["get_contact"]},
        {"slug": "slack", "workflows": [], "actions": []},
    ]
    api.put(
        f"/mcp-servers/{server['_id']}", json={"associated_apps": filtered, "base_prompt": "Hi"}
    ).raise_for_status()
    assert plan(cli, manifest).exit_code == 0, "filters are not managed: no change"
    changed = write(workdir, MANIFEST.replace("[slack, hubspot]", "[hubspot, salesforce]"))
    shown = plan(cli, changed)
    assert "~ apps" in shown.stdout and '+ "salesforce"' in shown.stdout, shown.stdout
    assert apply(cli, changed).exit_code == 0
    (after,) = servers(api)
    assert after["_id"] == server["_id"] and after["base_prompt"] == "Hi"
    assert after["associated_apps"] == [
        {"slug": "hubspot", "workflows": ["wf-1"], "actions": ["get_contact"]},
        {"slug": "salesforce", "workflows": [], "actions": []},
    ]
    assert plan(cli, changed).exit_code == 0


def test_a_lost_create_reply_is_re_read_by_name_not_repeated(
    cli: Any, workdir: Path, api: httpx.Client, sandbox: Sandbox
) -> None:
    names = [f"Agent {i}" for i in range(6)]
    body = "\n".join(f"  {n}: {{description: d{i}, apps: [slack]}}" for i, n in enumerate(names))
    manifest = write(workdir, f"version: 1\nenvironment: test\nmcp_servers:\n{body}\n")
    sandbox.faults(route="^/api/v2/public/mcp-servers$", drop_rate=0.5, seed=3)
    first = apply(cli, manifest)
    log = sandbox.get("stats")["log"]
    sandbox.faults(route=None, drop_rate=0.0)
    reads = [e for e in log if e["route"] == "GET /api/v2/public/mcp-servers"]
    assert len(reads) > 2, "the test must lose at least one reply"
    assert first.exit_code in (0, 4, 6), first.output
    assert apply(cli, manifest).exit_code == 0
    assert sorted(s["name"] for s in servers(api)) == names
    assert plan(cli, manifest).exit_code == 0


def test_duplicates_absent_unmanaged_and_prune(
    cli: Any, workdir: Path, api: httpx.Client
) -> None:
    for _ in range(2):
        api.post("/mcp-servers", json={"name": "Twin", "description": "x"})
    api.post("/mcp-servers", json={"name": "Other", "description": "y"})
    manifest = write(workdir, MANIFEST + "  Twin: {description: x}\n")
    shown = plan(cli, manifest)
    assert "mcp_servers/Twin: 2 live objects share this key" in shown.output
    assert "mcp_servers/Twin" not in shown.stdout.replace("mcp_servers/Twin: 2 live", "")
    applied = apply(cli, manifest)
    # The rest is applied; the declared Twin is held twice, so the org does not match: exit 6.
    assert applied.exit_code == 6, applied.output
    assert "1 declared object held by several live objects" in applied.stdout
    assert sorted(s["name"] for s in servers(api)) == ["Other", "Support Agent", "Twin", "Twin"]
    absent = write(
        workdir, "version: 1\nenvironment: test\nmcp_servers:\n  Support Agent: {state: absent}\n"
    )
    assert "- mcp_servers/Support Agent" in plan(cli, absent).stdout
    assert apply(cli, absent).exit_code == 0
    pruning = write(workdir, "version: 1\nenvironment: test\nprune: [mcp_servers]\n")
    pruned = plan(cli, pruning)
    assert "- mcp_servers/Other" in pruned.stdout and "- mcp_servers/Twin" not in pruned.stdout
    assert apply(cli, pruning).exit_code == 0
    assert sorted(s["name"] for s in servers(api)) == ["Twin", "Twin"]


def test_export_round_trips(cli: Any, workdir: Path) -> None:
    manifest = write(workdir, MANIFEST)
    assert apply(cli, manifest).exit_code == 0
    out = workdir / "out.yaml"
    exported = run(cli, "export", "--kinds", "mcp_servers", "-o", str(out))
    assert exported.exit_code == 0, exported.output
    assert "Support Agent:" in out.read_text()
    assert plan(cli, out).exit_code == 0


def test_unknown_app_slugs_are_caught_offline_with_a_suggestion(
    cli: Any, workdir: Path
) -> None:
    manifest = write(workdir, MANIFEST.replace("hubspot]", "hubspto]"))
    checked = run(cli, "validate", "-f", str(manifest))
    assert checked.exit_code == 3
    assert "unknown app 'hubspto' (did you mean 'hubspot'?)" in checked.stderr
