"""plan and apply end to end: the real CLI against the sandbox served on 127.0.0.1.

Each test writes a manifest, runs the command line in-process, and checks stdout, stderr,
the exit code and, through the sandbox's admin API, what really happened to the org.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import PROD_KEY, TEST_KEY, CliResult, Sandbox

SECRET = "CANARY-SECRET-7f3a9c"
ROTATED = "CANARY-SECRET-rotated-22b1"

BASE = """
version: 1
environment: test
apps:
  slack:
    oauth:
      client_id: slack-client-1
      client_secret: ${SLACK_SECRET}
      scopes: [chat:write, channels:read]
  hubspot: {enabled: true}
  stripe: {enabled: true}
events:
  New Contact Created:
    schema:
      contact: {id: 123, email: a@example.com, tags: [vip]}
  Invoice Paid:
    schema: {invoice: {id: inv_1, amount: 10}}
linked_accounts:
  "account:1": {name: Acme, udf: {plan: enterprise}}
  "account:2": {name: Globex}
"""


@pytest.fixture
def workdir(tmp_path: Path, cli_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SLACK_SECRET", SECRET)
    return tmp_path


def write(workdir: Path, text: str, name: str = "cobalt.yaml") -> Path:
    path = workdir / name
    path.write_text(textwrap.dedent(text))
    return path


def run(cli: Any, *args: str) -> CliResult:
    result: CliResult = cli(*args)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def apply(cli: Any, manifest: Path, *extra: str) -> CliResult:
    return run(cli, "apply", "-f", str(manifest), "--auto-approve", *extra)


def plan(cli: Any, manifest: Path, *extra: str) -> CliResult:
    return run(cli, "plan", "-f", str(manifest), "--detailed-exitcode", *extra)


def test_create_from_empty_then_replan_shows_no_changes(
    cli: Any, workdir: Path, sandbox: Sandbox
) -> None:
    manifest = write(workdir, BASE)
    first = plan(cli, manifest)
    assert first.exit_code == 2, first.stderr
    assert "+ events/New Contact Created" in first.stdout
    assert "Plan: 8 to create, 0 to update, 0 to delete" in first.stdout

    applied = apply(cli, manifest)
    assert applied.exit_code == 0, applied.output
    org = sandbox.inspect()
    assert org["apps_enabled"] == ["hubspot", "slack", "stripe"]
    assert {e["name"] for e in org["events"]} == {"New Contact Created", "Invoice Paid"}
    accounts = {a["account_id"]: a for a in org["linked_accounts"]}
    assert accounts["account:1"]["udf"] == {"plan": "enterprise", "managed_by": "cobalt-sync"}
    assert org["oauth"]["slack"]["client_id"] == "slack-client-1"

    again = plan(cli, manifest)
    assert again.exit_code == 0, again.stdout
    assert "No changes" in again.stdout


def test_update_each_field_kind(cli: Any, workdir: Path, sandbox: Sandbox) -> None:
    assert apply(cli, write(workdir, BASE)).exit_code == 0
    changed = (
        BASE.replace("chat:write, channels:read", "chat:write")
        .replace("email: a@example.com", "email: b@example.com")
        .replace("plan: enterprise", "plan: growth")
        .replace("name: Globex", "name: Globex Inc")
    )
    manifest = write(workdir, changed)
    shown = plan(cli, manifest)
    assert shown.exit_code == 2
    out = shown.stdout
    assert "~ oauth_credentials/slack" in out and "reauthorize" in out
    assert '~ schema.contact.email: "a@example.com" → "b@example.com"' in out
    assert '~ udf.plan: "enterprise" → "growth"' in out
    assert '~ name: "Globex" → "Globex Inc"' in out
    assert "Plan: 0 to create, 4 to update, 0 to delete" in out
    assert apply(cli, manifest).exit_code == 0
    assert plan(cli, manifest).exit_code == 0
    org = sandbox.inspect()
    assert org["oauth"]["slack"]["scopes"] == ["chat:write"]


def test_secret_rotation_is_detected_without_showing_either_secret(
    cli: Any, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest = write(workdir, BASE)
    assert apply(cli, manifest).exit_code == 0
    monkeypatch.setenv("SLACK_SECRET", ROTATED)
    shown = plan(cli, manifest, "--out", str(workdir / "plan.json"))
    assert shown.exit_code == 2
    assert "~ client_secret: (sensitive)" in shown.stdout
    files = shown.output + (workdir / "plan.json").read_text()
    assert SECRET not in files and ROTATED not in files
    applied = apply(cli, manifest)
    assert applied.exit_code == 0
    assert ROTATED not in applied.output
    assert plan(cli, manifest).exit_code == 0


def test_explicit_deletes(cli: Any, workdir: Path, sandbox: Sandbox) -> None:
    assert apply(cli, write(workdir, BASE)).exit_code == 0
    removal = BASE.replace(
        "  hubspot: {enabled: true}", "  hubspot: {enabled: false}"
    ).replace(
        '  "account:2": {name: Globex}', '  "account:2": {state: absent}'
    ).replace(
        "  Invoice Paid:\n    schema: {invoice: {id: inv_1, amount: 10}}",
        "  Invoice Paid: {state: absent}",
    )
    manifest = write(workdir, removal)
    shown = plan(cli, manifest)
    assert "Plan: 0 to create, 0 to update, 3 to delete" in shown.stdout
    assert apply(cli, manifest).exit_code == 0
    org = sandbox.inspect()
    assert "hubspot" not in org["apps_enabled"]
    assert [e["name"] for e in org["events"]] == ["New Contact Created"]
    assert [a["account_id"] for a in org["linked_accounts"]] == ["account:1"]
    assert plan(cli, manifest).exit_code == 0


def test_unmanaged_objects_are_listed_and_left_alone(
    cli: Any, workdir: Path, sandbox: Sandbox
) -> None:
    sandbox.post("seed", key="tk_sandbox", linked_accounts=3, events=2, account_prefix="cust-")
    manifest = write(workdir, BASE)
    shown = plan(cli, manifest)
    assert "5 unmanaged left alone" in shown.stdout
    assert apply(cli, manifest).exit_code == 0
    org = sandbox.inspect()
    assert org["counts"] == {"events": 4, "linked_accounts": 5}


def test_prune_deletes_undeclared_events_and_only_accounts_we_created(
    cli: Any, workdir: Path, sandbox: Sandbox
) -> None:
    sandbox.post("seed", key="tk_sandbox", linked_accounts=2, events=1, account_prefix="cust-")
    assert apply(cli, write(workdir, BASE)).exit_code == 0
    pruning = (
        BASE.replace('  "account:2": {name: Globex}\n', "")
        + "prune: [events, linked_accounts]\n"
    ).replace("  Invoice Paid:\n    schema: {invoice: {id: inv_1, amount: 10}}\n", "")
    manifest = write(workdir, pruning)
    shown = plan(cli, manifest)
    assert "- events/Invoice Paid" in shown.stdout
    assert '- linked_accounts/account:2' in shown.stdout
    assert "cust-" not in shown.stdout.split("Unmanaged")[0]
    assert apply(cli, manifest).exit_code == 0
    org = sandbox.inspect()
    assert sorted(a["account_id"] for a in org["linked_accounts"])[:1] == ["account:1"]
    assert sum(a["account_id"].startswith("cust-") for a in org["linked_accounts"]) == 2
    assert [e["name"] for e in org["events"]] == ["New Contact Created"]


def test_mass_delete_is_refused_unless_allowed(
    cli: Any, workdir: Path, sandbox: Sandbox
) -> None:
    events = "\n".join(f"  E{i}:\n    schema: {{n: {i}}}" for i in range(12))
    many = write(workdir, f"version: 1\nenvironment: test\nevents:\n{events}\n")
    assert apply(cli, many).exit_code == 0
    empty = write(workdir, "version: 1\nenvironment: test\nprune: [events]\n")
    refused = apply(cli, empty)
    assert refused.exit_code == 5
    assert "mass delete" in refused.stderr
    assert sandbox.inspect()["counts"]["events"] == 12
    allowed = apply(cli, empty, "--allow-mass-delete")
    assert allowed.exit_code == 0, allowed.output
    assert sandbox.inspect()["counts"]["events"] == 0


def test_environment_mismatch_is_refused_before_any_request(
    cli: Any, workdir: Path, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COBALT_API_KEY", PROD_KEY)
    sandbox.post("stats/reset")
    refused = apply(cli, write(workdir, BASE))
    assert refused.exit_code == 5
    assert "environment mismatch" in refused.stderr
    assert PROD_KEY not in refused.output
    assert sandbox.get("stats")["requests_total"] == 0


def test_saved_plan_is_applied_and_refused_once_stale(
    cli: Any, workdir: Path, sandbox: Sandbox
) -> None:
    manifest = write(workdir, BASE)
    planfile = str(workdir / "plan.json")
    assert plan(cli, manifest, "--out", planfile).exit_code == 2
    assert run(cli, "apply", planfile, "--auto-approve").exit_code == 0
    # The org moved only toward the plan (it was applied): applying it again is a no-op.
    again = run(cli, "apply", planfile, "--auto-approve")
    assert again.exit_code == 0 and "No changes" in again.stdout
    # Someone changes an event the plan created to something else: that is stale.
    (event,) = [e for e in sandbox.inspect()["events"] if e["name"] == "Invoice Paid"]
    edited = httpx.put(
        f"{sandbox.url}/api/v2/public/application/event/{event['_id']}",
        headers={"x-api-key": TEST_KEY},
        json={"name": "Invoice Paid", "response": json.dumps({"invoice": {"id": "x"}})},
    )
    assert edited.status_code == 200
    stale = run(cli, "apply", planfile, "--auto-approve")
    assert stale.exit_code == 5 and "stale" in stale.stderr
    assert "events/Invoice Paid" in stale.stderr
    assert plan(cli, manifest).exit_code == 2  # nothing was written

    assert plan(cli, manifest, "--out", planfile).exit_code == 2
    write(workdir, BASE.replace("amount: 10", "amount: 11"))
    moved = run(cli, "apply", planfile, "--auto-approve")
    assert moved.exit_code == 5 and "manifest" in moved.stderr


def test_no_terminal_and_no_auto_approve_is_refused(
    cli: Any, workdir: Path, sandbox: Sandbox
) -> None:
    refused = run(cli, "apply", "-f", str(write(workdir, BASE)))
    assert refused.exit_code == 5
    assert "--auto-approve" in refused.stderr
    assert sandbox.inspect()["counts"] == {"events": 0, "linked_accounts": 0}


def test_partial_failure_then_rerun_converges_without_duplicates(
    cli: Any, workdir: Path, sandbox: Sandbox
) -> None:
    accounts = "\n".join(f'  "acct-{i}": {{name: "A {i}"}}' for i in range(40))
    events = "\n".join(f"  Ev {i}:\n    schema: {{n: {i}}}" for i in range(20))
    manifest = write(
        workdir,
        f"version: 1\nenvironment: test\nevents:\n{events}\nlinked_accounts:\n{accounts}\n",
    )
    sandbox.faults(error_rate=0.6, drop_rate=0.2, seed=7)
    runs = [apply(cli, manifest, "--parallelism", "4")]
    sandbox.faults(error_rate=0.0, drop_rate=0.0)
    assert runs[0].exit_code in (0, 4, 6)
    runs.append(apply(cli, manifest))
    assert runs[-1].exit_code == 0, runs[-1].output
    org = sandbox.inspect()
    assert org["counts"] == {"events": 20, "linked_accounts": 40}
    assert org["duplicates"] == {"events": {}, "linked_accounts": {}}
    assert plan(cli, manifest).exit_code == 0


def test_secret_canary_never_appears_anywhere(
    cli: Any, workdir: Path, sandbox: Sandbox
) -> None:
    manifest = write(workdir, BASE)
    outputs = [
        plan(cli, manifest, "--out", str(workdir / "p.json")),
        plan(cli, manifest, "--format", "json"),
        plan(cli, manifest, "--format", "markdown"),
        apply(cli, manifest, "--format", "json"),
        run(cli, "-v", "plan", "-f", str(manifest)),
        run(cli, "--debug", "plan", "-f", str(manifest)),
    ]
    text = "".join(o.output for o in outputs) + (workdir / "p.json").read_text()
    assert SECRET not in text
    assert "tk_sandbox" not in text


def test_plan_json_is_machine_readable_on_stdout(cli: Any, workdir: Path) -> None:
    shown = plan(cli, write(workdir, BASE), "--format", "json")
    document = json.loads(shown.stdout)
    assert document["summary"]["create"] == 8
    assert "Reading the live org" in shown.stderr


def test_live_duplicates_are_named_not_guessed(
    cli: Any, workdir: Path, sandbox: Sandbox
) -> None:
    sandbox.post("seed", key="tk_sandbox", duplicate_events=["Invoice Paid"])
    manifest = write(workdir, BASE)
    shown = plan(cli, manifest)
    warning = "events/Invoice Paid: 2 live objects share this key"
    assert warning in shown.stdout + shown.stderr
    assert "events/Invoice Paid" not in shown.stdout.split("Plan:")[0].split("Warnings")[0]
    applied = apply(cli, manifest)
    # Everything else is applied; a declared key held twice is not "verified": exit 6.
    assert applied.exit_code == 6, applied.output
    assert warning in applied.stdout + applied.stderr
    assert "held by several live objects each:\n  ! events/Invoice Paid" in applied.stdout
    names = [e["name"] for e in sandbox.inspect()["events"]]
    assert names.count("Invoice Paid") == 2  # untouched: neither a third nor a deletion


def test_target_narrows_plan_and_apply_and_brings_prerequisites(
    cli: Any, workdir: Path, sandbox: Sandbox
) -> None:
    manifest = write(workdir, BASE)
    shown = run(
        cli,
        "plan",
        "-f",
        str(manifest),
        "--target",
        "events/Invoice Paid",
        "--target",
        "apps/slack",
        "--format",
        "json",
    )
    document = json.loads(shown.stdout)
    assert document["targets"] == ["apps/slack", "events/Invoice Paid"]
    addresses = {f"{c['kind']}/{c['key']}" for c in document["changes"]}
    # Enabling slack needs its own OAuth client first: it comes along, with a note.
    assert addresses == {"apps/slack", "oauth_credentials/slack", "events/Invoice Paid"}
    brought = next(c for c in document["changes"] if c["kind"] == "oauth_credentials")
    assert any("apps/slack needs it first" in note for note in brought["notes"])
    text = run(cli, "plan", "-f", str(manifest), "--target", "events").stdout
    assert "Targeted to events only (--target)" in text and "linked_accounts" not in text

    planfile = str(workdir / "plan.json")
    assert plan(cli, manifest, "--target", "events", "--out", planfile).exit_code == 2
    other = run(cli, "apply", planfile, "--target", "apps", "--auto-approve")
    assert other.exit_code == 3 and "saved plan's targets" in other.stderr
    assert run(cli, "apply", planfile, "--auto-approve").exit_code == 0
    org = sandbox.inspect()
    assert org["counts"] == {"events": 2, "linked_accounts": 0} and org["apps_enabled"] == []
    typo = run(cli, "plan", "-f", str(manifest), "--target", "event")
    assert typo.exit_code == 3 and "did you mean 'events'" in typo.stderr


def test_declaring_an_apps_mandatory_scopes_converges(
    cli: Any, workdir: Path, sandbox: Sandbox
) -> None:
    manifest = write(
        workdir,
        """
        version: 1
        environment: test
        apps:
          salesforce:
            oauth:
              client_id: sf-client-1
              client_secret: ${SLACK_SECRET}
              scopes: [api, refresh_token, offline_access]
        """,
    )
    assert apply(cli, manifest).exit_code == 0
    again = plan(cli, manifest, "--detailed-exitcode")
    assert again.exit_code == 0, again.stdout
    # Not compared, and said under a change of salesforce's client or on request (-v).
    assert "mandatory for salesforce" not in again.stdout
    assert "1 note about an unchanged entry (-v to show)" in again.stdout
    assert "mandatory for salesforce" in plan(cli, manifest, "-v").stdout


def test_a_saved_plan_applies_from_any_directory(
    cli: Any, workdir: Path, sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory
) -> None:
    manifest = write(workdir, BASE)
    plans = workdir / "plans"
    plans.mkdir()
    assert plan(cli, manifest, "--out", str(plans / "plan.json")).exit_code == 2
    saved = json.loads((plans / "plan.json").read_text())
    assert saved["manifest_path"] == "../cobalt.yaml"  # relative to the plan file
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    applied = cli("apply", str(plans / "plan.json"), "--auto-approve", cwd=elsewhere)
    assert applied.exit_code == 0, applied.output
    assert sandbox.inspect()["counts"]["events"] == 2


def test_a_target_naming_no_object_is_refused_with_the_closest_key(
    cli: Any, workdir: Path, sandbox: Sandbox, api: httpx.Client
) -> None:
    """`--target linked_accounts/globx` (globex has a pending change) once said "No changes"."""
    manifest = write(workdir, BASE.replace('"account:2": {name: Globex}', "globex: {name: Globex}"))
    typo = run(cli, "plan", "-f", str(manifest), "--target", "linked_accounts/globx")
    assert typo.exit_code == 3, typo.output
    assert "no linked_accounts object has the key 'globx'" in typo.stderr
    assert "did you mean 'linked_accounts/globex'?" in typo.stderr
    assert typo.stdout == ""
    # Keys of the right kind only: an event's name is no suggestion for an app.
    wrong_kind = run(cli, "plan", "-f", str(manifest), "--target", "apps/Invoice Paid")
    assert wrong_kind.exit_code == 3 and "did you mean" not in wrong_kind.stderr
    # A live object the manifest does not declare is a fine target (nothing to do for it).
    created = api.post("/linked-account", json={"linked_account_id": "legacy", "name": "Old"})
    assert created.status_code < 300, created.text
    live_only = run(cli, "plan", "-f", str(manifest), "--target", "linked_accounts/legacy")
    assert live_only.exit_code == 0, live_only.output
    right = run(cli, "plan", "-f", str(manifest), "--target", "linked_accounts/globex")
    assert right.exit_code == 0 and "+ linked_accounts/globex" in right.stdout
