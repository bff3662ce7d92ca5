"""apply_plan: carry out a Plan's changes in dependency order, concurrently within a stage.

Own OAuth credentials go in before an app is enabled (no end customer ever meets Cobalt's
default consent screen); deletes run in reverse. A failed change does not stop independent
ones; the changes that depend on it are skipped. Every outcome is reported as it lands.
"""

from __future__ import annotations

import logging
import queue
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor

from cobalt_sync.applying.duplicates import Settled, keep_one
from cobalt_sync.applying.interrupts import StopRequest
from cobalt_sync.applying.report import Outcome, Status
from cobalt_sync.errors import CobaltSyncError
from cobalt_sync.kinds import APPLY_ORDER, KINDS, RunContext, prerequisite
from cobalt_sync.plan import Action, Change, Plan
from cobalt_sync.resource import Resource, State

log = logging.getLogger(__name__)

OnOutcome = Callable[[Outcome], None]

# After an interrupt, how long writes already sent may take to land before apply reports
# without them: long enough for a normal request, short enough that CI's SIGTERM-then-
# SIGKILL window (10 s on GitHub Actions) still sees the report.
GRACE_SECONDS = 5.0
# How often the stage loop looks at the stop request while writes are in flight.
POLL_SECONDS = 0.1
IN_FLIGHT = "in flight when apply was interrupted: may or may not have landed"


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
    ctx: RunContext,
    on_outcome: OnOutcome = lambda outcome: None,
    stop: StopRequest | None = None,
) -> tuple[Outcome, ...]:
    """Every change's outcome, in plan order. Once `stop` is set no change starts; those
    in flight get GRACE_SECONDS to land, and whatever did not start (or did not finish in
    time) is reported NOT_RUN, so the report says exactly what may have been written."""
    stop = stop or StopRequest()
    settled: dict[str, Outcome] = {}
    pool = ThreadPoolExecutor(max_workers=max(1, ctx.parallelism))
    try:
        for batch in stages(plan):
            if stop.is_set():
                settled.update((c.address, not_run(c)) for c in batch)
                continue

            def run(change: Change) -> Outcome:
                if stop.is_set():
                    return not_run(change)
                outcome = execute(change, desired, live, ctx, settled)
                on_outcome(outcome)
                return outcome

            futures = {pool.submit(run, change): change for change in batch}
            settled.update((o.change.address, o) for o in settle(futures, stop))
    finally:
        # Without a stop this waits as before; after one, a write still hanging past the
        # grace period is abandoned (its outcome is reported as unknown) rather than awaited.
        pool.shutdown(wait=not stop.is_set(), cancel_futures=True)
    return tuple(settled[c.address] for c in plan.changes if c.address in settled)


def settle(futures: dict[Future[Outcome], Change], stop: StopRequest) -> list[Outcome]:
    """The outcomes of one stage; after a stop, in-flight writes get GRACE_SECONDS.

    Each future reports itself to a queue when it ends: waiting on the whole pending set
    after every write (`concurrent.futures.wait`) made a stage of n writes cost n² (a
    10,000-account apply spent most of its 100 s there)."""
    finished: queue.SimpleQueue[Future[Outcome]] = queue.SimpleQueue()
    for future in futures:
        future.add_done_callback(finished.put)
    pending = set(futures)
    done: list[Outcome] = []
    deadline: float | None = None
    while pending:
        if stop.is_set() and deadline is None:
            deadline = time.monotonic() + GRACE_SECONDS
        timeout = POLL_SECONDS if deadline is None else max(0.0, deadline - time.monotonic())
        for future in next_finished(finished, timeout):
            pending.discard(future)
            done.append(future.result())
        if deadline is not None and time.monotonic() >= deadline:
            break
    done += [not_run(futures[f], IN_FLIGHT) for f in pending]
    return done


def next_finished(
    finished: queue.SimpleQueue[Future[Outcome]], timeout: float
) -> list[Future[Outcome]]:
    """The futures that ended, waiting up to `timeout` for the first: every one already
    there is taken, so none that ended before a deadline is reported as in flight."""
    try:
        ended = [finished.get(timeout=timeout) if timeout > 0 else finished.get_nowait()]
    except queue.Empty:
        return []
    while True:
        try:
            ended.append(finished.get_nowait())
        except queue.Empty:
            return ended


def not_run(change: Change, reason: str = "not started: apply was interrupted") -> Outcome:
    return Outcome(change, Status.NOT_RUN, reason)


def execute(
    change: Change, desired: State, live: State, ctx: RunContext, settled: dict[str, Outcome]
) -> Outcome:
    blocker = blocked_by(change, settled)
    if blocker is not None:
        return Outcome(change, Status.SKIPPED, blocker)
    started = time.monotonic()
    want = desired.get(change.kind, change.key)
    copies = Settled()
    try:
        write(change, want, live.get(change.kind, change.key), ctx)
        if change.action is Action.CREATE and want is not None and races(change.kind):
            copies = keep_one(ctx, want)
    except CobaltSyncError as error:
        return Outcome(change, Status.FAILED, str(error), time.monotonic() - started)
    except Exception as error:  # a bug must not hide the outcome of every other change
        log.debug("change %s failed", change.address, exc_info=True)
        reason = f"internal error ({type(error).__name__}); re-run with --debug"
        return Outcome(change, Status.FAILED, reason, time.monotonic() - started)
    elapsed, notes = time.monotonic() - started, tuple(copies.deleted)
    if copies.foreign:
        reason = "created, but " + "; ".join(copies.foreign)
        return Outcome(change, Status.FAILED, reason, elapsed, notes)
    return Outcome(change, Status.DONE, "", elapsed, notes)


def races(kind: str) -> bool:
    """Two applies racing can each create an object of `kind` (the vendor does not keep its
    key unique): a create is then re-read by key (duplicates.py)."""
    return not KINDS[kind].key_unique_on_server


def blocked_by(change: Change, settled: dict[str, Outcome]) -> str | None:
    needed = prerequisite(change)
    outcome = settled.get(needed) if needed else None
    if outcome is None or outcome.status is Status.DONE:
        return None
    return f"depends on {needed}, which was {outcome.status.value}"


def write(change: Change, want: Resource | None, have: Resource | None, ctx: RunContext) -> None:
    kind = KINDS[change.kind]
    if change.action is Action.CREATE and want is not None:
        kind.create(ctx, want)
    elif change.action is Action.UPDATE and want is not None and have is not None:
        kind.update(ctx, want, have)
    elif change.action is Action.DELETE and have is not None:
        kind.delete(ctx, have)
    else:
        raise CobaltSyncError(f"{change.address}: the plan does not match the states read")
