"""A server that answers fewer linked accounts per page than asked (it clamps `limit` and
echoes its own) must still be read whole: the following pages are asked at its size, so its
`totalPages` and our page numbers count the same pages. The sandbox clamps at 1,000."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cobalt_sync.api import CobaltApi
from cobalt_sync.errors import ExitCode, UnexpectedResponseError
from cobalt_sync.kinds.linked_accounts import (
    LinkedAccountPage,
    account_page,
    following_page,
    list_accounts,
)
from tests.api.conftest import HostileServer
from tests.conftest import TEST_KEY, Sandbox

SEEDED = 2_500
SANDBOX_CAP = 1_000


def client(url: str, **options: Any) -> CobaltApi:
    return CobaltApi(url, TEST_KEY, backoff=0, requests_per_second=None, **options)


def test_a_clamped_limit_is_followed_and_every_account_is_read_once(sandbox: Sandbox) -> None:
    sandbox.post("seed", key=TEST_KEY, linked_accounts=SEEDED)
    with client(sandbox.url, page_size=5_000) as api:
        first = account_page(api, 1)
        assert (first.limit, first.total_pages, len(first.items)) == (SANDBOX_CAP, 3, SANDBOX_CAP)
        accounts = list_accounts(api)
        ids = [account.account_id for account in accounts]
        assert len(ids) == len(set(ids)) == SEEDED
        assert api.stats.by_status == {"200": 4}  # the page above, then pages 1, 2 and 3


def test_plan_reads_a_clamped_org_whole(
    sandbox: Sandbox, cli: Any, cli_env: dict[str, str], tmp_path: Path, monkeypatch: Any
) -> None:
    sandbox.post("seed", key=TEST_KEY, linked_accounts=SEEDED, account_prefix="acct-", managed=True)
    declared = [f"acct-{index:06d}" for index in (SEEDED - 2, SEEDED - 1, SEEDED)]
    accounts = "".join(f"  {key}: {{name: {key}}}\n" for key in declared)
    manifest = tmp_path / "cobalt.yaml"
    manifest.write_text(f"version: 1\nenvironment: test\nlinked_accounts:\n{accounts}")
    monkeypatch.setenv("COBALT_PAGE_SIZE", "5000")
    result = cli("plan", "-f", str(manifest))
    assert result.exit_code == ExitCode.OK, result.output
    assert f"{SEEDED - len(declared)} unmanaged" in result.stdout  # every other account seen
    stats = sandbox.get("stats")
    # Three declared accounts ask for a small first page (account_reads.SMALL_FIRST_PAGE);
    # one page at our size would hold the org, so it is read again at full size, and the
    # server's clamp then makes that three pages: 1 + 3 listings.
    assert stats["by_route"]["GET /api/v2/public/linked-account"] == 4


def envelope(items: int, **fields: Any) -> str:
    docs = [{"account_id": f"a{index}", "name": None} for index in range(items)]
    return json.dumps({"docs": docs, "page": 2, "hasNextPage": True, **fields})


def test_a_page_size_that_shrinks_after_page_one_stops_the_read(hostile: HostileServer) -> None:
    hostile.answer(200, envelope(2, totalDocs=6, totalPages=3, limit=2))
    first = LinkedAccountPage(items=[], total=6, page=1, total_pages=2, has_next=True, limit=3)
    with client(hostile.url) as api, pytest.raises(UnexpectedResponseError) as caught:
        following_page(api, 2, first)
    assert "limit=3" in hostile.requests[0][1]  # asked at the size page 1 used
    assert "accounts could be missed" in str(caught.value)


def test_a_negative_limit_is_an_envelope_that_cannot_be_true(hostile: HostileServer) -> None:
    hostile.answer(200, envelope(1, totalDocs=1, totalPages=1, limit=-1))
    with client(hostile.url) as api, pytest.raises(UnexpectedResponseError) as caught:
        account_page(api, 1)
    assert "limit -1 is not a page size" in str(caught.value)
