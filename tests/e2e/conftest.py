"""Fixtures the end-to-end tests share: `api`, a plain httpx client on the served sandbox's
vendor routes with the test key, to set up or inspect the org the way another writer would."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import TEST_KEY, Sandbox


@pytest.fixture
def api(sandbox: Sandbox) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=f"{sandbox.url}/api/v2/public", headers={"x-api-key": TEST_KEY}
    ) as client:
        yield client
