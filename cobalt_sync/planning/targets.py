"""`--target`: narrow a plan to some addresses (`apps/slack`, `events/Invoice Paid`) or whole
kinds (`events`), as terraform's `-target` does.

A targeted change whose prerequisite lies outside the targets (enabling an app needs its own
OAuth client first) brings that prerequisite along, with a note saying why: applying one
without the other is what the apply order exists to prevent. Pure functions, no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass, replace

from cobalt_sync.catalog import suggest
from cobalt_sync.errors import InputError
from cobalt_sync.kinds import KIND_ORDER, prerequisite
from cobalt_sync.plan import Change, Plan, Unmanaged

TARGET_HINT = "a target is a kind (apps, events, …) or KIND/KEY, e.g. apps/slack"


@dataclass(frozen=True)
class Target:
    """One `--target`: a whole kind, or one object of it."""

    kind: str
    key: str | None = None

    @classmethod
    def parse(cls, text: str) -> Target:
        kind, slash, key = text.partition("/")
        if kind not in KIND_ORDER:
            close = suggest(kind, KIND_ORDER)
            guess = f" (did you mean '{close}'?)" if close else ""
            raise InputError(f"--target {text!r}: unknown kind '{kind}'{guess}", hint=TARGET_HINT)
        if slash and not key:
            raise InputError(f"--target {text!r}: no key after '/'", hint=TARGET_HINT)
        return cls(kind, key or None)

    def __str__(self) -> str:
        return self.kind if self.key is None else f"{self.kind}/{self.key}"

    def matches(self, change: Change) -> bool:
        return self.names(change.kind, change.key)

    def names(self, kind: str, key: str) -> bool:
        return kind == self.kind and (self.key is None or key == self.key)


def parse_targets(texts: tuple[str, ...]) -> tuple[Target, ...]:
    """Parsed and in a stable order (a saved plan compares them)."""
    unique = {str(t): t for t in (Target.parse(text) for text in texts)}
    return tuple(unique[name] for name in sorted(unique))


def select(plan: Plan, targets: tuple[Target, ...]) -> Plan:
    """The plan narrowed to `targets`, with the prerequisites they need; unchanged when
    there are no targets."""
    if not targets:
        return plan
    everything = [*plan.changes, *(step.change for step in plan.dashboard_steps)]
    wanted = {c.address for c in everything if any(t.matches(c) for t in targets)}
    brought = prerequisites_of(everything, wanted)
    return replace(
        plan,
        changes=tuple(explain(c, brought) for c in plan.changes if kept(c, wanted, brought)),
        dashboard_steps=tuple(
            replace(s, change=explain(s.change, brought))
            for s in plan.dashboard_steps
            if kept(s.change, wanted, brought)
        ),
        unmanaged=tuple(u for u in plan.unmanaged if targeted_kind(u, targets)),
        unchanged_notes=tuple(
            n for n in plan.unchanged_notes if any(t.names(n.kind, n.key) for t in targets)
        ),
        targets=tuple(str(t) for t in targets),
    )


def prerequisites_of(changes: list[Change], wanted: set[str]) -> dict[str, str]:
    """Address of each prerequisite outside `wanted` → the targeted change that needs it."""
    present = {c.address for c in changes}
    brought: dict[str, str] = {}
    for change in changes:
        needed = prerequisite(change)
        if change.address in wanted and needed in present and needed not in wanted:
            brought[needed] = change.address
    return brought


def kept(change: Change, wanted: set[str], brought: dict[str, str]) -> bool:
    return change.address in wanted or change.address in brought


def explain(change: Change, brought: dict[str, str]) -> Change:
    if change.address not in brought:
        return change
    note = f"included although not targeted: {brought[change.address]} needs it first"
    return replace(change, notes=(*change.notes, note))


def targeted_kind(unmanaged: Unmanaged, targets: tuple[Target, ...]) -> bool:
    """Unmanaged objects are listed only for kinds targeted whole."""
    return any(t.kind == unmanaged.kind and t.key is None for t in targets)


def check_named(
    targets: tuple[Target, ...],
    declared: Mapping[str, Set[str]],
    live: Mapping[str, Set[str]],
    read_in_part: Set[str] = frozenset(),
) -> None:
    """A `KIND/KEY` target that names no declared and no live object of its kind is a typo,
    not "no changes": refused (exit 3) with the closest key of that kind. For the kinds in
    `read_in_part` (a big org: only the declared objects were read) the message does not
    claim the live org lacks it; an undeclared object there has nothing to plan anyway."""
    for target in targets:
        if target.key is None:
            continue
        here, there = declared.get(target.kind, frozenset()), live.get(target.kind, frozenset())
        if target.key in here or target.key in there:
            continue
        close = suggest(target.key, sorted({*here, *there}))
        guess = f" (did you mean '{target.kind}/{close}'?)" if close else ""
        where = "manifest" if target.kind in read_in_part else "manifest or the live org"
        raise InputError(
            f"--target {str(target)!r}: no {target.kind} object has the key "
            f"'{target.key}' in the {where}{guess}",
            hint="a target's key is the object's key in the manifest (`cobalt-sync plan` "
            "without --target lists them), or a live object's key",
        )
