"""Reading the org while the manifest is still being checked, and `read_org`, which uses
that reading or reads as usual.

What a plan reads depends only on which objects the manifest declares, and that is known
once the manifest's YAML is read, merged and its variables resolved (`DraftManifest`).
Checking it against the models takes longer: the models are built then. `ReadAhead` starts
the reads of the kinds whose `read` needs nothing or only the declared keys, on a thread,
from that draft; `read_org` uses them only when the checked manifest reads exactly what was
guessed, and otherwise reads again as if nothing had been read ahead. Reads only: a wrong
guess costs requests, never a write or a different plan.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from concurrent.futures import Future
from dataclasses import dataclass, replace
from typing import Any

from cobalt_sync.kinds import KINDS, RunContext
from cobalt_sync.reading.connect import DraftReads
from cobalt_sync.reading.environment import may_read_ahead
from cobalt_sync.reading.state import kinds_to_read, observers, read_live
from cobalt_sync.resource import State


@dataclass(frozen=True)
class Scope:
    """What a reading covers: the kinds read, the declared keys the reads used, the kinds
    read whole (pruned), and the seed accounts reads of apps may go through."""

    kinds: tuple[str, ...]
    keys: Mapping[str, frozenset[str]]
    prune: frozenset[str]
    seeds: tuple[str, ...]

    @classmethod
    def of(cls, declared: State, prune: frozenset[str]) -> Scope:
        kinds = tuple(k for k in kinds_to_read(declared, prune) if KINDS[k].read_uses != "entries")
        keys = {
            kind: frozenset(declared.kind(kind).resources)
            for kind in kinds
            if KINDS[kind].read_uses == "keys"
        }
        return cls(kinds, keys, prune, tuple(observers(declared)))


def guess_scope(
    document: Mapping[str, Any], draft: DraftReads, environment: str
) -> tuple[Scope, State] | None:
    """The scope of the checked manifest as the draft `document` suggests it, with the
    declared objects the reads are given; None when the draft gives no safe guess (its
    environment is not the key's: nothing may be sent before the guard has spoken)."""
    if not may_read_ahead(draft.environment, environment) or draft.prune is None:
        return None
    declared = State()
    for name, kind in KINDS.items():
        if kind.read_uses == "entries":
            continue
        guessed = kind.draft_keys(document)
        if guessed is None:
            return None
        declared.kinds[name] = guessed
    return Scope.of(declared, draft.prune), declared


class ReadAhead:
    """The reads of `scope`'s kinds, started on a thread at once."""

    def __init__(self, ctx: RunContext, scope: Scope, declared: State) -> None:
        self.scope = scope
        self._ctx = replace(ctx, read_all=scope.prune)
        self._declared = declared
        self._live: Future[State] = Future()
        # A daemon: a run that ends before using the reading (the manifest had an error)
        # does not wait for it.
        threading.Thread(target=self._read, name="cobalt-sync-read-ahead", daemon=True).start()

    def _read(self) -> None:
        try:
            self._ctx.settings.begin_read(list(self.scope.seeds))
            self._live.set_result(read_live(self._ctx, self._declared, self.scope.kinds))
        except BaseException as error:  # raised again in the main thread, by `result`
            self._live.set_exception(error)

    def result(self) -> State:
        return self._live.result()

    def settle(self) -> None:
        """Wait for the reading to end, whatever its outcome: a reading the run does not
        use must not share the app-settings backend with the one that replaces it."""
        self._live.exception()


def start_read_ahead(
    ctx: RunContext, document: Mapping[str, Any] | None, draft: DraftReads | None
) -> ReadAhead | None:
    """A ReadAhead from the manifest's draft, or None when it gives no guess."""
    if document is None or draft is None:
        return None
    guessed = guess_scope(document, draft, ctx.environment)
    if guessed is None or not guessed[0].kinds:
        return None
    return ReadAhead(ctx, *guessed)


def read_org(
    ctx: RunContext, desired: State, prune: frozenset[str], ahead: ReadAhead | None
) -> State:
    """The live state of the kinds the checked manifest reads: those `ahead` read, when its
    scope is the manifest's, and the others read now (while that reading ends)."""
    kinds = kinds_to_read(desired, prune)
    seeds = observers(desired)
    if ahead is not None and ahead.scope == Scope.of(desired, prune):
        later = tuple(k for k in kinds if k not in ahead.scope.kinds)
        rest = read_live(ctx, desired, later) if later else State()
        early = ahead.result()
        return State(kinds={k: (early if k in early.kinds else rest).kinds[k] for k in kinds})
    if ahead is not None:
        ahead.settle()
    ctx.settings.begin_read(seeds)
    return read_live(ctx, desired, kinds)
