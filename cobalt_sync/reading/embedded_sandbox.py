"""`embedded_sandbox()`: the on-demand emulator behind `cobalt-sync --sandbox <command>`.

A library module (connect.py starts it; the `sandbox` command re-exports it), and one of the
two modules outside `cobalt_sync/sandbox/` allowed to import the emulator. The server is
imported lazily, so loading this module neither starts nor imports uvicorn.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from cobalt_sync.errors import InputError

STATE_FILE = "sandbox.sqlite3"


@contextmanager
def embedded_sandbox(state_dir: Path, api_keys: Sequence[str] = ()) -> Iterator[str]:
    """A sandbox on a free loopback port whose org persists in `state_dir`; yields its URL.

    `cobalt-sync --sandbox apply` then `cobalt-sync --sandbox plan` see the same org because
    both open `state_dir/sandbox.sqlite3`. `api_keys` adds keys beyond tk_/pk_sandbox.
    """
    from cobalt_sync.sandbox.server import SandboxServer
    from cobalt_sync.sandbox.store import StateFileError

    try:
        state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)  # the org's data: owner only
        server = SandboxServer(
            host="127.0.0.1", port=0, state_path=state_dir / STATE_FILE, api_keys=api_keys
        )
        server.start()
    except (OSError, StateFileError, ValueError) as error:
        raise InputError(
            f"the embedded sandbox cannot start: {error}",
            hint=f"Delete {state_dir} to start from an empty sandbox org.",
        ) from None
    try:
        yield server.url
    finally:
        server.stop()
