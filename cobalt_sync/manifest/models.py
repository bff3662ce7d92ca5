"""The pydantic model of `cobalt.yaml` (format version 1): the boundary where input is typed.

`Manifest` is built from the registry: the top-level fields here, then one field per kind's
section, typed and described by the kind (`ResourceKind.section_key`, `entry_model`,
`section_doc`), so a new kind adds its section without touching this file. Field docstrings
become the JSON Schema's descriptions (`cobalt-sync schema`). The models check what needs
only the document; catalog, environment and file checks are the kinds' `check_document`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, create_model, field_validator

from cobalt_sync.kinds import KINDS, PRUNABLE_KINDS
from cobalt_sync.kinds.apps import (
    OAUTH_ABSENT_TAG,
    OAUTH_CREDENTIALS_TAG,
    AppConfig,
    OAuthAbsent,
    OAuthConfig,
)
from cobalt_sync.kinds.events import EventConfig
from cobalt_sync.kinds.fields import CUSTOM_ERROR_TYPES, SectionModel, unique
from cobalt_sync.kinds.linked_accounts import LinkedAccountConfig
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

MANIFEST_DOC = "cobalt.yaml: the desired configuration of one Cobalt org environment."
PRUNE_DOC = (
    "Kinds whose live objects that this file does not declare are deleted. Default: none "
    "(undeclared objects are reported as unmanaged and left alone)."
)


class ManifestTop(SectionModel):
    """The fields of cobalt.yaml around the kinds' sections."""

    version: Literal[1]
    """Format version of this file. Supported versions: 1."""

    environment: Literal["test", "production"]
    """The org environment this file describes; must match the API key (tk… = test,
    pk… = production). Checked before any write."""

    @field_validator("prune", check_fields=False)
    @classmethod
    def _prune_unique(cls, kinds: list[str]) -> list[str]:
        return unique(kinds, "this kind")

    def section(self, name: str) -> Mapping[str, Any]:
        """The entries of one kind's section, by key (`kinds.base.Declared`)."""
        entries: Mapping[str, Any] = getattr(self, name)
        return entries


_DICT: Any = dict  # subscripted with each kind's key and entry types, known at run time


def _section_fields() -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for kind in KINDS.values():
        if kind.section is None or kind.entry_model is None:
            continue
        value = kind.section_value if kind.section_value is not None else kind.entry_model
        extra = dict(kind.section_schema) if kind.section_schema else None
        field: Any = Field(default={}, description=kind.section_doc, json_schema_extra=extra)
        fields[kind.section] = (_DICT[kind.section_key, value], field)
    return fields


if TYPE_CHECKING:

    class Manifest(ManifestTop):
        prune: list[str]

else:
    Manifest = create_model(
        "Manifest",
        __base__=ManifestTop,
        __doc__=MANIFEST_DOC,
        __module__=__name__,
        **_section_fields(),
        prune=(
            list[PrunableKind],
            Field(default=[], description=PRUNE_DOC, json_schema_extra={"uniqueItems": True}),
        ),
    )
