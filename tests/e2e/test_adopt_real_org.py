"""Onboarding an existing org on real Cobalt (the sandbox's `cobalt` profile, manual backend):
`export` reads the enabled apps and OAuth clients through a linked account the org already
has, writes nothing to Cobalt, and the file it writes plans to no changes. Only an org with no
linked account at all leaves them unread, and export says so truthfully, naming the way on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TEST_KEY, Sandbox

APPS = ["hubspot", "salesforce", "slack", "stripe", "asana"]
OWN_CLIENTS = {"hubspot": "hub-own-client", "salesforce": "sf-own-client"}


@pytest.fixture
def manual(cobalt_sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    for name, value in {
        "COBALT_API_URL": cobalt_sandbox.url,
        "COBALT_API_KEY": TEST_KEY,
        "COBALT_APP_SETTINGS": "manual",
        "COBALT_MAX_RPS": "0",
        "COBALT_RETRY_BACKOFF": "0",
    }.items():
        monkeypatch.setenv(name, value)
    return cobalt_sandbox


def writes(box: Sandbox) -> list[str]:
    """Requests to the vendor API, from the sandbox's request log, that were not reads."""
    return [e["route"] for e in box.get("stats")["log"] if not e["route"].startswith("GET ")]


def test_export_adopts_apps_through_an_existing_account_and_replans_to_no_changes(
    cli: Any, manual: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The org as a person left it: customers' accounts, apps enabled in the dashboard, two
    # apps on the org's own OAuth clients.
    manual.post("seed", key=TEST_KEY, linked_accounts=3, account_prefix="customer-")
    for slug in APPS:
        manual.dashboard_enable(slug)
    for slug, client_id in OWN_CLIENTS.items():
        manual.dashboard_set_oauth(slug, client_id, f"secret-of-{slug}", ["offline_access"])
    manual.post("stats/reset")

    out = tmp_path / "cobalt.yaml"
    exported = cli("-v", "export", "-o", str(out))
    assert exported.exit_code == 0, exported.output
    assert writes(manual) == []  # nothing created, changed or deleted
    text = out.read_text()
    for slug in APPS:
        assert f"  {slug}:\n    enabled: true\n" in text
    assert "apps: {}" not in text and "not observable" not in exported.stderr
    # Whose client a consent URL shows, Cobalt does not say: the own ones are named, not lost.
    assert (
        "declare it: `apps.hubspot.oauth: {client_id: hub-own-client, "
        'client_secret: "${HUBSPOT_CLIENT_SECRET}", scopes: [offline_access]}`'
    ) in exported.stderr
    assert "`sf-own-client`" in exported.stderr
    assert manual.inspect()["counts"]["linked_accounts"] == 3

    again = cli("plan", "-f", str(out), "--detailed-exitcode")
    assert again.exit_code == 0, again.output
    assert "No changes" in again.stdout
    assert writes(manual) == []

    # Declaring the own client as the note says keeps the plan at no changes.
    block = exported.stderr.split("declare it: `apps.hubspot.oauth: ", 1)[1].split("`")[0]
    out.write_text(text.replace("  hubspot:\n", f"  hubspot:\n    oauth: {block}\n"))
    monkeypatch.setenv("HUBSPOT_CLIENT_SECRET", "secret-of-hubspot")
    adopted = cli("plan", "-f", str(out), "--detailed-exitcode")
    assert adopted.exit_code == 0, adopted.output
    assert writes(manual) == []


def test_export_of_an_org_without_linked_accounts_says_so_and_names_the_way_on(
    cli: Any, manual: Sandbox, tmp_path: Path
) -> None:
    manual.dashboard_enable("slack")
    out = tmp_path / "cobalt.yaml"
    exported = cli("export", "-o", str(out))
    assert exported.exit_code == 0, exported.output
    assert writes(manual) == []
    assert "the org has no linked account yet" in exported.stderr
    assert "cobalt-sync-probe" in exported.stderr and "`plan`" in exported.stderr
    assert "apps: {}" in out.read_text()
