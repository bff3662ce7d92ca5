"""Writes `requirements/action.txt`: every runtime dependency of cobalt-sync (pyproject.toml's
`dependencies` and what they need) pinned to one version with the hashes of all its files.
The GitHub Action installs exactly these with `--require-hashes --no-deps`, so a pinned Action
never resolves afresh: a new release of a dependency cannot change what `@vX.Y.Z` runs.

    python scripts/action_constraints.py             # refresh the file (keeps existing pins)
    python scripts/action_constraints.py --upgrade   # move every pin to the newest release
    python scripts/action_constraints.py --check     # exit 1 if the file is not current
    python scripts/action_constraints.py --output dist/constraints.txt   # a copy elsewhere

Needs `uv` (`pip install uv`) and the package index; pins for Python 3.11 and later on every
platform (`--universal`), so one file serves every runner.
"""

from __future__ import annotations

import argparse
import difflib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONSTRAINTS = ROOT / "requirements" / "action.txt"
COMMAND = "python scripts/action_constraints.py"
LOWEST_PYTHON = "3.11"  # pyproject's requires-python


def uv_binary() -> str:
    """uv on PATH, else the one `pip install uv` put beside this Python."""
    found = shutil.which("uv") or shutil.which("uv", path=str(Path(sys.executable).parent))
    if found is None:
        sys.exit("scripts/action_constraints.py needs uv: pip install uv")
    return found


def compile_to(output: Path, upgrade: bool) -> None:
    """`uv pip compile` into `output`; pins already in `output` are kept unless `upgrade`
    (uv reads them as preferences), so a refresh changes only what pyproject.toml changed."""
    command = [
        uv_binary(),
        "pip",
        "compile",
        str(ROOT / "pyproject.toml"),
        "--generate-hashes",
        "--universal",
        "--python-version",
        LOWEST_PYTHON,
        "--custom-compile-command",
        COMMAND,
        "--quiet",
        "--output-file",
        str(output),
    ]
    if upgrade:
        command.append("--upgrade")
    # Run from the root: the file names pyproject.toml by a relative path ("via cobalt-sync").
    subprocess.run(command, check=True, cwd=ROOT)


def check() -> int:
    with tempfile.TemporaryDirectory() as scratch:
        fresh = Path(scratch) / "action.txt"
        shutil.copyfile(CONSTRAINTS, fresh)
        compile_to(fresh, upgrade=False)
        old, new = CONSTRAINTS.read_text(), fresh.read_text()
    if old == new:
        print(f"{CONSTRAINTS.relative_to(ROOT)} is current")
        return 0
    sys.stdout.writelines(
        difflib.unified_diff(old.splitlines(True), new.splitlines(True), "committed", "fresh")
    )
    print(f"{CONSTRAINTS.relative_to(ROOT)} is stale: run {COMMAND}", file=sys.stderr)
    return 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is stale")
    parser.add_argument("--upgrade", action="store_true", help="newest version of everything")
    parser.add_argument("--output", type=Path, help="also copy the result to this path")
    args = parser.parse_args(argv)
    if args.check:
        return check()
    compile_to(CONSTRAINTS, upgrade=args.upgrade)
    if args.output is not None:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(CONSTRAINTS, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
