"""The sandbox as a person clicks through it, in a real headless Chromium: the hosted Connect
page opened from the URL `check --show-url` prints, the provider's consent page, and the
dashboard; then the CLI sees what the clicks did."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import TEST_KEY, CliResult, Sandbox

pytestmark = pytest.mark.browser

SECRET = "CANARY-browser-secret-41c9"

MANIFEST = """
version: 1
environment: test
apps:
  hubspot:
    oauth:
      client_id: hub-client-1
      client_secret: ${HUB_SECRET}
      scopes: [crm.objects.contacts.read]
  stripe: {enabled: true}
  15file: {enabled: true}
linked_accounts:
  cust-1: {name: Acme Corp}
"""


def use(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "COBALT_API_URL": sandbox.url,
        "COBALT_API_KEY": TEST_KEY,
        "COBALT_MAX_RPS": "0",
        "COBALT_RETRY_BACKOFF": "0",
        "HUB_SECRET": SECRET,
    }.items():
        monkeypatch.setenv(name, value)


def run(cli: Any, *args: str) -> CliResult:
    result: CliResult = cli(*args)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def connect_url(cli: Any, manifest: Path) -> str:
    checked = run(cli, "check", "-f", str(manifest), "--show-url")
    assert checked.exit_code == 0, checked.output
    found = re.search(r"Connect URL: (\S+)", checked.stdout)
    assert found, checked.stdout
    return found.group(1)


def test_hosted_connect_authorize_with_own_client_then_plan_counts_it(
    sandbox: Sandbox,
    cli: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    browser_page: Any,
    screenshot: Any,
) -> None:
    use(sandbox, monkeypatch)
    manifest = tmp_path / "cobalt.yaml"
    manifest.write_text(textwrap.dedent(MANIFEST))
    applied = run(cli, "apply", "-f", str(manifest), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    sandbox.dashboard_enable("salesforce", enabled=False)  # catalog apps not enabled stay hidden
    page = browser_page

    page.goto(connect_url(cli, manifest))
    names = page.locator("li.app .app-name").all_inner_texts()
    assert sorted(names) == ["15Five", "Hubspot", "Stripe"]  # exactly the enabled apps
    assert page.locator("li.app[data-slug='hubspot'] .badge").inner_text() == "Not connected"

    page.locator("li.app[data-slug='hubspot'] a.button").click()
    assert page.locator("#client").inner_text() == "OAuth client hub-client-1"
    assert page.locator("#scopes li").all_inner_texts() == [
        "crm.objects.contacts.read",
        "crm.objects.owners.read",
        "oauth",
    ]
    assert SECRET not in page.content()
    screenshot(page, "sandbox-consent")
    page.get_by_role("button", name="Allow").click()

    assert page.get_by_role("status").inner_text() == "Connected Hubspot."
    assert page.locator("li.app[data-slug='hubspot'] .badge").inner_text() == "Connected"
    screenshot(page, "sandbox-connect")
    assert sandbox.inspect()["linked_accounts"][0]["integrations"] == ["hubspot"]

    # The next plan with a change to HubSpot counts the connection made in the browser.
    manifest.write_text(textwrap.dedent(MANIFEST).replace("[crm.objects.contacts.read]", "[]"))
    counted = run(cli, "plan", "-f", str(manifest), "--impact")
    assert counted.exit_code == 0, counted.output
    assert "1 linked account has hubspot connected" in counted.stdout


def test_deny_key_form_disconnect_and_expired_link(
    sandbox: Sandbox,
    cli: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    browser_page: Any,
) -> None:
    use(sandbox, monkeypatch)
    manifest = tmp_path / "cobalt.yaml"
    manifest.write_text(textwrap.dedent(MANIFEST))
    assert run(cli, "apply", "-f", str(manifest), "--auto-approve").exit_code == 0
    page = browser_page
    url = connect_url(cli, manifest)
    page.goto(url)

    page.locator("li.app[data-slug='hubspot'] a.button").click()
    page.get_by_role("button", name="Deny").click()
    assert page.get_by_role("alert").inner_text() == "Hubspot was not connected: access_denied."
    assert page.locator("li.app[data-slug='hubspot'] .badge").inner_text() == "Not connected"

    page.locator("li.app[data-slug='15file'] a.button").click()
    field = page.get_by_label("API key")
    assert field.get_attribute("type") == "password" and field.get_attribute("required") == ""
    # Required is enforced by the server too, not only by the browser's own check.
    field.evaluate("element => element.removeAttribute('required')")
    page.get_by_role("button", name="Connect").click()
    assert page.locator(".field-error").inner_text() == "API key is required"
    page.get_by_label("API key").fill("k-123")
    page.get_by_role("button", name="Connect").click()
    assert page.locator("li.app[data-slug='15file'] .badge").inner_text() == "Connected"

    page.locator("li.app[data-slug='15file'] button", has_text="Disconnect").click()
    assert page.locator("li.app[data-slug='15file'] .badge").inner_text() == "Not connected"
    assert sandbox.inspect()["linked_accounts"][0]["integrations"] == []

    token = url.rsplit("/", 1)[1]
    revoked = httpx.post(
        f"{sandbox.url}/api/v2/public/session-token/revoke",
        headers={"authorization": f"Bearer {token}"},
    )
    assert revoked.json()["revoked_count"] == 1
    page.goto(url)
    assert page.get_by_role("heading").inner_text() == "This link has expired"


PROBE = "cobalt-sync-probe"  # today's manual backend lists apps through it


def test_a_dashboard_step_taken_on_the_dashboard_page_is_done_in_the_next_plan(
    cobalt_sandbox: Sandbox,
    cli: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    browser_page: Any,
    screenshot: Any,
) -> None:
    use(cobalt_sandbox, monkeypatch)
    headers = {"x-api-key": TEST_KEY}
    with httpx.Client(base_url=cobalt_sandbox.url + "/api/v2/public", headers=headers) as api:
        api.put("/linked-account", json={"account_id": PROBE}).raise_for_status()
        # Something in each section, so that the screenshot shows a lived-in org.
        api.put("/linked-account", json={"account_id": "cust-1", "name": "Acme"})
        api.post("/application/event", json={"name": "Order Placed", "response": {"id": 1}})
        hook = {"webhook_url": "https://example.com/hook", "webhook_events": ["Connection Created"]}
        api.post("/webhook", json=hook).raise_for_status()
    cobalt_sandbox.post("connect", key=TEST_KEY, account_id="cust-1", slug="hubspot")
    manifest = tmp_path / "cobalt.yaml"
    manifest.write_text("version: 1\nenvironment: test\napps:\n  stripe: {enabled: true}\n")
    before = run(cli, "--app-settings", "manual", "plan", "-f", str(manifest))
    assert (
        "1. Apps → Stripe (sandbox dashboard: #apps): enable the app (Go Live)" in before.stdout
    ), before.output
    assert "1 dashboard step" in before.stdout

    page = browser_page
    page.goto(f"{cobalt_sandbox.url}/_sandbox/")
    page.get_by_label("API key").fill(TEST_KEY)  # signing in opens that org's page
    page.get_by_role("button", name="Sign in").click()
    assert TEST_KEY not in page.content() and TEST_KEY not in page.url
    page.get_by_label("Enable an app").select_option("stripe")
    page.get_by_role("button", name="Enable (Go Live)").click()
    assert page.get_by_role("status").inner_text() == "Stripe enabled."
    assert page.locator("#apps tr[data-slug='stripe']").count() == 1
    cobalt_sandbox.dashboard_set_oauth("hubspot", "hub-client-1", SECRET, ["crm.lists.read"])
    page.get_by_label("Enable an app").select_option("hubspot")
    page.get_by_role("button", name="Enable (Go Live)").click()
    assert page.locator("#oauth [data-slug='hubspot'] .client-id").inner_text() == "hub-client-1"
    assert SECRET not in page.content()
    screenshot(page, "sandbox-dashboard")

    after = run(cli, "--app-settings", "manual", "plan", "-f", str(manifest))
    assert after.exit_code == 0, after.output
    assert "apps/stripe" not in after.stdout and "Dashboard steps" not in after.stdout
    assert "No changes" in after.stdout


STEPS_MANIFEST = """
version: 1
environment: test
apps:
  hubspot:
    oauth:
      client_id: hub-client-1
      client_secret: ${HUB_SECRET}
      scopes: [crm.objects.contacts.read]
  stripe: {enabled: true}
environment_variables:
  SUPPORT_EMAIL: help@example.com
"""


def test_every_kind_of_dashboard_step_is_taken_on_the_page_and_the_next_plan_drops_it(
    cobalt_sandbox: Sandbox,
    cli: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    browser_page: Any,
) -> None:
    """Credentials before enabling (the order a plan lists them), enabling, and a variable
    definition in the plan's own wording; each step names the page section that takes it."""
    use(cobalt_sandbox, monkeypatch)
    with httpx.Client(
        base_url=cobalt_sandbox.url + "/api/v2/public", headers={"x-api-key": TEST_KEY}
    ) as api:
        api.put("/linked-account", json={"account_id": PROBE}).raise_for_status()
    manifest = tmp_path / "cobalt.yaml"
    manifest.write_text(STEPS_MANIFEST)
    planned = run(cli, "--app-settings", "manual", "plan", "-f", str(manifest), "--format", "json")
    steps = json.loads(planned.stdout)["dashboard_steps"]
    sections = {
        f"{step['kind']}/{step['key']}": step["where"].rsplit("#", 1)[1].rstrip(")")
        for step in steps
    }
    assert sections == {
        "oauth_credentials/hubspot": "oauth",
        "apps/hubspot": "apps",
        "apps/stripe": "apps",
        "environment_variables/SUPPORT_EMAIL": "env",
    }

    page = browser_page
    page.goto(f"{cobalt_sandbox.url}/_sandbox/")
    page.get_by_label("API key").fill(TEST_KEY)  # signing in opens that org's page
    page.get_by_role("button", name="Sign in").click()
    # OAuth credentials for an app not enabled yet.
    new_client = page.locator("#oauth-new")
    new_client.get_by_label("App (enabled or not)").select_option("hubspot")
    new_client.get_by_label("Client id").fill("hub-client-1")
    new_client.get_by_label("Client secret").fill(SECRET)
    new_client.get_by_label("Scopes").fill("crm.objects.contacts.read")
    new_client.get_by_role("button", name="Use your own credentials").click()
    assert page.get_by_role("status").inner_text() == "Hubspot: own OAuth client saved."
    for slug in ("hubspot", "stripe"):
        page.get_by_label("Enable an app").select_option(slug)
        page.get_by_role("button", name="Enable (Go Live)").click()
    # The variable, as the step words it: "scope: organization, not encrypted".
    definition = page.locator("#env-new")
    definition.get_by_label("Name").fill("SUPPORT_EMAIL")
    definition.get_by_label("Scope").select_option("organization")
    definition.get_by_role("button", name="Create variable").click()
    assert page.get_by_role("status").inner_text() == "variable SUPPORT_EMAIL defined."
    assert page.locator("#env tr[data-name='SUPPORT_EMAIL']").inner_text().count("org") == 1
    assert SECRET not in page.content()

    after = run(cli, "--app-settings", "manual", "plan", "-f", str(manifest), "--format", "json")
    assert json.loads(after.stdout)["dashboard_steps"] == []

    # The way back: disabling an app is a step too. (Going back to Cobalt's credentials is a
    # note on real Cobalt, not a step: whose client it is cannot be read there.)
    applied = run(cli, "--app-settings", "manual", "apply", "-f", str(manifest), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    manifest.write_text(
        STEPS_MANIFEST.replace("stripe: {enabled: true}", "stripe: {enabled: false}")
    )
    back = run(cli, "--app-settings", "manual", "plan", "-f", str(manifest), "--format", "json")
    [step] = json.loads(back.stdout)["dashboard_steps"]
    assert (step["kind"], step["key"], step["action"]) == ("apps", "stripe", "delete")
    assert step["where"].endswith("(sandbox dashboard: #apps)")
    page.reload()
    page.locator("#apps tr[data-slug='stripe']").get_by_role("button", name="Disable").click()
    assert page.get_by_role("status").inner_text() == "Stripe disabled."
    done = run(cli, "--app-settings", "manual", "plan", "-f", str(manifest), "--format", "json")
    assert json.loads(done.stdout)["dashboard_steps"] == []
