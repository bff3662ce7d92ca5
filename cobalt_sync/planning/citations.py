"""The manifest line behind each change of a plan (`Change.source`), which the text, JSON and
Markdown plans cite and the Action's pull-request comment links at the head commit.

Which line causes a change: for an update, the line of the field that changed; for a create
or delete, the entry's own line; whichever of those an environment section sets, that
section's line; for a delete by `prune`, the `prune` line naming the kind. Lines are looked up
only when the plan has changes, and only for the paths those changes name (manifest/lines.py),
so a plan without changes reads none. Pure apart from that lookup; no HTTP.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path

from cobalt_sync.kinds import KINDS
from cobalt_sync.manifest import LoadedManifest
from cobalt_sync.manifest.located import PathKey
from cobalt_sync.manifest.overlay import SECTION, MergedDocument
from cobalt_sync.plan import Action, Change, Plan, Source

Path_ = tuple[PathKey, ...]
PRUNE = "prune"


def cite(plan: Plan, loaded: LoadedManifest) -> Plan:
    """`plan` with the source of each change and dashboard step that a manifest line causes."""
    everything = [*plan.changes, *(step.change for step in plan.dashboard_steps)]
    if not everything:
        return plan
    causes = {_id(c): cause(c, loaded) for c in everything}
    lines = loaded.lines(path for path in causes.values() if path is not None)
    file = display_path(loaded.path)

    def sourced(change: Change) -> Change:
        path = causes[_id(change)]
        while path:
            if path in lines:
                return replace(change, source=Source(file, lines[path]))
            path = path[:-1]
        return change

    return replace(
        plan,
        changes=tuple(sourced(c) for c in plan.changes),
        dashboard_steps=tuple(
            replace(step, change=sourced(step.change)) for step in plan.dashboard_steps
        ),
    )


def _id(change: Change) -> tuple[str, str, str]:
    # A Change holds lists (field values), so it cannot be a dict key itself.
    return (change.kind, change.key, change.action.value)


def cause(change: Change, loaded: LoadedManifest) -> Path_ | None:
    """The (merged) manifest path whose line causes `change`; None when none does (the
    probe account cobalt-sync adds, a kind the manifest does not know)."""
    kind = KINDS.get(change.kind)
    data = loaded.document.data if loaded.document is not None else None
    if kind is None or not isinstance(data, dict):
        return None
    entry: Path_ = kind.manifest_path(change.key)
    if not is_written(data, entry):
        return prune_path(data, change.kind) if change.action is Action.DELETE else None
    fields: list[Path_] = []
    if change.action is Action.UPDATE:
        for field in change.fields:
            found = deepest(data, (*entry, *field.path.split(".")))
            if len(found) > len(entry):
                fields.append(found)
    document = loaded.document
    if not isinstance(document, MergedDocument):
        return (fields or [entry])[0]
    scope = fields or list(under(data, entry))
    in_section = [p for p in scope if document.written(p)[:1] == (SECTION,)]
    return (in_section or fields or [entry])[0]


def is_written(data: object, path: Path_) -> bool:
    return len(deepest(data, path)) == len(path)


def deepest(data: object, path: Path_) -> Path_:
    """The longest prefix of `path` that the document holds."""
    value = data
    for depth, part in enumerate(path):
        if isinstance(value, dict) and isinstance(part, str) and part in value:
            value = value[part]
            continue
        if isinstance(value, list) and isinstance(part, int) and 0 <= part < len(value):
            value = value[part]
            continue
        return path[:depth]
    return path


def under(data: object, entry: Path_) -> Iterator[Path_]:
    """`entry` and every path below it, in the order they are written."""
    value = data
    for part in entry:  # written: is_written(data, entry) holds
        value = value[part] if isinstance(value, dict) and isinstance(part, str) else None
    stack: list[tuple[Path_, object]] = [(entry, value)]
    while stack:
        path, node = stack.pop()
        yield path
        if isinstance(node, dict):
            stack += [((*path, k), v) for k, v in reversed(node.items())]
        elif isinstance(node, list):
            stack += [((*path, i), v) for i, v in reversed(list(enumerate(node)))]


def prune_path(data: Mapping[str, object], kind: str) -> Path_ | None:
    """The `prune` item naming `kind` (the list's own line when the item is not found)."""
    listed = data.get(PRUNE)
    if not isinstance(listed, list):
        return None
    return (PRUNE, listed.index(kind)) if kind in listed else (PRUNE,)


def display_path(path: Path) -> str:
    """The manifest as a reviewer opens it: relative to the root of the git repository that
    holds it (what a link to it at a commit needs), else to the working directory when it
    is below it, else as given."""
    resolved = Path(os.path.abspath(path))
    for folder in resolved.parents:
        if (folder / ".git").exists():
            return resolved.relative_to(folder).as_posix()
    try:
        return resolved.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path.as_posix()
