"""The deploy loop a real Cobalt customer walks, end to end, through the Action's own scripts
against the sandbox's `cobalt` profile (no app-settings API, like real Cobalt):

pull-request plan (dashboard steps in the sticky comment and the job summary) → merge →
deploy apply exits 7 with the steps in the job summary → a person takes the steps in the
dashboard → the same deploy job, re-run with the same reviewed plan, exits 0 → the production
job runs. Also: a partial failure, then a re-run of the same saved plan, converges.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PROD_KEY, TEST_KEY, Sandbox
from tests.test_action import Runner, load_yaml, run_comment_step, step_named

ACTION = Path(__file__).parents[2] / "action.yml"
HUB_SECRET = "CANARY-hub-secret-5c1e"
SF_SECRET = "CANARY-sf-secret-9d0a"

MANIFEST = """\
version: 1
environment: {environment}
apps:
  hubspot:
    oauth:
      client_id: hub-client-1
      client_secret: ${{HUBSPOT_CLIENT_SECRET}}
      scopes: [crm.objects.contacts.read, oauth]
  salesforce:
    oauth:
      client_id: sf-client-1
      client_secret: ${{SALESFORCE_CLIENT_SECRET}}
      scopes: [api, refresh_token, offline_access]
  stripe: {{enabled: true}}
events:
  Invoice Paid:
    schema: {{invoice: {{id: inv_1, amount: 10}}}}
linked_accounts:
  "account:1": {{name: Acme}}
"""


@pytest.fixture(scope="module")
def action() -> dict[str, Any]:
    document: dict[str, Any] = load_yaml(ACTION)
    return document


@pytest.fixture
def real_cobalt(cobalt_sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process CLI runs against the `cobalt` profile with the test key, manual backend."""
    for name, value in real_cobalt_env(cobalt_sandbox, TEST_KEY).items():
        monkeypatch.setenv(name, value)


def real_cobalt_env(box: Sandbox, key: str) -> dict[str, str]:
    return {
        "COBALT_API_URL": box.url,
        "COBALT_API_KEY": key,
        "COBALT_APP_SETTINGS": "manual",
        "COBALT_MAX_RPS": "0",
        "COBALT_RETRY_BACKOFF": "0",
        "HUBSPOT_CLIENT_SECRET": HUB_SECRET,
        "SALESFORCE_CLIENT_SECRET": SF_SECRET,
    }


def job(tmp: Path, box: Sandbox, environment: str) -> Runner:
    (tmp / environment).mkdir()
    runner = Runner(tmp / environment, real_cobalt_env(box, TEST_KEY))
    if environment == "production":
        runner.env["COBALT_API_KEY"] = PROD_KEY
    (runner.work / "cobalt.yaml").write_text(MANIFEST.format(environment=environment))
    return runner


def plan_env() -> dict[str, str]:
    return {"MANIFEST": "cobalt.yaml", "PLAN_FILE": "cobalt-plan.json", "EXTRA_ARGS": ""}


def apply_env(plan_file: str, wait: str = "0") -> dict[str, str]:
    return {
        "MANIFEST": "cobalt.yaml",
        "EXTRA_ARGS": "",
        "REVIEWED_PLAN": plan_file,
        "WAIT_FOR_DASHBOARD": wait,
    }


def take_dashboard_steps(box: Sandbox, key: str) -> None:
    """What a person does in Cobalt's dashboard, following the plan's steps."""
    scopes = ["crm.objects.contacts.read"]
    box.dashboard_set_oauth("hubspot", "hub-client-1", HUB_SECRET, scopes, key)
    box.dashboard_set_oauth("salesforce", "sf-client-1", SF_SECRET, [], key)
    for slug in ("hubspot", "salesforce", "stripe"):
        box.dashboard_enable(slug, True, key)


def comment_body(action: dict[str, Any], runner: Runner) -> str:
    """Runs the sticky-comment step with a stand-in `gh`; returns the comment it posts."""
    code, log, files = run_comment_step(action, runner, [], default_key="cobalt.yaml")
    assert code == 0, log
    body: str = json.loads(files["payload.json"].read_text())["body"]
    return body


def everything_written(tmp: Path) -> str:
    return "\n".join(p.read_text(errors="replace") for p in tmp.rglob("*") if p.is_file())


def test_the_deploy_loop_converges_after_dashboard_steps(
    action: dict[str, Any], cobalt_sandbox: Sandbox, tmp_path: Path
) -> None:
    test_job = job(tmp_path, cobalt_sandbox, "test")

    # Pull request: the plan lists the dashboard steps, in the comment and the job summary.
    code, outputs, log = test_job.run(step_named(action, "Plan"), **plan_env())
    assert code == 0, log
    assert outputs["exitcode"] == "2" and outputs["dashboard-steps"] == "5"
    summary = test_job.summary.read_text()
    assert "Dashboard steps" in summary and "**5 dashboard steps**" in summary
    comment = comment_body(action, test_job)
    assert "Apps → Hubspot → Settings → Credentials" in comment
    assert "HUBSPOT&#95;CLIENT&#95;SECRET" in comment  # named, never its value
    # Mandatory scopes are implied, not a perpetual difference.
    assert "mandatory" in comment

    # Merge → deploy: every API change lands; the dashboard steps remain: exit 7.
    reviewed = outputs["plan-file"]
    code, outputs, log = test_job.run(step_named(action, "Apply"), **apply_env(reviewed))
    assert code == 7 and outputs["exitcode"] == "7", log
    assert int(outputs["dashboard-steps"]) > 0
    assert "dashboard steps remain" in log and "re-run this job" in log
    assert "Apps → Stripe" in test_job.summary.read_text()
    org = cobalt_sandbox.inspect()
    assert org["apps_enabled"] == [] and org["counts"]["events"] == 1
    assert org["counts"]["linked_accounts"] == 1  # the declared seed account only: no probe

    # A person takes the steps in the dashboard; the same job, re-run, now succeeds.
    take_dashboard_steps(cobalt_sandbox, TEST_KEY)
    code, outputs, log = test_job.run(step_named(action, "Apply"), **apply_env(reviewed))
    assert code == 0 and outputs["exitcode"] == "0", log
    assert outputs["dashboard-steps"] == "0"
    code, outputs, log = test_job.run(step_named(action, "Plan"), **plan_env())
    assert (code, outputs["exitcode"], outputs["dashboard-steps"]) == (0, "0", "0"), log

    # The production job runs next; it waits while a person takes its steps.
    prod_job = job(tmp_path, cobalt_sandbox, "production")
    code, outputs, log = prod_job.run(step_named(action, "Plan"), **plan_env())
    assert code == 0 and outputs["exitcode"] == "2", log
    code, log = run_while_a_person_clicks(
        prod_job,
        step_named(action, "Apply"),
        apply_env(outputs["plan-file"], wait="120"),
        cobalt_sandbox,
    )
    assert code == 0, log
    assert "Waiting up to 2 min for 5 dashboard steps" in log and "1. Apps → Hubspot" in log
    assert log.count("Apps → Hubspot → Settings") == 2  # in the plan, and listed once more
    # The wait's own part of the job log: the 5 steps once, a line per step seen done.
    waited = log[log.index("Waiting up to") : log.index("<!-- cobalt-sync-apply -->")]
    lines = waited.strip().splitlines()
    done = [line for line in lines if line.startswith("✓ ")]
    assert len(done) == 5 and done[-1].endswith("done in the dashboard; no steps left")
    assert len(lines) == 1 + 5 + 5 + sum("still waiting" in line for line in lines)

    written = everything_written(tmp_path)
    assert HUB_SECRET not in written and SF_SECRET not in written


def run_while_a_person_clicks(
    runner: Runner, step: dict[str, Any], env: dict[str, str], box: Sandbox
) -> tuple[int, str]:
    """Runs an apply step that waits for the dashboard; once it says it is waiting, takes
    the steps (as a person following the job's log would) and lets it finish."""
    outputs = runner.tmp / "outputs.txt"
    outputs.write_text("")
    process = subprocess.Popen(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
        cwd=runner.work,
        env={**runner.env, "GITHUB_OUTPUT": str(outputs), **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    log: list[str] = []
    for line in process.stdout:
        log.append(line)
        if line.startswith("Waiting up to"):
            take_dashboard_steps(box, PROD_KEY)
    return process.wait(timeout=300), "".join(log)


def test_partial_failure_then_the_same_saved_plan_converges(
    cli: Any, cobalt_sandbox: Sandbox, tmp_path: Path, real_cobalt: None
) -> None:
    accounts = "\n".join(f'  "acct-{i}": {{name: "A {i}"}}' for i in range(30))
    events = "\n".join(f"  Ev {i}:\n    schema: {{n: {i}}}" for i in range(15))
    manifest = tmp_path / "cobalt.yaml"
    manifest.write_text(
        "version: 1\nenvironment: test\napps:\n  stripe: {enabled: true}\n"
        f"events:\n{events}\nlinked_accounts:\n{accounts}\n"
    )
    planfile = str(tmp_path / "plan.json")
    assert cli("plan", "-f", str(manifest), "--out", planfile).exit_code == 0

    cobalt_sandbox.faults(error_rate=0.5, drop_rate=0.2, seed=11)
    first = cli("apply", planfile, "--auto-approve", "--parallelism", "4")
    cobalt_sandbox.faults(error_rate=0.0, drop_rate=0.0)
    assert first.exit_code in (4, 6, 7), first.output

    cobalt_sandbox.dashboard_enable("stripe")
    again = cli("apply", planfile, "--auto-approve")
    assert again.exit_code == 0, again.output
    org = cobalt_sandbox.inspect()
    assert org["counts"] == {"events": 15, "linked_accounts": 30}
    assert org["duplicates"] == {"events": {}, "linked_accounts": {}}
    assert cli("plan", "-f", str(manifest), "--detailed-exitcode").exit_code == 0


def test_the_api_backend_on_real_cobalt_says_to_use_manual(
    cli: Any, cobalt_sandbox: Sandbox, tmp_path: Path, real_cobalt: None
) -> None:
    manifest = tmp_path / "cobalt.yaml"
    manifest.write_text(MANIFEST.format(environment="test"))
    result = cli("--app-settings", "api", "plan", "-f", str(manifest))
    assert result.exit_code == 4, result.output
    assert "--app-settings manual" in result.stderr
    assert "Traceback" not in result.stderr and HUB_SECRET not in result.output


def test_undeclared_values_are_never_guessed_and_plans_are_stable(
    cli: Any, cobalt_sandbox: Sandbox, tmp_path: Path, real_cobalt: None
) -> None:
    manifest = tmp_path / "cobalt.yaml"
    manifest.write_text(MANIFEST.format(environment="test"))
    assert cli("apply", "-f", str(manifest), "--auto-approve").exit_code == 7
    take_dashboard_steps(cobalt_sandbox, TEST_KEY)
    # Someone else's own client on an app the manifest does not declare, and a pruned kind:
    cobalt_sandbox.dashboard_enable("slack")
    cobalt_sandbox.dashboard_set_oauth("slack", "someone-elses-client", "x-secret-x", [])
    manifest.write_text(
        MANIFEST.format(environment="test") + "prune: [apps, oauth_credentials]\n"
    )
    first = cli("plan", "-f", str(manifest))
    second = cli("plan", "-f", str(manifest))
    assert first.stdout == second.stdout
    # slack is enabled but undeclared: pruning it is a dashboard step; its OAuth client,
    # whose owner cannot be told on Cobalt, is never planned for deletion.
    assert "Apps → Slack (sandbox dashboard: #apps): disable the app" in first.stdout
    assert "oauth_credentials/slack" not in first.stdout.split("Notes:")[0]
    assert "null →" not in first.stdout
