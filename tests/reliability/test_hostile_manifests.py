"""Scenario 4, hostile manifests: `validate` on fuzzed YAML text, bytes and structures never
shows a traceback and always exits 0 or 3; named hostile files (alias bombs, deep nesting,
huge strings and numbers, NUL bytes, invalid UTF-8, a 10 MB file…) are refused or accepted
within a generous ceiling of time and memory, measured on a real subprocess.

The ceilings are deliberately loose (the machine is shared): they catch blow-ups (minutes,
gigabytes), not slowness.
"""

from __future__ import annotations

import json
import os
import resource
import string
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import CliResult, invoke

VALID = b"""\
version: 1
environment: test
apps:
  slack:
    oauth:
      client_id: slack-client
      client_secret: ${FUZZ_SECRET}
      scopes: [chat:write]
  hubspot: {enabled: true}
events:
  Contact Created:
    schema: {contact: {id: 1, email: a@example.com, tags: [vip]}}
linked_accounts:
  acct-1: {name: Acme, udf: {plan: gold}}
"""

# Generous ceilings: a blow-up is minutes or gigabytes, far beyond these.
WALL_SECONDS = 60.0
PEAK_RSS_MB = 400
ADDRESS_SPACE_LIMIT = 3 * 1024**3  # the process is killed, not the machine, if all else fails

FUZZ = settings(
    max_examples=150,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    database=None,
)


@pytest.fixture(autouse=True)
def fuzz_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FUZZ_SECRET", "fuzz-secret-value")


def validate_bytes(directory: Path, raw: bytes) -> CliResult:
    path = directory / "cobalt.yaml"
    path.write_bytes(raw)
    return invoke("validate", "-f", str(path))


def assert_clean_verdict(result: CliResult) -> None:
    """0 (valid) or 3 (bad input) with a message; never a crash or a traceback."""
    assert result.exit_code in (0, 3), result.output[-3000:]
    assert "Traceback" not in result.output
    assert "internal error" not in result.output
    if result.exit_code == 3:
        assert "Error:" in result.stderr
    assert result.stdout == "" or result.exit_code == 0


# --- property-based: text, bytes, structures -----------------------------------------------

YAML_PIECES = [
    "version: 1\n",
    "environment: test\n",
    "environment: production\n",
    "apps:\n",
    "events:\n",
    "linked_accounts:\n",
    "prune: [events]\n",
    "  ",
    "    ",
    "- ",
    ": ",
    "? ",
    "{",
    "}",
    "[",
    "]",
    ",",
    "&a ",
    "*a",
    "!!str ",
    "!!int ",
    "!!binary ",
    "!!python/object ",
    "|\n",
    ">-\n",
    '"',
    "'",
    "#",
    "\n",
    "\t",
    "${FUZZ_SECRET}",
    "${NOPE}",
    "${",
    "$$",
    "---\n",
    "...\n",
    "%YAML 1.1\n",
    "slack",
    "hubspot",
    "schema",
    "schema_file",
    "state: absent",
    "enabled: false",
    "oauth",
    "client_secret",
    "udf",
    "name",
    "1e999",
    "0x1F",
    "~",
    "null",
    "yes",
    "no",
    "2024-01-01",
    "1_000",
    ".inf",
    "-0",
    "\u0085",
    "\u2028",
    "\ufeff",
    "😀",
]

yaml_text = st.lists(
    st.one_of(st.sampled_from(YAML_PIECES), st.text(max_size=12)), max_size=60
).map("".join)


@FUZZ
@given(text=yaml_text)
def test_fuzzed_yaml_text(tmp_path: Path, text: str) -> None:
    assert_clean_verdict(validate_bytes(tmp_path, text.encode("utf-8", "surrogatepass")))


@st.composite
def mutated_valid_bytes(draw: st.DrawFn) -> bytes:
    """The valid manifest with a few byte-level edits: flips, inserts, deletes, cuts."""
    data = bytearray(VALID)
    for _ in range(draw(st.integers(1, 6))):
        position = draw(st.integers(0, len(data)))
        operation = draw(st.sampled_from(["insert", "replace", "delete", "truncate"]))
        chunk = draw(st.binary(min_size=1, max_size=4))
        if operation == "insert":
            data[position:position] = chunk
        elif operation == "replace":
            data[position : position + len(chunk)] = chunk
        elif operation == "delete":
            del data[position : position + len(chunk)]
        else:
            del data[position:]
    return bytes(data)


@FUZZ
@given(raw=st.one_of(st.binary(max_size=400), mutated_valid_bytes()))
def test_fuzzed_bytes(tmp_path: Path, raw: bytes) -> None:
    assert_clean_verdict(validate_bytes(tmp_path, raw))


json_leaf = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20)
)
json_value = st.recursive(
    json_leaf,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=25,
)
anything = st.one_of(json_value, st.sampled_from(["absent", "present", "test", 1, True]))


@st.composite
def manifest_structures(draw: st.DrawFn) -> Any:
    """Documents shaped like a manifest, with any value where a field is expected."""
    document: dict[str, Any] = {
        "version": draw(st.sampled_from([1, 1, 1, 2, "1", None])),
        "environment": draw(st.sampled_from(["test", "test", "production", "staging", 1])),
    }
    if draw(st.booleans()):
        document["apps"] = draw(
            st.dictionaries(
                st.sampled_from(["slack", "hubspot", "stripe", "hubspt", ""]),
                st.one_of(
                    st.fixed_dictionaries(
                        {"enabled": anything},
                        optional={
                            "oauth": st.fixed_dictionaries(
                                {},
                                optional={
                                    "client_id": anything,
                                    "client_secret": anything,
                                    "scopes": anything,
                                    "state": anything,
                                },
                            )
                        },
                    ),
                    anything,
                ),
                max_size=3,
            )
        )
    if draw(st.booleans()):
        document["events"] = draw(
            st.dictionaries(
                st.text(max_size=10),
                st.one_of(
                    st.fixed_dictionaries(
                        {},
                        optional={"schema": json_value, "state": anything, "schema_file": anything},
                    ),
                    anything,
                ),
                max_size=3,
            )
        )
    if draw(st.booleans()):
        document["linked_accounts"] = draw(
            st.dictionaries(
                st.text(max_size=10),
                st.one_of(
                    st.fixed_dictionaries(
                        {}, optional={"name": anything, "udf": anything, "state": anything}
                    ),
                    anything,
                ),
                max_size=3,
            )
        )
    if draw(st.booleans()):
        document["prune"] = draw(anything)
    if draw(st.booleans()):
        document[draw(st.text(max_size=8))] = draw(anything)
    return document


@FUZZ
@given(document=manifest_structures(), as_json=st.booleans())
def test_fuzzed_structures(tmp_path: Path, document: Any, as_json: bool) -> None:
    text = json.dumps(document) if as_json else yaml.safe_dump(document, allow_unicode=True)
    assert_clean_verdict(validate_bytes(tmp_path, text.encode("utf-8", "surrogatepass")))


# --- named hostile files, each in a real subprocess with a time and memory ceiling ---------


def header(rest: str) -> str:
    return "version: 1\nenvironment: test\n" + rest


def alias_bomb() -> bytes:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, 10):
        refs = ",".join([f"*a{level - 1}"] * 9)
        lines.append(f"a{level}: &a{level} [{refs}]")
    return header("\n".join(lines) + "\n").encode()


def merge_key_bomb() -> bytes:
    lines = ["base: &b {x: 1}"] + [f"m{i}: {{<<: *b, y: {i}}}" for i in range(2000)]
    return header("\n".join(lines) + "\n").encode()


def deep_flow() -> bytes:
    return header("events: " + "[" * 200_000 + "]" * 200_000 + "\n").encode()


def deep_block() -> bytes:
    body = "".join("  " * depth + f"k{depth}:\n" for depth in range(1, 1500))
    return header("events:\n" + body).encode()


def deep_sample_file(directory: Path) -> bytes:
    (directory / "deep.json").write_text("[" * 300_000 + "]" * 300_000)
    return header("events:\n  Deep:\n    schema_file: deep.json\n").encode()


def huge_string() -> bytes:
    return header("linked_accounts:\n  a1: {name: '" + "x" * 4_500_000 + "'}\n").encode()


def huge_numbers() -> bytes:
    digits = "9" * 100_000
    return header(
        f"events:\n  Big:\n    schema: {{n: {digits}, f: 1e999999, g: -{digits}.5}}\n"
    ).encode()


def huge_number_in_sample_file(directory: Path) -> bytes:
    (directory / "big.json").write_text('{"n": ' + "7" * 50_000 + ', "f": 1e999}')
    return header("events:\n  Big:\n    schema_file: big.json\n").encode()


def unterminated_variables() -> bytes:
    return header("events:\n  V:\n    schema: {k: '" + "${a" * 300_000 + "'}\n").encode()


def many_variables() -> bytes:
    return header("events:\n  V:\n    schema: {k: '" + "${NOPE_A}" * 200_000 + "'}\n").encode()


def many_values() -> bytes:
    """Just under the size limit, millions of tiny values: the parse itself must be bounded."""
    return header("events:\n  W:\n    schema:\n      k: [1" + ",1" * 2_400_000 + "]\n").encode()


def many_accounts() -> bytes:
    lines = [f"  acct-{i}: {{name: Account {i}, udf: {{tier: gold}}}}" for i in range(110_000)]
    return header("linked_accounts:\n" + "\n".join(lines) + "\n").encode()


def long_key() -> bytes:
    return header("k" * 2_000_000 + ": 1\n").encode()


def ten_megabytes() -> bytes:
    filler = "# " + "x" * 98 + "\n"
    return header(filler * (10 * 1024 * 1024 // len(filler))).encode()


def nul_bytes() -> bytes:
    return VALID.replace(b"Acme", b"Ac\x00me")


def invalid_utf8() -> bytes:
    return VALID.replace(b"Acme", b"Ac\xff\xfeme")


def utf16() -> bytes:
    return VALID.decode().encode("utf-16")


def lone_surrogate() -> bytes:
    return VALID.replace(b"Acme", b"Ac\xed\xa0\x80me")


def control_characters() -> bytes:
    return VALID.replace(b"Acme", bytes(range(1, 32)))


def many_documents() -> bytes:
    return b"---\n".join([VALID] * 1000)


def many_problems() -> bytes:
    lines = [f"  acct-{i}: {{name: 1, udf: 2, nope: 3}}" for i in range(60_000)]
    return header("linked_accounts:\n" + "\n".join(lines) + "\n").encode()


def python_tags() -> bytes:
    return header("apps: !!python/object/apply:os.system ['echo pwned']\n").encode()


Maker = Callable[[], bytes] | Callable[[Path], bytes]
HOSTILE: dict[str, Callable[..., bytes]] = {
    "alias-bomb": alias_bomb,
    "merge-key-bomb": merge_key_bomb,
    "deep-flow-nesting": deep_flow,
    "deep-block-nesting": deep_block,
    "deep-sample-file": deep_sample_file,
    "huge-string": huge_string,
    "huge-numbers": huge_numbers,
    "huge-number-in-sample-file": huge_number_in_sample_file,
    "unterminated-variables": unterminated_variables,
    "many-variables": many_variables,
    "many-values": many_values,
    "many-accounts": many_accounts,
    "long-key": long_key,
    "ten-megabytes": ten_megabytes,
    "nul-bytes": nul_bytes,
    "invalid-utf8": invalid_utf8,
    "utf16": utf16,
    "lone-surrogate": lone_surrogate,
    "control-characters": control_characters,
    "many-documents": many_documents,
    "many-problems": many_problems,
    "python-tags": python_tags,
}
NEEDS_DIRECTORY = {"deep-sample-file", "huge-number-in-sample-file"}
# Within the limits either way: for these the bound is the point, not the verdict.
ACCEPTABLE = {"many-accounts": (0, 3), "huge-string": (0, 3)}


def limit_address_space() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_LIMIT, ADDRESS_SPACE_LIMIT))


def run_bounded(path: Path) -> tuple[CliResult, float, float]:
    """validate in a subprocess: its result, wall seconds and its own peak RSS in MB."""
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "cobalt_sync", "validate", "-f", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "FUZZ_SECRET": "fuzz-secret-value"},
        preexec_fn=limit_address_space,
    )
    outputs: dict[str, bytes] = {}
    readers = [
        threading.Thread(target=lambda n=n, s=s: outputs.__setitem__(n, s.read()))
        for n, s in (("out", process.stdout), ("err", process.stderr))
    ]
    for reader in readers:
        reader.start()
    # A ceiling, not a timing: a run three times over the bound is killed.
    watchdog = threading.Timer(WALL_SECONDS * 3, process.kill)
    watchdog.start()
    try:
        _, status, usage = os.wait4(process.pid, 0)  # this child's own rusage
    finally:
        watchdog.cancel()
    process.returncode = os.waitstatus_to_exitcode(status)
    for reader in readers:
        reader.join()
    wall = time.monotonic() - started
    peak_mb = usage.ru_maxrss / 1024  # Linux reports KiB
    result = CliResult(
        process.returncode,
        outputs["out"].decode("utf-8", "replace"),
        outputs["err"].decode("utf-8", "replace"),
    )
    return result, wall, peak_mb


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_file_is_judged_within_bounds(tmp_path: Path, name: str) -> None:
    maker = HOSTILE[name]
    raw = maker(tmp_path) if name in NEEDS_DIRECTORY else maker()
    path = tmp_path / "cobalt.yaml"
    path.write_bytes(raw)
    result, wall, peak_mb = run_bounded(path)
    assert result.exit_code in ACCEPTABLE.get(name, (3,)), result.output[-3000:]
    assert "Traceback" not in result.output and "internal error" not in result.output
    assert wall < WALL_SECONDS, f"{name}: {wall:.1f}s"
    assert peak_mb < PEAK_RSS_MB, f"{name}: peak RSS {peak_mb:.0f} MB"
    # A refusal is a message a person can read, not megabytes of repeated lines.
    assert len(result.stderr) < 200_000, f"{name}: {len(result.stderr)} bytes on stderr"
    assert "pwned" not in result.stdout


def test_printable_names_survive(tmp_path: Path) -> None:
    """The fuzzers' alphabet is real: a manifest using every printable ASCII char in names
    and values is judged (not crashed on)."""
    name = "".join(ch for ch in string.printable if ch not in "\r\x0b\x0c")
    document = {"version": 1, "environment": "test", "events": {name: {"schema": {name: name}}}}
    assert_clean_verdict(validate_bytes(tmp_path, json.dumps(document).encode()))


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are a POSIX feature")
def test_sample_file_that_is_a_pipe_is_refused_not_waited_on(tmp_path: Path) -> None:
    """Opening a named pipe blocks until someone writes to it: validate must not wait."""
    os.mkfifo(tmp_path / "sample.json")
    path = tmp_path / "cobalt.yaml"
    path.write_bytes(header("events:\n  Piped:\n    schema_file: sample.json\n").encode())
    result, wall, _ = run_bounded(path)
    assert result.exit_code == 3, result.output
    assert "pipe" in result.stderr
    assert wall < WALL_SECONDS
