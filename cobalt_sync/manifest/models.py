"""The pydantic models of `cobalt.yaml` (format version 1): the boundary where input is typed.

Field docstrings become the JSON Schema's descriptions (`cobalt-sync schema`). The models
check everything that needs only the document itself; checks that need the catalog, the
environment or other files live in `load.py`. Custom error messages here describe what is
expected and never contain the input value (it may be a secret).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    JsonValue,
    PrivateAttr,
    SecretStr,
    Tag,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from cobalt_sync.catalog import load_catalog
from cobalt_sync.ownership import MANAGED_BY_KEY, PROBE_ACCOUNT_ID
from cobalt_sync.resource import JsonObject

SUPPORTED_VERSIONS = (1,)
PRUNABLE_KINDS = ("apps", "oauth_credentials", "events", "linked_accounts")

# Error types whose message is our own wording (safe to print as is); see load.py.
CUSTOM_ERROR_TYPES = frozenset(
    {"identifier", "reserved", "duplicate_item", "event_shape", "absent_with_fields"}
)
# Tags of the discriminated `oauth` union: they appear in error locations and are dropped.
OAUTH_CREDENTIALS_TAG = "oauth-credentials"
OAUTH_ABSENT_TAG = "oauth-absent"


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        strict=True,
        use_attribute_docstrings=True,
        populate_by_name=True,
    )


def _identifier(value: str) -> str:
    if not value or value != value.strip():
        raise PydanticCustomError(
            "identifier", "must be non-empty, without leading or trailing whitespace"
        )
    return value


def _account_id(value: str) -> str:
    _identifier(value)
    if value == PROBE_ACCOUNT_ID:
        raise PydanticCustomError(
            "reserved",
            f"'{PROBE_ACCOUNT_ID}' is reserved for cobalt-sync's own probe account; "
            "choose another id",
        )
    return value


def _udf_key(value: str) -> str:
    _identifier(value)
    if value == MANAGED_BY_KEY:
        raise PydanticCustomError(
            "reserved",
            f"the UDF key '{MANAGED_BY_KEY}' is reserved: cobalt-sync sets it on the "
            "linked accounts it manages",
        )
    return value


def _unique(items: list[Any], what: str) -> list[Any]:
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


_IDENTIFIER_SCHEMA = {"type": "string", "minLength": 1, "pattern": r"^\S(.*\S)?$"}

Identifier = Annotated[str, AfterValidator(_identifier), WithJsonSchema(_IDENTIFIER_SCHEMA)]
AccountId = Annotated[
    str,
    AfterValidator(_account_id),
    WithJsonSchema({**_IDENTIFIER_SCHEMA, "not": {"const": PROBE_ACCOUNT_ID}}),
]
UdfKey = Annotated[
    str,
    AfterValidator(_udf_key),
    WithJsonSchema({**_IDENTIFIER_SCHEMA, "not": {"const": MANAGED_BY_KEY}}),
]
NonEmptyString = Annotated[str, Field(min_length=1)]
PrunableKind = Literal["apps", "oauth_credentials", "events", "linked_accounts"]


class OAuthConfig(_Model):
    """The app's own OAuth client, used instead of Cobalt's default credentials."""

    client_id: NonEmptyString
    """OAuth client id of your app at the provider, e.g. `${SLACK_CLIENT_ID}`."""

    client_secret: SecretStr = Field(min_length=1)
    """OAuth client secret. Write it as a variable, e.g. `${SLACK_CLIENT_SECRET}`: a literal
    secret is a warning with `environment: test` and an error with `production`."""

    scopes: list[NonEmptyString] = Field(default=[], json_schema_extra={"uniqueItems": True})
    """Scopes to request, each once; Cobalt adds the app's mandatory scopes itself."""

    @field_validator("scopes")
    @classmethod
    def _scopes_unique(cls, scopes: list[str]) -> list[str]:
        return _unique(scopes, "this scope")


class OAuthAbsent(_Model):
    """Remove the app's own OAuth client: go back to Cobalt's default credentials."""

    state: Literal["absent"]
    """`absent`: delete the app's own OAuth credentials."""


def _oauth_tag(value: Any) -> str:
    if isinstance(value, dict) and "state" in value:
        return OAUTH_ABSENT_TAG
    return OAUTH_CREDENTIALS_TAG


OAuthSetting = Annotated[
    Annotated[OAuthConfig, Tag(OAUTH_CREDENTIALS_TAG)]
    | Annotated[OAuthAbsent, Tag(OAUTH_ABSENT_TAG)],
    Discriminator(_oauth_tag),
]


class AppConfig(_Model):
    """One app of the Cobalt catalog, keyed by its slug."""

    enabled: bool = True
    """Whether the app is enabled for the org (shown in Connect). `false` disables it."""

    oauth: OAuthSetting | None = None
    """Own OAuth client credentials (OAuth apps only). Omit to leave the credentials
    unmanaged; `{state: absent}` to go back to Cobalt's default credentials."""


class EventConfig(_Model):
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

    schema_: dict[str, JsonValue] | None = Field(default=None, alias="schema", min_length=1)
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


class LinkedAccountConfig(_Model):
    """A seed linked account, keyed by your linked_account_id."""

    model_config = ConfigDict(
        json_schema_extra={
            "if": {"properties": {"state": {"const": "absent"}}, "required": ["state"]},
            "then": {"maxProperties": 1},
        }
    )

    state: Literal["present", "absent"] = "present"
    """`present` (default) creates or updates the account; `absent` deletes it (only
    accounts cobalt-sync created are ever deleted)."""

    name: NonEmptyString | None = None
    """Display name of the account."""

    udf: dict[UdfKey, str] = {}
    """User-defined fields: string keys to string values (quote numbers and booleans).
    The key `managed_by` is reserved for cobalt-sync."""

    @model_validator(mode="after")
    def _absent_alone(self) -> LinkedAccountConfig:
        others = sorted(self.model_fields_set - {"state"})
        if self.state == "absent" and others:
            raise PydanticCustomError(
                "absent_with_fields",
                "a linked account with state 'absent' takes no other fields (remove: {fields})",
                {"fields": ", ".join(others)},
            )
        return self


class Manifest(_Model):
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

    events: dict[Identifier, EventConfig] = {}
    """App events by name."""

    linked_accounts: dict[AccountId, LinkedAccountConfig] = {}
    """Seed linked accounts by linked_account_id."""

    prune: list[PrunableKind] = Field(default=[], json_schema_extra={"uniqueItems": True})
    """Kinds whose live objects that this file does not declare are deleted. Default: none
    (undeclared objects are reported as unmanaged and left alone)."""

    @field_validator("prune")
    @classmethod
    def _prune_unique(cls, kinds: list[str]) -> list[str]:
        return _unique(kinds, "this kind")
