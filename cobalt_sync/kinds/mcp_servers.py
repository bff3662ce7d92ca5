"""mcp_servers: the org's MCP servers (since Refold), keyed by name, with a description and
the apps they expose (`apps` here, `associated_apps` in Cobalt; slugs from the catalog).

Cobalt creates a server from name and description only; everything else is a patch-style PUT.
Names are not unique upstream, so a create whose reply was lost is re-read by name before it
is repeated, a create is re-read by name after it lands (two applies racing keep one copy),
and other live duplicates of one name are named and left alone. Per-app workflow and
action filters, prompts, colours and chains are not managed and are kept on every write.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from cobalt_sync.catalog import load_catalog
from cobalt_sync.kinds.base import KindSamples, LiveCopy, ResourceKind, RunContext
from cobalt_sync.kinds.exporting import NOT_A_KEY, ExportBuilder, ExportSection, is_identifier
from cobalt_sync.kinds.fields import (
    ABSENT_ALONE_SCHEMA,
    Identifier,
    NonEmptyString,
    SectionModel,
    absent_alone,
    unique,
)
from cobalt_sync.kinds.rules import KindRules
from cobalt_sync.reply_shapes import REPLY_CONFIG, ReplyShape
from cobalt_sync.resource import JsonObject, JsonValue, KindState, Resource, State

if TYPE_CHECKING:
    from cobalt_sync.kinds.base import Declared

KIND = "mcp_servers"


# --- manifest section -------------------------------------------------------------------------


def _catalog_slug(slug: str) -> str:
    catalog = load_catalog()
    if catalog.get(slug) is None:
        close = catalog.suggest(slug)
        hint = f" (did you mean '{close}'?)" if close else ""
        raise PydanticCustomError("unknown_app", f"unknown app '{slug}'{hint}")
    return slug


class McpServerConfig(SectionModel):
    """An MCP server, keyed by its name."""

    model_config = ConfigDict(json_schema_extra=dict(ABSENT_ALONE_SCHEMA))

    state: Literal["present", "absent"] = "present"
    """`present` (default) creates or updates the server; `absent` deletes it."""

    description: NonEmptyString | None = None
    """What the server is for (Cobalt requires one to create it)."""

    apps: list[NonEmptyString] = Field(
        default=[],
        json_schema_extra={"uniqueItems": True, "items": {"enum": list(load_catalog().slugs())}},
    )
    """Catalog slugs of the apps the server exposes, each once (Cobalt's `associated_apps`).
    Each app's workflow and action filters are set in the dashboard and kept."""

    @field_validator("apps")
    @classmethod
    def _apps_known(cls, apps: list[str]) -> list[str]:
        return [_catalog_slug(slug) for slug in unique(apps, "this app")]

    @model_validator(mode="after")
    def _description_unless_absent(self) -> McpServerConfig:
        absent_alone(self.state, self.model_fields_set, "an MCP server")
        if self.state == "present" and self.description is None:
            raise PydanticCustomError(
                "needs_field", "an MCP server needs a 'description' (Cobalt requires one)"
            )
        return self


# --- how Cobalt sends an MCP server (MCPCrud in the vendor spec) -------------------------------


class WireMcpServer(BaseModel):
    model_config = REPLY_CONFIG

    id: str = Field(alias="_id")
    name: str
    description: str | None = None
    associated_apps: list[dict[str, Any]] | None = None
    created_at: str = Field(default="", alias="createdAt")


_SERVER: ReplyShape[WireMcpServer] = ReplyShape(WireMcpServer)
_OBJECT: ReplyShape[dict[str, Any]] = ReplyShape(dict[str, Any])


# --- the kind -----------------------------------------------------------------------------


class McpServersKind(ResourceKind):
    name = KIND
    noun = "MCP server"
    section = KIND
    read_uses = "nothing"
    entry_model = McpServerConfig
    section_key = Identifier
    section_doc = "MCP servers by name, with the catalog apps they expose."
    apply_rank = 60
    rules = KindRules()
    key_unique_on_server = False  # Cobalt lets two servers share a name

    def desired(self, manifest: Declared) -> Iterable[Resource]:
        for name, server in manifest.section(KIND).items():
            if server.state == "absent":
                yield Resource(KIND, name, ensure="absent")
            else:
                attrs: JsonObject = {
                    "description": server.description,
                    "apps": slug_list(server.apps),
                }
                yield Resource(KIND, name, attrs)

    def read(self, ctx: RunContext, declared: KindState) -> KindState:
        state = KindState()
        for server in list_servers(ctx):
            state.add(live_resource(server))
        return state

    def copies(self, ctx: RunContext, key: str) -> list[LiveCopy]:
        return [
            LiveCopy(live_resource(server), server.created_at)
            for server in list_servers(ctx)
            if server.name == key
        ]

    def create(self, ctx: RunContext, want: Resource) -> None:
        body: JsonObject = {"name": want.key, "description": want.attrs.get("description")}
        created = ctx.api.create_once(
            "create_mcp_server", _SERVER, body, lambda: server_named(ctx, want.key)
        )
        # A create answers name and description only; apps are a patch on top.
        if want.attrs.get("apps") or created.description != want.attrs.get("description"):
            self.update(ctx, want, live_resource(created))

    def update(self, ctx: RunContext, want: Resource, have: Resource) -> None:
        assert have.server_ref is not None
        path = {"mcp_server_id": have.server_ref}
        current = ctx.api.request("get_mcp_server", _SERVER, path_params=path)
        body: JsonObject = {
            "description": want.attrs.get("description"),
            "associated_apps": associated_apps(want, current),
        }
        ctx.api.request("update_mcp_server", _OBJECT, path_params=path, body=body)

    def delete(self, ctx: RunContext, have: Resource) -> None:
        assert have.server_ref is not None
        ctx.api.remove("delete_mcp_server", {"mcp_server_id": have.server_ref})

    def samples(self) -> KindSamples:
        def server(description: str, apps: list[str]) -> dict[str, Any]:
            return {KIND: {"Sample Agent": {"description": description, "apps": apps}}}

        return KindSamples(
            create=server("Answers from Slack", ["slack"]),
            updates={
                "description": server("Answers from Slack, changed", ["slack"]),
                "apps": server("Answers from Slack", ["hubspot", "slack"]),
            },
        )

    def export(self, live: State, builder: ExportBuilder) -> ExportSection:
        servers = live.kinds.get(KIND, KindState())
        entries: dict[str, Any] = {}
        known = builder.options.known_apps
        for name in sorted(servers.resources):
            attrs = servers.resources[name].attrs
            if name in servers.duplicates or not is_identifier(name):
                builder.warnings.append(
                    f"mcp_servers/{name!r}: left out: "
                    + (
                        f"Cobalt holds {servers.duplicates[name]} servers of this name"
                        if name in servers.duplicates
                        else NOT_A_KEY
                    )
                )
                continue
            listed = attrs.get("apps")
            apps = [str(slug) for slug in listed] if isinstance(listed, list) else []
            unknown = [slug for slug in apps if known is not None and slug not in known]
            if unknown:
                builder.warnings.append(
                    f"mcp_servers/{name}: apps {', '.join(unknown)} left out: not in "
                    "cobalt-sync's app catalog, so a manifest cannot name them"
                )
            entry: dict[str, Any] = {"description": attrs.get("description") or name}
            entry["apps"] = [slug for slug in apps if slug not in unknown]
            entries[name] = entry
        builder.counts[KIND] = len(entries)
        return ExportSection(KIND, entries)


def list_servers(ctx: RunContext) -> list[WireMcpServer]:
    return ctx.api.all_docs("list_mcp_servers", _SERVER)


def server_named(ctx: RunContext, name: str) -> WireMcpServer | None:
    return next((server for server in list_servers(ctx) if server.name == name), None)


def slug_list(slugs: Iterable[str]) -> list[JsonValue]:
    """Apps are a set: sorted and once each, so their order never shows as a change."""
    return list(sorted(set(slugs)))


def live_resource(server: WireMcpServer) -> Resource:
    slugs = [str(app.get("slug")) for app in server.associated_apps or [] if app.get("slug")]
    attrs: JsonObject = {"description": server.description, "apps": slug_list(slugs)}
    return Resource(KIND, server.name, attrs, server_ref=server.id)


def associated_apps(want: Resource, current: WireMcpServer) -> list[JsonValue]:
    """The declared apps, each keeping the workflow and action filters it has live (set in
    the dashboard); a new app starts with none."""
    live = {str(app.get("slug")): app for app in current.associated_apps or []}
    wanted = want.attrs.get("apps")
    slugs = [str(slug) for slug in wanted] if isinstance(wanted, list) else []
    return [
        dict(live.get(slug) or {"slug": slug, "workflows": [], "actions": []}) for slug in slugs
    ]
