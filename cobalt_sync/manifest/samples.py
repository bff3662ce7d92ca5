"""Reading an event's `schema_file`: a JSON object next to the manifest.

Owns the guards for those files (relative path inside the manifest's directory, size,
UTF-8, JSON syntax with the JSON file's own line:column, duplicate keys, NaN, depth, must be
a non-empty object). Never puts file content into a message.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cobalt_sync.manifest.yaml_reader import MAX_BYTES, MAX_DEPTH, YamlProblem, decode, read_limited
from cobalt_sync.resource import JsonObject, JsonValue


@dataclass(frozen=True)
class SampleProblem(Exception):
    """Why a sample file cannot be used; `in_file` marks a position inside the JSON file."""

    message: str
    in_file: bool = False
    line: int | None = None
    column: int | None = None


class _DuplicateKey(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


def read_sample(manifest_dir: Path, relative: str) -> JsonObject:
    """The JSON object in `relative` (a path relative to `manifest_dir`)."""
    path = _checked_path(manifest_dir, relative)
    raw = _read_bytes(path)
    try:
        text = decode(raw, what="a sample file")
    except YamlProblem as problem:
        mark = problem.mark
        raise SampleProblem(
            problem.message, True, mark.line if mark else None, mark.column if mark else None
        ) from None
    document = _parse(text)
    if not isinstance(document, dict):
        raise SampleProblem(f"the file must hold a JSON object, got {_json_kind(document)}")
    if not document:
        raise SampleProblem("the file must hold a non-empty JSON object")
    if _depth(document) > MAX_DEPTH:
        raise SampleProblem(f"the JSON is nested deeper than {MAX_DEPTH} levels")
    return document


def _checked_path(manifest_dir: Path, relative: str) -> Path:
    given = Path(relative)
    if given.is_absolute():
        raise SampleProblem("must be a path relative to the manifest's directory")
    path = manifest_dir / given
    base = manifest_dir.resolve()
    if not path.resolve().is_relative_to(base):
        # The sample is sent to Cobalt: a manifest must not pull in files from elsewhere.
        raise SampleProblem("must stay inside the manifest's directory")
    return path


def _read_bytes(path: Path) -> bytes:
    try:
        if path.is_dir():
            raise SampleProblem(f"'{path.as_posix()}' is a directory, not a JSON file")
        if path.exists() and not path.is_file():
            # Opening a named pipe waits for a writer: validate would hang for ever.
            raise SampleProblem(f"'{path.as_posix()}' is a pipe or device, not a JSON file")
        raw = read_limited(path)
        if raw is None:
            raise SampleProblem(f"file is larger than {MAX_BYTES // (1024 * 1024)} MB")
        return raw
    except FileNotFoundError:
        raise SampleProblem(
            f"file not found: '{path.as_posix()}' (paths are relative to the manifest)"
        ) from None
    except OSError as error:
        raise SampleProblem(f"cannot read '{path.as_posix()}': {error.strerror}") from None


def _parse(text: str) -> JsonValue:
    try:
        value: JsonValue = json.loads(
            text,
            object_pairs_hook=_no_duplicates,
            parse_constant=_no_constants,
            parse_float=_finite,
        )
    except json.JSONDecodeError as error:
        raise SampleProblem(f"invalid JSON: {error.msg}", True, error.lineno, error.colno) from None
    except _DuplicateKey as duplicate:
        raise SampleProblem(
            f"invalid JSON: duplicate key '{duplicate.key}' in an object", True
        ) from None
    except RecursionError:
        raise SampleProblem(f"the JSON is nested deeper than {MAX_DEPTH} levels", True) from None
    except ValueError:  # from _no_constants/_finite, or an int over Python's digit limit
        raise SampleProblem(
            "invalid JSON: NaN and Infinity are not JSON values, nor are numbers too large "
            "to hold (over 4300 digits, or beyond a 64-bit float)",
            True,
        ) from None
    return value


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


def _no_constants(name: str) -> None:
    raise ValueError(name)


def _finite(text: str) -> float:
    """`1e999` is valid JSON text but inf in Python, and no JSON body can carry inf."""
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(text)
    return number


def _depth(value: JsonValue) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(item) for item in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(item) for item in value), default=0)
    return 0


def _json_kind(value: JsonValue) -> str:
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return "a string"
