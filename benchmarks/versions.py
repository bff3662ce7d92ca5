"""Compare git revisions of cobalt-sync on the plan scenarios, interleaved, in one run.

    python benchmarks/versions.py f6d9242 HEAD                      # 3 rounds, scenarios 1 and 2
    python benchmarks/versions.py f6d9242 7b63137 HEAD --rounds 5 --only small_manifest_huge_org

Each revision's `cobalt_sync/` is extracted (`git archive`) into a scratch directory, and
`benchmarks/run.py` (this checkout's) runs once per revision per round with that package
first on PYTHONPATH, in the order A, B, …, A, B, …: on a shared machine, load drifts during a
run, and interleaving spreads it over every revision alike. Prints one JSON document: for
each revision and scenario, every round's wall_s, cpu_s, floor_s, ratio_to_floor,
cpu_ratio_to_floor and requests, with the min and median; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FIGURES = ("wall_s", "cpu_s", "floor_s", "ratio_to_floor", "cpu_ratio_to_floor", "requests")
DEFAULT_SCENARIOS = "small_manifest_huge_org,large_manifest_no_changes"


def extract(revision: str, into: Path) -> Path:
    """`cobalt_sync/` as of `revision`, under `into/<short sha>/`."""
    sha = git("rev-parse", "--short", revision).strip()
    target = into / sha
    archive = subprocess.run(
        ["git", "archive", "--format=tar", sha, "cobalt_sync"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    return target


def git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True)
    return done.stdout


def run_once(package_root: Path, only: str) -> list[dict[str, Any]]:
    env = {**os.environ, "PYTHONPATH": str(package_root)}
    completed = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--only", only],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    scenarios: list[dict[str, Any]] = json.loads(completed.stdout)["scenarios"]
    return scenarios


def summary(values: list[float]) -> dict[str, float]:
    return {"min": min(values), "median": round(statistics.median(values), 3)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("revisions", nargs="+", help="git revisions (sha, tag, HEAD…)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", default=DEFAULT_SCENARIOS, help="scenarios, as run.py takes")
    args = parser.parse_args(argv)
    scratch = Path(tempfile.mkdtemp(prefix="cobalt-versions-"))
    roots = {revision: extract(revision, scratch) for revision in args.revisions}
    rounds: dict[str, dict[str, list[dict[str, Any]]]] = {r: {} for r in args.revisions}
    for number in range(1, args.rounds + 1):
        for revision, root in roots.items():
            print(f"[versions] round {number}: {revision}", file=sys.stderr, flush=True)
            for scenario in run_once(root, args.only):
                figures = {name: scenario.get(name) for name in FIGURES}
                rounds[revision].setdefault(scenario["name"], []).append(figures)
    document = {
        "command": " ".join(["python", "benchmarks/versions.py", *sys.argv[1:]]),
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "revisions": {
            revision: {
                "sha": root.name,
                "scenarios": {
                    name: {
                        "rounds": runs,
                        **{
                            f: summary([float(run[f]) for run in runs if run[f] is not None])
                            for f in ("wall_s", "cpu_s", "ratio_to_floor", "cpu_ratio_to_floor")
                        },
                    }
                    for name, runs in rounds[revision].items()
                },
            }
            for revision, root in roots.items()
        },
    }
    print(json.dumps(document, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
