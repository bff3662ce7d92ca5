"""The rule for reading a plan's linked accounts after the first page: the remaining pages,
or one GET per declared account that page did not show, whichever takes fewer requests.

One rule for the kind (`kinds/linked_accounts.py`) and for the reads `connect.py` sends
ahead of it while the kinds are still loading, so that those are the very requests the kind
then makes. Plain data in, plain data out: no client, no models.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class FollowUp:
    """What to read after the first page: page numbers (at the first page's size), or the
    ids of declared accounts to GET; both empty when the first page was the only one."""

    pages: tuple[int, ...] = ()
    ids: tuple[str, ...] = ()


def follow_up(
    *,
    has_next: bool,
    total_pages: int,
    shown: Collection[str],
    declared: Iterable[str],
    read_all: bool,
) -> FollowUp:
    """`shown`: the accounts on the first page; `read_all`: every account must be read (the
    manifest prunes linked accounts)."""
    if not has_next:
        return FollowUp()
    missing = tuple(key for key in declared if key not in shown)
    pages = tuple(range(2, total_pages + 1))
    # Fewer requests wins; on a tie, per-account GETs carry one account each where a page
    # carries a thousand.
    if read_all or len(pages) < len(missing):
        return FollowUp(pages=pages)
    return FollowUp(ids=missing)
