"""Paging as the vendor answers it: `page`/`limit` query parameters and mongoose-paginate-v2's
envelope, shared by every kind whose list route pages (linked accounts, MCP servers,
environment variables).
"""

from __future__ import annotations

import math
from typing import Any

from starlette.requests import Request

from cobalt_sync.sandbox.problems import bad_request

# The vendor documents no maximum page size; ours is 1000 (larger requests are clamped and
# the envelope's `limit` says so), which keeps one page under a few MB.
MAX_PAGE_LIMIT = 1000


def positive_int(request: Request, name: str, default: int) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise bad_request(f"{name} must be a positive integer") from None
    if value < 1:
        raise bad_request(f"{name} must be a positive integer")
    return value


def page_envelope(docs: list[Any], total: int, page: int, limit: int) -> dict[str, Any]:
    """mongoose-paginate-v2's envelope, which is what the vendor's field names come from."""
    total_pages = max(1, math.ceil(total / limit))
    has_prev, has_next = page > 1, page < total_pages
    return {
        "docs": docs,
        "totalDocs": total,
        "limit": limit,
        "page": page,
        "totalPages": total_pages,
        "pagingCounter": (page - 1) * limit + 1,
        "hasPrevPage": has_prev,
        "hasNextPage": has_next,
        "prevPage": page - 1 if has_prev else None,
        "nextPage": page + 1 if has_next else None,
    }
