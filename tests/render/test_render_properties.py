"""Property tests for the promise of the field diff: whatever two JSON values a field moves
between, the text and the Markdown plan name every element added or removed, and what is
shown for before differs from what is shown for after."""

from __future__ import annotations

import json
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from cobalt_sync.plan import Action, Change, FieldChange, Plan
from cobalt_sync.render import render_plan
from cobalt_sync.render.field_diff import one_line
from cobalt_sync.resource import JsonValue

scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=8) | st.dictionaries(st.text(max_size=8), inner, max_size=6)
    ),
    max_leaves=40,
)


def differing_pairs() -> st.SearchStrategy[tuple[JsonValue, JsonValue]]:
    """Two values that differ as JSON (so 1, 1.0 and true differ, as the planner sees them)."""
    return st.tuples(json_values, json_values).filter(
        lambda p: json.dumps(p[0]) != json.dumps(p[1])
    )


def plan_with(before: JsonValue, after: JsonValue) -> Plan:
    field = FieldChange("sample.value", before, after)
    return Plan("test", changes=(Change("events", "E", Action.UPDATE, (field,)),))


def text_rows(text: str) -> list[tuple[str, str]]:
    """(sign, content) of the field's lines in the text plan (indented under the change)."""
    rows = []
    for line in text.splitlines():
        if line.startswith("      "):
            body = line.strip()
            sign, content = (body[0], body[2:]) if body[:2] in ("+ ", "- ", "~ ") else (" ", body)
            rows.append((sign, content))
    return rows


def markdown_rows(markdown: str) -> list[tuple[str, str]]:
    """(sign, content) of the lines inside the ```diff fence."""
    body = markdown.split("diff\n", 1)[1].split("\n```", 1)[0]
    return [(line[0], line[2:].strip()) for line in body.splitlines()]


def changed_elements(before: JsonValue, after: JsonValue) -> tuple[list[str], list[str]]:
    """Scalar list elements (or object keys) removed and added, as the rows name them."""
    if isinstance(before, list) and isinstance(after, list):
        old = Counter(one_line(v) for v in before if not isinstance(v, (list, dict)))
        new = Counter(one_line(v) for v in after if not isinstance(v, (list, dict)))
        return [f"{v}," for v in old - new], [f"{v}," for v in new - old]
    if isinstance(before, dict) and isinstance(after, dict):
        gone = [f"{one_line(k)}: " for k in before.keys() - after.keys()]
        new_keys = [f"{one_line(k)}: " for k in after.keys() - before.keys()]
        return gone, new_keys
    return [], []


def assert_named(rows: list[tuple[str, str]], sign: str, element: str) -> None:
    """The element is on a row of its sign: whole, or cut short with `…` when its escaped
    spelling is longer than a row shows (field_diff cuts long strings)."""
    assert any(s == sign and shows(c, element) for s, c in rows), (sign, element, rows)


def shows(row: str, element: str) -> bool:
    if row.startswith(element):
        return True
    cut = row.removesuffix("…")
    return cut != row and len(cut) >= 20 and element.startswith(cut)


def views(rows: list[tuple[str, str]]) -> tuple[list[str], list[str]]:
    """What the reader sees of before (all but `+` rows) and of after (all but `-` rows);
    a one-line `~ path: old → new` splits into its two halves."""
    before, after = [], []
    for sign, content in rows:
        if sign == "~" and " → " in content:
            old, new = content.split(" → ", 1)
            before.append(old)
            after.append(content.split(": ", 1)[0] + ": " + new)
            continue
        if sign != "+":
            before.append(content)
        if sign != "-":
            after.append(content)
    return before, after


def assert_every_change_named(
    rows: list[tuple[str, str]], before: JsonValue, after: JsonValue
) -> None:
    """Every added and removed element is on a line of its own sign, and the before and
    after views of the rendered diff differ."""
    removed, added = changed_elements(before, after)
    for element in removed:
        assert_named(rows, "-", element)
    for element in added:
        assert_named(rows, "+", element)
    old, new = views(rows)
    assert old != new


@settings(max_examples=300, deadline=None)
@given(differing_pairs())
def test_text_plan_names_every_change(pair: tuple[JsonValue, JsonValue]) -> None:
    before, after = pair
    assert_every_change_named(text_rows(render_plan(plan_with(before, after), "text")), *pair)


@settings(max_examples=300, deadline=None)
@given(differing_pairs())
def test_markdown_plan_names_every_change(pair: tuple[JsonValue, JsonValue]) -> None:
    before, after = pair
    rows = markdown_rows(render_plan(plan_with(before, after), "markdown"))
    assert_every_change_named(rows, *pair)


def test_one_added_scope_in_a_long_list_is_its_own_line() -> None:
    """The issue's case: a list too long for one line, one scope added, rendered so the
    reviewer sees which one (it used to print two identical truncated lists)."""
    scopes = [f"crm.objects.{n}.read" for n in ("companies", "contacts", "deals", "owners")]
    text = render_plan(plan_with(scopes, sorted([*scopes, "crm.objects.deals.write"])))
    assert '        + "crm.objects.deals.write",' in text.splitlines()
    assert [line for line in text.splitlines() if line.lstrip().startswith("+")] == [
        '        + "crm.objects.deals.write",'
    ]


def test_a_one_character_edit_in_a_long_string_is_shown() -> None:
    text = "x" * 200 + "abc" + "y" * 200
    rows = text_rows(render_plan(plan_with(text, text.replace("abc", "aXc"))))
    old, new = views(rows)
    assert "abc" in old[0] and "aXc" in new[0]


def test_a_value_nested_far_past_the_layout_depth_renders() -> None:
    """A hostile live sample 950 levels deep: shown (cut), not a RecursionError."""
    deep: JsonValue = 1
    for _ in range(950):
        deep = {"a": deep}
    for fmt in ("text", "markdown"):
        assert "sample.value" in render_plan(plan_with(deep, {"a": 2}), fmt)
        assert "sample.value" in render_plan(plan_with(None, deep), fmt)
