"""The fast reading (libyaml events, no marks) must never judge a document differently from
read_yaml: it returns exactly read_yaml's data for a document read_yaml reads without a
finding, and gives up (MarksNeeded) for everything else, so the marked reading words it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from cobalt_sync.errors import ManifestError
from cobalt_sync.manifest import load_manifest
from cobalt_sync.manifest.fast_reader import MarksNeeded, read_fast
from cobalt_sync.manifest.yaml_reader import MAX_DEPTH, YamlProblem, read_yaml
from tests.test_manifest_yaml_parsers import DIVERGING

pytestmark = pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML built without libyaml")

ROOT = Path(__file__).resolve().parent.parent
CORPUS = sorted((ROOT / "tests" / "manifests").glob("*.yaml")) + sorted(
    (ROOT / "examples").glob("*.yaml")
)
# Each one is something read_yaml reports (a finding or a problem): the fast path must give up.
MUST_GIVE_UP = [
    "a: 1\na: 2\n",  # duplicate key
    "a: {x: 1, x: 2}\n",
    "a: &x 1\nb: *x\n",  # anchor and alias
    "a: &x 1\n",  # an anchor alone
    "a: [&x 1]\n",
    "? [a]\n: 1\n",  # a list as a key
    "{[a]: 1}\n",
    "a: !!binary aGVsbG8=\n",  # tags
    "a: !!int abc\n",
    "a: !custom 1\n",
    "a: !!map [1]\n",
    "a: 99999999999999999999999999999999999999999999999999e99999\n",  # out of range
    "a: 1e999\n",
    "--- a\n--- b\n",  # two documents
    "a: [1, 2\n",  # invalid YAML
    "a: b: c\n",
    "a:\n\t- 1\n",  # a tab
    "a: {b?: 1}\n",  # `?` in a flow plain scalar
    "a" * 3 + ": [" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1) + "\n",  # too deep
    "\x00",
    "caf\xe9",
    "acct\u200b: 1\n",  # an invisible character in a key
    '{"\u202eacct": 1}\n',
    "\u00c9cole: 1\nE\u0301cole: 2\n",  # one key in NFC: a duplicate
]


def marked(raw: bytes) -> tuple[str, object]:
    try:
        document = read_yaml(raw)
    except YamlProblem:
        return ("problem", None)
    return ("findings", None) if document.findings else ("ok", document.data)


def fast(raw: bytes) -> tuple[str, object]:
    try:
        return ("ok", read_fast(raw))
    except MarksNeeded:
        return ("gave up", None)


def agree(raw: bytes) -> None:
    fast_outcome, reference = fast(raw), marked(raw)
    if fast_outcome[0] == "ok":
        assert reference == fast_outcome, raw
    else:  # giving up is always safe; it only costs time
        assert fast_outcome == ("gave up", None)


@pytest.mark.parametrize("text", MUST_GIVE_UP)
def test_gives_up_wherever_read_yaml_has_something_to_say(text: str) -> None:
    raw = text.encode("latin-1") if "\xe9" in text else text.encode()
    assert marked(raw)[0] != "ok"
    assert fast(raw) == ("gave up", None)


@pytest.mark.parametrize("text", DIVERGING)
def test_documents_where_the_parsers_differ_are_never_read_fast_differently(text: str) -> None:
    agree(text.encode())


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
def test_corpus_reads_alike(path: Path) -> None:
    agree(path.read_bytes())


def test_a_valid_manifest_takes_the_fast_path_with_json_typing() -> None:
    text = (
        "version: 1\nenvironment: test\n"
        "linked_accounts:\n"
        '  "12345": {"name": "Acme", "udf": {"n": "007", "no": no, "x": 1.5e3, "z": ~}}\n'
        "  acme-eu:\n    name: 'Acme EU'\n    udf: {plan: pro}\n"
    )
    data = read_fast(text.encode())
    assert data == read_yaml(text.encode()).data
    accounts = data["linked_accounts"]  # type: ignore[index,call-overload]
    assert accounts["12345"]["udf"] == {"n": "007", "no": "no", "x": 1500.0, "z": None}
    assert read_fast((ROOT / "examples" / "cobalt.yaml").read_bytes()) is not None


PUNCTUATION = [*"ab:{}[]-,'\"&*!|>#\n $%@`?~0.\t\\", "\u200b", "\u0301", "\u00c9"]


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(PUNCTUATION), max_size=60))
def test_random_yaml_punctuation_reads_alike(text: str) -> None:
    agree(text.encode())


@settings(max_examples=150, deadline=None)
@given(edits=st.lists(st.tuples(st.integers(0, 2000), st.sampled_from(PUNCTUATION)), max_size=4))
def test_mutated_example_reads_alike(edits: list[tuple[int, str]]) -> None:
    text = (ROOT / "examples" / "cobalt.yaml").read_text()
    for position, character in edits:
        position %= len(text) + 1
        text = text[:position] + character + text[position:]
    agree(text.encode())


def test_a_loaded_manifest_still_knows_where_each_field_is(tmp_path: Path) -> None:
    path = tmp_path / "cobalt.yaml"
    path.write_text("version: 1\nenvironment: test\nlinked_accounts:\n  acme:\n    name: Acme\n")
    loaded = load_manifest(path)
    assert loaded.marks is not None and loaded.document is not None  # the fast path …
    assert not loaded.document.key_marks
    assert loaded.location("linked_accounts", "acme", "name") == (5, 5)  # … marks on demand


def test_a_problem_found_after_the_fast_reading_is_worded_with_its_position(
    tmp_path: Path,
) -> None:
    path = tmp_path / "cobalt.yaml"
    path.write_text("version: 1\nenvironment: test\nlinked_accounts:\n  acme:\n    name: [1]\n")
    with pytest.raises(ManifestError) as caught:
        load_manifest(path)
    problem = caught.value.problems[0]
    assert (problem.line, problem.column) == (5, 5)  # a list is pointed at by its key
    assert problem.path == "linked_accounts.acme.name"


def test_a_word_that_only_starts_like_a_boolean_is_text_in_both_readers() -> None:
    # Found by the mutation test: the marked reader's boolean pattern ended only its last
    # alternative, so `false}` (a typo for a flow mapping's end) read as an invalid boolean.
    raw = b"version: 1\napps:\n  intercom:a {enabled: false}\n"
    agree(raw)
    assert read_yaml(raw).data == {"version": 1, "apps": {"intercom:a {enabled": "false}"}}


def test_keys_are_read_in_nfc_by_both_readers() -> None:
    """`É` typed as E + combining accent is the key `É` (one code point), fast or marked."""
    raw = "accounts:\n  E\u0301cole: {name: E\u0301}\n".encode()
    agree(raw)
    data = read_fast(raw)
    assert data == {"accounts": {"\u00c9cole": {"name": "E\u0301"}}}  # values as written
