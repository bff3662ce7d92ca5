"""ApplyReport: what apply did with each change of a Plan. Pure data, no I/O.

Kept apart from `apply.py` (which talks to Cobalt) so that renderers can show a report
without importing the HTTP layer.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from cobalt_sync.plan import Change, DashboardStep, Plan


class Status(StrEnum):
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"
    NOT_RUN = "not_run"  # apply was interrupted (SIGINT/SIGTERM) before it ran or finished


@dataclass(frozen=True)
class Outcome:
    change: Change
    status: Status
    reason: str = ""
    seconds: float = 0.0
    # What else the change did, one line each (duplicate copies a race left, deleted).
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ApplyReport:
    """Per-change outcomes, plus what the re-read after apply still found different."""

    plan: Plan
    outcomes: tuple[Outcome, ...] = ()
    # Changes a fresh plan still shows after apply (empty when the org matches).
    remaining: tuple[Change, ...] = ()
    verified: bool = False
    # Dashboard steps the re-read did not yet see done (real Cobalt: a person takes them).
    dashboard_steps: tuple[DashboardStep, ...] = ()
    # "SIGINT" / "SIGTERM" when apply was interrupted; empty otherwise.
    interrupted: str = ""
    # Declared objects the re-read found more than once (`kind/key`): the org does not
    # match while a key the manifest names is held by several live objects.
    duplicates: tuple[str, ...] = ()

    def by_status(self, status: Status) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if o.status is status)

    @property
    def complete(self) -> bool:
        return all(o.status is Status.DONE for o in self.outcomes)

    def summary(self) -> dict[str, int]:
        counts = {status.value: 0 for status in Status}
        for outcome in self.outcomes:
            counts[outcome.status.value] += 1
        counts["dashboard_steps"] = len(self.dashboard_steps)
        return counts

    def to_dict(self) -> dict[str, Any]:
        return {
            "outcomes": [
                {
                    "kind": o.change.kind,
                    "key": o.change.key,
                    "action": o.change.action.value,
                    "status": o.status.value,
                    "reason": o.reason,
                    **({"notes": list(o.notes)} if o.notes else {}),
                }
                for o in self.outcomes
            ],
            "summary": self.summary(),
            "verified": self.verified,
            "remaining": [c.to_dict() for c in self.remaining],
            "interrupted": self.interrupted or None,
            "dashboard_steps": [s.to_dict() for s in self.dashboard_steps],
            **({"duplicates": list(self.duplicates)} if self.duplicates else {}),
        }
