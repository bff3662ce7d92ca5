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
    for name in ("README.md", "examples/github/cobalt-sync.yml", ".pre-commit-hooks.yaml"):
        text = (ROOT / name).read_text(encoding="utf-8")
        assert TAG in text, f"{name} does not name the release tag {TAG}"
        for line in text.splitlines():
            for word in line.replace("@", " ").replace("`", " ").split():
                if word.startswith("v") and word[1:2].isdigit() and word.count(".") == 2:
                    assert word.rstrip(".,;)") == TAG, f"{name}: another release tag: {line}"


def release_workflow() -> dict[str, Any]:
    workflow: dict[str, Any] = yaml.safe_load(
        (ROOT / ".github" / "workflows" / "release.yml").read_text(encoding="utf-8")
    )
    return workflow


def runs(job: dict[str, Any]) -> str:
    return "\n".join(step.get("run", "") for step in job["steps"])


def uses(job: dict[str, Any]) -> list[str]:
    return [step["uses"] for step in job["steps"] if "uses" in step]


def test_the_release_checks_the_tag_then_tests_and_builds() -> None:
    workflow = release_workflow()
    assert workflow[True] == {"push": {"tags": ["v*"]}}  # PyYAML reads `on:` as True
    jobs = workflow["jobs"]
    assert '"$TAG" != "v$version"' in runs(jobs["version"])
    assert jobs["test"]["needs"] == jobs["build"]["needs"] == "version"
    assert "bash .ci/run" in runs(jobs["test"])  # the same CI as every change
    build = runs(jobs["build"])
    for command in (
        "python3 -m build",
        "twine check --strict dist/*",
        "scripts/action_constraints.py --check",  # the Action's pins are current
        "--require-hashes",  # the wheel installs as the Action installs it
        'cobalt-sync" --version',
        "validate",
    ):
        assert command in build, command


def test_the_release_ships_its_files_and_publishes_without_a_token() -> None:
    jobs = release_workflow()["jobs"]
    build = runs(jobs["build"])
    # Attached to the GitHub Release: wheel and sdist, the pinned requirements, the schemas.
    for copied in ("cp dist/* assets/", "requirements/action.txt", "cp schemas/*.json assets/"):
        assert copied in build, copied
    assert "sha256sum" in build
    publish = jobs["publish"]
    assert set(publish["needs"]) == {"build", "test"}
    assert publish["permissions"] == {"id-token": "write"}  # trusted publishing
    [publisher] = [s for s in publish["steps"] if "pypi-publish" in s.get("uses", "")]
    assert "with" not in publisher  # no password, no token
    release = jobs["github-release"]
    assert "publish" in release["needs"] and release["permissions"] == {"contents": "write"}
    assert 'gh release create "$TAG" assets/*' in runs(release)


def test_the_major_tag_moves_last() -> None:
    jobs = release_workflow()["jobs"]
    # The Action installs its release's wheel from PyPI: `@v0` may move only once it is there.
    assert jobs["move-major-tag"]["needs"] == "github-release"
    assert 'git push --force origin "refs/tags/$major"' in runs(jobs["move-major-tag"])


def test_releasing_md_names_the_steps_the_workflow_takes() -> None:
    text = (ROOT / "RELEASING.md").read_text(encoding="utf-8")
    for needed in ("pyproject.toml", "scripts/action_constraints.py", "git tag", "v0", "pypi"):
        assert needed in text, needed
