"""A secret never reaches the output: not in problems, warnings, summaries, reprs or
tracebacks, whatever is wrong around it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cobalt_sync.manifest import OAuthConfig, load_manifest

CANARY = "canary-Zq8vX3-do-not-print"


@pytest.fixture(autouse=True)
def canary_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CANARY_SECRET", CANARY)
    monkeypatch.setenv("CANARY_ID", CANARY)


SLACK = (
    "environment: {env}\napps:\n  slack:\n    oauth: {{client_id: a, client_secret: {secret}}}\n"
)

BROKEN_AROUND_A_SECRET = [
    # literal secret in production: an error about that very field
    SLACK.format(env="production", secret=CANARY),
    # literal secret in test: a warning
    SLACK.format(env="test", secret=CANARY),
    # secret of the wrong type
    SLACK.format(env="test", secret=f"[{CANARY}]"),
    # secret from the environment, next to other errors in the same mapping
    "environment: test\napps:\n  slack:\n    oauth:\n      client_id: ${CANARY_ID}\n"
    "      client_secret: ${CANARY_SECRET}\n      scopes: [a, a]\n      extra: 1\n",
    # secret on an app that takes none
    "environment: test\napps:\n  stripe:\n    oauth:\n      client_id: a\n"
    "      client_secret: ${CANARY_SECRET}\n",
    # secret in a malformed reference
    SLACK.format(env="test", secret=f"'${{{CANARY}'"),
    # a YAML syntax error right after the secret
    SLACK.format(env="test", secret=f'"{CANARY}').rstrip("}\n") + "\n",
    # secret-like values in places with other type errors
    f"environment: {CANARY}\nprune: [{CANARY}]\n"
    f"linked_accounts:\n  a: {{udf: {{k: [{CANARY}]}}}}\n",
    f"environment: test\napps:\n  slack: {{enabled: {CANARY}}}\n"
    f"events:\n  E: {{schema: {CANARY}}}\n",
    # a webhook header written literally: a warning about that header, never its value
    "environment: production\nwebhooks:\n  https://hooks.example.com/a:\n"
    f"    events: [Connection Created]\n    headers: {{Authorization: Bearer {CANARY}}}\n",
]


@pytest.mark.parametrize("body", BROKEN_AROUND_A_SECRET)
@pytest.mark.parametrize("debug", [False, True])
def test_secret_never_echoed(cli: Any, tmp_path: Path, body: str, debug: bool) -> None:
    path = tmp_path / "cobalt.yaml"
    path.write_text("version: 1\n" + body)
    args = ["--debug"] if debug else []

    result = cli(*args, "validate", "-f", str(path))

    assert result.exit_code in (0, 3)
    assert result.stderr  # there was something to say …
    assert CANARY not in result.stdout
    assert CANARY not in result.stderr  # … and the secret was not part of it


def test_valid_manifest_keeps_its_secret_out_of_reprs(tmp_path: Path) -> None:
    path = tmp_path / "cobalt.yaml"
    path.write_text(
        "version: 1\nenvironment: production\napps:\n  slack:\n"
        "    oauth: {client_id: id, client_secret: '${CANARY_SECRET}'}\n"
    )
    loaded = load_manifest(path)
    assert CANARY not in repr(loaded)
    assert CANARY not in repr(loaded.manifest)
    assert CANARY not in loaded.manifest.model_dump_json()
    oauth = loaded.manifest.apps["slack"].oauth
    assert isinstance(oauth, OAuthConfig)
    assert oauth.client_secret.get_secret_value() == CANARY  # apply can still read it


def test_a_literal_webhook_header_is_a_warning_naming_the_header(cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "cobalt.yaml"
    path.write_text(
        "version: 1\nenvironment: production\nwebhooks:\n  https://hooks.example.com/a:\n"
        "    events: [Connection Created]\n"
        f"    headers: {{Authorization: Bearer {CANARY}, X-Token: '${{CANARY_SECRET}}'}}\n"
    )
    result = cli("validate", "-f", str(path))
    assert result.exit_code == 0, result.stderr  # plain headers exist: a warning, not an error
    assert "header 'Authorization' is written in the file" in result.stderr
    assert "X-Token" not in result.stderr  # from a variable: nothing to say
    assert CANARY not in result.output
