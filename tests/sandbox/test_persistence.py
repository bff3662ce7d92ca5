"""State on disk: survives a restart and a kill -9; the embedded sandbox keeps its org."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

from cobalt_sync.reading.embedded_sandbox import embedded_sandbox
from cobalt_sync.sandbox.server import SandboxServer
from tests.conftest import Sandbox
from tests.sandbox.conftest import API


def write_org(url: str) -> None:
    with httpx.Client(base_url=url + API, headers={"x-api-key": "tk_sandbox"}) as api:
        api.put("/application/hubspot/enable").raise_for_status()
        api.put(
            "/application/hubspot/oauth-credentials", json={"client_id": "c", "client_secret": "s"}
        ).raise_for_status()
        api.put("/linked-account", json={"account_id": "kept", "udf": {"a": "1"}})
        api.post("/application/event", json={"name": "kept.event", "response": {"a": 1}})


def read_org(url: str) -> Any:
    return httpx.get(url + "/_sandbox/inspect", headers={"x-api-key": "tk_sandbox"}).json()


def test_state_survives_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "org.sqlite3"
    with SandboxServer(state_path=state) as server:
        write_org(server.url)
        before = read_org(server.url)
    with SandboxServer(state_path=state) as server:
        after = read_org(server.url)
    assert after == before
    assert after["apps_enabled"] == ["hubspot"]
    assert [a["udf"] for a in after["linked_accounts"]] == [{"a": "1"}]


def test_embedded_sandbox_keeps_the_org_between_runs(tmp_path: Path) -> None:
    with embedded_sandbox(tmp_path / ".cobalt-sandbox") as url:
        write_org(url)
    with embedded_sandbox(tmp_path / ".cobalt-sandbox") as url:
        assert read_org(url)["apps_enabled"] == ["hubspot"]


def test_kill_9_loses_no_acknowledged_write(tmp_path: Path) -> None:
    state = tmp_path / "org.sqlite3"
    serve = [
        sys.executable,
        "-m",
        "cobalt_sync",
        "sandbox",
        "serve",
        "--port",
        "0",
        "--state",
        str(state),
    ]
    process = subprocess.Popen(serve, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stderr is not None
        url = re.search(r"http://\S+", process.stderr.readline())
        assert url, "sandbox did not print its URL"
        acknowledged = []
        with httpx.Client(base_url=url.group(0) + API, headers={"x-api-key": "tk_sandbox"}) as api:
            for index in range(40):
                account = f"acct-{index}"
                api.put("/linked-account", json={"account_id": account}).raise_for_status()
                acknowledged.append(account)
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    with SandboxServer(state_path=state) as server:
        kept = [a["account_id"] for a in read_org(server.url)["linked_accounts"]]
    assert kept == acknowledged


def test_seed_makes_a_100k_org_that_pages_to_the_end(sandbox: Sandbox) -> None:
    made = sandbox.post(
        "seed", key="tk_sandbox", linked_accounts=100_000, managed=True, apps=["hubspot"], events=3
    )
    assert made == {"linked_accounts": 100_000, "events": 3, "apps_enabled": 1}
    last = httpx.get(
        sandbox.url + API + "/linked-account",
        params={"page": 100, "limit": 1000},
        headers={"x-api-key": "tk_sandbox"},
    ).json()
    assert last["docs"][-1]["account_id"] == "seed-100000" and last["hasNextPage"] is False
    assert {"key_name": "managed_by", "key_value": "cobalt-sync"}.items() <= last["docs"][0]["udf"][
        0
    ].items()
    counts = sandbox.get("inspect", key="tk_sandbox", accounts="false")
    assert "linked_accounts" not in counts and counts["counts"]["linked_accounts"] == 100_000
