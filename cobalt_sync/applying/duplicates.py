"""After a create of a kind whose key the vendor does not keep unique: one copy, whoever raced.

Two applies started together both see the key missing and both create it. Each re-reads the
key after its create; the copies that are cobalt-sync's own with the declared content are
ordered the same way for every reader (creation stamp, then server id), the first is kept and
the rest deleted, so racing applies agree on the winner. A copy that differs, or is not ours,
is named and left alone: a person decides (the change is reported failed, exit 6).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from cobalt_sync.kinds import KINDS, LiveCopy, RunContext
from cobalt_sync.resource import Resource

log = logging.getLogger(__name__)

# A copy that differs may be another apply's, created but not yet given its full content
# (an MCP server's apps are a second write): re-read a few times before calling it foreign.
SETTLE_DELAYS = (0.2, 0.5, 1.0, 2.0)


@dataclass
class Settled:
    """What the re-read by key found and did: copies deleted, copies left alone (named)."""

    deleted: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)


def keep_one(ctx: RunContext, want: Resource) -> Settled:
    """Re-read `want`'s key until no copy but ours remains or the delays run out; delete the
    copies identical to `want` except the first in the shared order."""
    kind = KINDS[want.kind]
    settled = Settled()
    for delay in (*SETTLE_DELAYS, None):
        copies = sorted(kind.copies(ctx, want.key), key=lambda copy: copy.order)
        ours = [copy for copy in copies if is_declared(want, copy.resource)]
        for extra in ours[1:]:
            kind.delete(ctx, extra.resource)
            settled.deleted.append(
                f"deleted a duplicate {describe(extra)}, identical to the one kept "
                f"{describe(ours[0])}"
            )
        kept = {id(copy) for copy in ours}
        others = [copy for copy in copies if id(copy) not in kept]
        if not others or delay is None:
            settled.foreign = [
                f"{describe(copy)} shares this key but {why_foreign(copy)}: left alone"
                for copy in others
            ]
            return settled
        log.debug("%s/%s: %d other copies; re-reading", want.kind, want.key, len(others))
        time.sleep(delay)
    return settled


def is_declared(want: Resource, have: Resource) -> bool:
    """`have` is cobalt-sync's own and holds exactly what the manifest declares (compared as
    the planner compares: the kind's alignment first, so unmanaged fields do not count)."""
    if not have.owned:
        return False
    aligned_want, aligned_have = KINDS[want.kind].rules.align(want, have)
    return dict(aligned_want.attrs) == dict(aligned_have.attrs)


def why_foreign(copy: LiveCopy) -> str:
    return "is not cobalt-sync's" if not copy.resource.owned else "differs from the manifest"


def describe(copy: LiveCopy) -> str:
    created = f", created {copy.created}" if copy.created else ""
    return f"(id {copy.resource.server_ref}{created})"
