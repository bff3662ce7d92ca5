"""How a plan reads the org's linked accounts: the size of the first page, and what to read
after it (the remaining pages, every page again at full size, or one GET per declared
account the first page did not show, whichever takes fewest requests).

One rule for the kind (`kinds/linked_accounts.py`) and for the reads `connect.py` sends
ahead of it while the kinds are still loading, so that those are the very requests the kind
then makes. Plain data in, plain data out: no client, no models.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

# A manifest declaring at most this many accounts asks for a first page this size. On a
# large org it then reads only what it declares: a full page (1,000 accounts) costs the
# server and this process about 25 ms each, for accounts the plan does not compare. On an
# org larger than this page but within a full one, it costs one request more (the full page).
SMALL_FIRST_PAGE = 100


def first_page_size(declared: int, page_size: int, read_all: bool) -> int:
    """The first page's size for `declared` accounts, when the run reads every account
    (`read_all`: the manifest prunes them) or not."""
    if read_all or declared > SMALL_FIRST_PAGE:
        return page_size
    return min(page_size, SMALL_FIRST_PAGE)


@dataclass(frozen=True)
class FollowUp:
    """What to read after the first page: page numbers at the first page's size, every page
    again at full size (`again_at_full_size`, the first included: the first page was a small
    one), or the ids of declared accounts to GET; nothing when the first page was the only
    one."""

    pages: tuple[int, ...] = ()
    ids: tuple[str, ...] = ()
    again_at_full_size: bool = False


def follow_up(
    *,
    has_next: bool,
    total: int,
    total_pages: int,
    first_size: int,
    full_size: int,
    shown: Collection[str],
    declared: Iterable[str],
    read_all: bool,
) -> FollowUp:
    """`shown`: the accounts on the first page; `first_size`: the size it was asked at;
    `read_all`: every account must be read (the manifest prunes linked accounts)."""
    if not has_next:
        return FollowUp()
    missing = tuple(key for key in declared if key not in shown)
    following = total_pages - 1
    again = -(-total // full_size) if first_size < full_size else None  # ceil
    paging = following if again is None else min(following, again)
    # Fewer requests wins; on a tie, per-account GETs carry one account each where a page
    # carries up to a thousand.
    if not read_all and paging >= len(missing):
        return FollowUp(ids=missing)
    if again is not None and again < following:
        return FollowUp(again_at_full_size=True)
    return FollowUp(pages=tuple(range(2, total_pages + 1)))
