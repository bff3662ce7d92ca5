"""Turns one pydantic error into our wording: a field path and a message that says what was
expected, with "did you mean" where a spelling is close.

Built from the error's type, location and context only: `str(ValidationError)` and the
error's `input` are never printed (the input may be a secret). The input is looked at for
its JSON kind and to compute a suggestion among known names, nothing more.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from pydantic_core import ErrorDetails

from cobalt_sync.catalog import suggest
from cobalt_sync.kinds import KINDS, SECTIONS
from cobalt_sync.kinds.fields import LEAF_TAGS
from cobalt_sync.manifest.located import PathKey
from cobalt_sync.manifest.models import (
    CUSTOM_ERROR_TYPES,
    OAUTH_ABSENT_TAG,
    OAUTH_CREDENTIALS_TAG,
    PRUNABLE_KINDS,
    Manifest,
    OAuthAbsent,
    OAuthConfig,
)
from cobalt_sync.resource import json_type

_TAGS = frozenset({OAUTH_CREDENTIALS_TAG, OAUTH_ABSENT_TAG, *LEAF_TAGS})
YAML11_WORDS = frozenset({"yes", "no", "y", "n", "on", "off"})


@dataclass(frozen=True)
class Located:
    """A message for a field; `at_key` says to point at the key rather than the value."""

    path: tuple[PathKey, ...]
    message: str
    at_key: bool = False
    missing: bool = False


def describe(error: ErrorDetails) -> Located:
    """Our message for one pydantic error."""
    path, on_key = _clean_location(error["loc"])
    kind = error["type"]
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    if isinstance(ctx.get("at"), int):
        path = (*path, ctx["at"])
    if kind == "missing":
        return Located(path, "required field is missing", missing=True)
    if kind == "extra_forbidden":
        return Located(path, _unknown_field(path), at_key=True)
    if kind in CUSTOM_ERROR_TYPES:
        return Located(path, error["msg"], at_key=on_key)
    return Located(path, _type_message(kind, path, error.get("input"), ctx), at_key=on_key)


def _clean_location(loc: Sequence[str | int]) -> tuple[tuple[PathKey, ...], bool]:
    """Drop union tags; `[key]` (pydantic's marker for a bad dict key) points at the key."""
    on_key = bool(loc) and loc[-1] == "[key]"
    kept = [part for part in loc if part != "[key]"]
    path = [part for index, part in enumerate(kept) if not _is_tag(part, index, len(kept))]
    return tuple(path), on_key


def _is_tag(part: str | int, index: int, length: int) -> bool:
    return part in _TAGS and (index < length - 1 or part in LEAF_TAGS)


def _unknown_field(path: tuple[PathKey, ...]) -> str:
    name = str(path[-1])
    allowed = _allowed_fields(path[:-1])
    message = f"unknown field '{name}'"
    close = suggest(name, allowed)
    if close is not None:
        return f"{message} (did you mean '{close}'?)"
    if allowed:
        return f"{message}; allowed fields: {', '.join(allowed)}"
    return message


def _allowed_fields(parent: tuple[PathKey, ...]) -> list[str]:
    """Field names of the model that sits at `parent` in a manifest."""
    model = _model_at(parent)
    if model is None:
        return []
    names = [field.alias or name for name, field in model.model_fields.items()]
    if model is OAuthConfig:
        names += list(OAuthAbsent.model_fields)
    return names


def _model_at(parent: tuple[PathKey, ...]) -> type[BaseModel] | None:
    shape = (parent[0], len(parent)) if parent else ("", 0)
    table: dict[tuple[PathKey, int], type[BaseModel]] = {
        ("", 0): Manifest,
        **{(section, 2): model for section, model in SECTIONS.items()},
        **{
            (kind.section, depth): model
            for kind in KINDS.values()
            if kind.section is not None
            for depth, model in kind.nested_models().items()
        },
    }
    return table.get(shape)


def _type_message(kind: str, path: tuple[PathKey, ...], given: object, ctx: dict[str, Any]) -> str:
    got = json_kind(given)
    field = str(path[-1]) if path else ""
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        if field == "schema":
            return f"the sample payload must be a JSON object (a mapping), got {got}"
        if given is None:  # `slack:` with nothing after it
            return f"expected a mapping, got {got}; write {{}} for an empty one"
        return f"expected a mapping, got {got}"
    if kind == "list_type":
        return f"expected a list, got {got}"
    if kind == "bool_type":
        return _bool_message(got, given)
    if kind == "string_type":
        return _string_message(path, got)
    if kind == "literal_error":
        return _literal_message(path, given, ctx)
    if kind in ("too_short", "string_too_short"):
        if field == "schema":
            return "the sample payload must be a non-empty JSON object"
        return "must not be empty"
    return f"invalid value ({kind})"


def _bool_message(got: str, given: object) -> str:
    message = f"expected true or false, got {got}"
    if isinstance(given, str) and given.lower() in YAML11_WORDS:
        message += " (yes/no/on/off are plain strings in a manifest: write true or false)"
    return message


def _string_message(path: tuple[PathKey, ...], got: str) -> str:
    message = f"expected a string, got {got}"
    if len(path) >= 2 and path[-2] == "udf" and got in ("a number", "a boolean"):
        message += " (UDF values are strings: put the value in quotes)"
    elif got in ("a number", "a boolean"):
        message += " (put the value in quotes)"
    return message


def _literal_message(path: tuple[PathKey, ...], given: object, ctx: dict[str, Any]) -> str:
    expected = str(ctx.get("expected", ""))
    if path and path[0] == "prune":
        message = f"unknown kind; expected one of {', '.join(PRUNABLE_KINDS)}"
        choices: Sequence[str] = PRUNABLE_KINDS
    else:
        message = f"expected {expected}"
        choices = [part.strip(" '") for part in expected.replace(" or ", ",").split(",")]
    close = suggest(given, choices) if isinstance(given, str) else None
    if close is not None and close != given:
        message += f" (did you mean '{close}'?)"
    return message


JSON_KIND_WORDS = {
    "null": "null (an empty value)",
    "boolean": "a boolean",
    "number": "a number",
    "string": "a string",
    "array": "a list",
    "object": "a mapping",
}


def json_kind(value: object) -> str:
    """The JSON kind of a value, in words; never the value itself."""
    return JSON_KIND_WORDS.get(json_type(value), "a value of another type")


# --- YAML that cannot be read ---------------------------------------------------------------

# PyYAML's messages when a line sits at an indentation its neighbours do not allow.
_INDENTATION_SYMPTOMS = (
    "expected <block end>",
    "mapping values are not allowed here",
    "did not find expected key",
    "could not find expected ':'",
    "cannot start any token",
)
EXCERPT_WIDTH = 100


def yaml_problem_hint(text: str, line: int, message: str) -> str:
    """Extra text for a YAML syntax error at 1-based `line` when indentation is the likely
    cause (a tab, or a line indented to no level the lines above open): what is wrong, and
    the offending line with a caret at its first character. Empty when not indentation."""
    lines = text.splitlines()
    if not 1 <= line <= len(lines) or not any(s in message for s in _INDENTATION_SYMPTOMS):
        return ""
    current = lines[line - 1]
    if current[: len(current) - len(current.lstrip())].count("\t"):
        why = f"line {line} is indented with a tab; YAML indentation must be spaces"
        return f" ({why})\n{_excerpt(current, line)}"
    why = _indentation_problem(lines, line)
    return f" ({why})\n{_excerpt(current, line)}" if why else ""


def _indentation_problem(lines: Sequence[str], line: int) -> str:
    """Why line `line`'s indentation is wrong compared with the content lines above it."""
    indent = _indent(lines[line - 1])
    above = [(n, text) for n, text in enumerate(lines[: line - 1], 1) if _is_content(text)]
    if not above:
        return ""
    previous_line, previous = above[-1]
    if indent > _indent(previous) and not previous.rstrip().endswith((":", "-", "|", ">")):
        return (
            f"indentation: line {line} is indented deeper than line {previous_line}, which "
            "already has a value, so it cannot be nested under it; align it with the keys "
            "it belongs beside"
        )
    levels = sorted({_indent(text) for _, text in above if _indent(text) <= _indent(previous)})
    if indent not in levels:
        shown = ", ".join(str(level) for level in levels)
        return (
            f"indentation: line {line} is indented {indent} spaces, which matches no level "
            f"of the lines above ({shown} spaces); align it with the keys it belongs beside"
        )
    return ""


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip(" "))


def _is_content(text: str) -> bool:
    stripped = text.strip()
    return bool(stripped) and not stripped.startswith("#")


def _excerpt(text: str, line: int) -> str:
    """`   7 |      currency: EUR` and a caret under its first character; control
    characters shown escaped (`\\t`) so the excerpt cannot drive a terminal."""
    shown = text.encode("unicode_escape").decode("ascii", "replace")[:EXCERPT_WIDTH]
    caret = len(shown) - len(shown.lstrip(" "))
    gutter = f"{line:>5} | "
    return f"{gutter}{shown}\n{' ' * (len(gutter) - 2)}| {' ' * caret}^"
