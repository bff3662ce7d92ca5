"""`cobalt-sync doctor` against both sandbox profiles: every public route named, every read
answered and checked against the vendor's spec, dashboard-only settings and how they are
observed, exit 0 when all works and 4 when a route does not, and nothing written (the
sandbox's request log shows GETs only). The packaged reply schemas are kept current."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from cobalt_sync.api.routes import ENDPOINTS
from cobalt_sync.api.types import API_PREFIX
from scripts.vendor_replies import EXTRACT, text
from tests.conftest import TEST_KEY, Sandbox

PACKAGED = Path(__file__).resolve().parent.parent / "cobalt_sync" / "api" / "vendor_replies.json"
PUBLIC_ROUTES = {
    f"{e.method} {API_PREFIX}{e.template}" for e in ENDPOINTS.values() if e.public
}


def test_the_packaged_reply_schemas_are_current() -> None:
    """Regenerate with `python scripts/vendor_replies.py > cobalt_sync/api/vendor_replies.json`."""
    spec = yaml.safe_load(EXTRACT.read_text(encoding="utf-8"))
    assert PACKAGED.read_text(encoding="utf-8") == text(spec)


def seed(sandbox: Sandbox) -> None:
    sandbox.post(
        "seed", key=TEST_KEY, linked_accounts=3, events=2, apps=["slack", "hubspot", "stripe"]
    )


def writes_in(sandbox: Sandbox) -> list[Any]:
    log = sandbox.get("stats")["log"]
    return [entry for entry in log if not str(entry["route"]).startswith("GET ")]


def doctor_json(cli: Any) -> tuple[int, dict[str, Any], str]:
    result = cli("doctor", "--format", "json")
    return result.exit_code, json.loads(result.stdout), result.stdout + result.stderr


def test_doctor_on_the_extended_profile(
    cli: Any, sandbox: Sandbox, cli_env: dict[str, str]
) -> None:
    seed(sandbox)
    sandbox.post("stats/reset")
    code, report, output = doctor_json(cli)
    assert code == 0, output
    assert report["ok"] and report["environment"] == "test"
    assert {check["route"] for check in report["routes"]} == PUBLIC_ROUTES | {
        f"GET {API_PREFIX}/application/{{slug}}/oauth-credentials"
    }
    sent = [check for check in report["routes"] if check["probed"]]
    assert all(check["status"] == 200 and check["spec"] != "not checked" for check in sent)
    events = next(c for c in sent if c["route"] == f"GET {API_PREFIX}/application/event")
    assert events["spec"] == "valid" and "response as" in events["variant"]
    assert report["page_size"].startswith("honoured")
    assert writes_in(sandbox) == []
    assert TEST_KEY not in output


def test_doctor_on_the_cobalt_profile_reads_through_a_linked_account(
    cli: Any, cobalt_sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in {
        "COBALT_API_URL": cobalt_sandbox.url,
        "COBALT_API_KEY": TEST_KEY,
        "COBALT_APP_SETTINGS": "manual",
        "COBALT_MAX_RPS": "0",
    }.items():
        monkeypatch.setenv(name, value)
    seed(cobalt_sandbox)
    cobalt_sandbox.post("stats/reset")
    result = cli("doctor")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "needs a linked account (as real Cobalt does)" in result.stdout
    assert "app enablement: read through a linked account" in result.stdout
    assert "own OAuth clients: read from each OAuth app's consent URL" in result.stdout
    assert "Everything cobalt-sync needs answered as it expects." in result.stdout
    assert writes_in(cobalt_sandbox) == []


def test_doctor_says_when_enabled_apps_cannot_be_observed(
    cli: Any, cobalt_sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COBALT_API_URL", cobalt_sandbox.url)
    monkeypatch.setenv("COBALT_API_KEY", TEST_KEY)
    monkeypatch.setenv("COBALT_APP_SETTINGS", "manual")
    result = cli("doctor")
    assert "app enablement: not observable" in result.stdout
    assert writes_in(cobalt_sandbox) == []


def test_a_failing_route_is_exit_4_and_named(
    cli: Any, sandbox: Sandbox, cli_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COBALT_TIMEOUT", "5")
    sandbox.faults(error_rate=1.0, error_statuses=[503], route="/api/v2/public/webhook")
    result = cli("doctor")
    assert result.exit_code == 4, result.stdout + result.stderr
    assert f"✗ GET {API_PREFIX}/webhook  503" in result.stdout
    assert "did not answer as cobalt-sync needs" in result.stdout
    assert "Traceback" not in result.stderr
