"""The golden-file check for the renderer tests.

Golden files live in tests/render/golden/. After an intended output change, regenerate them
with `UPDATE_GOLDEN=1 python -m pytest tests/render` and review the diff before committing.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(text, encoding="utf-8", newline="")
        return
    assert path.exists(), f"missing golden file {name}: run with UPDATE_GOLDEN=1"
    expected = path.read_text(encoding="utf-8")
    assert text == expected, f"{name} differs; if intended, regenerate with UPDATE_GOLDEN=1"


@pytest.fixture
def golden() -> Callable[[str, str], None]:
    return check_golden
