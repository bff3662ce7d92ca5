"""The building blocks of manifest section models: the strict pydantic base, identifiers,
"each item once", and the error types whose wording is ours.

Shared by every kind's section model and by `manifest/models.py`. Pure pydantic: no I/O, and
nothing that imports the API client (`validate` loads these). Custom error messages describe
what is expected and never contain the input value (it may be a secret).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, JsonValue, WithJsonSchema
from pydantic_core import PydanticCustomError

# Error types whose message is our own wording (safe to print as is); see manifest/load.py.
CUSTOM_ERROR_TYPES = frozenset(
    {
        "identifier",
        "reserved",
        "duplicate_item",
        "event_shape",
        "absent_with_fields",
        "needs_field",
        "unknown_app",
    }
)


# Tags of a union between a plain value and `{state: absent}` (an entry that is a scalar):
# they may end an error location, and are dropped from it like the `oauth` union's tags.
VALUE_TAG = "entry-value"
ABSENT_TAG = "entry-absent"
LEAF_TAGS = frozenset({VALUE_TAG, ABSENT_TAG})


class SectionModel(BaseModel):
    """Strict, frozen, no unknown fields.

    Field docstrings become JSON Schema descriptions when the schema is generated
    (`manifest/json_schema.py`), not when the class is made: pydantic's
    `use_attribute_docstrings` re-reads and parses the source of every model at import,
    about 100 ms of every run for text only the schema shows.

    Validators are built on first use (`defer_build`): the first `Manifest.model_validate`
    builds the whole tree once, in the main thread, while a run's first reads are in flight
    (`read_ahead.py`) instead of before they can start. Section models are only ever
    validated in the main thread: pydantic's deferred build is not thread-safe."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, strict=True, populate_by_name=True, defer_build=True
    )


def identifier(value: str) -> str:
    if not value or value != value.strip():
        raise PydanticCustomError(
            "identifier", "must be non-empty, without leading or trailing whitespace"
        )
    return value


def unique(items: list[Any], what: str) -> list[Any]:
    first_index: dict[Any, int] = {}
    for index, item in enumerate(items):
        if item in first_index:
            raise PydanticCustomError(
                "duplicate_item",
                "{what} repeats item [{first}]; list each one once",
                {"what": what, "first": first_index[item], "at": index},
            )
        first_index[item] = index
    return items


def absent_alone(state: str, fields_set: set[str], what: str) -> None:
    """`state: absent` stands alone: other fields would be ignored, so they are refused."""
    if state != "absent":
        return  # checked for every entry: most are present ones, and cost nothing here
    others = sorted(fields_set - {"state"})
    if others:
        raise PydanticCustomError(
            "absent_with_fields",
            "{what} with state 'absent' takes no other fields (remove: {fields})",
            {"what": what, "fields": ", ".join(others)},
        )


IDENTIFIER_SCHEMA = {"type": "string", "minLength": 1, "pattern": r"^\S(.*\S)?$"}

Identifier = Annotated[str, AfterValidator(identifier), WithJsonSchema(IDENTIFIER_SCHEMA)]
NonEmptyString = Annotated[str, Field(min_length=1)]

ABSENT_ALONE_SCHEMA: dict[str, JsonValue] = {
    "if": {"properties": {"state": {"const": "absent"}}, "required": ["state"]},
    "then": {"maxProperties": 1},
}
"""Mirrors `absent_alone` for editors: `state: absent` stands alone."""
