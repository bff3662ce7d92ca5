"""Small text helpers every renderer shares: value formatting, safe display of user strings,
grouping by kind and the summary sentences.

Pure string functions; no I/O, no terminal or Markdown specifics (those live in the
renderers themselves).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping

from cobalt_sync.applying.report import ApplyReport, Outcome
from cobalt_sync.kinds import KIND_ORDER
from cobalt_sync.plan import Action, Change, DashboardStep, Plan, StepStatus

VALUE_WIDTH = 80
ELLIPSIS = "…"
SIGNS = {Action.CREATE: "+", Action.UPDATE: "~", Action.DELETE: "-"}
# Bidi overrides and line separators can make a key display as something it is not
# ("Trojan source"); they are shown escaped like control characters.
_INVISIBLE = frozenset(
    "\u2028\u2029\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


def printable(text: str) -> str:
    """`text` with control characters (ESC, newline, bidi overrides…) shown as escapes, so a
    hostile event name can neither colour a terminal nor break a line or a table."""
    if text.isprintable() and not _INVISIBLE.intersection(text):
        return text
    return "".join(_escape_char(ch) for ch in text)


def _escape_char(ch: str) -> str:
    if ch in _INVISIBLE or unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn"):
        code = ord(ch)
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
    return ch


def truncate(text: str, width: int = VALUE_WIDTH) -> str:
    return text if len(text) <= width else text[: width - 1] + ELLIPSIS


def address(change: Change) -> str:
    return printable(change.address)


def by_kind(changes: Iterable[Change]) -> list[tuple[str, list[Change]]]:
    """Changes grouped by kind in dependency order (unknown kinds last, as first seen);
    within a kind the plan's own order is kept."""
    groups: dict[str, list[Change]] = {kind: [] for kind in KIND_ORDER}
    for change in changes:
        groups.setdefault(change.kind, []).append(change)
    return [(kind, items) for kind, items in groups.items() if items]


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def plan_counts(plan: Plan) -> tuple[int, int, int, int]:
    summary = plan.summary()
    return summary["create"], summary["update"], summary["delete"], summary["unmanaged"]


def plan_sentence(plan: Plan) -> str:
    """`Plan: 2 to create, 1 to update, 0 to delete; 3 unmanaged left alone.` (plus the
    dashboard steps when there are any)."""
    create, update, delete, unmanaged = plan_counts(plan)
    steps = f"; {plural(len(plan.dashboard_steps), 'dashboard step')}"
    return (
        f"Plan: {create} to create, {update} to update, {delete} to delete"
        f"{steps if plan.dashboard_steps else ''}; {unmanaged} unmanaged left alone."
    )


def targeted_sentence(plan: Plan) -> str:
    """`Targeted to apps/slack, events only (--target): the rest of the manifest was not
    planned.` Empty for a whole-manifest plan."""
    if not plan.targets:
        return ""
    listed = ", ".join(printable(t) for t in plan.targets)
    return f"Targeted to {listed} only (--target): the rest of the manifest was not planned."


DASHBOARD_TITLE = (
    "Dashboard steps (Cobalt's API cannot make these changes: take them in the Cobalt "
    "dashboard, in this order; apply verifies them afterwards)"
)


def step_heading(number: int, step: DashboardStep) -> str:
    """`2. Apps → HubSpot: enable the app (Go Live)`."""
    return f"{number}. {printable(step.where)}: {printable(step.what)}"


def step_status(step: DashboardStep, marks: Mapping[str, int] | None = None) -> str:
    """`not yet done` or `(not observable: why)`: never a guessed value. With `marks`
    (reason_marks), the reason is a footnote mark: `(not observable [1])`."""
    if step.status is StepStatus.UNVERIFIED:
        if marks and step.reason in marks:
            return f"(not observable [{marks[step.reason]}])"
        return f"({printable(step.reason)})"
    return "not yet done"


def reason_marks(steps: Iterable[DashboardStep]) -> dict[str, int]:
    """Each distinct reason a step cannot be observed → its footnote number, in order: the
    same ~200-character reason holds back every step on a first plan, and is said once."""
    marks: dict[str, int] = {}
    for step in steps:
        if step.status is StepStatus.UNVERIFIED:
            marks.setdefault(step.reason, len(marks) + 1)
    return marks


def footnotes(marks: Mapping[str, int]) -> list[str]:
    """`[1] not observable: why`, one per reason."""
    return [f"[{number}] {printable(reason)}" for reason, number in marks.items()]


def unchanged_notes_sentence(count: int) -> str:
    """The one line that stands for the notes about objects the plan does not change."""
    about = "an unchanged entry" if count == 1 else "unchanged entries"
    return f"{plural(count, 'note')} about {about} (-v to show)"


NO_CHANGES = "No changes. The live org matches the manifest."


def with_tag(changes: Iterable[Change], tag: str) -> list[Change]:
    return [c for c in changes if tag in c.tags]


def format_seconds(seconds: float) -> str:
    """`4.2s` under a minute, `3m05s` above: short enough for a CI log prefix."""
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes}m{rest:02d}s"


def ordered_outcomes(report: ApplyReport) -> list[Outcome]:
    """Outcomes in plan order (apply finishes them concurrently, in no stable order).
    Matched by (kind, key, action): a Change holds lists, so it cannot be a dict key."""
    position = {(c.kind, c.key, c.action): i for i, c in enumerate(report.plan.changes)}
    last = len(position)
    return sorted(
        report.outcomes,
        key=lambda o: position.get((o.change.kind, o.change.key, o.change.action), last),
    )


def interruption_sentence(report: ApplyReport) -> str:
    """What a signal cut short, truthfully: the writes, the re-read, or the wait for
    dashboard steps (every write had landed by then)."""
    by = f"Interrupted by {printable(report.interrupted)}"
    if not report.complete:
        return f"{by}: the changes marked done landed; no write was started after the interrupt."
    if report.verified and report.dashboard_steps:
        return (
            f"{by} while waiting for the dashboard steps: every API change had landed; "
            "the dashboard steps below are still to take."
        )
    return f"{by} while re-reading to verify: every API change had landed."
