"""The PR comment stays valid Markdown under GitHub's size limit, whatever the plan holds:
10,000 changes, huge diffs, or keys written to break tables and inject HTML."""

from __future__ import annotations

import re

import pytest
from render_cases import HOSTILE_KEY, big_plan, full_plan, hostile_plan, mixed_report

from cobalt_sync.applying.report import ApplyReport, Outcome, Status
from cobalt_sync.plan import Action, Change, FieldChange, Plan
from cobalt_sync.render import COMMENT_LIMIT, PLAN_MARKER, render_plan, render_report
from cobalt_sync.render.markdown import render_plan_markdown, render_report_markdown

GITHUB_HARD_LIMIT = 65_536
ROW = re.compile(r"^\| [+~-] (create|update|delete) \|", re.MULTILINE)


def split_fences(markdown: str) -> tuple[list[str], str | None]:
    """Lines outside fenced code blocks, and the fence still open at the end (None when
    every code block is closed). A fence closes only on a backtick run at least as long."""
    outside: list[str] = []
    fence: str | None = None
    for line in markdown.splitlines():
        run = re.match(r"^(`{3,})", line)
        if fence is None and run:
            fence = run.group(1)
        elif fence is None:
            outside.append(line)
        elif set(line.strip()) == {"`"} and len(line.strip()) >= len(fence):
            fence = None
    return outside, fence


def assert_well_formed(markdown: str) -> None:
    """Balanced <details>/<summary> outside code, closed fences, no split table cells."""
    outside, open_fence = split_fences(markdown)
    assert open_fence is None
    text = "\n".join(outside)
    assert text.count("<details>") == text.count("</details>")
    assert text.count("<summary>") == text.count("</summary>")
    header: int | None = None  # the separators of the current table's header row
    for line in outside:
        if not line.startswith("|"):
            header = None
            continue
        header = header or line.count("|")
        assert header in (5, 6), f"an unknown table: {line[:120]}"
        assert line.count("|") == header, f"a cell was split: {line[:120]}"


def test_ten_thousand_changes_make_a_valid_comment_that_says_what_was_cut() -> None:
    markdown = render_plan(big_plan(10_000), "markdown")

    assert len(markdown) <= COMMENT_LIMIT < GITHUB_HARD_LIMIT
    assert markdown.startswith(PLAN_MARKER + "\n")
    assert "**Plan:** 0 to create · 10000 to update · 0 to delete" in markdown
    assert_well_formed(markdown)
    shown = len(ROW.findall(markdown))
    assert 0 < shown < 10_000
    assert f"**{10_000 - shown} of 10000 changes are not shown**" in markdown
    assert "full plan is in this job's artifacts" in markdown
    assert "<details><summary>~ events/" not in markdown  # details go before rows do


def test_diffs_are_dropped_before_rows_and_counted() -> None:
    plan = big_plan(150, fields_per_change=20)
    markdown = render_plan_markdown(plan)

    assert len(ROW.findall(markdown)) == 150
    shown_details = markdown.count("<details><summary>~ events/")
    assert 0 < shown_details < 150
    assert f"Field diffs of {150 - shown_details} changes are not shown" in markdown
    assert_well_formed(markdown)
    assert len(markdown) <= COMMENT_LIMIT


@pytest.mark.parametrize("limit", [1_500, 4_000, 20_000])
def test_any_limit_is_respected(limit: int) -> None:
    markdown = render_plan_markdown(big_plan(500), limit=limit)
    assert len(markdown) <= limit
    assert_well_formed(markdown)


def test_a_small_plan_is_shown_in_full() -> None:
    markdown = render_plan(full_plan(), "markdown")
    assert "not shown" not in markdown
    assert len(ROW.findall(markdown)) == len(full_plan().changes)
    assert_well_formed(markdown)


def test_non_bmp_characters_count_twice_like_github_does() -> None:
    emoji = "🚀" * 40
    plan = Plan(
        environment="test",
        changes=tuple(
            Change("events", f"{emoji} {i:04d}", Action.CREATE, (FieldChange("x", None, 1, "add"),))
            for i in range(2_000)
        ),
    )
    markdown = render_plan_markdown(plan, limit=30_000)
    assert len(markdown.encode("utf-16-le")) // 2 <= 30_000


def test_hostile_keys_cannot_break_the_table_or_inject_html() -> None:
    markdown = render_plan(hostile_plan(), "markdown")

    assert_well_formed(markdown)
    assert "<script>" not in markdown and "<b>" not in markdown.split("```")[0]
    assert "@admin" not in markdown  # no mention pings
    assert "\x1b" not in markdown and "\n@" not in markdown
    assert "**bold**" not in markdown and "[link](" not in markdown
    # The fence around a value holding ``` is longer than it, so the value cannot close it.
    assert "````diff" in markdown


def test_hostile_newline_in_a_key_stays_on_one_table_line() -> None:
    markdown = render_plan(hostile_plan(), "markdown")
    row = next(line for line in markdown.splitlines() if ROW.match(line))
    assert "Evil" in row and "red</code>" in row
    assert HOSTILE_KEY not in markdown


def test_breaking_and_reauthorize_changes_are_flagged_in_the_summary() -> None:
    head = render_plan(full_plan(), "markdown").split("####")[0]
    assert "⚠️ **1 breaking change**" in head and "New Contact Created" in head
    assert "re-authorize:** <code>oauth&#95;credentials/slack</code>" in head


def test_report_is_cut_under_the_limit_with_a_count() -> None:
    plan = big_plan(5_000, fields_per_change=0)
    outcomes = tuple(Outcome(c, Status.FAILED, "Cobalt answered 500 " * 5) for c in plan.changes)
    markdown = render_report_markdown(ApplyReport(plan, outcomes), limit=20_000)

    assert len(markdown) <= 20_000
    assert_well_formed(markdown)
    shown = markdown.count("| ❌ failed |")
    assert f"**{5_000 - shown} of 5000 outcomes are not shown**" in markdown


def test_report_lists_every_outcome_with_its_reason() -> None:
    markdown = render_report(mixed_report(), "markdown")
    assert (
        "| ❌ failed | + create | <code>events/Invoice Paid</code> | Cobalt answered 422"
        in markdown
    )
    assert "**The live org still differs:** 2 changes" in markdown
    assert_well_formed(markdown)
