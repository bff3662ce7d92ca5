"""One version, single-sourced: pyproject.toml → `cobalt_sync.__version__` → `--version`, and
the release tag the README, the example workflow and the pre-commit hook name is that version's.
The release workflow builds from a `v*` tag that must name the same version."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import yaml

import cobalt_sync

ROOT = Path(__file__).parents[1]
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
TAG = f"v{VERSION}"


def test_the_package_and_the_command_report_the_pyproject_version(cli: Any) -> None:
    assert cobalt_sync.__version__ == VERSION
    result = cli("--version")
    assert result.exit_code == 0 and result.stdout == f"cobalt-sync, version {VERSION}\n"


def test_readme_example_workflow_and_hook_name_the_same_release_tag() -> None:
    for name in ("README.md", "examples/github/cobalt.yml", ".pre-commit-hooks.yaml"):
        text = (ROOT / name).read_text(encoding="utf-8")
        assert TAG in text, f"{name} does not name the release tag {TAG}"
        for line in text.splitlines():
            for word in line.replace("@", " ").replace("`", " ").split():
                if word.startswith("v") and word[1:2].isdigit() and word.count(".") == 2:
                    assert word.rstrip(".,;)") == TAG, f"{name}: another release tag: {line}"


def test_the_release_workflow_builds_checks_publishes_and_moves_the_major_tag() -> None:
    text = (ROOT / ".github" / "workflows" / "release.yml").read_text(encoding="utf-8")
    workflow = yaml.safe_load(text)
    trigger = workflow[True]  # PyYAML reads the bare `on:` key as True
    assert trigger == {"push": {"tags": ["v*"]}}
    jobs = workflow["jobs"]
    build = "\n".join(step.get("run", "") for step in jobs["build"]["steps"])
    assert "python3 -m build" in build and "--version" in build and "validate" in build
    assert jobs["publish"]["permissions"] == {"id-token": "write"}  # trusted publishing
    assert any("pypi-publish" in step.get("uses", "") for step in jobs["publish"]["steps"])
    assert "git push --force origin" in str(jobs["move-major-tag"]["steps"])
