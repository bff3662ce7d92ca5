"""Every command's --help shows an example, and help never needs the network or a key."""

from __future__ import annotations

from typing import Any

import pytest

from cobalt_sync.cli import COMMANDS

ALL = [[], *[[name] for name in COMMANDS], ["sandbox", "serve"]]


@pytest.mark.parametrize("words", ALL, ids=lambda w: " ".join(w) or "cobalt-sync")
def test_help_has_an_example(cli: Any, words: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COBALT_API_KEY", raising=False)
    result = cli(*words, "--help")
    assert result.exit_code == 0, result.stderr
    assert "Example" in result.stdout
    assert "cobalt-sync " in result.stdout.split("Example", 1)[1]
