"""Golden files pin every format of every renderer: a change in what users, scripts or
reviewers see shows up as a diff here (regenerate with UPDATE_GOLDEN=1, then review)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from render_cases import (
    clean_report,
    dashboard_plan,
    diffs_plan,
    empty_plan,
    empty_report,
    full_plan,
    hostile_plan,
    interrupted_report,
    mixed_report,
    refused_plan,
)

from cobalt_sync.applying.report import ApplyReport
from cobalt_sync.plan import Plan
from cobalt_sync.render import render_plan, render_report

Golden = Callable[[str, str], None]

PLANS: dict[str, Callable[[], Plan]] = {
    "plan-full": full_plan,
    "plan-diffs": diffs_plan,
    "plan-empty": empty_plan,
    "plan-empty-clean": lambda: empty_plan(0),
    "plan-refused": refused_plan,
    "plan-hostile": hostile_plan,
    "plan-dashboard": dashboard_plan,
}
REPORTS: dict[str, Callable[[], ApplyReport]] = {
    "report-mixed": mixed_report,
    "report-clean": clean_report,
    "report-empty": empty_report,
    "report-interrupted": interrupted_report,
}
SUFFIX = {"text": "txt", "json": "json", "markdown": "md"}


@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
@pytest.mark.parametrize("name", sorted(PLANS))
def test_plan_matches_golden(name: str, fmt: str, golden: Golden) -> None:
    golden(f"{name}.{SUFFIX[fmt]}", render_plan(PLANS[name](), fmt))


@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
@pytest.mark.parametrize("name", sorted(REPORTS))
def test_report_matches_golden(name: str, fmt: str, golden: Golden) -> None:
    golden(f"{name}.{SUFFIX[fmt]}", render_report(REPORTS[name](), fmt))


@pytest.mark.parametrize("name", ["plan-full", "plan-empty", "plan-refused"])
def test_coloured_plan_matches_golden(name: str, golden: Golden) -> None:
    golden(f"{name}.color.txt", render_plan(PLANS[name](), "text", color=True))


def test_coloured_report_matches_golden(golden: Golden) -> None:
    golden("report-mixed.color.txt", render_report(mixed_report(), "text", color=True))
