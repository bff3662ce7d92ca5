"""libyaml (the fast event source) and the pure-Python parser must read a manifest alike.

read_yaml reads with libyaml and falls back to the pure parser wherever the two were seen to
differ; these documents, found by differential fuzzing, must come out exactly as the pure
parser alone reads them: same data, same line and column for every key and value, same error.
"""

from __future__ import annotations

import pytest
import yaml

from cobalt_sync.manifest import yaml_reader
from cobalt_sync.manifest.yaml_reader import Document, YamlProblem, read_yaml

pytestmark = pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML built without libyaml")

DIVERGING = [
    "a: {id: }\n",  # empty flow value: libyaml marks the `}`
    "a: {x: ,\n  y: 1}\n",
    "# only comments\n---",  # empty document: libyaml marks a line later
    "apps:\n  slack: {}\n?",  # explicit key with nothing after it
    "a: {en?abled: true}\n",  # libyaml reads `?` on inside { }
    "environment: \ttest\n",  # a tab libyaml accepts as a separator
    "a:\n  ># comment\n",  # libyaml takes a comment right after `>`
    "a: {file: !*!binary aGVsbG8=}\n",  # a tag the pure parser refuses
    "a: !\n",  # a bare `!`: libyaml resolves it as a string
    "key\ufeff: 1\n",  # a BOM inside the text
    "version: 1\nname: caf\u00e9 \u00fc\nb: [1, 2.5, true, ~, '1', no]\n",  # agreeing: fast path
]


def outcome(text: str) -> tuple[object, ...]:
    try:
        document: Document = read_yaml(text.encode("utf-8"))
    except YamlProblem as problem:
        return ("problem", problem.message, problem.mark)
    findings = [(f.path, f.mark, f.message) for f in document.findings]
    return ("ok", document.data, document.value_marks, document.key_marks, document.plain, findings)


@pytest.mark.parametrize("text", DIVERGING)
def test_fast_reading_matches_the_pure_parser(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    fast = outcome(text)
    monkeypatch.setattr(yaml_reader, "LOADERS", (yaml_reader.ManifestLoader,))
    assert fast == outcome(text)


def test_large_flow_manifest_reads_with_json_typing_and_marks() -> None:
    lines = ["version: 1", "linked_accounts:"]
    lines += [f'  "acct-{i}": {{"name": "Acct {i}", "udf": {{"n": {i}}}}}' for i in range(300)]
    document = read_yaml(("\n".join(lines) + "\n").encode())
    assert document.data["version"] == 1  # type: ignore[index,call-overload]
    accounts = document.data["linked_accounts"]  # type: ignore[index,call-overload]
    assert accounts["acct-299"] == {"name": "Acct 299", "udf": {"n": 299}}
    assert document.mark(("linked_accounts", "acct-299", "udf", "n")).line == 302  # type: ignore[union-attr]
    assert ("version",) in document.plain
    assert ("linked_accounts", "acct-1", "name") not in document.plain
