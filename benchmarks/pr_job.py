"""Scenario `pr_plan_job` (issue 21): what the GitHub Action runs in a pull request's job,
measured end to end. The Action's own `run:` scripts, read from action.yml, run one after
the other as a runner runs them (bash -e, GITHUB_OUTPUT/ENV/PATH files, a fresh RUNNER_TEMP):
Check inputs, Find the pinned release, Install cobalt-sync (a fresh venv, the dependencies
by hash from requirements/action.txt, the wheel of this checkout) and Plan
(`plan --format markdown --detailed-exitcode --out` of examples/cobalt.yaml against the
sandbox at 50 ms latency). The comment and the artifact upload talk to GitHub: not measured.

The floor: installing the same pinned dependencies alone (`uv venv` + the one
`uv pip install --require-hashes` of requirements/action.txt) from the same warm cache, plus
scenario 1's plan floor for this manifest (network bound + imports + C parse).

Warming the cache needs the package index once (uv downloads the pinned wheels into a cache
under the scratch directory, and builds this checkout's wheel): this scenario is run only
when named, `python benchmarks/run.py --only pr_plan_job`, so the default run stays offline.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from harness import (
    IMPORT_FLOOR_CODE,
    Floor,
    SandboxProcess,
    c_parse_floor,
    cli_env,
    import_floor,
    sandbox,
)

ROOT = Path(__file__).resolve().parent.parent
LATENCY_MS = 50
PLAN_PARALLELISM = 8
REPEATS = 3
TARGET = 1.5
# The Action's steps a pull request's job runs before the comment, in order.
STEPS = ("Check inputs", "Find the pinned release", "Install cobalt-sync", "Plan")
# The example manifest's ${VARS} (values are the sandbox's; nothing real).
MANIFEST_VARIABLES = {
    "SLACK_CLIENT_SECRET": "bench-slack-secret",
    "HUBSPOT_CLIENT_SECRET": "bench-hubspot-secret",
}


@dataclass(frozen=True)
class StepRun:
    name: str
    exit_code: int
    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    log: str
    outputs: dict[str, str]


def uv_binary() -> str:
    found = shutil.which("uv") or shutil.which("uv", path=str(Path(sys.executable).parent))
    if found is None:
        raise RuntimeError("pr_plan_job needs uv: pip install uv")
    return found


def timed(
    command: list[str], env: dict[str, str], cwd: Path
) -> tuple[int, float, float, float, str]:
    """Runs a command; its exit code, wall, CPU (with its children's, from wait4), peak RSS
    of the largest process in its tree, and its output."""
    log = cwd / ".step.log"
    with log.open("wb") as out:
        started = time.perf_counter()
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    text = log.read_text(errors="replace")
    log.unlink()
    cpu = usage.ru_utime + usage.ru_stime
    return process.returncode, wall, cpu, usage.ru_maxrss / 1024, text


class Runner:
    """A GitHub runner's view of one job: a fresh RUNNER_TEMP, the files a step writes to
    ($GITHUB_OUTPUT, $GITHUB_ENV, $GITHUB_PATH) applied to the steps after it."""

    def __init__(self, root: Path, temp: Path, repo: Path, env: dict[str, str]) -> None:
        self.temp = temp
        self.temp.mkdir(parents=True)
        self.repo = repo
        self.files = {name: root / name for name in ("output", "env", "path", "summary")}
        for path in self.files.values():
            path.write_text("")
        self.job_env = dict(env)
        self.outputs: dict[str, dict[str, str]] = {}

    def run(self, step: dict[str, Any], inputs: dict[str, str]) -> StepRun:
        self.files["output"].write_text("")
        env = {
            **self.job_env,
            **{k: expand(v, inputs, self.outputs) for k, v in step.get("env", {}).items()},
            "RUNNER_TEMP": str(self.temp),
            "GITHUB_OUTPUT": str(self.files["output"]),
            "GITHUB_ENV": str(self.files["env"]),
            "GITHUB_PATH": str(self.files["path"]),
            "GITHUB_STEP_SUMMARY": str(self.files["summary"]),
        }
        added = [line for line in self.files["path"].read_text().splitlines() if line]
        env["PATH"] = os.pathsep.join([*reversed(added), self.job_env["PATH"]])
        command = ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]]
        code, wall, cpu, rss, log = timed(command, env, self.repo)
        outputs = read_pairs(self.files["output"])
        self.outputs[step.get("id", step["name"])] = outputs
        self.job_env.update(read_pairs(self.files["env"]))
        return StepRun(step["name"], code, wall, cpu, rss, log, outputs)


def read_pairs(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)


# What a pull request's run gives the `github` context, for the expressions the steps use.
GITHUB_CONTEXT = {
    "github.server_url": "https://github.com",
    "github.repository": "acme/cobalt-config",
    "github.event.pull_request.head.sha || github.sha": "0" * 40,
}


def expand(value: Any, inputs: dict[str, str], outputs: dict[str, dict[str, str]]) -> str:
    """The `${{ … }}` expressions of a step's env, as the runner fills them: inputs, step
    outputs, the action's path and the few `github` context values the steps use."""
    return re.sub(
        r"\$\{\{(.*?)\}\}", lambda m: evaluate(m.group(1).strip(), inputs, outputs), str(value)
    )


def evaluate(expression: str, inputs: dict[str, str], outputs: dict[str, dict[str, str]]) -> str:
    if expression.startswith("inputs."):
        return inputs[expression.removeprefix("inputs.")]
    if expression.startswith("steps."):
        step, _, output = expression.removeprefix("steps.").split(".", 2)
        return outputs.get(step, {}).get(output, "")
    if expression == "github.action_path":
        return str(ROOT)
    if expression in GITHUB_CONTEXT:
        return GITHUB_CONTEXT[expression]
    raise ValueError(f"pr_plan_job cannot evaluate ${{{{ {expression} }}}}")


def action_inputs(action: dict[str, Any]) -> dict[str, str]:
    """The Action's defaults, as a pull request's `with: {environment: test}` leaves them."""
    inputs = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()}
    with_ = {"manifest": "examples/cobalt.yaml", "environment": "test", "python-version": ""}
    return {**inputs, **with_}


def job_env(box: SandboxProcess, cache: Path, wheels: Path) -> dict[str, str]:
    """The job's environment; `cache` is the warm cache the Action's actions/cache step
    restores (uv's downloads under uv/, the bytecode under pycache/)."""
    env = cli_env(box.url, COBALT_MAX_RPS="0", **MANIFEST_VARIABLES)
    # The api-url input carries the URL, as a workflow would: the job starts without it.
    env.pop("COBALT_API_URL")
    env.update(
        {
            # The warm cache (actions/cache restored it on a runner) and the wheel of this
            # checkout standing in for the package index's copy of the release.
            "UV_CACHE_DIR": str(cache / "uv"),
            "BENCH_CACHE": str(cache),
            "UV_FIND_LINKS": str(wheels),
            "UV_OFFLINE": "1",
            "RUNNER_OS": "Linux",
        }
    )
    return env


def run_job(
    action: dict[str, Any], inputs: dict[str, str], env: dict[str, str], root: Path
) -> list[StepRun]:
    """One pull request's job in a scratch directory: a checkout of the example, a fresh
    RUNNER_TEMP (so a fresh venv) at the same path for every job, as a hosted runner's
    is, the Action's steps in order."""
    repo = root / "repo"
    shutil.copytree(ROOT / "examples", repo / "examples")
    temp = root.parent / "runner-temp"
    if temp.exists():
        shutil.rmtree(temp)
    runner = Runner(root, temp, repo, env)
    steps = {step.get("name"): step for step in action["runs"]["steps"]}
    runs = []
    for name in STEPS:
        done = runner.run(steps[name], inputs)
        runs.append(done)
        if done.exit_code != 0:
            break
        if "cache-dir" in done.outputs:
            # What actions/cache restores there on a runner (untimed): the warm cache.
            Path(done.outputs["cache-dir"]).symlink_to(env["BENCH_CACHE"])
    return runs


def install_floor(uv: str, env: dict[str, str], root: Path, repeats: int) -> tuple[Floor, Floor]:
    """`uv venv` + the pinned dependencies alone, from the same cache, best of `repeats`;
    and, for information, the import floor's first run in that fresh venv (every module
    compiled to bytecode on the way, as a fresh venv's first plan compiles its own)."""
    requirements = ROOT / "requirements" / "action.txt"
    root.mkdir(parents=True, exist_ok=True)
    samples, fresh = [], []
    for i in range(repeats):
        venv = root / f"floor-venv-{i}"
        script = (
            f'"{uv}" venv --quiet --python "$(command -v python3)" "{venv}" && '
            f'"{uv}" pip install --quiet --python "{venv}/bin/python" --no-deps '
            f'--require-hashes --only-binary :all: -r "{requirements}"'
        )
        code, wall, cpu, _, log = timed(["bash", "-c", script], env, root)
        if code != 0:
            raise RuntimeError(f"the install floor failed:\n{log}")
        samples.append(Floor(wall, cpu))
        code, wall, cpu, _, log = timed([f"{venv}/bin/python", "-c", IMPORT_FLOOR_CODE], env, root)
        if code != 0:
            raise RuntimeError(f"the fresh import floor failed:\n{log}")
        fresh.append(Floor(wall, cpu))
    return Floor.best(samples), Floor.best(fresh)


def prepare(workdir: Path) -> tuple[str, Path, Path]:
    """uv, a cache dir and this checkout's wheel (built once; the cache is warmed by the
    first, untimed, job)."""
    uv = uv_binary()
    wheels = workdir / "pr-job-wheels"
    subprocess.run(
        [uv, "build", "--wheel", "--quiet", "--out-dir", str(wheels), str(ROOT)],
        check=True,
        capture_output=True,
    )
    return uv, workdir / "pr-job-cache", wheels


def pr_plan_job(ctx: Any) -> dict[str, Any]:
    workdir: Path = ctx.workdir
    uv, cache, wheels = prepare(workdir)
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    inputs = action_inputs(action)
    with sandbox(workdir, ["--latency-ms", str(LATENCY_MS)]) as box:
        inputs["api-url"] = box.url
        env = job_env(box, cache, wheels)
        # Warm the cache: the pinned wheels from the index (the only step allowed it),
        # then one whole job, untimed, which leaves its bytecode in the cache too.
        online = {k: v for k, v in env.items() if k != "UV_OFFLINE"}
        install_floor(uv, online, workdir / "pr-job-warm-floor", 1)
        warm = run_job(action, inputs, env, workdir / "pr-job-warm")
        if len(warm) != len(STEPS) or warm[-1].exit_code != 0:
            raise RuntimeError(f"pr_plan_job's warm-up job failed:\n{warm[-1].log[-3000:]}")
        jobs, floors, installs, fresh = [], [], [], []
        for i in range(REPEATS):
            floors.append(import_floor(workdir, repeats=1))
            install, fresh_import = install_floor(uv, env, workdir / f"pr-job-floor-{i}", 1)
            installs.append(install)
            fresh.append(fresh_import)
            box.reset_stats()
            jobs.append(run_job(action, inputs, env, workdir / f"pr-job-{i}"))
            stats = box.stats()
    best = Floor.best
    return figures(jobs, stats, best(floors), best(installs), best(fresh))


def figures(
    jobs: list[list[StepRun]],
    stats: dict[str, Any],
    imports: Floor,
    install: Floor,
    fresh_imports: Floor,
) -> dict[str, Any]:
    walls = [sum(step.wall_s for step in job) for job in jobs]
    best = jobs[walls.index(min(walls))]
    plan = best[-1]
    requests = int(stats.get("requests_total", 0))
    # Scenario 1's plan floor for this manifest: its reads at the plan's parallelism (the
    # sandbox's count; this small org has nothing to page), the imports, the C parse.
    bound = -(-requests // PLAN_PARALLELISM) * LATENCY_MS / 1000
    parse = c_parse_floor(ROOT / "examples" / "cobalt.yaml")
    floor = install.wall_s + bound + imports.wall_s + parse.wall_s
    wall = min(walls)
    code = int(plan.outputs.get("exitcode", plan.exit_code))
    outputs_ok = all(step.exit_code == 0 for step in best)
    cpu = sum(step.cpu_s for step in best)
    cpu_floor = install.cpu_s + imports.cpu_s + parse.cpu_s
    targets = {
        f"wall_within_{TARGET:g}x_floor": wall / floor <= TARGET,
        "every_step_succeeded": outputs_ok and len(best) == len(STEPS),
        # An empty org: the example's apps, events and accounts are all to create.
        "plan_shows_changes": code == 2 and plan.outputs.get("has-changes") == "true",
    }
    return {
        "name": "pr_plan_job",
        "meets_target": all(targets.values()),
        "targets": targets,
        "wall_s": round(wall, 3),
        "wall_s_runs": [round(w, 3) for w in walls],
        "steps_s": {step.name: round(step.wall_s, 3) for step in best},
        "steps_cpu_s": {step.name: round(step.cpu_s, 3) for step in best},
        "requests": requests,
        "requests_needed": requests,
        "lower_bound_s": round(bound, 3),
        "ratio": round(wall / bound, 2) if bound else None,
        "target_ratio": TARGET,
        "floor_s": round(floor, 3),
        "ratio_to_floor": round(wall / floor, 2),
        "floor_parts": {
            "install_floor_s": round(install.wall_s, 3),
            "network_bound_s": round(bound, 3),
            "import_floor_s": round(imports.wall_s, 3),
            "c_parse_floor_s": round(parse.wall_s, 3),
        },
        "fresh_venv_import_s": round(fresh_imports.wall_s, 3),
        "fresh_venv_import_cpu_s": round(fresh_imports.cpu_s, 3),
        "cpu_floor_s": round(cpu_floor, 3),
        "cpu_ratio_to_floor": round(cpu / cpu_floor, 2) if cpu_floor else None,
        "peak_rss_mb": round(max(step.peak_rss_mb for step in best), 1),
        "cpu_s": round(cpu, 3),
        "exit_code": code,
        "command": "the Action's steps: " + ", ".join(STEPS),
        "sandbox": {"by_route": stats.get("by_route", {}), "by_status": stats.get("by_status", {})},
        "notes": [
            "wall_s = the Action's Check inputs + Find the pinned release + Install "
            "cobalt-sync + Plan steps of one pull request's job (best of "
            f"{len(jobs)} jobs, each in a fresh RUNNER_TEMP: a fresh venv), its run: "
            "scripts read from action.yml and run with bash as a runner runs them",
            "the install takes requirements/action.txt by hash and this checkout's wheel "
            "(standing in for the package index's copy) from a warm uv cache, offline "
            "(UV_OFFLINE=1), as actions/cache restores it on a runner",
            f"floor_s = installing the same pinned dependencies alone from the same cache "
            f"(uv venv + uv pip install --require-hashes) {install.wall_s:.3f}s + scenario "
            f"1's plan floor for examples/cobalt.yaml: network bound {bound:.3f}s "
            f"(ceil({requests} requests / {PLAN_PARALLELISM}) x {LATENCY_MS} ms; the "
            f"sandbox's count) + imports {imports.wall_s:.3f}s + C parse {parse.wall_s:.3f}s",
            "COBALT_MAX_RPS=0: the sandbox has no rate limit, as in scenarios 1 and 2",
            f"not in the floor, for information: the same imports' first run in the floor's "
            f"fresh venv take {fresh_imports.wall_s:.3f}s ({fresh_imports.cpu_s:.3f}s CPU) "
            f"against {imports.wall_s:.3f}s ({imports.cpu_s:.3f}s CPU) warm: a fresh venv "
            "compiles every module it imports to bytecode once, and so does the job's plan",
        ],
    }
