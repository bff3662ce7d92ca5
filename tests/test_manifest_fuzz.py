"""Whatever bytes are in the file, loading ends in a manifest or a ManifestError: never a
traceback (exit 1)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cobalt_sync.errors import ManifestError
from cobalt_sync.manifest import load_manifest

EXAMPLE = (Path(__file__).parent.parent / "examples" / "cobalt.yaml").read_bytes()
FUZZ = settings(max_examples=150, deadline=None)
PUNCTUATION = list("ab:{}[]-,'\"&*!|>#\n $%@`?~0.\t\\")


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("fuzz")
    (directory / "events").mkdir()
    (directory / "events" / "invoice_paid.json").write_text('{"invoice": {"id": 1}}')
    return directory


def load_bytes(directory: Path, raw: bytes) -> None:
    path = directory / "cobalt.yaml"
    path.write_bytes(raw)
    try:
        load_manifest(path, {"SLACK_CLIENT_SECRET": "s", "HUBSPOT_CLIENT_SECRET": "h"})
    except ManifestError as error:
        assert error.problems


@FUZZ
@given(raw=st.binary(max_size=300))
def test_random_bytes(workdir: Path, raw: bytes) -> None:
    load_bytes(workdir, raw)


@FUZZ
@given(edits=st.lists(st.tuples(st.integers(0, len(EXAMPLE)), st.binary(max_size=8)), max_size=4))
def test_mutated_example(workdir: Path, edits: list[tuple[int, bytes]]) -> None:
    raw = EXAMPLE
    for position, replacement in edits:
        raw = raw[:position] + replacement + raw[position + len(replacement) :]
    load_bytes(workdir, raw)


@FUZZ
@given(text=st.text(alphabet=st.sampled_from(PUNCTUATION), max_size=80))
def test_yaml_punctuation(workdir: Path, text: str) -> None:
    load_bytes(workdir, ("version: 1\nenvironment: test\n" + text).encode())
