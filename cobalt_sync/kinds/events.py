"""events: app events, each a name and a sample JSON payload, on the org's default app.

Matched by name; the server `_id` rides in `server_ref` for PUT/DELETE. A create that may have
landed is never blindly repeated: the client re-reads by name (see `CobaltApi.create_event`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Literal

from pydantic import ConfigDict, Field, PrivateAttr, model_validator
from pydantic import JsonValue as PydanticJson
from pydantic_core import PydanticCustomError

from cobalt_sync.kinds.base import KindSamples, ResourceKind, RunContext
from cobalt_sync.kinds.exporting import ExportBuilder, ExportSection, is_identifier
from cobalt_sync.kinds.fields import SectionModel
from cobalt_sync.kinds.rules import KindRules, event_shape
from cobalt_sync.plan import FieldChange
from cobalt_sync.resource import JsonObject, JsonValue, KindState, Resource, State, json_type

if TYPE_CHECKING:
    from cobalt_sync.api import Event
    from cobalt_sync.manifest import Manifest

KIND = "events"
RECONSTRUCTED_NOTE = (
    "# reconstructed from the key list: Cobalt returned only the keys and types of this "
    "payload, so the values are placeholders"
)


# --- manifest section -------------------------------------------------------------------------


class EventConfig(SectionModel):
    """An app event on the org's default app, keyed by the event name."""

    model_config = ConfigDict(
        json_schema_extra={
            # Mirrors `_one_source` for editors: absent stands alone, present needs one source.
            "if": {"properties": {"state": {"const": "absent"}}, "required": ["state"]},
            "then": {"maxProperties": 1},
            "else": {"oneOf": [{"required": ["schema"]}, {"required": ["schema_file"]}]},
        }
    )

    state: Literal["present", "absent"] = "present"
    """`present` (default) creates or updates the event; `absent` deletes it."""

    schema_: dict[str, PydanticJson] | None = Field(default=None, alias="schema", min_length=1)
    """Sample payload of the event, written inline: a non-empty JSON object."""

    schema_file: str | None = Field(default=None, min_length=1)
    """Path of a JSON file holding the sample payload (a non-empty object), relative to the
    manifest's directory and inside it."""

    _file_sample: JsonObject | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _one_source(self) -> EventConfig:
        given = [name for name in ("schema", "schema_file") if self._is_set(name)]
        if self.state == "absent":
            others = sorted(self.model_fields_set - {"state"})
            if others:
                raise PydanticCustomError(
                    "absent_with_fields",
                    "an event with state 'absent' takes no other fields (remove: {fields})",
                    {"fields": ", ".join("schema" if f == "schema_" else f for f in others)},
                )
        elif len(given) != 1:
            raise PydanticCustomError(
                "event_shape",
                "an event needs exactly one of 'schema' (inline sample payload) or "
                "'schema_file' (a JSON file)",
            )
        return self

    def _is_set(self, name: str) -> bool:
        return getattr(self, "schema_" if name == "schema" else name) is not None

    @property
    def sample(self) -> JsonObject | None:
        """The sample payload: inline `schema`, or the content of `schema_file` as read by
        `load_manifest` (None for `state: absent`, and for a `schema_file` event built
        without the loader)."""
        if self.state == "absent":
            return None
        if self.schema_ is not None:
            return self.schema_
        return self._file_sample


# --- comparison rules ---------------------------------------------------------------------


def align_events(want: Resource, have: Resource) -> tuple[Resource, Resource]:
    """Compare samples when Cobalt returned one, else compare derived shapes only."""
    if "schema" in have.attrs or not isinstance(want.attrs.get("schema"), dict):
        return want, have
    sample = want.attrs["schema"]
    assert isinstance(sample, dict)
    shaped: dict[str, JsonValue] = dict(event_shape(sample))
    return replace(want, attrs={"shape": shaped}), have


def tag_event_change(fields: tuple[FieldChange, ...]) -> tuple[str, ...]:
    """`breaking` when a key disappears or changes type (workflows reading it may fail),
    `additive` when keys are only added."""
    breaking = any(
        f.op == "remove" or (f.op == "change" and json_type(f.before) != json_type(f.after))
        for f in fields
    )
    if breaking:
        return ("breaking",)
    if fields and all(f.op == "add" for f in fields):
        return ("additive",)
    return ()


# --- the kind -----------------------------------------------------------------------------


class EventsKind(ResourceKind):
    name = KIND
    section = KIND
    read_uses = "nothing"
    entry_model = EventConfig
    apply_rank = 30
    always_read = True
    rules = KindRules(align=align_events, tag=tag_event_change)

    def desired(self, manifest: Manifest) -> Iterable[Resource]:
        for name, event in manifest.events.items():
            if event.state == "absent":
                yield Resource(KIND, name, ensure="absent")
            else:
                yield Resource(KIND, name, {"schema": event.sample})

    def read(self, ctx: RunContext, declared: KindState) -> KindState:
        state = KindState()
        for event in ctx.api.list_events():
            state.add(live_resource(event))
        return state

    def create(self, ctx: RunContext, want: Resource) -> None:
        sample = sample_of(want)
        event = ctx.api.create_event(want.key, sample)
        # A concurrent writer (or our own lost reply) may have created it first, with
        # another payload: converge instead of failing.
        if event.sample is not None and event.sample != sample:
            ctx.api.update_event(event.id, want.key, sample)

    def update(self, ctx: RunContext, want: Resource, have: Resource) -> None:
        assert have.server_ref is not None
        ctx.api.update_event(have.server_ref, want.key, sample_of(want))

    def delete(self, ctx: RunContext, have: Resource) -> None:
        assert have.server_ref is not None
        ctx.api.delete_event(have.server_ref)

    def samples(self) -> KindSamples:
        sample = {"order": {"id": "o_1", "total": 10}}
        changed = {"order": {"id": "o_1", "total": 10, "currency": "EUR"}}
        return KindSamples(
            create={KIND: {"Sample Order Paid": {"schema": sample}}},
            updates={"schema": {KIND: {"Sample Order Paid": {"schema": changed}}}},
        )

    def export(self, live: State, builder: ExportBuilder) -> ExportSection:
        events = live.kinds.get(KIND, KindState())
        entries: dict[str, Any] = {}
        notes: dict[str, str] = {}
        for name in sorted(events.resources):
            if not is_identifier(name):
                builder.warnings.append(
                    f"events/{name!r}: left out: a manifest key cannot be empty or start or "
                    "end with whitespace"
                )
                continue
            sample = exported_sample(events.resources[name])
            if sample is None:
                builder.warnings.append(
                    f"events/{name}: left out: Cobalt returned an empty payload, and a manifest "
                    "event needs a non-empty sample"
                )
                continue
            if "schema" not in events.resources[name].attrs:
                notes[name] = RECONSTRUCTED_NOTE
            entries[name] = {"schema": sample}
        for name, count in sorted(events.duplicates.items()):
            builder.warnings.append(
                f"events/{name}: Cobalt holds {count} events of this name; one was exported "
                "and `plan` will name the duplicates"
            )
        builder.counts[KIND] = len(entries)
        return ExportSection(KIND, entries, notes)


def live_resource(event: Event) -> Resource:
    attrs: JsonObject
    if event.sample is not None:
        attrs = {"schema": event.sample}
    else:
        shape: dict[str, JsonValue] = dict(event.shape)
        attrs = {"shape": shape}
    return Resource(KIND, event.name, attrs, server_ref=event.id)


def sample_of(resource: Resource) -> JsonObject:
    sample = resource.attrs.get("schema")
    assert isinstance(sample, dict)
    return sample


def exported_sample(resource: Resource) -> JsonObject | None:
    sample = resource.attrs.get("schema")
    if isinstance(sample, dict):
        return sample or None
    shape = resource.attrs.get("shape")
    if isinstance(shape, dict):
        return reconstruct_sample({k: str(v) for k, v in shape.items()}) or None
    return None


def reconstruct_sample(shape: Mapping[str, str]) -> JsonObject:
    """A payload whose derived key list is `shape` (cobalt-api.md §2c, the inverse of
    `normalise.event_shape`): `object` keys become objects, every other key an empty string.

    A dotted key nests under the longest object key it extends, so `a.b` with `a: object`
    becomes `{"a": {"b": ""}}`, and a key with a dot but no object parent stays flat."""
    sample: JsonObject = {}
    objects: dict[str, JsonObject] = {}
    for path, kind in shape.items():
        parent_path = _longest_parent(path, objects)
        parent = objects[parent_path] if parent_path else sample
        own = path[len(parent_path) + 1 :] if parent_path else path
        if kind == "object":
            child: JsonObject = {}
            parent[own] = child
            objects[path] = child
        else:
            parent[own] = ""
    return sample


def _longest_parent(path: str, objects: Mapping[str, JsonObject]) -> str:
    best = ""
    for candidate in objects:
        if path.startswith(candidate + ".") and len(candidate) > len(best):
            best = candidate
    return best
