"""requirements/action.txt, what the Action installs with `--require-hashes --no-deps`, kept
current with pyproject.toml offline: every dependency pinned to one version that pyproject
allows, with hashes, and every requirement of a pinned package pinned too (checked against
the installed distributions of the same versions). `scripts/action_constraints.py --check`
regenerates it with uv against the package index (the release workflow runs it)."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).parents[1]
REQUIREMENTS = ROOT / "requirements" / "action.txt"
PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^\s;\\]+)(?:\s*;\s*([^\\]+?))?\s*\\?$")
HASH = re.compile(r"^\s+--hash=sha256:[0-9a-f]{64}")


def pinned() -> dict[str, tuple[str, int]]:
    """name → (version, number of hashes) from the requirements file."""
    pins: dict[str, tuple[str, int]] = {}
    current = ""
    for line in REQUIREMENTS.read_text(encoding="utf-8").splitlines():
        if match := PIN.match(line):
            current = canonicalize_name(match.group(1))
            assert current not in pins, f"{current} pinned twice"
            pins[current] = (match.group(2), 0)
        elif HASH.match(line):
            version, hashes = pins[current]
            pins[current] = (version, hashes + 1)
        else:
            assert not line.strip() or line.lstrip().startswith("#"), f"unexpected line: {line}"
    return pins


def declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [Requirement(text) for text in project["dependencies"]]


def test_the_file_says_how_it_is_made() -> None:
    text = REQUIREMENTS.read_text(encoding="utf-8")
    assert "python scripts/action_constraints.py" in text.splitlines()[1]


def test_every_pin_has_hashes() -> None:
    for name, (_, hashes) in pinned().items():
        assert hashes >= 1, f"{name} has no --hash: --require-hashes would refuse the file"


def test_every_dependency_of_pyproject_is_pinned_within_its_range() -> None:
    pins = pinned()
    for requirement in declared():
        name = canonicalize_name(requirement.name)
        assert name in pins, (
            f"{name} is in pyproject.toml but not in requirements/action.txt: "
            "run python scripts/action_constraints.py"
        )
        version = pins[name][0]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"{name}=={version} is outside pyproject's {requirement.specifier}: "
            "run python scripts/action_constraints.py"
        )


def test_what_the_pinned_packages_need_is_pinned_too() -> None:
    """`--no-deps` installs nothing unlisted: a pin whose requirements are missing would
    give a broken install. Checked for the pins installed here at the same version."""
    pins = pinned()
    environment = {**default_environment(), "extra": ""}
    checked = 0
    for name, (version, _) in pins.items():
        try:
            installed = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        if installed.version != version:
            continue
        checked += 1
        for text in installed.requires or []:
            needed = Requirement(text)
            if needed.marker is not None and not needed.marker.evaluate(environment):
                continue
            assert canonicalize_name(needed.name) in pins, f"{name} needs {needed}, not pinned"
    if checked == 0:
        pytest.skip("none of the pinned versions is installed here")
