"""A plan cites its lines: every change names the manifest line that causes it, in text, JSON
(`source: {file, line}`), Markdown (a link at a commit with --link-base) and saved plans; an
environment section's value cites the section's line, a prune delete the `prune` line. End to
end against the sandbox."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import cobalt_sync.manifest.lines as lines_module
from tests.conftest import Sandbox

MANIFEST = """\
version: 1
environment: test
apps:
  freshdesk: {enabled: true}
events:
  Invoice Paid:
    schema:
      invoice: {id: inv_1, amount: 10}
linked_accounts:
  acme:
    name: Acme Corp
    udf: {plan: pro}
  globex: {name: Globex}
"""

BASE = "https://github.com/acme/cobalt-config/blob/0123abc"


def line_of(text: str, fragment: str, after: str = "") -> int:
    """1-based line of the first line holding `fragment` (after the line holding `after`)."""
    rows = text.splitlines()
    start = next(i for i, row in enumerate(rows) if after in row) if after else 0
    return next(i for i, row in enumerate(rows) if i >= start and fragment in row) + 1


def plan_json(cli: Any, manifest: Path, *extra: str) -> dict[str, Any]:
    result = cli("plan", "-f", str(manifest), "--format", "json", *extra)
    assert result.exit_code == 0, result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def sources(document: dict[str, Any]) -> dict[str, Any]:
    found = [*document["changes"], *document["dashboard_steps"]]
    return {f"{c['action']} {c['kind']}/{c['key']}": c["source"] for c in found}


@pytest.fixture
def manifest(
    tmp_path: Path, cli_env: dict[str, str], sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> Path:
    monkeypatch.chdir(tmp_path)  # the file is named as the user would open it: cobalt.yaml
    path = tmp_path / "cobalt.yaml"
    path.write_text(MANIFEST)
    return path


def test_every_change_cites_the_line_that_causes_it(cli: Any, manifest: Path) -> None:
    result = cli("apply", "-f", str(manifest), "--auto-approve")
    assert result.exit_code == 0, result.stderr
    edited = (
        MANIFEST.replace("amount: 10", "amount: 10, currency: EUR")
        .replace("udf: {plan: pro}", "udf: {plan: enterprise}")
        .replace("  globex: {name: Globex}\n", "  globex: {state: absent}\n  initech: {}\n")
    )
    manifest.write_text(edited)

    found = sources(plan_json(cli, manifest))

    assert found == {
        # An update cites the line of the field that changed, not the entry's.
        "update events/Invoice Paid": {"file": "cobalt.yaml", "line": line_of(edited, "invoice:")},
        "update linked_accounts/acme": {"file": "cobalt.yaml", "line": line_of(edited, "udf:")},
        # A create or a delete cites the entry.
        "create linked_accounts/initech": {
            "file": "cobalt.yaml",
            "line": line_of(edited, "initech:"),
        },
        "delete linked_accounts/globex": {"file": "cobalt.yaml", "line": line_of(edited, "globex")},
    }
    text = cli("plan", "-f", str(manifest)).stdout
    assert f"~ linked_accounts/acme  (cobalt.yaml:{line_of(edited, 'udf:')})" in text
    assert f"- linked_accounts/globex  (cobalt.yaml:{line_of(edited, 'globex')})" in text


def test_markdown_links_each_change_to_its_line_at_the_commit(
    cli: Any, manifest: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    markdown = cli("plan", "-f", str(manifest), "--format", "markdown", "--link-base", BASE)
    assert markdown.exit_code == 0, markdown.stderr
    line = line_of(MANIFEST, "acme:")
    assert f"[cobalt.yaml:{line}]({BASE}/cobalt.yaml#L{line})" in markdown.stdout
    assert markdown.stdout.count(f"]({BASE}/cobalt.yaml#L") == 4  # app, event, two accounts

    # The Action sets it through the environment; without it the line is named, not linked.
    monkeypatch.setenv("COBALT_LINK_BASE", BASE + "/")
    linked = cli("plan", "-f", str(manifest), "--format", "markdown").stdout
    assert f"({BASE}/cobalt.yaml#L{line})" in linked
    monkeypatch.delenv("COBALT_LINK_BASE")
    plain = cli("plan", "-f", str(manifest), "--format", "markdown").stdout
    assert f"| cobalt.yaml:{line} |" in plain and "](" not in plain


def test_a_link_base_that_could_break_the_comment_is_refused(
    cli: Any, manifest: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for bad in ("javascript:alert(1)", f"{BASE}) [x](http://e.vil", "github.com/acme/x"):
        result = cli("plan", "-f", str(manifest), "--format", "markdown", "--link-base", bad)
        assert result.exit_code == 3, result.stdout
        assert "--link-base: not an http(s) URL" in result.stderr
    monkeypatch.setenv("COBALT_LINK_BASE", "ftp://example.com/x")
    result = cli("plan", "-f", str(manifest), "--format", "markdown")
    assert result.exit_code == 3 and "COBALT_LINK_BASE: not an http(s) URL" in result.stderr


def test_the_path_is_the_one_in_the_repository(
    cli: Any, tmp_path: Path, cli_env: dict[str, str]
) -> None:
    """Linked at a commit, the file must be named from the repository's root, wherever the
    command runs."""
    repo = tmp_path / "config"
    folder = repo / "environments" / "test"
    folder.mkdir(parents=True)
    (repo / ".git").mkdir()
    (folder / "cobalt.yaml").write_text(MANIFEST)
    result = cli(
        "plan", "-f", "cobalt.yaml", "--format", "markdown", "--link-base", BASE, cwd=folder
    )
    assert result.exit_code == 0, result.stderr
    line = line_of(MANIFEST, "freshdesk")
    assert f"({BASE}/environments/test/cobalt.yaml#L{line})" in result.stdout


def test_an_environment_section_cites_its_own_line(
    cli: Any, manifest: Path, tmp_path: Path
) -> None:
    text = """\
version: 1
apps:
  freshdesk: {enabled: true}
linked_accounts:
  acme: {name: Acme Corp}
  globex: {name: Globex}
environments:
  production: {}
  test:
    apps:
      freshdesk: {enabled: false}
    linked_accounts:
      acme: {name: Acme (test)}
"""
    manifest.write_text(text.replace("enabled: false", "enabled: true").replace(" (test)", ""))
    result = cli("apply", "-f", str(manifest), "--auto-approve")
    assert result.exit_code == 0, result.stderr
    manifest.write_text(text)

    found = sources(plan_json(cli, manifest))

    overlay = line_of(text, "test:")
    assert found == {
        "delete apps/freshdesk": {
            "file": "cobalt.yaml",
            "line": line_of(text, "freshdesk", "test:"),
        },
        "update linked_accounts/acme": {
            "file": "cobalt.yaml",
            "line": line_of(text, "acme", "test:"),
        },
    }
    assert all(source["line"] > overlay for source in found.values())


def test_a_prune_delete_cites_the_prune_line(cli: Any, manifest: Path) -> None:
    result = cli("apply", "-f", str(manifest), "--auto-approve")
    assert result.exit_code == 0, result.stderr
    pruned = MANIFEST.replace("  globex: {name: Globex}\n", "") + "prune:\n  - linked_accounts\n"
    manifest.write_text(pruned)

    found = sources(plan_json(cli, manifest))

    line = line_of(pruned, "- linked_accounts")
    assert found == {"delete linked_accounts/globex": {"file": "cobalt.yaml", "line": line}}


def test_a_saved_plan_keeps_its_sources(cli: Any, manifest: Path, tmp_path: Path) -> None:
    saved = tmp_path / "plan.json"
    result = cli("plan", "-f", str(manifest), "--out", str(saved))
    assert result.exit_code == 0, result.stderr
    document = json.loads(saved.read_text())
    line = line_of(MANIFEST, "acme:")
    assert {"file": "cobalt.yaml", "line": line} in [c["source"] for c in document["changes"]]

    shown = cli("show", str(saved), "--format", "markdown", "--link-base", BASE)
    assert shown.exit_code == 0, shown.stderr
    assert f"({BASE}/cobalt.yaml#L{line})" in shown.stdout
    assert f"+ linked_accounts/acme  (cobalt.yaml:{line})" in cli("show", str(saved)).stdout
    applied = cli("apply", str(saved), "--auto-approve")
    assert applied.exit_code == 0, applied.stderr


def test_lines_are_looked_up_only_for_the_changes(
    cli: Any, manifest: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What keeps large plans fast: no line is read for a plan without changes, and a plan
    with changes asks for the paths of those changes only."""
    asked: list[set[tuple[Any, ...]]] = []
    real = lines_module.key_lines

    def recording(raw: bytes, wanted: Any) -> dict[tuple[Any, ...], int]:
        paths = set(wanted)
        asked.append(paths)
        return real(raw, paths)

    monkeypatch.setattr(lines_module, "key_lines", recording)
    assert cli("apply", "-f", str(manifest), "--auto-approve").exit_code == 0
    asked.clear()
    assert "No changes." in cli("plan", "-f", str(manifest)).stdout
    assert asked == []

    manifest.write_text(MANIFEST.replace("Globex}", "Globex Inc}"))
    assert cli("plan", "-f", str(manifest)).exit_code == 0
    (paths,) = asked
    assert {path[:2] for path in paths} == {("linked_accounts", "globex"), ("linked_accounts",)}
