"""webhooks: the org's webhooks (Cobalt calls a URL when connections or workflow runs change),
keyed by URL: one webhook per URL per environment (cobalt-api.md §2e).

Cobalt has no uniqueness, so a create whose reply was lost is re-read by URL before it is
repeated, a create is re-read by URL after it lands (two applies racing keep one copy), and
other live duplicates of one URL are named in the plan and left alone. Header values
are secrets: Resources carry their fingerprints (compared, never printed) and the values only
in `secrets`, which apply reads. Fields the manifest cannot express (body template, workflow
filter, group) are never written, so a partial PUT leaves them as they are.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from cobalt_sync.kinds.base import (
    DocumentChecks,
    KindSamples,
    LiveCopy,
    ResourceKind,
    RunContext,
)
from cobalt_sync.kinds.exporting import ExportBuilder, ExportSection
from cobalt_sync.kinds.fields import (
    ABSENT_ALONE_SCHEMA,
    NonEmptyString,
    SectionModel,
    absent_alone,
    unique,
)
from cobalt_sync.kinds.rules import UNOBSERVABLE, KindRules, secret_fingerprint
from cobalt_sync.reply_shapes import REPLY_CONFIG, ReplyShape
from cobalt_sync.resource import JsonObject, JsonValue, KindState, Resource, State

if TYPE_CHECKING:
    from cobalt_sync.kinds.base import Declared

KIND = "webhooks"
EVENT_NAMES = (
    "Connection Created",
    "Connection Deleted",
    "Connection Expired",
    "Workflow Completed",
    "Workflow Errored",
)
"""The vendor's webhook event taxonomy (cobalt-api.md §2e)."""
# What Cobalt answers for a secret value it will not show (env values; maybe headers).
REDACTED = "[REDACTED]"


# --- manifest section -------------------------------------------------------------------------


def _webhook_url(value: str) -> str:
    if not value.startswith(("https://", "http://")) or value != value.strip():
        raise PydanticCustomError(
            "identifier", "a webhook is keyed by its URL: http(s)://…, without spaces around it"
        )
    return value


WebhookUrl = Annotated[
    str,
    AfterValidator(_webhook_url),
    WithJsonSchema({"type": "string", "pattern": r"^https?://\S+$"}),
]
if TYPE_CHECKING:
    EventName = str
else:
    EventName = Literal[EVENT_NAMES]


class WebhookConfig(SectionModel):
    """A webhook Cobalt calls for connection and workflow events, keyed by its URL."""

    model_config = ConfigDict(json_schema_extra=dict(ABSENT_ALONE_SCHEMA))

    state: Literal["present", "absent"] = "present"
    """`present` (default) creates or updates the webhook; `absent` deletes it."""

    events: list[EventName] = Field(default=[], json_schema_extra={"uniqueItems": True})
    """Events that call the webhook, each once: `Connection Created`, `Connection Deleted`,
    `Connection Expired`, `Workflow Completed`, `Workflow Errored`. Required unless absent."""

    method: Literal["POST", "PUT", "PATCH"] = "POST"
    """HTTP method Cobalt calls the URL with (default POST)."""

    headers: dict[NonEmptyString, SecretStr] = Field(default={})
    """Headers Cobalt sends, name to value. Values are secrets: write them as variables,
    e.g. `Authorization: "Bearer ${HOOK_TOKEN}"`; plans show only that they change."""

    enabled: bool = True
    """Whether Cobalt calls the webhook (default true)."""

    description: NonEmptyString | None = None
    """What the webhook is for. Omit to leave the live description alone."""

    @field_validator("events")
    @classmethod
    def _events_unique(cls, events: list[str]) -> list[str]:
        return unique(events, "this event")

    @model_validator(mode="after")
    def _events_unless_absent(self) -> WebhookConfig:
        absent_alone(self.state, self.model_fields_set, "a webhook")
        if self.state == "present" and not self.events:
            raise PydanticCustomError(
                "needs_field", "a webhook needs at least one event in 'events'"
            )
        return self


# --- how Cobalt sends a webhook (RefoldWebhook in the vendor spec) -----------------------------


class WireWebhook(BaseModel):
    model_config = REPLY_CONFIG

    id: str = Field(alias="_id")
    webhook_url: str
    webhook_events: list[str] = Field(default_factory=list)
    method: str = "POST"
    is_enabled: bool = True
    description: str | None = None
    webhook_headers: dict[str, Any] | None = None
    created_at: str = Field(default="", alias="createdAt")


_WEBHOOK: ReplyShape[WireWebhook] = ReplyShape(WireWebhook)
_WEBHOOKS: ReplyShape[list[WireWebhook]] = ReplyShape(list[WireWebhook])


# --- comparison rules ---------------------------------------------------------------------


def header_fingerprint(url: str, name: str, value: str) -> str:
    """A header value's fingerprint, bound to its webhook and header name: equal values on
    two webhooks do not show as equal, and the value itself is never held."""
    return secret_fingerprint(f"{url} {name}", value)


def align_webhooks(want: Resource, have: Resource) -> tuple[Resource, Resource]:
    """An omitted description is not managed, and a header whose live value Cobalt answers
    redacted is compared by name only: neither shows as a change on every plan."""
    attrs = dict(have.attrs)
    if "description" not in want.attrs:
        attrs.pop("description", None)
    want_headers, have_headers = want.attrs.get("headers"), attrs.get("headers")
    if isinstance(want_headers, dict) and isinstance(have_headers, dict):
        hidden = {n for n, v in have_headers.items() if v == UNOBSERVABLE and n in want_headers}
        if hidden:
            attrs["headers"] = {n: v for n, v in have_headers.items() if n not in hidden}
            kept = {n: v for n, v in want_headers.items() if n not in hidden}
            want = replace(want, attrs={**want.attrs, "headers": kept})
    return want, replace(have, attrs=attrs)


# --- the kind -----------------------------------------------------------------------------


class WebhooksKind(ResourceKind):
    name = KIND
    section = KIND
    read_uses = "nothing"
    entry_model = WebhookConfig
    section_key = WebhookUrl
    section_doc = (
        "Webhooks by URL (one per URL): Cobalt calls them on connection and workflow events."
    )
    apply_rank = 50
    rules = KindRules(align=align_webhooks, sensitive=frozenset({"headers"}))
    key_unique_on_server = False  # Cobalt keeps webhook URLs apart by nothing

    def check_document(self, checks: DocumentChecks, data: Mapping[str, Any]) -> Mapping[str, Any]:
        """Header values are kept as secrets, but many are not (`X-Source: cobalt`): one
        written literally is a warning naming the header (never its value), everywhere."""
        hooks = data.get(KIND)
        for url, hook in hooks.items() if isinstance(hooks, dict) else ():
            headers = hook.get("headers") if isinstance(hook, dict) else None
            for name in headers if isinstance(headers, dict) else {}:
                message = (
                    f"the value of header '{name}' is written in the file; header values are "
                    "kept as secrets: if this one is, use a variable (`Bearer ${HOOK_TOKEN}`)"
                )
                checks.check_secret(data, (KIND, url, "headers", name), message, "warning")
        return {}

    def desired(self, manifest: Declared) -> Iterable[Resource]:
        for url, hook in manifest.section(KIND).items():
            if hook.state == "absent":
                yield Resource(KIND, url, ensure="absent")
                continue
            values = {name: value.get_secret_value() for name, value in hook.headers.items()}
            headers: dict[str, JsonValue] = {
                name: header_fingerprint(url, name, value) for name, value in values.items()
            }
            attrs: JsonObject = {
                "events": event_list(hook.events),
                "method": hook.method,
                "enabled": hook.enabled,
                "headers": headers,
            }
            if hook.description is not None:
                attrs["description"] = hook.description
            secrets = {f"headers.{name}": value for name, value in values.items()}
            yield Resource(KIND, url, attrs, secrets=secrets)

    def read(self, ctx: RunContext, declared: KindState) -> KindState:
        state = KindState()
        for hook in list_webhooks(ctx):
            state.add(live_resource(hook))
        return state

    def copies(self, ctx: RunContext, key: str) -> list[LiveCopy]:
        return [
            LiveCopy(live_resource(hook), hook.created_at)
            for hook in list_webhooks(ctx)
            if hook.webhook_url == key
        ]

    def create(self, ctx: RunContext, want: Resource) -> None:
        body = write_body(ctx, want)
        body["webhook_url"] = want.key
        ctx.api.create_once("create_webhook", _WEBHOOK, body, lambda: webhook_at(ctx, want.key))

    def update(self, ctx: RunContext, want: Resource, have: Resource) -> None:
        assert have.server_ref is not None
        path = {"id": have.server_ref}
        ctx.api.request("update_webhook", _WEBHOOK, path_params=path, body=write_body(ctx, want))

    def delete(self, ctx: RunContext, have: Resource) -> None:
        assert have.server_ref is not None
        ctx.api.remove("delete_webhook", {"id": have.server_ref})

    def samples(self) -> KindSamples:
        url = "https://hooks.example.com/sample"
        base: dict[str, Any] = {
            "events": ["Connection Created"],
            "headers": {"Authorization": "${SAMPLE_HOOK_TOKEN}"},
            "description": "sample hook",
        }

        def hook(**changed: Any) -> dict[str, Any]:
            return {KIND: {url: {**base, **changed}}}

        return KindSamples(
            create=hook(),
            updates={
                "events": hook(events=["Connection Created", "Workflow Errored"]),
                "method": hook(method="PUT"),
                "headers": hook(headers={"Authorization": "${SAMPLE_HOOK_ROTATED}"}),
                "enabled": hook(enabled=False),
                "description": hook(description="sample hook, changed"),
            },
            secrets={
                "SAMPLE_HOOK_TOKEN": 'Bearer CANARY-"hook"-é-4d2a',
                "SAMPLE_HOOK_ROTATED": "Bearer CANARY-hook-rotated-\\-9e7b",
            },
        )

    def export(self, live: State, builder: ExportBuilder) -> ExportSection:
        hooks = live.kinds.get(KIND, KindState())
        entries: dict[str, Any] = {}
        for url in sorted(hooks.resources):
            if url in hooks.duplicates:
                builder.warnings.append(
                    f"webhooks/{url}: Cobalt holds {hooks.duplicates[url]} webhooks for this "
                    "URL; none was exported (delete the extra ones, then export again)"
                )
                continue
            entries[url] = exported_webhook(hooks.resources[url], builder)
        builder.counts[KIND] = len(entries)
        return ExportSection(KIND, entries)


def list_webhooks(ctx: RunContext) -> list[WireWebhook]:
    return ctx.api.request("list_webhooks", _WEBHOOKS)


def webhook_at(ctx: RunContext, url: str) -> WireWebhook | None:
    return next((hook for hook in list_webhooks(ctx) if hook.webhook_url == url), None)


def live_resource(hook: WireWebhook) -> Resource:
    """A live webhook in the desired shape; header values only as fingerprints (or marked
    unobservable where Cobalt answers them redacted, so they never show as a change)."""
    headers: dict[str, JsonValue] = {
        name: UNOBSERVABLE
        if value == REDACTED
        else header_fingerprint(hook.webhook_url, name, str(value))
        for name, value in (hook.webhook_headers or {}).items()
    }
    attrs: JsonObject = {
        "events": event_list(hook.webhook_events),
        "method": hook.method,
        "enabled": hook.is_enabled,
        "headers": headers,
    }
    if hook.description:
        attrs["description"] = hook.description
    return Resource(KIND, hook.webhook_url, attrs, server_ref=hook.id)


def event_list(events: Iterable[str]) -> list[JsonValue]:
    """Events are a set: sorted, so their order never shows as a change."""
    return list(sorted(set(events)))


def write_body(ctx: RunContext, want: Resource) -> JsonObject:
    """The fields cobalt-sync manages; header values come from the manifest (`secrets`) and
    are registered for redaction before they are sent."""
    headers: dict[str, JsonValue] = {}
    for path, value in want.secrets.items():
        ctx.api.register_secret(value)
        headers[path.removeprefix("headers.")] = value
    events = want.attrs.get("events")
    assert isinstance(events, list)
    body: JsonObject = {
        "webhook_events": list(events),
        "method": want.attrs["method"],
        "is_enabled": want.attrs["enabled"],
        "webhook_headers": headers,
    }
    if "description" in want.attrs:
        body["description"] = want.attrs["description"]
    return body


def exported_webhook(resource: Resource, builder: ExportBuilder) -> dict[str, Any]:
    """A live webhook as a manifest entry; header values become `${VAR}`s the user sets."""
    entry: dict[str, Any] = {"events": resource.attrs.get("events", [])}
    if resource.attrs.get("method") != "POST":
        entry["method"] = resource.attrs.get("method")
    headers = resource.attrs.get("headers")
    if isinstance(headers, dict) and headers:
        entry["headers"] = {
            name: builder.placeholder(
                f"webhook {name}", "VALUE", f"value of header {name} of webhook {resource.key}"
            )
            for name in sorted(headers)
        }
    if resource.attrs.get("enabled") is False:
        entry["enabled"] = False
    if isinstance(resource.attrs.get("description"), str):
        entry["description"] = resource.attrs["description"]
    return entry
