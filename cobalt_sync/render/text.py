"""Terraform-like text for a terminal or a CI log: the plan grouped by kind with field diffs,
and the apply report.

Colour (ANSI) only when the caller passes color=True; deciding that from isatty/NO_COLOR is
the caller's job. No I/O here.
"""

from __future__ import annotations

from collections.abc import Callable

from cobalt_sync.applying.report import ApplyReport, Outcome, Status
from cobalt_sync.plan import Change, DashboardStep, FieldChange, Plan, Unmanaged
from cobalt_sync.render.field_diff import Row, field_rows
from cobalt_sync.render.values import (
    DASHBOARD_TITLE,
    NO_CHANGES,
    SIGNS,
    VALUE_WIDTH,
    address,
    by_kind,
    footnotes,
    interruption_sentence,
    ordered_outcomes,
    plan_sentence,
    plural,
    printable,
    reason_marks,
    step_heading,
    step_status,
    targeted_sentence,
    unchanged_notes_sentence,
)

UNMANAGED_KEYS_SHOWN = 10

_ANSI = {"green": "32", "yellow": "33", "red": "31", "bold": "1", "dim": "2"}
_SIGN_COLOURS = {"+": "green", "~": "yellow", "-": "red"}
_STATUS_MARKS = {
    Status.DONE: ("✓", "green"),
    Status.FAILED: ("✗", "red"),
    Status.SKIPPED: ("-", "yellow"),
    Status.NOT_RUN: ("·", "dim"),
}

Paint = Callable[[str, str], str]


def painter(color: bool) -> Paint:
    """A function that wraps text in an ANSI style, or returns it unchanged without colour."""

    def paint(text: str, style: str) -> str:
        return f"\x1b[{_ANSI[style]}m{text}\x1b[0m" if color else text

    return paint


# --- plan ---------------------------------------------------------------------------------


def render_plan_text(plan: Plan, *, color: bool = False, verbose: bool = False) -> str:
    """`verbose` shows the notes about unchanged objects, which are otherwise counted."""
    paint = painter(color)
    # The first line always names the environment: with one manifest for several, a CI log
    # must say which one this plan is for, changes or not.
    legend = " (+ create, ~ update, - delete)" if plan.has_changes else ""
    lines = [f"Plan for the {printable(plan.environment)} environment{legend}:", ""]
    for kind, changes in by_kind(plan.changes):
        lines.append(paint(kind, "bold"))
        for change in changes:
            lines += change_lines(change, paint)
        lines.append("")
    lines += dashboard_lines(plan.dashboard_steps, paint)
    lines += unmanaged_lines(plan.unmanaged, paint)
    lines += warning_lines(plan, paint)
    lines += plan_note_lines(plan, paint, verbose)
    if plan.targets:
        lines.append(paint(targeted_sentence(plan), "yellow"))
    lines += final_lines(plan, paint)
    return "\n".join(lines) + "\n"


def change_lines(change: Change, paint: Paint) -> list[str]:
    sign = SIGNS[change.action]
    tags = "  " + " ".join(f"[{printable(t)}]" for t in change.tags) if change.tags else ""
    head = paint(f"  {sign} {address(change)}", _SIGN_COLOURS[sign]) + tags
    lines = [head + source_text(change, paint)]
    lines += [line for field in change.fields for line in field_lines(field, paint)]
    lines += [paint(f"      # {printable(note)}", "dim") for note in change.notes]
    return lines


def source_text(change: Change, paint: Paint) -> str:
    """`  (cobalt.yaml:12)`: the manifest line behind the change; empty when none is."""
    return paint(f"  ({printable(str(change.source))})", "dim") if change.source else ""


def field_lines(field: FieldChange, paint: Paint) -> list[str]:
    """`~ path: before → after`, or for a list or object one row per element, the sign
    in front of what changed (terraform's layout)."""
    return [row_line(row, paint) for row in field_rows(field, VALUE_WIDTH)]


def row_line(row: Row, paint: Paint) -> str:
    line = f"      {'  ' * row.depth}{row.sign} {row.text}"
    return paint(line, _SIGN_COLOURS[row.sign]) if row.sign in _SIGN_COLOURS else line


def dashboard_lines(steps: tuple[DashboardStep, ...], paint: Paint) -> list[str]:
    """Numbered steps with where and what, then the observed field diffs (or why they could
    not be observed), under their own heading after the API changes."""
    if not steps:
        return []
    lines = [paint(DASHBOARD_TITLE + ":", "bold")]
    marks = reason_marks(steps)
    for number, step in enumerate(steps, 1):
        lines.append(paint(f"  {step_heading(number, step)}", "yellow"))
        change = step.change
        tags = "".join(f"  [{printable(t)}]" for t in change.tags)
        status = step_status(step, marks)
        head = f"      {SIGNS[change.action]} {address(change)}  {status}{tags}"
        lines.append(paint(head, "dim") + source_text(change, paint))
        lines += [line for field in step.change.fields for line in field_lines(field, paint)]
        lines += [paint(f"      # {printable(note)}", "dim") for note in step.change.notes]
    lines += [paint(f"  {line}", "dim") for line in footnotes(marks)]
    return [*lines, ""]


def plan_note_lines(plan: Plan, paint: Paint, verbose: bool = False) -> list[str]:
    """The plan's own notes; those about unchanged objects with -v, else one line."""
    notes = [*plan.notes, *(str(n) for n in plan.unchanged_notes)] if verbose else plan.notes
    lines = [paint("Notes:", "bold")] if notes else []
    lines += [f"  - {printable(note)}" for note in notes]
    if plan.unchanged_notes and not verbose:
        lines.append(paint(unchanged_notes_sentence(len(plan.unchanged_notes)) + ".", "dim"))
    return [*lines, ""] if lines else []


def unmanaged_lines(unmanaged: tuple[Unmanaged, ...], paint: Paint) -> list[str]:
    shown = [u for u in unmanaged if u.count]
    if not shown:
        return []
    lines = [paint("Unmanaged (left alone, not in cobalt.yaml):", "bold")]
    for group in shown:
        keys = group.keys[:UNMANAGED_KEYS_SHOWN]
        lines.append(f"  {printable(group.kind)}: {group.count}")
        lines += [f"    {printable(key)}" for key in keys]
        if group.count > len(keys):
            lines.append(f"    … and {group.count - len(keys)} more")
    return [*lines, ""]


def warning_lines(plan: Plan, paint: Paint) -> list[str]:
    refusal = "apply refuses this plan without --allow-mass-delete"
    findings = [f"{refusal}: {m}" for m in plan.mass_delete]
    items = [*findings, *plan.warnings]
    if not items:
        return []
    lines = [paint("Warnings:", "bold")]
    lines += [paint(f"  ! {printable(item)}", "yellow") for item in items]
    return [*lines, ""]


def final_lines(plan: Plan, paint: Paint) -> list[str]:
    if plan.has_changes:
        return [paint(plan_sentence(plan), "bold")]
    unmanaged = plan.summary()["unmanaged"]
    tail = [f"{unmanaged} unmanaged left alone."] if unmanaged else []
    return [paint(NO_CHANGES, "bold"), *tail]


# --- apply report -------------------------------------------------------------------------


def render_report_text(report: ApplyReport, *, color: bool = False) -> str:
    paint = painter(color)
    lines = [f"Apply to the {printable(report.plan.environment)} environment:", ""]
    for outcome in ordered_outcomes(report):
        lines.append(outcome_line(outcome, paint))
        lines += [f"      {printable(note)}" for note in outcome.notes]
    if not report.outcomes:
        lines.append("  (nothing to do)")
    lines += ["", paint(report_sentence(report), "bold"), *verification_lines(report, paint)]
    lines += interruption_lines(report, paint)
    lines += remaining_step_lines(report, paint)
    return "\n".join(lines) + "\n"


def outcome_line(outcome: Outcome, paint: Paint) -> str:
    mark, colour = _STATUS_MARKS[outcome.status]
    sign = SIGNS[outcome.change.action]
    reason = f": {printable(outcome.reason)}" if outcome.reason else ""
    status = paint(f"{mark} {outcome.status.value.replace('_', ' ')}{reason}", colour)
    return f"  {sign} {address(outcome.change)}  {status}"


def report_sentence(report: ApplyReport) -> str:
    """`Apply: 5 done, 1 failed, 2 skipped.` (plus dashboard steps when some remain)."""
    counts = report.summary()
    steps = report.dashboard_steps
    remain = f"; {plural(len(steps), 'dashboard step')} to take" if steps else ""
    not_run = f", {counts['not_run']} not run" if counts["not_run"] else ""
    return (
        f"Apply: {counts['done']} done, {counts['failed']} failed, "
        f"{counts['skipped']} skipped{not_run}{remain}."
    )


def interruption_lines(report: ApplyReport, paint: Paint) -> list[str]:
    if not report.interrupted:
        return []
    return [
        paint(interruption_sentence(report), "yellow"),
        "Re-running `cobalt-sync apply` is safe: it plans again from what landed.",
    ]


def remaining_step_lines(report: ApplyReport, paint: Paint) -> list[str]:
    """The dashboard steps still to take, as the plan words them, then how to go on."""
    if not report.dashboard_steps:
        return []
    lines = ["", paint(DASHBOARD_TITLE + ":", "bold")]
    marks = reason_marks(report.dashboard_steps)
    for number, step in enumerate(report.dashboard_steps, 1):
        lines.append(paint(f"  {step_heading(number, step)}", "yellow"))
        lines.append(f"      {step_status(step, marks)}")
    return lines + [f"  {line}" for line in footnotes(marks)]


def verification_lines(report: ApplyReport, paint: Paint) -> list[str]:
    if report.duplicates:
        count = plural(len(report.duplicates), "declared object")
        lines = [paint(f"Verification: {count} held by several live objects each:", "red")]
        return lines + [f"  ! {printable(address)}" for address in report.duplicates]
    if report.remaining:
        count = plural(len(report.remaining), "API change")
        lines = [paint(f"Verification: the live org still differs: {count}.", "red")]
        return lines + [f"  {SIGNS[c.action]} {address(c)}" for c in report.remaining]
    if report.verified and report.dashboard_steps:
        return [paint("Verified: every API change is in the live org.", "green")]
    if report.verified:
        return [paint("Verified: the live org matches the manifest.", "green")]
    if report.interrupted:
        return []
    return ["Not verified: the live org was not re-read after apply."]
