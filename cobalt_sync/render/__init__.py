"""Renderers: a Plan or an ApplyReport as text (terminal/CI log), JSON or Markdown (PR comment).

Pure functions of the value they are given: they do no I/O, import neither httpx nor click,
and never decide on colour themselves (the caller looks at isatty and NO_COLOR).
"""

from __future__ import annotations

from cobalt_sync.applying.report import ApplyReport
from cobalt_sync.errors import InputError
from cobalt_sync.plan import LINK_BASE_HINT, Plan, is_link_base
from cobalt_sync.render.json_format import render_plan_json, render_report_json
from cobalt_sync.render.markdown import (
    COMMENT_LIMIT,
    PLAN_MARKER,
    REPORT_MARKER,
    render_plan_markdown,
    render_report_markdown,
)
from cobalt_sync.render.text import render_plan_text, render_report_text
from cobalt_sync.render.values import format_seconds, printable

FORMATS = ("text", "json", "markdown")

__all__ = [
    "COMMENT_LIMIT",
    "FORMATS",
    "PLAN_MARKER",
    "REPORT_MARKER",
    "check_link_base",
    "progress_line",
    "render_plan",
    "render_plan_markdown",
    "render_report",
    "render_report_markdown",
]


def check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise InputError(
            f"unknown output format '{fmt}'", hint=f"choose one of: {', '.join(FORMATS)}"
        )


def check_link_base(url: str | None, source: str = "--link-base") -> str | None:
    """`url` when it is fit to prefix a link to a manifest line; empty means none."""
    if not url:
        return None
    if not is_link_base(url):
        raise InputError(
            f"{source}: not an http(s) URL without spaces, quotes or brackets",
            hint=LINK_BASE_HINT,
        )
    return url


def render_plan(
    plan: Plan,
    fmt: str = "text",
    *,
    color: bool = False,
    verbose: bool = False,
    link_base: str | None = None,
) -> str:
    """The plan in `fmt`; `color` only affects text (ANSI), never JSON or Markdown.
    `verbose` shows the notes about unchanged objects (JSON always holds them);
    `link_base` links each change's manifest line in Markdown (check_link_base)."""
    check_format(fmt)
    if fmt == "json":
        return render_plan_json(plan)
    if fmt == "markdown":
        return render_plan_markdown(plan, verbose=verbose, link_base=check_link_base(link_base))
    return render_plan_text(plan, color=color, verbose=verbose)


def render_report(report: ApplyReport, fmt: str = "text", *, color: bool = False) -> str:
    """The apply report in `fmt`; `color` only affects text."""
    check_format(fmt)
    if fmt == "json":
        return render_report_json(report)
    if fmt == "markdown":
        return render_report_markdown(report)
    return render_report_text(report, color=color)


def progress_line(done: int, total: int, elapsed: float, what: str) -> str:
    """One plain progress line for CI logs: `[ 3/10  30%  4.2s] create events/Invoice Paid`."""
    width = len(str(total))
    percent = 100 if total <= 0 else min(100, done * 100 // total)
    return f"[{done:>{width}}/{total} {percent:>3}% {format_seconds(elapsed)}] {printable(what)}"
