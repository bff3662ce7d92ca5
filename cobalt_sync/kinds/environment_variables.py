"""environment_variables: org-scope values of the environment variables defined in Cobalt's
dashboard, keyed by the variable's name (cobalt-api.md §2e).

Definitions are read-only in the public API: a value for a name with no org-scope definition
is a dashboard step ("Settings → Environment variables → create …"), and becomes an API write
once the definition exists. Values are compared by fingerprint and never printed (any of them
may be a secret). Encrypted values read back `[REDACTED]`, and nothing else Cobalt keeps can
tell which value is set, so a changed encrypted value cannot be detected: the plan says so
once, sets a missing value, and never plans an update it cannot verify.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING, Annotated, Any, Literal, NoReturn

from pydantic import BaseModel, Discriminator, Field, SecretStr, Tag

from cobalt_sync.kinds.base import (
    DashboardAction,
    KindSamples,
    ResourceKind,
    RunContext,
    SecretSource,
)
from cobalt_sync.kinds.exporting import NOT_A_KEY, ExportBuilder, ExportSection, is_identifier
from cobalt_sync.kinds.fields import ABSENT_TAG, VALUE_TAG, Identifier, SectionModel
from cobalt_sync.kinds.rules import UNOBSERVABLE, KindRules, secret_fingerprint
from cobalt_sync.plan import Action, Change
from cobalt_sync.reply_shapes import REPLY_CONFIG, ReplyShape
from cobalt_sync.resource import KindState, Resource, State

if TYPE_CHECKING:
    from cobalt_sync.kinds.base import Declared

KIND = "environment_variables"
REDACTED = "[REDACTED]"
ORG_SCOPE = "org"
ENCRYPTED_NOTE = (
    "the definition is encrypted, so Cobalt reads the value back as "
    "[REDACTED] and a changed value cannot be detected: cobalt-sync sets it when it is "
    "missing but never re-sends it. To roll it, set it in the dashboard, or remove it with "
    "`state: absent`, apply, and declare it again."
)


# --- manifest section -------------------------------------------------------------------------


class EnvVariableAbsent(SectionModel):
    """Remove the org-scope value of this variable (its definition stays)."""

    state: Literal["absent"]
    """`absent`: delete the variable's org-scope value."""


def _value_tag(value: Any) -> str:
    return ABSENT_TAG if isinstance(value, dict) else VALUE_TAG


EnvValue = Annotated[
    Annotated[SecretStr, Tag(VALUE_TAG)] | Annotated[EnvVariableAbsent, Tag(ABSENT_TAG)],
    Discriminator(_value_tag),
]


# --- how Cobalt sends definitions and values (VariableDefinition, EnvVariableValue) -----------


class WireDefinition(BaseModel):
    model_config = REPLY_CONFIG

    id: str = Field(alias="_id")
    name: str
    scope: str = ORG_SCOPE
    encrypted: bool = False
    var_format: str = "string"


class WireValue(BaseModel):
    model_config = REPLY_CONFIG

    id: str = Field(alias="_id")
    variable_definition_id: str
    value: str | None = None
    linked_account_id: str | None = None
    workflow_id: str | None = None


_DEFINITION: ReplyShape[WireDefinition] = ReplyShape(WireDefinition)
_VALUE: ReplyShape[WireValue] = ReplyShape(WireValue)
_OBJECT: ReplyShape[dict[str, Any]] = ReplyShape(dict[str, Any])


# --- comparison rules ---------------------------------------------------------------------


def value_fingerprint(name: str, value: str) -> str:
    """A value's fingerprint, bound to the variable's name; the value itself is never held."""
    return secret_fingerprint(f"env {name}", value)


def align_values(want: Resource, have: Resource) -> tuple[Resource, Resource]:
    """An encrypted value cannot be read back: it is left out of the comparison (the plan's
    note says so) instead of showing as a change on every plan."""
    if have.attrs.get("value") != UNOBSERVABLE:
        return want, have
    return replace(want, attrs={}), replace(have, attrs={})


# --- the kind -----------------------------------------------------------------------------


class EnvironmentVariablesKind(ResourceKind):
    name = KIND
    section = KIND
    entry_model = EnvVariableAbsent
    section_key = Identifier
    section_value = EnvValue
    section_doc = (
        "Org-scope values of environment variables defined in Cobalt's dashboard, by name "
        "(`{state: absent}` removes one). Values are secrets: plans never show them."
    )
    apply_rank = 70
    rules = KindRules(align=align_values, sensitive=frozenset({"value"}))
    has_dashboard_steps = True

    def desired(self, manifest: Declared) -> Iterable[Resource]:
        for name, value in manifest.section(KIND).items():
            if isinstance(value, EnvVariableAbsent):
                yield Resource(KIND, name, ensure="absent")
            else:
                text = value.get_secret_value()
                attrs = {"value": value_fingerprint(name, text)}
                yield Resource(KIND, name, attrs, secrets={"value": text})

    def read(self, ctx: RunContext, declared: KindState) -> KindState:
        definitions = org_definitions(ctx)
        by_id = {d.id: d for d in definitions.values()}
        state = KindState()
        for value in org_values(ctx):
            definition = by_id.get(value.variable_definition_id)
            if definition is not None:
                state.add(live_resource(definition, value))
        for name, want in sorted(declared.resources.items()):
            if want.ensure == "absent":
                continue
            definition = definitions.get(name)
            if definition is None:
                state.dashboard_only[name] = "no org-scope definition of this name exists yet"
            elif name in state.resources and state.resources[name].attrs.get("value") == (
                UNOBSERVABLE
            ):
                state.notes.append((name, ENCRYPTED_NOTE))
        return state

    def create(self, ctx: RunContext, want: Resource) -> None:
        definition = org_definitions(ctx).get(want.key)
        if definition is None:
            raise_missing_definition(want.key)
        set_value(ctx, definition.id, want)

    def update(self, ctx: RunContext, want: Resource, have: Resource) -> None:
        assert have.server_ref is not None
        definition_id = have.server_ref.split(" ", 1)[0]
        set_value(ctx, definition_id, want)

    def delete(self, ctx: RunContext, have: Resource) -> None:
        assert have.server_ref is not None
        value_id = have.server_ref.split(" ", 1)[1]
        ctx.api.remove("delete_env_value", {"value_id": value_id})

    def dashboard_step(
        self, change: Change, want: Resource | None, source: SecretSource
    ) -> tuple[str, str]:
        """A definition to create; encrypted when the value comes from a variable (where
        secrets come from), plain when it is written in the manifest."""
        where = "Settings → Environment variables (sandbox dashboard: #env)"
        if change.action is Action.DELETE:
            return where, f"remove the org value of `{change.key}`"
        kind = "encrypted" if source.text.startswith("$") else "not encrypted"
        return where, (
            f"create `{change.key}` (scope: organization, {kind}); then run apply again to "
            f"set its value from {source.text}"
        )

    def samples(self) -> KindSamples:
        """A plain value (its changes are seen) and an encrypted one (a secret; Cobalt reads
        it back redacted, so only its first setting is checked)."""
        def values(email: str) -> dict[str, Any]:
            return {KIND: {"SAMPLE_EMAIL": email, "SAMPLE_TOKEN": "${SAMPLE_TOKEN}"}}

        return KindSamples(
            create=values("help@example.com"),
            updates={"value": values("support@example.com")},
            secrets={"SAMPLE_TOKEN": "CANARY-tøken-\"q\"-3a9c"},
            dashboard=(
                DashboardAction("POST", "env/definitions", {"name": "SAMPLE_EMAIL"}),
                DashboardAction(
                    "POST", "env/definitions", {"name": "SAMPLE_TOKEN", "encrypted": True}
                ),
            ),
        )

    def export(self, live: State, builder: ExportBuilder) -> ExportSection:
        values = live.kinds.get(KIND, KindState())
        entries: dict[str, Any] = {}
        for name in sorted(values.resources):
            resource = values.resources[name]
            if not is_identifier(name):
                builder.warnings.append(
                    f"{KIND}/{name!r}: left out: {NOT_A_KEY}"
                )
                continue
            plain = resource.secrets.get("value")
            if plain is None:  # encrypted: Cobalt never shows it, so the user supplies it
                entries[name] = builder.placeholder(name, "VALUE", f"encrypted variable {name}")
            else:
                entries[name] = plain
        builder.counts[KIND] = len(entries)
        return ExportSection(KIND, entries)


def org_definitions(ctx: RunContext) -> dict[str, WireDefinition]:
    """Org-scope definitions by name (definitions are org-wide: no environment)."""
    found = ctx.api.all_docs("list_env_definitions", _DEFINITION, params={"scope": ORG_SCOPE})
    return {d.name: d for d in found if d.scope == ORG_SCOPE}


def org_values(ctx: RunContext) -> list[WireValue]:
    """The environment's org-scope values (those of one account or workflow are not ours)."""
    found = ctx.api.all_docs("list_env_values", _VALUE, path_params={"scope": ORG_SCOPE})
    return [v for v in found if not v.linked_account_id and not v.workflow_id]


def live_resource(definition: WireDefinition, value: WireValue) -> Resource:
    """A live value: its fingerprint, or unobservable when Cobalt redacts it. A plain value's
    text rides in `secrets` (never compared or printed) for export only."""
    text = value.value
    ref = f"{definition.id} {value.id}"
    if definition.encrypted or text is None or text == REDACTED:
        return Resource(KIND, definition.name, {"value": UNOBSERVABLE}, server_ref=ref)
    attrs = {"value": value_fingerprint(definition.name, text)}
    return Resource(KIND, definition.name, attrs, server_ref=ref, secrets={"value": text})


def set_value(ctx: RunContext, definition_id: str, want: Resource) -> None:
    """Upsert the org-scope value (POST /env/values is an upsert: retry-safe)."""
    text = want.secrets["value"]
    ctx.api.register_secret(text)
    body = {"variable_definition_id": definition_id, "value": text}
    ctx.api.request("set_env_value", _OBJECT, body=dict(body))


def raise_missing_definition(name: str) -> NoReturn:
    from cobalt_sync.errors import RefusedError

    raise RefusedError(
        f"{KIND}/{name}: there is no org-scope definition of this name to set a value for",
        hint="create it in Cobalt's dashboard (Settings → Environment variables), then re-run",
    )
