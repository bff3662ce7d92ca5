"""What the guarantee tests share: a kind's samples as manifests, the org they are applied to
(the served sandbox, its dashboard steps taken through its dashboard JSON routes), and the
checks every guarantee ends with (a re-plan shows no changes and no key held twice).

Drives the product only through its command line and the sandbox's routes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from cobalt_sync.kinds import KINDS, KindSamples
from tests.conftest import TEST_KEY, CliResult, Sandbox, invoke

KIND_NAMES = tuple(KINDS)
"""Every kind, by name: the parameter of every guarantee (its name is the test id)."""

DUPLICATE_WARNING = "live objects share this key"


def samples(kind: str) -> KindSamples:
    return KINDS[kind].samples()


def every_secret() -> dict[str, str]:
    """The `${VARIABLE}`s of every kind's samples, with their canary values."""
    return {name: value for kind in KIND_NAMES for name, value in samples(kind).secrets.items()}


def merged(*fragments: Mapping[str, Any]) -> dict[str, Any]:
    """Manifest fragments deep-merged (two kinds may share a section: `apps`)."""
    document: dict[str, Any] = {}
    for fragment in fragments:
        for key, value in fragment.items():
            if isinstance(value, Mapping) and isinstance(document.get(key), dict):
                document[key] = merged(document[key], value)
            else:
                document[key] = json.loads(json.dumps(value))
    return document


def spellings(secret: str) -> list[str]:
    """How a secret could show in a text: as is, JSON-escaped either way, URL-encoded."""
    return [
        secret,
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        quote(secret, safe=""),
    ]


def cli_env(box: Sandbox, **extra: str) -> dict[str, str]:
    """The CLI's environment for `box`: the test key, no pacing, every sample's secret."""
    return {
        "COBALT_API_URL": box.url,
        "COBALT_API_KEY": TEST_KEY,
        "COBALT_MAX_RPS": "0",
        "COBALT_RETRY_BACKOFF": "0",
        **every_secret(),
        **extra,
    }


@dataclass
class Org:
    """The served sandbox a guarantee runs against, the CLI's environment, a work directory."""

    box: Sandbox
    env: dict[str, str]
    directory: Path

    def manifest(self, *fragments: Mapping[str, Any], name: str = "cobalt.yaml") -> Path:
        document = merged({"version": 1, "environment": "test"}, *fragments)
        path = self.directory / name
        path.write_text(json.dumps(document, indent=1, ensure_ascii=False))
        return path

    def cli(self, *args: str) -> CliResult:
        """`cobalt-sync ARGS` in this process (the environment is set by the fixture)."""
        return invoke(*args)

    def apply(self, manifest: Path, *flags: str) -> CliResult:
        return self.cli("apply", "-f", str(manifest), "--auto-approve", *flags)

    def take_steps(self, kind: str, field: str | None = None) -> None:
        """What a person does in the dashboard for the kind's `create` sample (or the update
        of `field`). A step done already (a definition that exists) is refused by the
        sandbox, and that is fine."""
        sample = samples(kind)
        actions = sample.dashboard if field is None else sample.update_steps.get(field, ())
        for action in actions:
            try:
                self.box.dashboard(action.method, action.path, action.body)
            except httpx.HTTPStatusError as error:
                if error.response.status_code != 400:
                    raise

    def converge(
        self, manifest: Path, kind: str, *flags: str, runs: int = 1, field: str | None = None
    ) -> CliResult:
        """Apply until exit 0, taking the dashboard steps (of the create, or of the update of
        `field`) when apply says some remain (7); up to `runs` tries (a try that meets a
        fault may exit 4 or 6; re-running is safe)."""
        result = self.apply(manifest, *flags)
        for _ in range(runs * 2):
            if result.exit_code == 0:
                break
            assert result.exit_code in (4, 6, 7), result.output[-3000:]
            if result.exit_code == 7:
                self.take_steps(kind, field)
            result = self.apply(manifest, *flags)
        assert result.exit_code == 0, result.output[-3000:]
        return result

    def assert_settled(self, manifest: Path, *flags: str) -> None:
        """A re-plan shows no changes, no dashboard step, and no key held by two objects."""
        shown = self.cli("plan", "-f", str(manifest), "--detailed-exitcode", *flags)
        assert shown.exit_code == 0, shown.output[-3000:]
        assert DUPLICATE_WARNING not in shown.output, shown.output[-3000:]

    def writes(self) -> int:
        return int(self.box.get("stats")["writes_applied"])


def use_env(monkeypatch: pytest.MonkeyPatch, env: Mapping[str, str]) -> None:
    monkeypatch.delenv("COBALT_APP_SETTINGS", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
