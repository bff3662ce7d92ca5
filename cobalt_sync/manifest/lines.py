"""The lines a few fields of a manifest are written on: what a plan cites for its changes.

A valid manifest is read without marks (fast_reader.py), and most plans need none. A plan
with changes cites the line of each changed entry, so `key_lines` walks libyaml's event
stream once and keeps the line of only the paths asked for: no nodes, no marks for the rest
of the file (a 10,000-account manifest with one change does not pay for 10,000 marks).
Files the fast reader leaves to the pure parser are read with marks whole, as read_yaml does.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from yaml.events import (
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)

from cobalt_sync.manifest.fast_reader import CParser
from cobalt_sync.manifest.located import PathKey
from cobalt_sync.manifest.yaml_reader import _PURE_ONLY, YamlProblem, decode, read_yaml
from cobalt_sync.resource import normal_key

Path_ = tuple[PathKey, ...]


def key_lines(raw: bytes, wanted: Iterable[Path_]) -> dict[Path_, int]:
    """The 1-based line of each path in `wanted` and of each of its parents that is written
    in the YAML `raw`: a mapping entry's key line, a list item's own line. Paths are as
    written (`environments.production.apps.slack`), not merged. A file that cannot be read
    gives no lines (its problems are load_manifest's to word)."""
    asked = {path[:cut] for path in wanted for cut in range(1, len(path) + 1)}
    if not asked:
        return {}
    try:
        text = decode(raw)
    except YamlProblem:
        return {}
    if CParser is None or _PURE_ONLY.search(text):
        return _marked_lines(raw, asked)
    parser = CParser(text)
    try:
        return _walk(parser.get_event, asked)
    except Exception:
        return {}
    finally:
        parser.dispose()


def _marked_lines(raw: bytes, asked: set[Path_]) -> dict[Path_, int]:
    try:
        document = read_yaml(raw)
    except YamlProblem:
        return {}
    found = {path: document.mark(path) for path in asked}
    return {path: mark.line for path, mark in found.items() if mark is not None}


class _Frame:
    """An open mapping or list: its path, and where the next item goes."""

    __slots__ = ("index", "is_map", "key", "path")

    def __init__(self, path: Path_, is_map: bool) -> None:
        self.path = path
        self.is_map = is_map
        self.key: str | None = None
        self.index = 0

    def child(self) -> Path_:
        return (*self.path, self.key if self.is_map else self.index)  # type: ignore[arg-type]

    def done(self) -> None:
        """A value was read: a mapping wants its next key, a list its next item."""
        if self.is_map:
            self.key = None
        else:
            self.index += 1


def _walk(next_event: Any, asked: set[Path_]) -> dict[Path_, int]:
    lines: dict[Path_, int] = {}
    stack: list[_Frame] = []
    while (event := next_event()) is not None:
        kind = type(event)
        top = stack[-1] if stack else None
        if kind is MappingEndEvent or kind is SequenceEndEvent:
            stack.pop()
            if stack:
                stack[-1].done()
            continue
        if top is not None and top.is_map and top.key is None:
            if kind is not ScalarEvent:
                return lines  # a mapping or list as a key: not a manifest
            top.key = normal_key(event.value)  # the readers' keys are NFC: so are paths
            child = top.child()
            if child in asked:
                lines[child] = event.start_mark.line + 1
                if len(lines) == len(asked):
                    return lines  # all found: the rest of the file need not be read
            continue
        path = () if top is None else top.child()
        if top is not None and not top.is_map and path in asked:
            lines[path] = event.start_mark.line + 1
            if len(lines) == len(asked):
                return lines
        if kind is MappingStartEvent or kind is SequenceStartEvent:
            stack.append(_Frame(path, kind is MappingStartEvent))
        elif top is not None:  # a scalar (or an alias, which a manifest never holds)
            top.done()
    return lines
