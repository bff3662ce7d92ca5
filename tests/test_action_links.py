"""The Action's pull-request comment links each change to the manifest line that causes it,
at the pull request's head commit: the Plan step's environment names that commit, and the
comment the sticky-comment step posts carries the links. Runs the Action's own scripts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.test_action import ACTION, Runner, load_yaml, run_comment_step, step_named

HEAD = "4f1c9e0d2b7a"
MANIFEST = """\
version: 1
environment: test
apps:
  freshdesk: {enabled: true}
events:
  Invoice Paid:
    schema: {amount: 10, currency: EUR}
"""


@pytest.fixture(scope="module")
def action() -> dict[str, Any]:
    document: dict[str, Any] = load_yaml(ACTION)
    return document


def test_the_plan_step_links_lines_at_the_pull_requests_head(action: dict[str, Any]) -> None:
    env = step_named(action, "Plan")["env"]
    assert env["COBALT_LINK_BASE"] == (
        "${{ github.server_url }}/${{ github.repository }}/blob/"
        "${{ github.event.pull_request.head.sha || github.sha }}"
    )


def test_the_comment_links_each_change_to_its_line(
    action: dict[str, Any], tmp_path: Path, cli_env: dict[str, str]
) -> None:
    runner = Runner(tmp_path, cli_env)
    (runner.work / ".git").mkdir()  # a checkout: lines are named from the repository's root
    folder = runner.work / "environments" / "test"
    folder.mkdir(parents=True)
    (folder / "cobalt.yaml").write_text(MANIFEST)
    # What GitHub makes of the step's `env:` on a pull request event.
    base = f"https://github.com/acme/cobalt-config/blob/{HEAD}"
    code, outputs, plan_log = runner.run(
        step_named(action, "Plan"),
        MANIFEST="environments/test/cobalt.yaml",
        PLAN_FILE="cobalt-plan.json",
        EXTRA_ARGS="",
        COBALT_LINK_BASE=base,
    )
    assert code == 0 and outputs["exitcode"] == "2", plan_log

    code, log, files = run_comment_step(action, runner, [], default_key="cobalt.yaml")
    assert code == 0, log
    body: str = json.loads(files["payload.json"].read_text())["body"]
    app, event = 4, 6
    assert (
        f"[environments/test/cobalt.yaml:{app}]({base}/environments/test/cobalt.yaml#L{app})"
        in body
    )
    assert f"({base}/environments/test/cobalt.yaml#L{event})" in body
    # The job's log (the Markdown plan) names the same lines.
    assert f"environments/test/cobalt.yaml:{app}" in plan_log
