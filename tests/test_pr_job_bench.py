"""benchmarks/pr_job.py (scenario `pr_plan_job`) without running it (it needs the package
index once to warm its cache): it runs the Action's real steps, so every expression those
steps' env uses must be one it can fill, and the default benchmark run leaves it out."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import pr_job  # noqa: E402
import run  # noqa: E402
import scenarios  # noqa: E402


@pytest.fixture(scope="module")
def action() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((ROOT / "action.yml").read_text())
    return document


def test_the_job_runs_the_action_s_steps_and_fills_their_env(action: dict[str, Any]) -> None:
    steps = {step.get("name"): step for step in action["runs"]["steps"]}
    inputs = pr_job.action_inputs(action)
    outputs = {"pinned": {"version": "0.2.0", "uv-cache": "/c/uv", "pycache": "/c/pycache"}}
    for name in pr_job.STEPS:
        assert "run" in steps[name], name  # a script the benchmark can run, not a `uses:`
        for value in steps[name].get("env", {}).values():
            pr_job.expand(value, inputs, outputs)  # raises on a form it cannot evaluate
    env = steps["Install cobalt-sync"]["env"]
    assert pr_job.expand(env["UV_CACHE_DIR"], inputs, outputs) == "/c/uv"
    assert pr_job.expand(env["ACTION_PATH"], inputs, outputs) == str(ROOT)
    assert inputs["manifest"] == "examples/cobalt.yaml" and inputs["environment"] == "test"


def test_the_default_run_leaves_the_networked_scenario_out() -> None:
    assert "pr_plan_job" in scenarios.SCENARIOS and "pr_plan_job" in scenarios.OPT_IN
    args = run.parse_args(["--only", "pr_plan_job"])
    assert args.only == "pr_plan_job"
