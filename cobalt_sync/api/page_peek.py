"""A first look at a raw first page of linked accounts, before the client's reply models are
loaded: enough to send the reads that follow it ahead (`connect.py`).

Anything unexpected gives None, and nothing more is sent ahead: the client's validated
reading of the same page (`wire.WirePage`, `client.checked_page`) stays the only one a plan
is built on.
"""

from __future__ import annotations

from dataclasses import dataclass

from cobalt_sync.api.routes import MAX_PAGES


@dataclass(frozen=True)
class PeekedPage:
    has_next: bool
    total: int
    total_pages: int
    limit: int  # the page size the server used: the following pages are asked at it
    shown: frozenset[str]  # the ids of the accounts on the page


def peek_page(data: object, asked: int, id_field: str) -> PeekedPage | None:
    """The paging facts of a paged listing's reply asked at `asked` per page, whose objects
    carry their key in `id_field`."""
    if not isinstance(data, dict):
        return None
    docs, total, total_pages = data.get("docs"), data.get("totalDocs"), data.get("totalPages")
    has_next, limit = data.get("hasNextPage"), data.get("limit")
    if not isinstance(docs, list) or type(has_next) is not bool:
        return None
    if type(total) is not int or type(total_pages) is not int or total < 0:
        return None
    ids = [doc.get(id_field) if isinstance(doc, dict) else None for doc in docs]
    if not all(isinstance(account_id, str) for account_id in ids):
        return None
    if not 0 <= total_pages <= MAX_PAGES:
        return None
    used = limit if type(limit) is int and 0 < limit < asked else asked
    return PeekedPage(has_next, total, total_pages, used, frozenset(str(i) for i in ids))
