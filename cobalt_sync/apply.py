"""apply_plan: carry out a Plan's changes in dependency order, concurrently within a stage.

Own OAuth credentials go in before an app is enabled (no end customer ever meets Cobalt's
default consent screen); deletes run in reverse. A failed change does not stop independent
ones; the changes that depend on it are skipped. Every outcome is reported as it lands.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

from cobalt_sync.errors import CobaltSyncError
from cobalt_sync.kinds import KINDS, KindContext
from cobalt_sync.plan import Action, Change, Plan, prerequisite
from cobalt_sync.report import Outcome, Status
from cobalt_sync.resource import APPLY_ORDER, Resource, State

log = logging.getLogger(__name__)

OnOutcome = Callable[[Outcome], None]


def stages(plan: Plan) -> Iterator[tuple[Change, ...]]:
    """Creates and updates kind by kind in APPLY_ORDER, then deletes in reverse."""
    for kind in APPLY_ORDER:
        batch = tuple(c for c in plan.of_kind(kind) if c.action is not Action.DELETE)
        if batch:
            yield batch
    for kind in reversed(APPLY_ORDER):
        batch = tuple(c for c in plan.of_kind(kind) if c.action is Action.DELETE)
        if batch:
            yield batch


def apply_plan(
    plan: Plan,
    desired: State,
    live: State,
    ctx: KindContext,
    on_outcome: OnOutcome = lambda outcome: None,
) -> tuple[Outcome, ...]:
    settled: dict[str, Outcome] = {}
    with ThreadPoolExecutor(max_workers=max(1, ctx.parallelism)) as pool:
        for batch in stages(plan):

            def run(change: Change) -> Outcome:
                outcome = execute(change, desired, live, ctx, settled)
                on_outcome(outcome)
                return outcome

            for outcome in pool.map(run, batch):
                settled[outcome.change.address] = outcome
    return tuple(settled[c.address] for c in plan.changes if c.address in settled)


def execute(
    change: Change, desired: State, live: State, ctx: KindContext, settled: dict[str, Outcome]
) -> Outcome:
    blocker = blocked_by(change, settled)
    if blocker is not None:
        return Outcome(change, Status.SKIPPED, blocker)
    started = time.monotonic()
    try:
        write(change, desired.get(change.kind, change.key), live.get(change.kind, change.key), ctx)
    except CobaltSyncError as error:
        return Outcome(change, Status.FAILED, str(error), time.monotonic() - started)
    except Exception as error:  # a bug must not hide the outcome of every other change
        log.debug("change %s failed", change.address, exc_info=True)
        reason = f"internal error ({type(error).__name__}); re-run with --debug"
        return Outcome(change, Status.FAILED, reason, time.monotonic() - started)
    return Outcome(change, Status.DONE, "", time.monotonic() - started)


def blocked_by(change: Change, settled: dict[str, Outcome]) -> str | None:
    needed = prerequisite(change)
    outcome = settled.get(needed) if needed else None
    if outcome is None or outcome.status is Status.DONE:
        return None
    return f"depends on {needed}, which was {outcome.status.value}"


def write(change: Change, want: Resource | None, have: Resource | None, ctx: KindContext) -> None:
    kind = KINDS[change.kind]
    if change.action is Action.CREATE and want is not None:
        kind.create(ctx, want)
    elif change.action is Action.UPDATE and want is not None and have is not None:
        kind.update(ctx, want, have)
    elif change.action is Action.DELETE and have is not None:
        kind.delete(ctx, have)
    else:
        raise CobaltSyncError(f"{change.address}: the plan does not match the states read")
