"""The pydantic model of `cobalt.yaml` (format version 1): the boundary where input is typed.

`Manifest` holds the top-level fields and one field per kind's section; each section's entry
model lives in its kind's module (`kinds/<kind>.py`) and a test checks the fields against the
registry. Field docstrings become the JSON Schema's descriptions (`cobalt-sync schema`). The
models check what needs only the document; catalog, environment and file checks are `load.py`'s.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field, field_validator

from cobalt_sync.catalog import load_catalog
from cobalt_sync.kinds import PRUNABLE_KINDS
from cobalt_sync.kinds.apps import (
    OAUTH_ABSENT_TAG,
    OAUTH_CREDENTIALS_TAG,
    AppConfig,
    OAuthAbsent,
    OAuthConfig,
)
from cobalt_sync.kinds.environment_variables import EnvValue
from cobalt_sync.kinds.events import EventConfig
from cobalt_sync.kinds.fields import CUSTOM_ERROR_TYPES, Identifier, SectionModel, unique
from cobalt_sync.kinds.linked_accounts import AccountId, LinkedAccountConfig
from cobalt_sync.kinds.mcp_servers import McpServerConfig
from cobalt_sync.kinds.webhooks import WebhookConfig, WebhookUrl
from cobalt_sync.manifest.versions import SUPPORTED_VERSIONS

if TYPE_CHECKING:
    PrunableKind = str
else:
    # Built from the registry, so `prune:` accepts exactly the prunable kinds.
    PrunableKind = Literal[PRUNABLE_KINDS]

__all__ = [
    "CUSTOM_ERROR_TYPES",
    "OAUTH_ABSENT_TAG",
    "OAUTH_CREDENTIALS_TAG",
    "PRUNABLE_KINDS",
    "SUPPORTED_VERSIONS",
    "AppConfig",
    "EventConfig",
    "LinkedAccountConfig",
    "Manifest",
    "OAuthAbsent",
    "OAuthConfig",
]


class Manifest(SectionModel):
    """cobalt.yaml: the desired configuration of one Cobalt org environment."""

    version: Literal[1]
    """Format version of this file. Supported versions: 1."""

    environment: Literal["test", "production"]
    """The org environment this file describes; must match the API key (tk… = test,
    pk… = production). Checked before any write."""

    apps: dict[str, AppConfig] = Field(
        default={}, json_schema_extra={"propertyNames": {"enum": list(load_catalog().slugs())}}
    )
    """Apps by catalog slug (e.g. `slack`, `hubspot`)."""

    events: dict[Identifier, EventConfig] = Field(default={})
    """App events by name."""

    linked_accounts: dict[AccountId, LinkedAccountConfig] = Field(default={})
    """Seed linked accounts by linked_account_id."""

    webhooks: dict[WebhookUrl, WebhookConfig] = Field(default={})
    """Webhooks by URL (one per URL): Cobalt calls them on connection and workflow events."""

    mcp_servers: dict[Identifier, McpServerConfig] = Field(default={})
    """MCP servers by name, with the catalog apps they expose."""

    environment_variables: dict[Identifier, EnvValue] = Field(default={})
    """Org-scope values of environment variables defined in Cobalt's dashboard, by name
    (`{state: absent}` removes one). Values are secrets: plans never show them."""

    prune: list[PrunableKind] = Field(default=[], json_schema_extra={"uniqueItems": True})
    """Kinds whose live objects that this file does not declare are deleted. Default: none
    (undeclared objects are reported as unmanaged and left alone)."""

    @field_validator("prune")
    @classmethod
    def _prune_unique(cls, kinds: list[str]) -> list[str]:
        return unique(kinds, "this kind")
