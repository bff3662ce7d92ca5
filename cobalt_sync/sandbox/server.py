"""`SandboxServer`: the sandbox served by uvicorn in a background thread, for tests, the
`sandbox serve` command and the embedded `--sandbox` mode.

Owns start-up, readiness and clean shutdown; must not contain routes or data rules.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

import uvicorn

from cobalt_sync.sandbox.app import build_app
from cobalt_sync.sandbox.context import PROFILES
from cobalt_sync.sandbox.faults import DroppedConnection, FaultSettings
from cobalt_sync.sandbox.guard import HostList
from cobalt_sync.sandbox.keys import KeyRing
from cobalt_sync.sandbox.store import Store


class _HideDroppedConnections(logging.Filter):
    """uvicorn logs a traceback when we drop a reply on purpose; that is not an error."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], DroppedConnection))


logging.getLogger("uvicorn.error").addFilter(_HideDroppedConnections())


class SandboxServer:
    """`with SandboxServer(port=0) as server: server.url` — ready when `__enter__` returns."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        state_path: Path | None = None,
        api_keys: Sequence[str] = (),
        latency_ms: float = 0.0,
        error_rate: float = 0.0,
        drop_rate: float = 0.0,
        rate_limit: float | None = None,
        seed: int | None = None,
        profile: str = "extended",
        allow_remote_admin: bool = False,
        allowed_hosts: Sequence[str] = (),
    ) -> None:
        if profile not in PROFILES:
            raise ValueError(f"unknown sandbox profile {profile!r}; expected one of {PROFILES}")
        self.profile = profile
        self.allow_remote_admin = allow_remote_admin
        self.host = host
        self.hosts = HostList.of(host, allowed_hosts)
        self.port = port
        self.keys = KeyRing(api_keys)
        self.state_path = state_path
        self.faults = FaultSettings(
            latency_ms=latency_ms,
            error_rate=error_rate,
            drop_rate=drop_rate,
            rate_limit=rate_limit,
            seed=seed,
        )
        self.faults.check()
        self._store: Store | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> None:
        self._store = Store(self.state_path)
        app, _ = build_app(
            self._store,
            self.keys,
            self.faults,
            self.profile,
            self.allow_remote_admin,
            self.hosts,
        )
        config = uvicorn.Config(
            app,
            host=self.host,
            port=self.port,
            log_config=None,
            access_log=False,
            lifespan="off",
            log_level="warning",
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="cobalt-sandbox", daemon=True)
        self._thread.start()
        self._wait_until_started()

    def _wait_until_started(self) -> None:
        assert self._server is not None and self._thread is not None
        deadline = time.monotonic() + 15
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"sandbox could not start on {self.host}:{self.port}")
            time.sleep(0.01)
        sockets = self._server.servers[0].sockets
        self.port = int(sockets[0].getsockname()[1])

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=15)
        if self._store is not None:
            self._store.close()
        self._server = self._thread = self._store = None

    def wait(self) -> None:
        """Block until the server stops (Ctrl-C is delivered to the main thread)."""
        while self._thread is not None and self._thread.is_alive():
            self._thread.join(timeout=0.5)

    def __enter__(self) -> SandboxServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
