"""check: the Connect smoke check, end to end — the real CLI against the served sandbox.

Each test applies a manifest (or deliberately does not), runs `cobalt-sync check`, and asserts
the per-account report on stdout, the messages on stderr, the exit code, and that no session
token is printed unless --show-url asks for the URL that embeds one.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PROD_KEY, CliResult, Sandbox

MANIFEST = """
version: 1
environment: test
apps:
  hubspot: {enabled: true}
  stripe: {enabled: true}
linked_accounts:
  "account:1": {name: Acme}
  "account:2": {name: Globex, udf: {plan: growth}}
  "account:gone": {state: absent}
"""

JWT = re.compile(r"eyJ[A-Za-z0-9_-]+\.")


@pytest.fixture
def workdir(tmp_path: Path, cli_env: dict[str, str]) -> Path:
    return tmp_path


def write(workdir: Path, text: str = MANIFEST) -> Path:
    path = workdir / "cobalt.yaml"
    path.write_text(textwrap.dedent(text))
    return path


def run(cli: Any, *args: str) -> CliResult:
    result: CliResult = cli(*args)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def applied(cli: Any, workdir: Path, text: str = MANIFEST) -> Path:
    manifest = write(workdir, text)
    result = run(cli, "apply", "-f", str(manifest), "--auto-approve")
    assert result.exit_code == 0, result.output
    return manifest


def test_after_apply_every_account_passes(cli: Any, workdir: Path, sandbox: Sandbox) -> None:
    manifest = applied(cli, workdir)
    result = run(cli, "check", "-f", str(manifest))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "✓ linked_accounts/account:1: Connect URL created" in lines
    assert "✓ linked_accounts/account:2: Connect URL created" in lines
    assert "    apps offered in Connect: hubspot, stripe" in lines
    assert "account:gone" not in result.stdout  # declared absent: nothing to check
    assert lines[-1].startswith("Check: 2 passed, 0 failed, 0 API errors")
    assert not JWT.search(result.output)
    assert "/connect/" not in result.output


def test_tokens_are_revoked_after_the_check(cli: Any, workdir: Path, sandbox: Sandbox) -> None:
    manifest = applied(cli, workdir)
    before = sandbox.get("stats")["by_route"]
    assert run(cli, "check", "-f", str(manifest)).exit_code == 0
    after = sandbox.get("stats")["by_route"]

    def calls(route: str) -> int:
        return int(after.get(route, 0)) - int(before.get(route, 0))

    assert calls("POST /api/v2/public/session-token") == 2
    assert calls("POST /api/v2/public/connect-url") == 2
    assert calls("POST /api/v2/public/session-token/revoke") == 2


def test_check_uses_only_public_endpoints_so_it_works_on_real_cobalt(
    cli: Any, workdir: Path, sandbox: Sandbox
) -> None:
    manifest = applied(cli, workdir)
    before = sandbox.get("stats")["by_route"]
    result = run(cli, "--app-settings", "manual", "check", "-f", str(manifest))
    assert result.exit_code == 0, result.output
    after = sandbox.get("stats")["by_route"]
    used = {route for route, count in after.items() if count != before.get(route, 0)}
    assert "POST /api/v2/public/connect-url" in used
    # The §3.2 routes (enable, oauth-credentials) exist only in the sandbox.
    assert not [r for r in used if r.endswith("/enable") or "oauth-credentials" in r]


def test_show_url_prints_each_hosted_url_and_keeps_it_usable(
    cli: Any, workdir: Path, sandbox: Sandbox
) -> None:
    manifest = applied(cli, workdir)
    result = run(cli, "check", "-f", str(manifest), "--show-url")
    assert result.exit_code == 0, result.output
    urls = [line.split("Connect URL: ", 1)[1] for line in result.stdout.splitlines()
            if "Connect URL: " in line]
    assert len(urls) == 2
    assert all(url.startswith("http") and "/connect/" in url for url in urls)
    assert not JWT.search(result.stderr)  # the URL goes to stdout only
    assert "were not revoked" in result.stderr
    # A URL whose token was revoked opens nothing: the tokens behind printed URLs stay live.
    token = urls[0].rsplit("/", 1)[1]
    page = sandbox.admin.get(
        "/api/v2/public/hosted-properties", headers={"Authorization": f"Bearer {token}"}
    )
    assert page.status_code == 200


def test_missing_account_fails_with_a_hint_to_apply(cli: Any, workdir: Path) -> None:
    applied(cli, workdir)
    manifest = write(workdir, MANIFEST + '  "account:3": {name: Initech}\n')
    result = run(cli, "check", "-f", str(manifest))
    assert result.exit_code == 5
    assert (
        "✗ linked_accounts/account:3: not found in Cobalt: run `cobalt-sync apply` first"
        in result.stdout
    )
    assert "✓ linked_accounts/account:1" in result.stdout
    assert "smoke check failed for 1 of 3 linked accounts: account:3" in result.stderr


def test_enabled_app_missing_from_connect_fails_naming_it(cli: Any, workdir: Path) -> None:
    applied(cli, workdir)
    manifest = write(workdir, MANIFEST.replace("stripe: {enabled: true}",
                                               "stripe: {enabled: true}\n  slack: {}"))
    result = run(cli, "check", "-f", str(manifest))
    assert result.exit_code == 5
    assert "✗ linked_accounts/account:1: Connect does not offer slack" in result.stdout
    assert "✗ linked_accounts/account:2: Connect does not offer slack" in result.stdout
    assert "Check: 0 passed, 2 failed" in result.stdout


def test_api_failure_is_exit_4_and_says_which_account(
    cli: Any, workdir: Path, sandbox: Sandbox
) -> None:
    manifest = applied(cli, workdir)
    sandbox.faults(route="connect-url", error_rate=1.0)
    result = run(cli, "check", "-f", str(manifest))
    assert result.exit_code == 4, result.output
    assert "✗ linked_accounts/account:1: API error:" in result.stdout
    assert "Check: 0 passed, 0 failed, 2 API errors" in result.stdout
    assert not JWT.search(result.output)


def test_no_linked_accounts_declared_is_ok(cli: Any, workdir: Path) -> None:
    manifest = write(workdir, "version: 1\nenvironment: test\napps: {hubspot: {}}\n")
    result = run(cli, "check", "-f", str(manifest))
    assert result.exit_code == 0
    assert "declares no linked accounts: nothing to check" in result.stderr
    assert result.stdout == ""


def test_environment_mismatch_is_refused_before_any_check(
    cli: Any, workdir: Path, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest = write(workdir)
    monkeypatch.setenv("COBALT_API_KEY", PROD_KEY)
    before = sandbox.get("stats")["by_route"]
    result = run(cli, "check", "-f", str(manifest))
    assert result.exit_code == 5
    assert "environment mismatch" in result.stderr
    after = sandbox.get("stats")["by_route"]
    assert after.get("POST /api/v2/public/session-token") == before.get(
        "POST /api/v2/public/session-token"
    )


def test_help_has_examples_and_warns_about_the_token_in_the_url(cli: Any) -> None:
    result = run(cli, "check", "--help")
    assert result.exit_code == 0
    assert "Examples:" in result.stdout and "cobalt-sync check --show-url" in result.stdout
    assert "embeds a live session token" in " ".join(result.stdout.split())
