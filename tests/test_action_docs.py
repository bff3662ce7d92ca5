"""The README's table of the Action's inputs and outputs is the one scripts/action_docs.py
generates from action.yml: an input added, renamed or re-described without it fails here."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import yaml

ROOT = Path(__file__).parents[1]


def action_docs() -> ModuleType:
    spec = importlib.util.spec_from_file_location("action_docs", ROOT / "scripts/action_docs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_readme_table_is_generated_from_action_yml() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "action_docs.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_input_and_output_has_its_row() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    for name in [*action["inputs"], *action["outputs"]]:
        assert f"| `{name}` |" in readme, name


def test_a_changed_description_makes_the_table_stale() -> None:
    docs = action_docs()
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert docs.with_reference(readme, action) == readme
    action["inputs"]["args"]["description"] = "Extra | arguments\nover two lines."
    changed = docs.with_reference(readme, action)
    assert "| `args` | (empty) | Extra \\| arguments over two lines. |" in changed
