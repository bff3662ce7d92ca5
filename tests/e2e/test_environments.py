"""One manifest, two environments, end to end: apply it to the test and the production org of
the served sandbox, re-plan both to no changes, and review the promotion with `diff`."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PROD_KEY, TEST_KEY, CliResult, Sandbox

TEST_SECRET = "CANARY-TEST-SECRET-51c0"
PROD_SECRET = "CANARY-PROD-SECRET-9ad4"

MANIFEST = """
version: 1
apps:
  slack: {enabled: true}
  hubspot:
    oauth:
      scopes: [crm.objects.contacts.read]
events:
  New Contact Created:
    schema: {contact: {id: 123, email: a@example.com}}
  Invoice Paid:
    schema: {invoice: {id: inv_1, amount: 10}}
environments:
  test:
    apps:
      hubspot:
        oauth: {client_id: hubspot-test, client_secret: "${HUBSPOT_TEST_SECRET}"}
    events:
      Debug Ping:
        schema: {sent_at: "2026-01-01"}
    linked_accounts:
      "account:1": {name: Acme, udf: {plan: enterprise}}
  production:
    apps:
      hubspot:
        oauth: {client_id: hubspot-prod, client_secret: "${HUBSPOT_SECRET}"}
      stripe: {enabled: true}
    events:
      Invoice Paid:
        schema: {invoice: {id: inv_1}}
"""


@pytest.fixture
def manifest(tmp_path: Path, cli_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HUBSPOT_TEST_SECRET", TEST_SECRET)
    monkeypatch.setenv("HUBSPOT_SECRET", PROD_SECRET)
    monkeypatch.delenv("COBALT_ENVIRONMENT", raising=False)
    path = tmp_path / "cobalt.yaml"
    path.write_text(textwrap.dedent(MANIFEST))
    return path


def run(cli: Any, *args: str) -> CliResult:
    result: CliResult = cli(*args)
    assert "Traceback" not in result.stderr, result.stderr
    assert TEST_SECRET not in result.output and PROD_SECRET not in result.output
    return result


def with_key(monkeypatch: pytest.MonkeyPatch, key: str) -> None:
    monkeypatch.setenv("COBALT_API_KEY", key)


def test_one_manifest_applied_to_both_environments_then_replans_to_no_changes(
    cli: Any, manifest: Path, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key in (TEST_KEY, PROD_KEY):  # the key alone picks the environment
        with_key(monkeypatch, key)
        applied = run(cli, "apply", "-f", str(manifest), "--auto-approve")
        assert applied.exit_code == 0, applied.output
    test, production = sandbox.inspect(TEST_KEY), sandbox.inspect(PROD_KEY)
    assert {e["name"] for e in test["events"]} == {
        "New Contact Created",
        "Invoice Paid",
        "Debug Ping",
    }
    assert {e["name"] for e in production["events"]} == {"New Contact Created", "Invoice Paid"}
    assert [a["account_id"] for a in test["linked_accounts"]] == ["account:1"]
    assert production["linked_accounts"] == []
    assert production["apps_enabled"] == ["hubspot", "slack", "stripe"]
    assert test["oauth"]["hubspot"]["client_id"] == "hubspot-test"
    assert production["oauth"]["hubspot"]["client_id"] == "hubspot-prod"

    for key, name in ((TEST_KEY, "test"), (PROD_KEY, "production")):
        with_key(monkeypatch, key)
        again = run(cli, "plan", "-f", str(manifest), "--detailed-exitcode")
        assert again.exit_code == 0, again.stdout
        assert again.stdout.startswith(f"Plan for the {name} environment:")
        as_json = run(cli, "plan", "-f", str(manifest), "--format", "json")
        assert json.loads(as_json.stdout)["environment"] == name


def test_plan_and_apply_name_the_environment_first(
    cli: Any, manifest: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with_key(monkeypatch, PROD_KEY)
    planned = run(cli, "plan", "-f", str(manifest), "--environment", "production")
    assert planned.stdout.splitlines()[0] == (
        "Plan for the production environment (+ create, ~ update, - delete):"
    )
    applied = run(cli, "apply", "-f", str(manifest), "--auto-approve", "--format", "json")
    assert applied.exit_code == 0, applied.stderr
    assert json.loads(applied.stdout)["environment"] == "production"


def test_the_guard_holds_with_overlays(
    cli: Any, manifest: Path, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    with_key(monkeypatch, TEST_KEY)
    monkeypatch.setenv("COBALT_ENVIRONMENT", "production")
    refused = run(cli, "apply", "-f", str(manifest), "--auto-approve")
    assert refused.exit_code == 5
    assert "COBALT_ENVIRONMENT asks for production" in refused.stderr
    assert sandbox.inspect(TEST_KEY)["events"] == []
    assert sandbox.inspect(PROD_KEY)["events"] == []


def test_promotion_diff_shows_what_production_receives_or_loses(
    cli: Any, manifest: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("COBALT_API_KEY")  # offline: no key needed
    monkeypatch.setenv("COBALT_API_URL", "http://127.0.0.1:9")  # and nothing is contacted
    args = ("diff", "--from", "test", "--to", "production", "-f", str(manifest))
    text = run(cli, *args, "--detailed-exitcode")
    assert text.exit_code == 2, text.stderr
    lines = text.stdout.splitlines()
    assert lines[0].startswith("production relative to test")
    assert "  + apps/stripe" in lines
    assert "  ~ oauth_credentials/hubspot  [reauthorize]" in lines
    assert "      ~ client_secret: (sensitive)" in lines
    assert "  ~ events/Invoice Paid  [breaking]" in lines
    assert "      - schema.invoice.amount: 10" in lines
    assert "  - events/Debug Ping" in lines
    assert "  - linked_accounts/account:1" in lines
    assert lines[-1] == "1 only in production, 2 differ, 2 only in test."

    document = json.loads(run(cli, *args, "--format", "json").stdout)
    assert (document["from"], document["to"], document["identical"]) == (
        "test",
        "production",
        False,
    )
    secret = next(
        f
        for c in document["changes"]
        for f in c["fields"]
        if c["key"] == "hubspot" and f["path"] == "client_secret"
    )
    assert secret == {
        "path": "client_secret",
        "op": "change",
        "before": "(sensitive)",
        "after": "(sensitive)",
        "sensitive": True,
    }
    markdown = run(cli, *args, "--format", "markdown").stdout
    assert markdown.startswith("<!-- cobalt-sync-diff -->\n### cobalt-sync diff · `test` →")
    assert "**reauthorize**" in markdown and "**breaking**" in markdown


def test_identical_environments_diff_to_nothing(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "cobalt.yaml"
    path.write_text(
        "version: 1\nevents:\n  E: {schema: {a: 1}}\nenvironments:\n  test:\n  production:\n"
    )
    monkeypatch.delenv("COBALT_API_KEY", raising=False)
    result = run(
        cli, "diff", "--from", "test", "--to", "production", "-f", str(path), "--detailed-exitcode"
    )
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == "production is identical to test: promotion changes nothing.\n"


def test_diff_without_secrets_compares_by_variable_name(
    cli: Any, manifest: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HUBSPOT_SECRET")
    args = ("diff", "--from", "test", "--to", "production", "-f", str(manifest))
    missing = run(cli, *args)
    assert missing.exit_code == 3
    assert "environments.production.apps.hubspot.oauth.client_secret" in missing.stderr
    allowed = run(cli, *args, "--allow-missing-variables")
    assert allowed.exit_code == 0, allowed.stderr
    assert "      ~ client_secret: (sensitive)" in allowed.stdout


def test_diff_reports_the_problems_of_both_environments_at_once(
    cli: Any, manifest: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each environment's secret unset, and a bad field in the shared part: all of them in
    one run (the shared one once), not the --from environment's alone."""
    monkeypatch.delenv("HUBSPOT_SECRET")
    monkeypatch.delenv("HUBSPOT_TEST_SECRET")
    text = manifest.read_text().replace("slack: {enabled: true}", "slack: {enabled: yes}")
    manifest.write_text(text)
    result = run(cli, "diff", "--from", "test", "--to", "production", "-f", str(manifest))
    assert result.exit_code == 3 and result.stdout == ""
    problems = [line for line in result.stderr.splitlines() if line.startswith(str(manifest))]
    assert sum("environments.test.apps.hubspot.oauth.client_secret" in p for p in problems) == 1
    assert sum("environments.production.apps.hubspot.oauth.client_secret" in p
               for p in problems) == 1
    assert sum("apps.slack.enabled" in p for p in problems) == 1
    assert f"Error: {len(problems)} problems found in the manifest" in result.stderr


def test_export_writes_each_environment_into_its_own_section(
    cli: Any, manifest: Path, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key in (TEST_KEY, PROD_KEY):
        with_key(monkeypatch, key)
        assert run(cli, "apply", "-f", str(manifest), "--auto-approve").exit_code == 0
    out = manifest.parent / "exported.yaml"
    with_key(monkeypatch, TEST_KEY)
    first = run(cli, "export", "-e", "test", "-o", str(out))
    assert first.exit_code == 0, first.output
    assert "environment: test" not in out.read_text()
    assert out.read_text().endswith("environments:\n  test:\n")
    out.write_text(out.read_text() + "  # a comment the next export must keep\n")
    with_key(monkeypatch, PROD_KEY)
    refused = run(cli, "export", "-e", "test", "-o", str(out))
    assert refused.exit_code == 5  # the key is production's: refused before reading anything
    second = run(cli, "export", "--environment", "production", "-o", str(out))
    assert second.exit_code == 0, second.output
    text = out.read_text()
    assert (
        "  test:\n  production:\n" in text and "  # a comment the next export must keep\n" in text
    )
    section = text.split("  production:\n", 1)[1]
    assert "Debug Ping: null" in section and "account:1: null" in section  # test's only
    assert "New Contact Created" not in section  # shared: stays in the top level only
    # The exported secrets are variables: the one name holds each environment's value.
    for key, secret in ((TEST_KEY, TEST_SECRET), (PROD_KEY, PROD_SECRET)):
        with_key(monkeypatch, key)
        monkeypatch.setenv("HUBSPOT_CLIENT_SECRET", secret)
        again = run(cli, "plan", "-f", str(out), "--detailed-exitcode")
        assert again.exit_code == 0, again.stdout + again.stderr
