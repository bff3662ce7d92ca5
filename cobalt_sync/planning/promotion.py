"""Promotion: what one environment of a manifest would receive or lose relative to another.

`promotion_plan(source, target)` is the planner run with the source environment's desired
state standing in for the live org, so the changes, field paths, review tags (`breaking`,
`reauthorize`) and secret masking are exactly those `plan` shows. Everything either side
declares is compared (as if every kind were pruned): an object only the source declares is
something the target loses. Pure: no I/O, no HTTP, no click.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from cobalt_sync.kinds import KIND_ORDER, KINDS
from cobalt_sync.plan import Action, Change, Plan
from cobalt_sync.planning.planner import PlanInputs, build_plan
from cobalt_sync.reading.state import desired_state
from cobalt_sync.render import render_plan
from cobalt_sync.render.json_format import dumps
from cobalt_sync.resource import KindState, State

DIFF_FORMAT_VERSION = 1
DIFF_MARKER = "<!-- cobalt-sync-diff -->"
PRUNED_NOTE = "pruned: not in the manifest"

if TYPE_CHECKING:
    from cobalt_sync.manifest import Manifest


@dataclass(frozen=True)
class Promotion:
    """The changes that take environment `source` to environment `target`."""

    source: str
    target: str
    plan: Plan

    @property
    def identical(self) -> bool:
        return not self.plan.changes


def promotion_plan(source: Manifest, target: Manifest) -> Promotion:
    """`target`'s desired state planned against `source`'s, read as if it were live."""
    before = present_only(desired_state(source))
    inputs = PlanInputs(environment=target.environment, prune=frozenset(KIND_ORDER))
    plan = build_plan(desired_state(target), before, inputs)
    changes = tuple(
        explain(change, source.environment, target.environment) for change in plan.changes
    )
    # Thresholds and unmanaged objects are about a live org; here nothing is live.
    plan = replace(plan, changes=changes, unmanaged=(), mass_delete=(), warnings=())
    return Promotion(source.environment, target.environment, plan)


def present_only(state: State) -> State:
    """What an org configured as this environment would hold: no `state: absent` objects."""
    kept = State()
    for name, kind in state.kinds.items():
        kept.kinds[name] = KindState(
            {key: r for key, r in kind.resources.items() if r.ensure == "present"}
        )
    return kept


def explain(change: Change, source: str, target: str) -> Change:
    if change.action is not Action.DELETE:
        return change
    if PRUNED_NOTE in change.notes:
        return replace(change, notes=(f"declared in {source} only",))
    kind = KINDS.get(change.kind)
    removed = kind.absent_spelling if kind is not None else "state: absent"
    return replace(change, notes=(*change.notes, f"{removed} in {target}"))


# --- rendering ----------------------------------------------------------------------------


def render_promotion(promotion: Promotion, fmt: str, *, color: bool = False) -> str:
    if fmt == "json":
        return dumps(promotion_document(promotion))
    if fmt == "markdown":
        return render_markdown(promotion)
    return render_text(promotion, color=color)


def headline(promotion: Promotion) -> str:
    source, target = promotion.source, promotion.target
    if promotion.identical:
        return f"{target} is identical to {source}: promotion changes nothing."
    return f"{target} relative to {source} (+ only in {target}, ~ differs, - only in {source}):"


def counts_sentence(promotion: Promotion) -> str:
    counts = promotion.plan.summary()
    return (
        f"{counts['create']} only in {promotion.target}, {counts['update']} differ, "
        f"{counts['delete']} only in {promotion.source}."
    )


# Lines of the plan renderers that speak of a live org (its summary, hashes): not shown here.
_LIVE_ORG_LINES = ("Plan:", "**Plan:**", "<sub>cobalt-sync", "No changes", "**No changes.**")


def _without_live_org_lines(lines: list[str]) -> list[str]:
    return [line for line in lines if not line.startswith(_LIVE_ORG_LINES)]


def render_text(promotion: Promotion, *, color: bool) -> str:
    if promotion.identical:
        return headline(promotion) + "\n"
    # The plan's first line names one environment; the promotion's names both.
    lines = render_plan(promotion.plan, "text", color=color).split("\n")[1:]
    lines = _without_live_org_lines(lines)
    text = "\n".join([headline(promotion), *lines]).rstrip("\n")
    return f"{text}\n\n{counts_sentence(promotion)}\n"


def render_markdown(promotion: Promotion) -> str:
    title = f"{DIFF_MARKER}\n### cobalt-sync diff · `{promotion.source}` → `{promotion.target}`"
    if promotion.identical:
        return f"{title}\n\n**Identical.** {headline(promotion)}\n"
    # Keep the plan's alerts, tables and details; drop its marker, title and live-org lines.
    lines = render_plan(promotion.plan, "markdown").split("\n")[2:]
    rest = "\n".join(_without_live_org_lines(lines)).strip("\n")
    summary = f"**{headline(promotion)}** {counts_sentence(promotion)}"
    return f"{title}\n\n{summary}\n\n{rest}\n"


def promotion_document(promotion: Promotion) -> dict[str, Any]:
    plan = promotion.plan.to_dict()
    return {
        "format_version": DIFF_FORMAT_VERSION,
        "from": promotion.source,
        "to": promotion.target,
        "identical": promotion.identical,
        "changes": plan["changes"],
        "summary": {k: v for k, v in plan["summary"].items() if k != "unmanaged"},
    }
