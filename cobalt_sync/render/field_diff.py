"""How one field change is shown, as rows the text and Markdown renderers lay out their way:
lists and objects element by element (terraform-style), long strings around the part that
differs, large values whole up to a limit and then only the changed parts plus a summary.

Pure functions of a FieldChange; no I/O, no colour, no Markdown. The promise the property
tests hold us to: every added or removed element is named, and before ≠ after is visible.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Sequence
from dataclasses import dataclass

from cobalt_sync.plan import SENSITIVE, FieldChange
from cobalt_sync.render.values import ELLIPSIS, printable, truncate
from cobalt_sync.resource import JsonValue

# A value up to this many lines is shown whole; past it, unchanged runs are summarised.
LINES_SHOWN_WHOLE = 40
CONTEXT_LINES = 3
# Nesting past this is laid out on one line (and cut around what differs), not opened.
LAYOUT_DEPTH = 24
# How much of a value too deep for json.dumps is shown.
DEEP_VALUE_CHARS = 400
# Characters kept either side of the differing part of a long string.
STRING_CONTEXT = 20


@dataclass(frozen=True)
class Row:
    """One displayed line: `sign` is "+", "-", "~" or " " (context); `depth` the nesting."""

    sign: str
    depth: int
    text: str


Line = tuple[int, str]  # (depth, text) of a value laid out one element per line


def field_rows(field: FieldChange, width: int) -> list[Row]:
    """The rows for one field, its path on the first; `width` bounds a value's line."""
    path = printable(field.path)
    if field.sensitive:
        return [Row(_op_sign(field.op), 0, f"{path}: {SENSITIVE}")]
    if field.op == "add":
        return _whole_rows("+", path, field.after, width)
    if field.op == "remove":
        return _whole_rows("-", path, field.before, width)
    return _change_rows(path, field.before, field.after, width)


def is_scalar_change(field: FieldChange) -> bool:
    """A visible change between two scalars (shown `before → after`, not element-wise)."""
    return (
        field.op == "change"
        and not field.sensitive
        and not isinstance(field.before, (list, dict))
        and not isinstance(field.after, (list, dict))
    )


def _op_sign(op: str) -> str:
    return {"add": "+", "remove": "-"}.get(op, "~")


def one_line(value: JsonValue) -> str:
    """Compact JSON; for a value nested too deep for json.dumps' recursion, its start."""
    try:
        return printable(json.dumps(value, ensure_ascii=False))
    except RecursionError:
        return printable(bounded_json(value, DEEP_VALUE_CHARS)) + ELLIPSIS


class _Raw(str):
    """Punctuation already in JSON form (a plain str on the stack is a JSON string value)."""


def bounded_json(value: JsonValue, limit: int) -> str:
    """The first ~`limit` characters of `value` as compact JSON, written with an explicit
    stack instead of recursion, so no depth can exhaust Python's."""
    parts: list[str] = []
    size = 0
    stack: list[object] = [value]
    while stack and size <= limit:
        item = stack.pop()
        if isinstance(item, dict):
            pieces: list[object] = [_Raw("{")]
            for index, (key, member) in enumerate(item.items()):
                pieces += [_Raw(", ")] if index else []
                pieces += [_Raw(json.dumps(key, ensure_ascii=False) + ": "), member]
            stack.extend(reversed([*pieces, _Raw("}")]))
            continue
        if isinstance(item, list):
            pieces = [_Raw("[")]
            for index, element in enumerate(item):
                pieces += [_Raw(", "), element] if index else [element]
            stack.extend(reversed([*pieces, _Raw("]")]))
            continue
        text = item if isinstance(item, _Raw) else json.dumps(item, ensure_ascii=False)
        parts.append(text)
        size += len(text)
    return "".join(parts)[:limit]


# --- a value added or removed whole -------------------------------------------------------


def _whole_rows(sign: str, path: str, value: JsonValue, width: int) -> list[Row]:
    compact = one_line(value)
    if not isinstance(value, (list, dict)) or len(compact) <= width:
        return [Row(sign, 0, f"{path}: {truncate(compact, width)}")]
    lines = layout(value, 0, f"{path}: ")
    rows = [Row(sign, depth, truncate(text, width)) for depth, text in lines[:LINES_SHOWN_WHOLE]]
    hidden = len(lines) - LINES_SHOWN_WHOLE
    if hidden > 0:
        rows.append(Row(sign, 1, f"{ELLIPSIS} {hidden} more lines"))
    return rows


# --- a value changed ----------------------------------------------------------------------


def _change_rows(path: str, before: JsonValue, after: JsonValue, width: int) -> list[Row]:
    if isinstance(before, list) and isinstance(after, list):
        return _container_rows(path, "[", "]", layout_items(before), layout_items(after), width)
    if isinstance(before, dict) and isinstance(after, dict):
        return _container_rows(path, "{", "}", layout_members(before), layout_members(after), width)
    if isinstance(before, (list, dict)) or isinstance(after, (list, dict)):
        # A type change (a string became a list…): both sides whole, removed then added.
        return _whole_rows("-", path, before, width) + _whole_rows("+", path, after, width)
    old, new = one_line(before), one_line(after)
    old, new = differing_parts(old, new, width // 2)
    return [Row("~", 0, f"{path}: {old} → {new}")]


def _container_rows(
    path: str, opening: str, closing: str, old: list[Line], new: list[Line], width: int
) -> list[Row]:
    body = diff_lines(old, new, width)
    if len(body) > LINES_SHOWN_WHOLE:
        body = summarise_unchanged(body)
    return [Row("~", 0, f"{path}: {opening}"), *body, Row(" ", 0, closing)]


def diff_lines(old: Sequence[Line], new: Sequence[Line], width: int) -> list[Row]:
    """Element rows: unchanged ones as context, removed `-`, added `+`; a replaced long
    line pair is cut around the part that differs so both halves show what changed."""
    rows: list[Row] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            rows += [Row(" ", d, truncate(t, width)) for d, t in old[i1:i2]]
            continue
        removed, added = list(old[i1:i2]), list(new[j1:j2])
        if len(removed) == len(added):
            pairs = [
                differing_parts(a[1], b[1], width) for a, b in zip(removed, added, strict=True)
            ]
            removed = [(d, pair[0]) for (d, _), pair in zip(removed, pairs, strict=True)]
            added = [(d, pair[1]) for (d, _), pair in zip(added, pairs, strict=True)]
        rows += [Row("-", d, truncate(t, width)) for d, t in removed]
        rows += [Row("+", d, truncate(t, width)) for d, t in added]
    return rows


def summarise_unchanged(rows: Sequence[Row]) -> list[Row]:
    """Runs of unchanged rows longer than twice the context become `… N unchanged lines`."""
    changed = [i for i, row in enumerate(rows) if row.sign != " "]
    keep = {i for c in changed for i in range(c - CONTEXT_LINES, c + CONTEXT_LINES + 1)}
    out: list[Row] = []
    run: list[Row] = []
    for i, row in enumerate(rows):
        if i not in keep:
            run.append(row)
            continue
        out += _summary(run)
        run = []
        out.append(row)
    return out + _summary(run)


def _summary(run: Sequence[Row]) -> list[Row]:
    return [Row(" ", run[0].depth, f"{ELLIPSIS} {len(run)} unchanged lines")] if run else []


def differing_parts(old: str, new: str, width: int) -> tuple[str, str]:
    """Both strings cut to the part that differs, with a little context either side, so a
    one-character change in a long description is visible rather than lost past the cut."""
    if len(old) <= width and len(new) <= width:
        return old, new
    prefix = _common_prefix(old, new)
    suffix = _common_prefix(old[prefix:][::-1], new[prefix:][::-1])
    start = max(0, prefix - STRING_CONTEXT)
    return _window(old, start, len(old) - suffix, width), _window(
        new, start, len(new) - suffix, width
    )


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _window(text: str, start: int, diff_end: int, width: int) -> str:
    """`text` from `start` to the differing part's end plus context, `…` marking each cut,
    at most `width` characters (the differing part starts within the first context)."""
    end = min(len(text), diff_end + STRING_CONTEXT)
    lead = ELLIPSIS if start > 0 else ""
    tail = ELLIPSIS if end < len(text) else ""
    piece = text[start:end]
    if len(lead) + len(piece) + len(tail) > width:
        piece, tail = piece[: width - len(lead) - 1], ELLIPSIS
    return lead + piece + tail


# --- laying a JSON value out one element per line ------------------------------------------


def layout(value: JsonValue, depth: int, lead: str = "", comma: str = "") -> list[Line]:
    """`value` as terraform shows it: scalars and empty containers on one line, other lists
    and objects opened, one element per line (trailing commas, so a last element added
    does not also change the line before it), and closed."""
    if depth >= LAYOUT_DEPTH:  # a hostile sample 950 levels deep: one line, no recursion
        return [(depth, lead + one_line(value) + comma)]
    if isinstance(value, list) and value:
        return [(depth, lead + "["), *layout_items(value, depth + 1), (depth, "]" + comma)]
    if isinstance(value, dict) and value:
        return [(depth, lead + "{"), *layout_members(value, depth + 1), (depth, "}" + comma)]
    return [(depth, lead + one_line(value) + comma)]


def layout_items(items: list[JsonValue], depth: int = 1) -> list[Line]:
    return [line for item in items for line in layout(item, depth, "", ",")]


def layout_members(members: dict[str, JsonValue], depth: int = 1) -> list[Line]:
    return [
        line
        for key, item in members.items()
        for line in layout(item, depth, f"{one_line(key)}: ", ",")
    ]
