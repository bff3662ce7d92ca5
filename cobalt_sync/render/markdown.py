"""Markdown for a pull-request comment and a job summary: summary first, a table per kind,
field diffs in collapsible sections, and safe truncation under GitHub's comment limit.

Every user string (keys, paths, values, notes) is escaped so a hostile event name can
neither break a table nor inject HTML or mentions. No I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import quote

from cobalt_sync.applying.report import ApplyReport, Outcome, Status
from cobalt_sync.plan import Change, DashboardStep, EntryNote, FieldChange, Plan, Unmanaged
from cobalt_sync.render.field_diff import (
    differing_parts,
    field_rows,
    is_scalar_change,
    one_line,
)
from cobalt_sync.render.values import (
    DASHBOARD_TITLE,
    SIGNS,
    by_kind,
    footnotes,
    interruption_sentence,
    ordered_outcomes,
    plan_counts,
    plural,
    printable,
    reason_marks,
    step_status,
    targeted_sentence,
    with_tag,
)

PLAN_MARKER = "<!-- cobalt-sync-plan -->"
REPORT_MARKER = "<!-- cobalt-sync-apply -->"
# A hidden count a CI script can read from the report without parsing prose (the Action's
# `dashboard-steps` output): `<!-- cobalt-sync-dashboard-steps: 3 -->`.
STEPS_COUNT_MARKER = "<!-- cobalt-sync-dashboard-steps: {count} -->"
# GitHub refuses comments over 65,536 characters; the margin leaves room for a line the
# Action prepends (its sticky-comment key).
COMMENT_LIMIT = 65_000
DIFF_VALUE_WIDTH = 120
DIFF_FIELDS_SHOWN = 100
TABLE_PATHS_SHOWN = 5
ADDRESSES_SHOWN = 10
WARNINGS_SHOWN = 20
UNMANAGED_KEYS_SHOWN = 10
FULL_PLAN_WHERE = "The full plan is in this job's artifacts (the plan JSON) and log."

# Characters that could start Markdown or HTML markup inside a line, as numeric entities:
# entities are decoded after parsing, so they can never form markup or split a table cell.
_ENTITIES = {ch: f"&#{ord(ch)};" for ch in "&<>\"'|\\`*_[]~"}
_ENTITIES["@"] = "@&#8203;"  # a zero-width space after @ keeps GitHub from pinging anyone


def md_text(text: str) -> str:
    """Prose safe anywhere inside a line, a table cell or an HTML block."""
    return "".join(_ENTITIES.get(ch, ch) for ch in printable(text))


def md_code(text: str) -> str:
    """Inline code; GitHub links no mention inside <code>, so @ needs no zero-width space."""
    return f"<code>{md_text(text).replace('@&#8203;', '&#64;')}</code>"


def md_with_code(text: str) -> str:
    """Prose whose `backticked` parts (client ids, scopes) become inline code, safely."""
    parts = text.split("`")
    if len(parts) % 2 == 0:  # an unpaired backtick: no code spans at all
        return md_text(text)
    return "".join(md_code(p) if i % 2 else md_text(p) for i, p in enumerate(parts))


def utf16_length(text: str) -> int:
    """Length as GitHub's limit counts it: emoji outside the BMP count twice in UTF-16."""
    return len(text.encode("utf-16-le")) // 2


# --- plan ---------------------------------------------------------------------------------


def render_plan_markdown(
    plan: Plan,
    *,
    limit: int = COMMENT_LIMIT,
    verbose: bool = False,
    link_base: str | None = None,
) -> str:
    """The PR comment for `plan`, never longer than `limit`: detail sections are dropped
    first, then table rows, and a closing line says how many changes were left out.
    `link_base` (`https://github.com/OWNER/REPO/blob/SHA`) makes each change's manifest
    line a link; `verbose` unfolds the notes about unchanged objects."""
    ordered = [change for _, changes in by_kind(plan.changes) for change in changes]
    # A `line` column only where some change has one (not in `diff`'s comparison).
    with_lines = any(change.source for change in ordered)
    rows = [table_row(change, link_base, with_lines=with_lines) for change in ordered]
    details = [details_block(change) for change in ordered]
    view = PlanView(verbose, link_base)

    def build(shown_rows: int, shown_details: int) -> str:
        return assemble_plan(plan, ordered, rows, details, (shown_rows, shown_details), view)

    return fit(build, len(ordered), limit) or minimal_plan(plan)


def fit(build: Callable[[int, int], str], total: int, limit: int) -> str | None:
    """The fullest `build(rows, details)` that fits `limit`, or None when nothing does.
    Size grows with both counts, so a binary search on each finds the largest fit."""

    def fits(text: str) -> bool:
        return utf16_length(text) <= limit

    full = build(total, total)
    if fits(full):
        return full
    if fits(build(total, 0)):
        shown = largest(lambda d: fits(build(total, d)), total)
        return build(total, shown)
    if not fits(build(0, 0)):
        return None
    shown = largest(lambda r: fits(build(r, 0)), total)
    return build(shown, 0)


def largest(ok: Callable[[int], bool], upper: int) -> int:
    """Largest n in [0, upper] with ok(n), given ok(0) and ok monotonically decreasing."""
    low, high = 0, upper
    while low < high:
        middle = (low + high + 1) // 2
        if ok(middle):
            low = middle
        else:
            high = middle - 1
    return low


@dataclass(frozen=True)
class PlanView:
    """How a plan is shown: notes about unchanged objects unfolded or not, and the link base
    of manifest lines (None: the lines are named, not linked)."""

    verbose: bool = False
    link_base: str | None = None


def assemble_plan(
    plan: Plan,
    ordered: Sequence[Change],
    rows: Sequence[str],
    details: Sequence[str],
    shown: tuple[int, int],
    view: PlanView,
) -> str:
    shown_rows, shown_details = shown
    parts = [*plan_header(plan)]
    index = 0
    with_lines = any(change.source for change in ordered)
    for kind, changes in by_kind(ordered):
        span = range(index, index + len(changes))
        index += len(changes)
        parts += kind_section(kind, [rows[i] for i in span if i < shown_rows], with_lines)
        parts += [details[i] for i in span if i < shown_details and details[i]]
    parts += dashboard_section(plan.dashboard_steps, view.link_base)
    parts += notes_section(plan.notes, plan.unchanged_notes, verbose=view.verbose)
    parts += unmanaged_section(plan.unmanaged)
    hidden_details = sum(1 for i, d in enumerate(details) if d and i >= shown_details)
    parts += omission_notice(len(ordered) - shown_rows, len(ordered), hidden_details)
    parts.append(plan_footer(plan))
    return "\n\n".join(parts) + "\n"


def plan_header(plan: Plan) -> list[str]:
    create, update, delete, unmanaged = plan_counts(plan)
    title = f"{PLAN_MARKER}\n### cobalt-sync plan · {md_code(plan.environment)}"
    if plan.has_changes:
        summary = (
            f"**Plan:** {create} to create · {update} to update · {delete} to delete · "
            f"{steps_count(plan.dashboard_steps)}{unmanaged} unmanaged"
        )
    else:
        summary = f"**No changes.** The live org matches the manifest. · {unmanaged} unmanaged"
    targeted = [f"🎯 {md_text(targeted_sentence(plan))}"] if plan.targets else []
    return [title, summary, *targeted, *alert_lines(plan)]


def alert_lines(plan: Plan) -> list[str]:
    lines: list[str] = []
    breaking = with_tag(plan.changes, "breaking")
    if breaking:
        lines.append(
            f"⚠️ **{plural(len(breaking), 'breaking change')}** (workflows reading a removed "
            f"or retyped key may fail): {address_list(breaking)}"
        )
    reauthorize = with_tag(plan.changes, "reauthorize")
    if reauthorize:
        lines.append(
            f"⚠️ **{plural(len(reauthorize), 'change')} "
            f"{'makes' if len(reauthorize) == 1 else 'make'} existing connections "
            f"re-authorize:** {address_list(reauthorize)}"
        )
    lines += [
        f"⛔ **apply refuses this plan without <code>--allow-mass-delete</code>:** {md_text(m)}"
        for m in plan.mass_delete
    ]
    lines += [f"⚠️ {md_text(w)}" for w in plan.warnings[:WARNINGS_SHOWN]]
    if len(plan.warnings) > WARNINGS_SHOWN:
        lines.append(f"⚠️ … and {len(plan.warnings) - WARNINGS_SHOWN} more warnings.")
    return lines


def steps_count(steps: Sequence[DashboardStep]) -> str:
    return f"**{plural(len(steps), 'dashboard step')}** · " if steps else ""


def dashboard_section(steps: Sequence[DashboardStep], link_base: str | None = None) -> list[str]:
    """A numbered list a person can follow in the dashboard; diffs folded under each step,
    and each reason a step cannot be observed said once, as a footnote."""
    if not steps:
        return []
    marks = reason_marks(steps)
    items = [dashboard_item(number, step, marks, link_base) for number, step in enumerate(steps, 1)]
    notes = ["\n\n".join(f"<sub>{md_text(line)}</sub>" for line in footnotes(marks))]
    return [f"#### {md_text(DASHBOARD_TITLE)}", "\n".join(items), *(n for n in notes if n)]


def dashboard_item(
    number: int, step: DashboardStep, marks: Mapping[str, int], link_base: str | None
) -> str:
    status = md_text(step_status(step, marks))
    tags = "".join(f" **{md_text(tag)}**" for tag in step.change.tags)
    what = md_with_code(step.what)
    source = source_cell(step.change, link_base)
    line = f"{number}. **{md_text(step.where)}**: {what} — {status}{tags}"
    line += f" · {source}" if source else ""
    notes = [f"   <br>{md_text(n)}" for n in step.change.notes]
    diff = details_block(step.change)
    folded = ["", "   " + diff.replace("\n", "\n   ")] if diff else []
    return "\n".join([line, *notes, *folded])


def notes_section(
    notes: Sequence[str], unchanged: Sequence[EntryNote] = (), *, verbose: bool = False
) -> list[str]:
    """The plan's own notes; those about objects it does not change folded under a
    `<details>` (unfolded with -v), so a comment does not repeat them on every plan."""
    shown = [*notes, *(str(n) for n in unchanged)] if verbose else list(notes)
    parts = ["#### Notes\n\n" + "\n".join(f"- {md_text(n)}" for n in shown)] if shown else []
    if unchanged and not verbose:
        items = "\n".join(f"- {md_text(str(n))}" for n in unchanged)
        parts.append(
            f"<details><summary>Notes ({len(unchanged)}) about unchanged entries</summary>"
            f"\n\n{items}\n\n</details>"
        )
    return parts


def address_list(changes: Sequence[Change]) -> str:
    shown = ", ".join(md_code(c.address) for c in changes[:ADDRESSES_SHOWN])
    rest = len(changes) - ADDRESSES_SHOWN
    return shown + (f" and {rest} more" if rest > 0 else "")


def kind_section(kind: str, rows: Sequence[str], with_lines: bool = False) -> list[str]:
    if not rows:
        return []
    columns = ["action", "key", *(["line"] if with_lines else []), "fields changed", "notes"]
    header = "| " + " | ".join(columns) + " |"
    table = "\n".join([header, "|" + "---|" * len(columns), *rows])
    return [f"#### {md_text(kind)}", table]


def table_row(change: Change, link_base: str | None = None, *, with_lines: bool = True) -> str:
    action = f"{SIGNS[change.action]} {change.action.value}"
    paths = [md_code(f.path) for f in change.fields[:TABLE_PATHS_SHOWN]]
    more = len(change.fields) - TABLE_PATHS_SHOWN
    fields = ", ".join(paths) + (f" +{more} more" if more > 0 else "")
    notes = [f"**{md_text(tag)}**" for tag in change.tags] + [md_text(n) for n in change.notes]
    line = f" {source_cell(change, link_base)} |" if with_lines else ""
    return f"| {action} | {md_code(change.key)} |{line} {fields} | {'<br>'.join(notes)} |"


def source_cell(change: Change, link_base: str | None) -> str:
    """`cobalt.yaml:12`, a link to that line at `link_base` (the pull request's head commit
    on GitHub) when there is one; empty when no manifest line causes the change."""
    source = change.source
    if source is None:
        return ""
    text = md_text(str(source))
    if not link_base:
        return text
    # Quoted so that no character of the path can end the link or open markup.
    url = f"{link_base.rstrip('/')}/{quote(source.file)}#L{source.line}"
    return f"[{text}]({url})"


def details_block(change: Change) -> str:
    """A collapsed ```diff of the change's fields; empty when it has none."""
    if not change.fields:
        return ""
    lines = [line for field in change.fields[:DIFF_FIELDS_SHOWN] for line in diff_lines(field)]
    hidden = len(change.fields) - DIFF_FIELDS_SHOWN
    if hidden > 0:
        lines.append(f"# … and {hidden} more fields: see the full plan")
    fence = code_fence(lines)
    summary = (
        f"{SIGNS[change.action]} {md_text(change.address)}: {plural(len(change.fields), 'field')}"
    )
    body = "\n".join([f"{fence}diff", *lines, fence])
    return f"<details><summary>{summary}</summary>\n\n{body}\n\n</details>"


def diff_lines(field: FieldChange) -> list[str]:
    """The field as ```diff lines: the sign in column one (GitHub colours it), a change of
    a scalar as a `-` line and a `+` line, a list or object element by element."""
    if is_scalar_change(field):
        path = printable(field.path)
        before, after = differing_parts(
            one_line(field.before), one_line(field.after), DIFF_VALUE_WIDTH
        )
        return [f"- {path}: {before}", f"+ {path}: {after}"]
    rows = field_rows(field, DIFF_VALUE_WIDTH)
    if field.sensitive:
        return [f"{row.sign} {row.text}" for row in rows]
    # `~` means nothing to a diff fence: a list's opening line is context there.
    return [f"{row.sign.replace('~', ' ')} {'  ' * row.depth}{row.text}" for row in rows]


def code_fence(lines: Sequence[str]) -> str:
    """A backtick fence longer than any backtick run inside, so no value can close it."""
    longest = 0
    for line in lines:
        run = 0
        for ch in line:
            run = run + 1 if ch == "`" else 0
            longest = max(longest, run)
    return "`" * max(3, longest + 1)


def unmanaged_section(unmanaged: Sequence[Unmanaged]) -> list[str]:
    shown = [u for u in unmanaged if u.count]
    if not shown:
        return []
    total = sum(u.count for u in shown)
    items = []
    for group in shown:
        keys = [md_code(k) for k in group.keys[:UNMANAGED_KEYS_SHOWN]]
        rest = group.count - len(keys)
        listed = ", ".join(keys) + (f", … and {rest} more" if rest > 0 and keys else "")
        items.append(f"- {md_text(group.kind)} ({group.count}){': ' + listed if keys else ''}")
    summary = f"{plural(total, 'unmanaged object')} left alone (not in cobalt.yaml)"
    return [f"<details><summary>{summary}</summary>\n\n" + "\n".join(items) + "\n\n</details>"]


def omission_notice(hidden_rows: int, total: int, hidden_details: int) -> list[str]:
    if hidden_rows:
        return [
            f"> ✂️ **{hidden_rows} of {total} changes are not shown**, nor any field diffs, "
            f"to stay under GitHub's comment size limit. {FULL_PLAN_WHERE}"
        ]
    if hidden_details:
        return [
            f"> ✂️ **Field diffs of {plural(hidden_details, 'change')} are not shown** to stay "
            f"under GitHub's comment size limit. {FULL_PLAN_WHERE}"
        ]
    return []


def plan_footer(plan: Plan) -> str:
    manifest = md_text(plan.manifest_hash[:19]) or "n/a"
    live = md_text(plan.live_fingerprint[:19]) or "n/a"
    return f"<sub>cobalt-sync · manifest {manifest} · live org {live}</sub>"


def minimal_plan(plan: Plan) -> str:
    """Last resort when even the header is too long: the counts and where the rest is."""
    create, update, delete, unmanaged = plan_counts(plan)
    return (
        f"{PLAN_MARKER}\n**Plan:** {create} to create · {update} to update · {delete} to "
        f"delete · {steps_count(plan.dashboard_steps)}{unmanaged} unmanaged\n\n"
        "> ✂️ The plan is too long for a comment. "
        f"{FULL_PLAN_WHERE}\n"
    )


# --- apply report -------------------------------------------------------------------------

_STATUS_LABELS = {
    Status.DONE: "✅ done",
    Status.FAILED: "❌ failed",
    Status.SKIPPED: "⏭️ skipped",
    Status.NOT_RUN: "⏸️ not run",
}


def render_report_markdown(report: ApplyReport, *, limit: int = COMMENT_LIMIT) -> str:
    """The apply report for a job summary or comment, under `limit` like the plan."""
    outcomes = ordered_outcomes(report)
    rows = [outcome_row(o) for o in outcomes]

    def build(shown_rows: int, _details: int) -> str:
        return assemble_report(report, rows, shown_rows)

    return fit(build, len(rows), limit) or f"{REPORT_MARKER}\n{report_summary(report)}\n"


def assemble_report(report: ApplyReport, rows: Sequence[str], shown: int) -> str:
    count = STEPS_COUNT_MARKER.format(count=len(report.dashboard_steps))
    title = f"{REPORT_MARKER}\n{count}\n### cobalt-sync apply · {md_code(report.plan.environment)}"
    parts = [title, report_summary(report), verification(report)]
    parts += dashboard_section(report.dashboard_steps)
    if shown:
        table = ["| status | action | key | reason |", "|---|---|---|---|", *rows[:shown]]
        parts.append("\n".join(table))
    if shown < len(rows):
        parts.append(
            f"> ✂️ **{len(rows) - shown} of {len(rows)} outcomes are not shown** to stay "
            "under GitHub's comment size limit. The full report is in this job's log."
        )
    return "\n\n".join(parts) + "\n"


def report_summary(report: ApplyReport) -> str:
    counts = report.summary()
    steps = report.dashboard_steps
    remain = f" · **{plural(len(steps), 'dashboard step')} to take**" if steps else ""
    not_run = f" · {counts['not_run']} not run" if counts["not_run"] else ""
    stopped = ""
    if report.interrupted:
        head, rest = interruption_sentence(report).split(": ", 1)
        stopped = f"\n\n⏸️ **{md_text(head)}:** {md_text(rest)} Re-running apply is safe."
    return (
        f"**Apply:** {counts['done']} done · {counts['failed']} failed · "
        f"{counts['skipped']} skipped{not_run}{remain}{stopped}"
    )


def verification(report: ApplyReport) -> str:
    if report.duplicates:
        shown = ", ".join(md_code(address) for address in report.duplicates[:10])
        return (
            f"❌ **Held by several live objects each:** "
            f"{plural(len(report.duplicates), 'declared object')} ({shown})"
        )
    if report.remaining:
        return (
            f"❌ **The live org still differs:** {plural(len(report.remaining), 'change')} "
            f"({address_list(report.remaining)})"
        )
    if report.verified and report.dashboard_steps:
        return "✅ **Verified:** every API change is in the live org."
    if report.verified:
        return "✅ **Verified:** the live org matches the manifest."
    return "Not verified: the live org was not re-read after apply."


def outcome_row(outcome: Outcome) -> str:
    change = outcome.change
    action = f"{SIGNS[change.action]} {change.action.value}"
    return (
        f"| {_STATUS_LABELS[outcome.status]} | {action} | {md_code(change.address)} | "
        f"{md_text('; '.join([outcome.reason, *outcome.notes]).strip('; '))} |"
    )
