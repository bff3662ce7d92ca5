"""A host that refuses connections fails after a few attempts, not the full retry budget:
a wrong URL or a down host is reported in seconds."""

from __future__ import annotations

import socket

import pytest

from cobalt_sync.api import CobaltApi
from cobalt_sync.api.channel import CONNECT_RETRIES
from cobalt_sync.errors import NetworkError
from cobalt_sync.kinds.events import list_events


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_refused_connection_is_retried_only_a_few_times() -> None:
    api = CobaltApi(f"http://127.0.0.1:{closed_port()}", "tk_sandbox", backoff=0, max_retries=8)
    with api, pytest.raises(NetworkError) as failure:
        list_events(api)
    assert "could not connect" in str(failure.value)
    assert api.stats.by_status["network"] == 1 + CONNECT_RETRIES
