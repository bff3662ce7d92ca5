"""Fixtures of the guarantee suite: `org` (the served sandbox, extended profile, reset per
test) and `cobalt_org` (the `cobalt` profile, like real Cobalt, with `--app-settings manual`).
Both are the session's one served sandbox of each profile, reset through its reset route."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Sandbox
from tests.guarantees.support import Org, cli_env, use_env


@pytest.fixture
def org(sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Org:
    env = cli_env(sandbox)
    use_env(monkeypatch, env)
    return Org(sandbox, env, tmp_path)


@pytest.fixture
def cobalt_org(cobalt_sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Org:
    env = cli_env(cobalt_sandbox, COBALT_APP_SETTINGS="manual")
    use_env(monkeypatch, env)
    return Org(cobalt_sandbox, env, tmp_path)
