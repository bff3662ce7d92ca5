"""Values keep the types the user plainly meant: only what JSON would type is typed.

Decision (documented in manifest/yaml_reader.py): null, true/false (any case YAML 1.2 core
allows) and JSON-syntax numbers are typed; everything else stays the string as written —
YAML 1.1 booleans (yes/no/on/off), dates, leading-zero, octal, hex, sexagesimal and
underscore numbers, .inf/.nan."""

from __future__ import annotations

from pathlib import Path

import pytest

from cobalt_sync.manifest import load_manifest
from cobalt_sync.manifest.yaml_reader import read_yaml


def sample_value(tmp_path: Path, written: str) -> object:
    path = tmp_path / "cobalt.yaml"
    path.write_text(
        f"version: 1\nenvironment: test\nevents:\n  E:\n    schema:\n      value: {written}\n"
    )
    sample = load_manifest(path, {}).manifest.events["E"].sample
    assert sample is not None
    return sample["value"]


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("no", "no"),
        ("yes", "yes"),
        ("on", "on"),
        ("Off", "Off"),
        ("y", "y"),
        ("2024-01-01", "2024-01-01"),
        ("2024-01-01T10:00:00Z", "2024-01-01T10:00:00Z"),
        ("0755", "0755"),
        ("0o755", "0o755"),
        ("0x1F", "0x1F"),
        ("1:20", "1:20"),
        ("1_000", "1_000"),
        ("+1", "+1"),
        (".inf", ".inf"),
        (".nan", ".nan"),
        ("'123'", "123"),
        ("!!str 123", "123"),
        ("123", 123),
        ("-5", -5),
        ("0", 0),
        ("1.5", 1.5),
        ("1e3", 1000.0),
        ("true", True),
        ("False", False),
        ("null", None),
        ("~", None),
        ("", None),
    ],
)
def test_scalar_typing(tmp_path: Path, written: str, value: object) -> None:
    loaded = sample_value(tmp_path, written)
    assert loaded == value
    assert type(loaded) is type(value)


def test_country_code_no_stays_norway(tmp_path: Path) -> None:
    path = tmp_path / "cobalt.yaml"
    path.write_text(
        "version: 1\nenvironment: test\nlinked_accounts:\n"
        "  acme: {udf: {country: no, signed: 2024-01-01, code: 0755}}\n"
    )
    udf = load_manifest(path, {}).manifest.linked_accounts["acme"].udf
    assert udf == {"country": "no", "signed": "2024-01-01", "code": "0755"}


def test_reader_records_key_and_value_marks() -> None:
    document = read_yaml(b"a:\n  b: [1, 2]\n  'c d': x\n")
    assert document.data == {"a": {"b": [1, 2], "c d": "x"}}
    assert document.key_marks[("a", "b")] == (2, 3)
    assert document.value_marks[("a", "b", 1)] == (2, 10)
    assert document.key_marks[("a", "c d")] == (3, 3)


def test_merge_key_is_just_a_key_without_anchors() -> None:
    # `<<` merges need an alias, which is refused; on its own it is an ordinary name.
    assert read_yaml(b"'<<': 1\n").data == {"<<": 1}
