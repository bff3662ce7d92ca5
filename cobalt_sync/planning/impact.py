"""Impact of app changes on end customers: how many linked accounts have the app connected.

Counting needs every linked account (Cobalt has no per-app count), one request per page, so
`plan --impact` opts into it. `annotate` is pure; `connected_counts` is the only read.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import TYPE_CHECKING

from cobalt_sync.kinds import KINDS
from cobalt_sync.kinds.linked_accounts import list_accounts
from cobalt_sync.plan import Change, Plan

if TYPE_CHECKING:
    from cobalt_sync.api import CobaltApi

# Kinds whose changes reach the end customers who connected an app (each words its note).
APP_KINDS = tuple(name for name, kind in KINDS.items() if kind.counts_connected)


def app_slugs(plan: Plan) -> set[str]:
    changes = [*plan.changes, *(step.change for step in plan.dashboard_steps)]
    return {c.key for c in changes if c.kind in APP_KINDS}


def connected_counts(api: CobaltApi, slugs: set[str], parallelism: int) -> dict[str, int]:
    counts: Counter[str] = Counter()
    if not slugs:
        return {}
    for account in list_accounts(api, concurrency=parallelism):
        counts.update(slug for slug in set(account.integrations) if slug in slugs)
    return {slug: counts.get(slug, 0) for slug in slugs}


def annotate(plan: Plan, counts: dict[str, int]) -> Plan:
    """Add a note to each app change saying how many end customers it reaches."""
    changes = tuple(with_count(c, counts) for c in plan.changes)
    steps = tuple(replace(s, change=with_count(s.change, counts)) for s in plan.dashboard_steps)
    return replace(plan, changes=changes, dashboard_steps=steps)


def with_count(change: Change, counts: dict[str, int]) -> Change:
    if change.kind not in APP_KINDS or change.key not in counts:
        return change
    return KINDS[change.kind].impact(change, counts[change.key])
