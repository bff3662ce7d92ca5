"""scripts/action/drift-issue.sh, the Action's drift report, run as the Action's "Report drift"
step runs it, against a stand-in `gh` that keeps issues and labels in a JSON file the way
GitHub would (list with --jq applied by the real jq, create, edit, close). A scheduled
plan's exit code and Markdown decide: drift opens or updates one issue per environment, a
clean run closes it, anything else leaves it alone."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).parents[1]
SCRIPT = ROOT / "scripts" / "action" / "drift-issue.sh"
RUN_URL = "https://github.com/acme/cobalt-config/actions/runs/99"

FAKE_GH = """#!{python}
# Stands in for the GitHub CLI's issue and label commands, with state in $FAKE_GH_STATE.
import json, os, pathlib, subprocess, sys
state_path = pathlib.Path(os.environ["FAKE_GH_STATE"])
state = json.loads(state_path.read_text())
args = sys.argv[1:]
state["calls"].append(args)
def option(name):
    return args[args.index(name) + 1] if name in args else None
noun, verb = args[0], args[1]
if (noun, verb) == ("issue", "list"):
    label, wanted = option("--label"), option("--state")
    found = [i for i in state["issues"] if label in i["labels"] and i["state"] == wanted]
    answer = json.dumps([{{"number": i["number"], "body": i["body"]}} for i in found])
    jq = option("--jq")
    if jq:
        answer = subprocess.run(["jq", "-r", jq], input=answer, text=True,
                                capture_output=True, check=True).stdout
    print(answer)
elif (noun, verb) == ("label", "create"):
    state["labels"][args[2]] = option("--description")
elif (noun, verb) == ("issue", "create"):
    if option("--label") not in state["labels"]:
        sys.exit("could not add label: not found")
    number = len(state["issues"]) + 1
    state["issues"].append({{"number": number, "title": option("--title"), "state": "open",
        "labels": [option("--label")], "body": pathlib.Path(option("--body-file")).read_text(),
        "comments": []}})
    print(f"https://github.com/acme/cobalt-config/issues/{{number}}")
elif (noun, verb) in (("issue", "edit"), ("issue", "close")):
    issue = next(i for i in state["issues"] if i["number"] == int(args[2]))
    if verb == "edit":
        issue["body"] = pathlib.Path(option("--body-file")).read_text()
    else:
        issue["state"] = "closed"
        issue["comments"].append(option("--comment"))
else:
    sys.exit(f"unexpected gh call: {{args}}")
state_path.write_text(json.dumps(state))
"""


class FakeGitHub:
    """The repository's issues as the stand-in `gh` keeps them, and a way to run the script."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.state = tmp / "gh-state.json"
        self.state.write_text(json.dumps({"issues": [], "labels": {}, "calls": []}))
        (tmp / "bin").mkdir()
        gh = tmp / "bin" / "gh"
        gh.write_text(FAKE_GH.format(python=sys.executable))
        gh.chmod(0o755)

    def add_issue(self, body: str, labels: list[str], state: str = "open") -> None:
        data = self.read()
        number = len(data["issues"]) + 1
        issue = {"number": number, "title": "x", "state": state, "labels": labels}
        data["issues"].append({**issue, "body": body, "comments": []})
        self.state.write_text(json.dumps(data))

    def read(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.state.read_text())
        return data

    def issues(self) -> list[dict[str, Any]]:
        issues: list[dict[str, Any]] = self.read()["issues"]
        return issues

    def report(
        self, exitcode: int, plan: str = "", environment: str = "production"
    ) -> tuple[int, str, str]:
        """Runs the script for one scheduled plan; returns its exit code, log and outputs."""
        markdown = self.tmp / "plan.md"
        markdown.write_text(plan)
        outputs = self.tmp / "outputs.txt"
        outputs.write_text("")
        env = {
            "PATH": f"{self.tmp / 'bin'}{os.pathsep}{os.environ['PATH']}",
            "EXITCODE": str(exitcode),
            "PLAN_MARKDOWN": str(markdown),
            "DRIFT_KEY": f"./cobalt.yaml/{environment}",
            "DRIFT_ENVIRONMENT": environment,
            "MANIFEST": "cobalt.yaml",
            "DRIFT_LABEL": "cobalt-sync-drift",
            "RUN_URL": RUN_URL,
            "GITHUB_REPOSITORY": "acme/cobalt-config",
            "GITHUB_OUTPUT": str(outputs),
            "FAKE_GH_STATE": str(self.state),
        }
        result = subprocess.run(
            ["bash", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60
        )
        return result.returncode, result.stdout + result.stderr, outputs.read_text()


pytestmark = pytest.mark.skipif(shutil.which("jq") is None, reason="jq is not installed")

PLAN = "<!-- cobalt-sync-plan -->\n**Plan:** 1 to update\n- apps/slack: enabled false → true\n"


@pytest.fixture
def github(tmp_path: Path) -> FakeGitHub:
    return FakeGitHub(tmp_path)


def test_drift_opens_one_labelled_issue_with_the_plan_and_the_run(github: FakeGitHub) -> None:
    code, log, outputs = github.report(2, PLAN)
    assert code == 0, log
    [issue] = github.issues()
    assert issue["state"] == "open" and issue["labels"] == ["cobalt-sync-drift"]
    assert issue["title"] == "cobalt-sync drift: production (cobalt.yaml)"
    assert issue["body"].startswith("<!-- cobalt-sync-drift: ./cobalt.yaml/production -->\n")
    assert PLAN in issue["body"] and f"[this run]({RUN_URL})" in issue["body"]
    assert github.read()["labels"] == {
        "cobalt-sync-drift": "cobalt-sync: the live org differs from the manifest"
    }
    assert outputs == "issue=1\n" and "opened issue #1" in log


def test_drift_again_updates_the_same_issue(github: FakeGitHub) -> None:
    github.report(2, PLAN)
    later = PLAN.replace("1 to update", "2 to update")
    code, log, outputs = github.report(2, later)
    assert code == 0, log
    [issue] = github.issues()
    assert "2 to update" in issue["body"] and "1 to update" not in issue["body"]
    assert outputs == "issue=1\n" and "updated issue #1" in log


def test_a_clean_run_closes_the_issue_and_says_which_run(github: FakeGitHub) -> None:
    github.report(2, PLAN)
    code, log, outputs = github.report(0)
    assert code == 0, log
    [issue] = github.issues()
    assert issue["state"] == "closed"
    assert issue["comments"] == [
        f"No drift any more: [this run]({RUN_URL}) found the live org matching the manifest."
    ]
    assert outputs == ""
    # Drift after that opens a new issue: the closed one is history.
    github.report(2, PLAN)
    assert [i["state"] for i in github.issues()] == ["closed", "open"]


def test_a_clean_run_without_an_issue_changes_nothing(github: FakeGitHub) -> None:
    code, log, _ = github.report(0)
    assert code == 0 and "No drift, and no open drift issue." in log
    assert github.issues() == []
    assert [call[:2] for call in github.read()["calls"]] == [["issue", "list"]]


def test_each_environment_has_its_own_issue(github: FakeGitHub) -> None:
    github.report(2, PLAN, environment="test")
    github.report(2, PLAN, environment="production")
    github.report(0, environment="test")
    states = {i["title"]: i["state"] for i in github.issues()}
    assert states == {
        "cobalt-sync drift: test (cobalt.yaml)": "closed",
        "cobalt-sync drift: production (cobalt.yaml)": "open",
    }


def test_an_issue_with_the_label_but_another_marker_is_not_touched(github: FakeGitHub) -> None:
    github.add_issue("Someone's own note about drift", ["cobalt-sync-drift"])
    github.report(2, PLAN)
    github.report(0)
    first, ours = github.issues()
    assert first["state"] == "open" and first["body"] == "Someone's own note about drift"
    assert ours["state"] == "closed"


def test_a_failed_plan_says_nothing_is_known_and_leaves_the_issue(github: FakeGitHub) -> None:
    github.report(2, PLAN)
    code, log, _ = github.report(4)
    assert code == 1
    assert "the plan exited 4, so nothing is known about drift" in log
    [issue] = github.issues()
    assert issue["state"] == "open" and PLAN in issue["body"]


def test_the_action_runs_the_script_with_what_it_needs() -> None:
    import yaml

    action = yaml.safe_load((ROOT / "action.yml").read_text())
    step = next(s for s in action["runs"]["steps"] if s.get("name") == "Report drift")
    assert step["run"] == 'bash "$ACTION_PATH/scripts/action/drift-issue.sh"'
    for variable in ("EXITCODE", "PLAN_MARKDOWN", "DRIFT_KEY", "DRIFT_LABEL", "RUN_URL"):
        assert variable in step["env"]
    assert "inputs.drift-issue == 'true'" in step["if"]
