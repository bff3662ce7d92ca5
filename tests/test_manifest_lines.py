"""manifest/lines.py: the line of a few paths, read from libyaml's events without marks for the
rest, agrees with the marked reader (read_yaml) on every key and list item of every example,
in block and flow style, and falls back to it where the fast reader would."""

from __future__ import annotations

from pathlib import Path

import pytest

from cobalt_sync.manifest.lines import key_lines
from cobalt_sync.manifest.located import PathKey
from cobalt_sync.manifest.yaml_reader import read_yaml

ROOT = Path(__file__).parents[1]
EXAMPLES = sorted((ROOT / "examples").rglob("*.yaml"))


def marked_lines(raw: bytes) -> dict[tuple[PathKey, ...], int]:
    """Every written path's line as the marked reader gives it."""
    document = read_yaml(raw)
    paths = set(document.key_marks) | set(document.value_marks)
    found = {path: document.mark(path) for path in paths if path}
    return {path: mark.line for path, mark in found.items() if mark is not None}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_lines_agree_with_the_marked_reader(path: Path) -> None:
    raw = path.read_bytes()
    expected = marked_lines(raw)
    assert expected, "the example has keys"
    assert key_lines(raw, expected) == expected


def test_only_the_asked_paths_and_their_parents_are_given() -> None:
    raw = b"version: 1\napps:\n  slack: {enabled: true}\n  hubspot:\n    enabled: true\n"
    assert key_lines(raw, [("apps", "hubspot", "enabled"), ("apps", "nope")]) == {
        ("apps",): 2,
        ("apps", "hubspot"): 4,
        ("apps", "hubspot", "enabled"): 5,
    }
    assert key_lines(raw, []) == {}


def test_list_items_and_flow_style() -> None:
    raw = b"prune:\n  - events\n  - linked_accounts\nother: [a, {b: [c, d]}]\n"
    lines = key_lines(raw, [("prune", 1), ("other", 1, "b", 1)])
    assert lines[("prune", 1)] == 3
    assert lines[("other", 1, "b", 1)] == 4
    assert lines == {key: line for key, line in marked_lines(raw).items() if key in lines}


def test_files_the_fast_reader_leaves_alone_are_read_with_marks() -> None:
    raw = b'apps:\n  slack: {enabled: true}\nname: "a\tb"\n'  # a tab: see _PURE_ONLY
    assert key_lines(raw, [("apps", "slack"), ("name",)]) == {
        ("apps",): 1,
        ("apps", "slack"): 2,
        ("name",): 3,
    }


def test_unreadable_yaml_gives_no_lines() -> None:
    assert key_lines(b"x: 'unclosed\napps: 1\n", [("apps",)]) == {}
    assert key_lines(b"\xff\xfe not utf-8", [("apps",)]) == {}


def test_a_key_typed_in_nfd_is_found_by_its_nfc_path() -> None:
    """The readers normalise keys to NFC, so plans name `Étienne` in NFC whatever the file's
    spelling; its line is still found."""
    raw = "linked_accounts:\n  E\u0301tienne: {name: E}\n".encode()
    assert key_lines(raw, [("linked_accounts", "\u00c9tienne")]) == {
        ("linked_accounts",): 1,
        ("linked_accounts", "\u00c9tienne"): 2,
    }
