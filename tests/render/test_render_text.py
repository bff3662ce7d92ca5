"""Text output as a terminal or CI log shows it: colour only when asked, nothing a hostile
key can use to drive the terminal, progress lines for long runs, and the purity rule."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from render_cases import dashboard_plan, empty_plan, full_plan, hostile_plan, mixed_report

from cobalt_sync.errors import ExitCode, InputError
from cobalt_sync.render import FORMATS, progress_line, render_plan, render_report

RENDER = Path(__file__).parents[2] / "cobalt_sync" / "render"


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_escape_codes_without_colour(fmt: str) -> None:
    for plan in (full_plan(), hostile_plan(), empty_plan()):
        assert "\x1b" not in render_plan(plan, fmt)
    assert "\x1b" not in render_report(mixed_report(), fmt)


def test_colour_marks_creates_green_updates_yellow_deletes_red() -> None:
    text = render_plan(full_plan(), "text", color=True)
    assert "\x1b[32m  + apps/hubspot\x1b[0m" in text
    assert "\x1b[33m  ~ oauth_credentials/slack\x1b[0m  [reauthorize]" in text
    assert "\x1b[31m  - apps/intercom\x1b[0m" in text


def test_colour_only_changes_text_formats() -> None:
    assert render_plan(full_plan(), "json", color=True) == render_plan(full_plan(), "json")


def test_a_hostile_key_cannot_colour_the_terminal_even_with_colour_on() -> None:
    text = render_plan(hostile_plan(), "text", color=True)
    assert "\x1b[31mred" not in text and "\\x1b[31mred" in text
    assert "\\x0a@admin" in text  # the newline is shown, not obeyed


def test_long_values_are_cut_with_an_ellipsis() -> None:
    memo = next(line for line in render_plan(full_plan()).splitlines() if "schema.memo" in line)
    assert memo.endswith("…") and len(memo.split(": ", 1)[1]) == 80


def test_plan_ends_with_the_summary_line() -> None:
    lines = render_plan(full_plan()).splitlines()
    assert lines[-1] == "Plan: 3 to create, 2 to update, 1 to delete; 264 unmanaged left alone."


NO_CHANGES = "No changes. The live org matches the manifest."


def test_no_change_plan_says_so_then_counts_unmanaged() -> None:
    lines = render_plan(empty_plan(3)).splitlines()
    assert lines[-2:] == [
        "No changes. The live org matches the manifest.",
        "3 unmanaged left alone.",
    ]
    assert render_plan(empty_plan(0)) == f"Plan for the production environment:\n\n{NO_CHANGES}\n"


def test_report_summary_and_verification() -> None:
    lines = render_report(mixed_report()).splitlines()
    assert "Apply: 4 done, 1 failed, 1 skipped; 2 dashboard steps to take." in lines
    assert "Verification: the live org still differs: 2 API changes." in lines
    assert "  2. Apps → Slack: enable the app (Go Live)" in lines
    assert "  + events/Invoice Paid  ✗ failed: Cobalt answered 422: invalid payload" in lines


def test_unknown_format_is_bad_input() -> None:
    with pytest.raises(InputError) as raised:
        render_plan(full_plan(), "yaml")
    assert raised.value.exit_code is ExitCode.BAD_INPUT
    assert "text, json, markdown" in (raised.value.hint or "")


@pytest.mark.parametrize(
    ("done", "total", "elapsed", "expected"),
    [
        (3, 10, 4.25, "[ 3/10  30% 4.2s] create events/Invoice Paid"),
        (10, 10, 125.0, "[10/10 100% 2m05s] create events/Invoice Paid"),
        (0, 0, 0.0, "[0/0 100% 0.0s] create events/Invoice Paid"),
    ],
)
def test_progress_line(done: int, total: int, elapsed: float, expected: str) -> None:
    assert progress_line(done, total, elapsed, "create events/Invoice Paid") == expected


def test_progress_line_escapes_control_characters() -> None:
    assert "\n" not in progress_line(1, 2, 0.1, "events/a\nb\x1b[2J")


def test_renderers_import_neither_httpx_nor_click_nor_io_modules() -> None:
    forbidden = {"httpx", "click", "os", "io", "pathlib", "subprocess", "socket", "sys"}
    for module in RENDER.glob("*.py"):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            assert not {n.split(".")[0] for n in names} & forbidden, module.name
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in ("open", "print", "input"), module.name


def test_importing_the_renderers_loads_neither_httpx_nor_click() -> None:
    code = (
        "import sys, cobalt_sync.render, cobalt_sync.render.schema;"
        "print(sorted({'httpx', 'click'} & set(sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_dashboard_steps_follow_the_api_changes_and_are_counted() -> None:
    text = render_plan(dashboard_plan())
    api, steps = text.split("Dashboard steps")
    assert "+ events/Order Placed" in api
    assert "1. Apps → Hubspot → Settings → Credentials:" in steps
    assert "$HUBSPOT_CLIENT_SECRET" in steps
    assert '~ client_id: "cobalt-default-hubspot" → "hub-client-1"' in steps
    # The reason both app steps cannot be observed is said once, as a footnote.
    assert steps.count("(not observable [1])") == 2
    assert steps.count("no linked account exists yet") == 1
    assert "[1] not observable: no linked account exists yet" in steps
    assert "Plan: 1 to create, 0 to update, 0 to delete; 3 dashboard steps;" in steps
