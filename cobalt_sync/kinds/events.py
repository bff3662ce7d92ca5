"""events: app events, each a name and a sample JSON payload, on the org's default app.

Matched by name; the server `_id` rides in `server_ref` for PUT/DELETE. A create that may have
landed is never blindly repeated: it is re-read by name first (`create_event`). Reaches Cobalt
through the client's generic calls with the reply models below, like every kind.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator
from pydantic import JsonValue as PydanticJson
from pydantic_core import PydanticCustomError

from cobalt_sync.kinds.base import DocumentChecks, KindSamples, ResourceKind, RunContext
from cobalt_sync.kinds.exporting import NOT_A_KEY, ExportBuilder, ExportSection, is_identifier
from cobalt_sync.kinds.fields import Identifier, SectionModel
from cobalt_sync.kinds.rules import KindRules, event_shape
from cobalt_sync.plan import FieldChange
from cobalt_sync.reply_shapes import REPLY_CONFIG, ReplyShape
from cobalt_sync.resource import JsonObject, JsonValue, KindState, Resource, State, json_type

if TYPE_CHECKING:
    from cobalt_sync.api import CobaltApi
    from cobalt_sync.kinds.base import Declared

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
    section_key = Identifier
    section_doc = "App events by name."
    # A sample is given as `schema` or `schema_file`: an overlay giving one drops the other.
    replaced_whole = frozenset({"schema", "schema_file"})
    apply_rank = 30
    always_read = True
    rules = KindRules(align=align_events, tag=tag_event_change)

    def check_document(self, checks: DocumentChecks, data: Mapping[str, Any]) -> Mapping[str, Any]:
        """Reads each present event's `schema_file` (a JSON sample beside the manifest)."""
        events = data.get(KIND)
        samples: dict[str, JsonObject] = {}
        for name, event in events.items() if isinstance(events, dict) else ():
            if not isinstance(event, dict) or event.get("state", "present") != "present":
                continue
            relative = event.get("schema_file")
            if isinstance(relative, str) and relative:
                sample = checks.read_sample((KIND, name, "schema_file"), relative)
                if sample is not None:
                    samples[name] = sample
        return samples

    def attach(self, entry: Any, value: Any) -> None:
        entry._file_sample = value

    def desired(self, manifest: Declared) -> Iterable[Resource]:
        for name, event in manifest.section(KIND).items():
            if event.state == "absent":
                yield Resource(KIND, name, ensure="absent")
            else:
                yield Resource(KIND, name, {"schema": event.sample})

    def read(self, ctx: RunContext, declared: KindState) -> KindState:
        state = KindState()
        for event in list_events(ctx.api):
            state.add(live_resource(event))
        return state

    def create(self, ctx: RunContext, want: Resource) -> None:
        sample = sample_of(want)
        event = create_event(ctx.api, want.key, sample)
        # A concurrent writer (or our own lost reply) may have created it first, with
        # another payload: converge instead of failing.
        if event.sample is not None and event.sample != sample:
            update_event(ctx.api, event.id, want.key, sample)

    def update(self, ctx: RunContext, want: Resource, have: Resource) -> None:
        assert have.server_ref is not None
        update_event(ctx.api, have.server_ref, want.key, sample_of(want))

    def delete(self, ctx: RunContext, have: Resource) -> None:
        assert have.server_ref is not None
        delete_event(ctx.api, have.server_ref)

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
                    f"events/{name!r}: left out: {NOT_A_KEY}"
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


# --- Cobalt's replies and calls -----------------------------------------------------------


@dataclass(frozen=True)
class Event:
    """An app event definition. `sample` is the payload when Cobalt returned it, else None;
    `shape` is the vendor's `(key, type)` list, derived locally when only the sample came back."""

    id: str
    name: str
    sample: JsonObject | None
    shape: tuple[tuple[str, str], ...]


class WireShapeItem(BaseModel):
    model_config = REPLY_CONFIG

    key: str
    type: str


class WireEvent(BaseModel):
    """An event as Cobalt sends it: `response` is a shape list, the sample as JSON text, or
    the sample itself (cobalt-api.md §2c: all three are seen); `raw_response` the sample."""

    model_config = REPLY_CONFIG

    id: str = Field(alias="_id")
    name: str
    response: list[WireShapeItem] | str | dict[str, Any] | None = None
    raw_response: str | None = None

    def value(self) -> Event:
        sample = self._sample()
        if isinstance(self.response, list):
            shape = tuple((item.key, item.type) for item in self.response)
        elif sample is not None:
            shape = tuple(event_shape(sample).items())
        else:
            shape = ()
        return Event(self.id, self.name, sample, shape)

    def _sample(self) -> JsonObject | None:
        """The sample payload: `raw_response`, else a `response` that is the sample itself."""
        if self.raw_response:
            return _json_object(self.raw_response, "raw_response")
        if isinstance(self.response, dict):
            return dict(self.response)
        if isinstance(self.response, str) and self.response.strip():
            return _json_object(self.response, "response")
        return None


def _json_object(text: str, field: str) -> JsonObject:
    try:
        parsed = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: nested past the stack
        raise ValueError(f"event field '{field}' is not valid JSON") from None
    if not isinstance(parsed, dict):
        raise ValueError(f"event field '{field}' is JSON but not an object")
    return parsed


_EVENTS: ReplyShape[list[WireEvent]] = ReplyShape(list[WireEvent])
_EVENT: ReplyShape[WireEvent] = ReplyShape(WireEvent)
# Writes answer with the whole list (§2c); be lenient (a union is not a class: spelled out).
_EVENT_WRITE: ReplyShape[list[WireEvent] | WireEvent] = ReplyShape(list[WireEvent] | WireEvent)


def list_events(api: CobaltApi) -> list[Event]:
    return [api.value("list_events", wire) for wire in api.request("list_events", _EVENTS)]


def get_event(api: CobaltApi, event_id: str) -> Event | None:
    wire = api.find("get_event", _EVENT, path_params={"event_id": event_id})
    return api.value("get_event", wire) if wire is not None else None


def create_event(api: CobaltApi, name: str, sample: JsonObject) -> Event:
    """Create an event, never a duplicate: a POST whose reply was lost may have landed, so
    before repeating it the name is looked up; a duplicate-name refusal returns the event
    that already exists (its sample may differ: the caller compares)."""
    body: JsonObject = {"name": name, "response": json.dumps(sample)}
    found = api.create_once(
        "create_event", _EVENT_WRITE, body, lambda: _wire_named(api, name), conflict_finds=True
    )
    return pick_event(api, "create_event", found, name=name)


def update_event(api: CobaltApi, event_id: str, name: str, sample: JsonObject) -> Event:
    """Replace an event's name and sample (PUT is retry-safe; a rename keeps its id)."""
    body: JsonObject = {"name": name, "response": json.dumps(sample)}
    path = {"event_id": event_id}
    reply = api.request("update_event", _EVENT_WRITE, path_params=path, body=body)
    return pick_event(api, "update_event", reply, event_id=event_id)


def delete_event(api: CobaltApi, event_id: str) -> None:
    """Delete an event; one that is already gone counts as deleted."""
    api.remove("delete_event", {"event_id": event_id})


def _wire_named(api: CobaltApi, name: str) -> WireEvent | None:
    found = api.request("list_events", _EVENTS)
    return next((wire for wire in found if wire.name == name), None)


def pick_event(
    api: CobaltApi,
    route: str,
    reply: list[WireEvent] | WireEvent,
    *,
    name: str = "",
    event_id: str = "",
) -> Event:
    """Writes answer with the whole list (§2c): find the event just written in it."""
    candidates = reply if isinstance(reply, list) else [reply]
    for wire in candidates:
        if (event_id and wire.id == event_id) or (not event_id and wire.name == name):
            return api.value(route, wire)
    found = _wire_named(api, name) if name else api.find(
        "get_event", _EVENT, path_params={"event_id": event_id}
    )
    if found is None:
        raise api.unexpected(
            route, "answered success but the event is not in the reply or the event list"
        )
    return api.value(route, found)
