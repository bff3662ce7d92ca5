"""The start of a run, one straight path: load the manifest's draft → connect (the reads
every plan begins with leave) → read ahead → check the manifest → guard the environment.
Each step is one call into the module that owns it, and none calls back; the plan is built
from what this hands over (`planning/pipeline.compute`).

Light on purpose, like the modules it calls first: the kinds, the models and the planner are
imported once the first reads are on their way (tests/test_imports.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from cobalt_sync.gc_tuning import rare_collections
from cobalt_sync.manifest import LoadedManifest, draft_manifest
from cobalt_sync.manifest.overlay import EnvironmentChoice
from cobalt_sync.options import GlobalOptions
from cobalt_sync.reading.connect import Connection, DraftReads
from cobalt_sync.reading.environment import guard

if TYPE_CHECKING:
    from cobalt_sync.kinds import RunContext
    from cobalt_sync.reading.read_ahead import ReadAhead

Note = Callable[[str], None]


@dataclass(frozen=True)
class Started:
    """A checked manifest, the session for it, and the reading started ahead, if any."""

    loaded: LoadedManifest
    run: RunContext
    ahead: ReadAhead | None


@contextmanager
def start_run(
    options: GlobalOptions,
    path: Path,
    environment: EnvironmentChoice | None,
    parallelism: int,
    note: Note,
) -> Iterator[Started]:
    """Load, connect, read ahead, check, guard; closed on exit. What a user sees does not
    change with the reading ahead: the manifest's problems are raised before the
    connection's (a missing key, a bad URL), and nothing is sent when the draft's environment
    is not the key's."""
    with ExitStack() as stack:
        # Most of a run's imports and model building happen here: see gc_tuning.py.
        with rare_collections():
            draft = draft_manifest(path, environment=environment)
            reads = DraftReads.of(draft.document) if draft.document is not None else None
            connection = Connection(stack, options, parallelism, path, reads)
            ahead = read_ahead(connection.early, draft.document, reads)
            loaded = draft.finish()
            for warning in loaded.warnings:
                note(warning.format())
            run = session(connection.open(), loaded, note)
        yield Started(loaded, run, ahead)


def read_ahead(
    early: RunContext | None, document: object, reads: DraftReads | None
) -> ReadAhead | None:
    if early is None or not isinstance(document, dict):
        return None
    from cobalt_sync.reading.read_ahead import start_read_ahead  # after the first reads left

    return start_read_ahead(early, document, reads)


@contextmanager
def open_session(
    options: GlobalOptions, loaded: LoadedManifest, parallelism: int, note: Note
) -> Iterator[RunContext]:
    """A session for a manifest already loaded (`check`): connect, then guard."""
    with ExitStack() as stack:
        yield session(Connection(stack, options, parallelism, loaded.path).open(), loaded, note)


def session(run: RunContext, loaded: LoadedManifest, note: Note) -> RunContext:
    """Refuse on an environment mismatch before any request that writes; the run reads every
    live object of the kinds the manifest prunes."""
    guard(loaded.manifest.environment, run.environment)
    note(f"Reading the live org: {run.target}")
    return replace(run, read_all=frozenset(loaded.manifest.prune))
