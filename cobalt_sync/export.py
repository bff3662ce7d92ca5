"""Live State → the text of a `cobalt.yaml` that describes it: pure and deterministic.

Owns what an exported manifest contains (which live objects, in which order), how the OAuth
secret becomes a `${VAR}` placeholder, and how values are written so that the manifest loader
reads back exactly what was live. Does no I/O and never sees a secret value: a live State
holds only fingerprints.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from cobalt_sync.normalise import UNOBSERVABLE
from cobalt_sync.ownership import PROBE_ACCOUNT_ID
from cobalt_sync.resource import KIND_ORDER, JsonObject, KindState, Resource, State

SCHEMA_MODELINE = "# yaml-language-server: $schema=../schemas/cobalt.schema.json"
"""The modeline of `examples/cobalt.yaml`, so editors complete and check the file alike."""

RECONSTRUCTED_NOTE = (
    "# reconstructed from the key list: Cobalt returned only the keys and types of this "
    "payload, so the values are placeholders"
)

# What the manifest loader types as null/bool/number (JSON's grammar, cobalt_sync/manifest/
# yaml_reader.py). PyYAML quotes what YAML 1.1 would misread (yes, 2024-01-01, 0755), but
# writes `1e5` plain, which the loader would read as a number: such strings are quoted too.
_LOADER_TYPED = re.compile(
    r"(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE"
    r"|-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)\Z"
)
# Line breaks PyYAML writes raw into single-quoted or plain text, where reading folds them
# (into a space, or \r into \n); in double quotes they are escaped (\N, \L, \P, \r).
_FOLDED_BREAKS = re.compile("[\r\x85\u2028\u2029]")
# `$$` and `${` are the loader's variable syntax (manifest/variables.py); a lone `$` is literal.
_VARIABLE_START = re.compile(r"\$(?=[${])")
_IDENTIFIER = re.compile(r"\S(?:.*\S)?\Z", re.DOTALL)


@dataclass(frozen=True)
class ExportOptions:
    """What to export and for which environment (the key's)."""

    environment: str
    kinds: frozenset[str] = frozenset(KIND_ORDER)
    all_linked_accounts: bool = False
    # Slugs a manifest may name (the catalog); None accepts every live slug.
    known_apps: frozenset[str] | None = None


@dataclass(frozen=True)
class Variable:
    """A `${NAME}` placeholder in the export that the user must set before using it."""

    name: str
    purpose: str


@dataclass(frozen=True)
class Export:
    """The manifest text plus what the user must be told about it (on stderr)."""

    text: str
    variables: tuple[Variable, ...] = ()
    warnings: tuple[str, ...] = ()
    counts: Mapping[str, int] = field(default_factory=dict)
    accounts_left_out: int = 0


class Placeholder(str):
    """A `${VAR}` reference: written as is, never `$`-escaped like a literal value."""

    __slots__ = ()


@dataclass
class _Builder:
    """Collects the placeholders, warnings and counts of one export as its sections are built."""

    options: ExportOptions
    variables: list[Variable] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    accounts_left_out: int = 0


def export_manifest(live: State, options: ExportOptions) -> Export:
    """The manifest describing `live`: version, environment, one section per exported kind
    (keys sorted, event payloads in the order Cobalt returned them), and `prune: []`."""
    builder = _Builder(options)
    sections: list[str] = [
        dump({"version": 1}),
        dump({"environment": options.environment}),
    ]
    if "apps" in options.kinds:
        sections.append(_apps_section(live, builder))
    if "events" in options.kinds:
        sections.append(_events_section(_kind(live, "events"), builder))
    if "linked_accounts" in options.kinds:
        sections.append(_accounts_section(_kind(live, "linked_accounts"), builder))
    sections.append("# Kinds whose undeclared live objects apply deletes; none by default.\n")
    sections.append(dump({"prune": []}))
    header = _header(options.environment, builder.variables)
    return Export(
        text=header + "".join(sections),
        variables=tuple(builder.variables),
        warnings=tuple(builder.warnings),
        counts=dict(builder.counts),
        accounts_left_out=builder.accounts_left_out,
    )


def _kind(live: State, name: str) -> KindState:
    """A kind of `live` without adding it (`State.kind` would: the input stays untouched)."""
    return live.kinds.get(name) or KindState()


def _header(environment: str, variables: list[Variable]) -> str:
    lines = [
        SCHEMA_MODELINE,
        f"# Exported by `cobalt-sync export` from the {environment} environment.",
    ]
    if variables:
        names = ", ".join(v.name for v in variables)
        lines.append(f"# Set these variables before using this file: {names}")
    return "\n".join(lines) + "\n"


# --- apps ------------------------------------------------------------------------------------


def _apps_section(live: State, builder: _Builder) -> str:
    apps = _kind(live, "apps").resources
    oauth = _kind(live, "oauth_credentials").resources
    with_oauth = "oauth_credentials" in builder.options.kinds
    known = builder.options.known_apps
    entries: dict[str, Any] = {}
    taken: set[str] = set()
    for slug in sorted(apps):
        if known is not None and slug not in known:
            builder.warnings.append(
                f"apps/{slug}: left out: the slug is not in cobalt-sync's app catalog, so a "
                "manifest cannot name it"
            )
            continue
        entry: dict[str, Any] = {"enabled": True}
        credentials = oauth.get(slug) if with_oauth else None
        if credentials is not None:
            block = _oauth_block(credentials, builder, taken)
            if block is not None:
                entry["oauth"] = block
        entries[slug] = entry
    builder.counts["apps"] = len(entries)
    return _section("apps", entries, {})


def _oauth_block(
    credentials: Resource, builder: _Builder, taken: set[str]
) -> dict[str, Any] | None:
    """Own credentials as a manifest block: the client id literally (it is public: every
    consent URL carries it), the secret as a `${VAR}` the user sets. Cobalt's default client
    (no secret of ours behind it) is not exported: omitting `oauth` leaves it alone."""
    slug = credentials.key
    client_id = credentials.attrs.get("client_id")
    fingerprint = credentials.attrs.get("client_secret")
    if not isinstance(client_id, str) or not client_id or fingerprint is None:
        return None
    variable = Variable(_variable_name(slug, taken), f"OAuth client secret of the {slug} app")
    taken.add(variable.name)
    builder.variables.append(variable)
    scopes = credentials.attrs.get("scopes")
    block: dict[str, Any] = {
        "client_id": client_id,
        "client_secret": Placeholder(f"${{{variable.name}}}"),
    }
    if scopes == UNOBSERVABLE:
        builder.warnings.append(
            f"apps/{slug}: Cobalt shows only the OAuth client id in use (read from its consent "
            "URL; it may be Cobalt's default client): check it, and add `scopes:` by hand"
        )
    else:
        block["scopes"] = sorted(str(s) for s in scopes) if isinstance(scopes, list) else []
    return block


def _variable_name(slug: str, taken: Collection[str]) -> str:
    """`slack` → SLACK_CLIENT_SECRET; a name is a valid shell variable and never reused."""
    stem = re.sub(r"[^A-Z0-9]+", "_", slug.upper()).strip("_") or "APP"
    if stem[0].isdigit():
        stem = f"APP_{stem}"
    name, suffix = f"{stem}_CLIENT_SECRET", 2
    while name in taken:
        name, suffix = f"{stem}_{suffix}_CLIENT_SECRET", suffix + 1
    return name


# --- events ----------------------------------------------------------------------------------


def _events_section(events: KindState, builder: _Builder) -> str:
    entries: dict[str, Any] = {}
    notes: dict[str, str] = {}
    for name in sorted(events.resources):
        if not _is_identifier(name):
            builder.warnings.append(
                f"events/{name!r}: left out: a manifest key cannot be empty or start or end "
                "with whitespace"
            )
            continue
        sample = _event_sample(events.resources[name])
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
    builder.counts["events"] = len(entries)
    return _section("events", entries, notes)


def _event_sample(resource: Resource) -> JsonObject | None:
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


# --- linked accounts -------------------------------------------------------------------------


def _accounts_section(accounts: KindState, builder: _Builder) -> str:
    entries: dict[str, Any] = {}
    for account_id in sorted(accounts.resources):
        resource = accounts.resources[account_id]
        if account_id == PROBE_ACCOUNT_ID:
            continue  # cobalt-sync's own probe: reserved, never part of a manifest
        if not (resource.owned or builder.options.all_linked_accounts):
            builder.accounts_left_out += 1
            continue
        if not _is_identifier(account_id):
            builder.warnings.append(
                f"linked_accounts/{account_id!r}: left out: a manifest key cannot be empty "
                "or start or end with whitespace"
            )
            continue
        entries[account_id] = _account_entry(resource, builder)
    if accounts.total is not None:
        # Only part of the org was read; the rest is, by construction, not exported.
        builder.accounts_left_out += max(0, accounts.total - len(accounts.resources))
    builder.counts["linked_accounts"] = len(entries)
    return _section("linked_accounts", entries, {})


def _account_entry(resource: Resource, builder: _Builder) -> dict[str, Any]:
    entry: dict[str, Any] = {}
    name = resource.attrs.get("name")
    if isinstance(name, str) and name:
        entry["name"] = name
    udf = resource.attrs.get("udf")
    if isinstance(udf, dict):
        kept = {}
        for key in sorted(udf):
            if _is_identifier(key):
                kept[key] = str(udf[key])
            else:
                builder.warnings.append(
                    f"linked_accounts/{resource.key}: udf key {key!r} left out: a manifest "
                    "key cannot be empty or start or end with whitespace"
                )
        if kept:
            entry["udf"] = kept
    return entry


def _is_identifier(key: str) -> bool:
    return bool(_IDENTIFIER.match(key))


# --- YAML --------------------------------------------------------------------------------------


def _section(name: str, entries: Mapping[str, Any], notes: Mapping[str, str]) -> str:
    """`name:` then one entry at a time, so an entry can carry a comment line above it."""
    if not entries:
        return dump({name: {}})
    lines = [f"{name}:\n"]
    for key, value in entries.items():
        if key in notes:
            lines.append(f"  {notes[key]}\n")
        lines.extend(f"  {line}\n" for line in dump({key: value}).splitlines())
    return "".join(lines)


class ExportDumper(yaml.SafeDumper):
    """Block-style YAML the manifest loader reads back unchanged: no anchors (the loader
    refuses them) and strings quoted wherever a plain scalar would be typed as something
    else. `dump` escapes `$` before the data gets here."""

    def ignore_aliases(self, data: Any) -> bool:
        return True

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        # Indent list items under their key, as people write them (PyYAML does not).
        super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    quoted = _LOADER_TYPED.match(value) or _FOLDED_BREAKS.search(value)
    style = '"' if quoted else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def escape_values(value: Any) -> Any:
    """Double each `$` the loader would read as the start of `${…}` or `$$`. Only values:
    the loader resolves variables in values and keeps keys as written."""
    if isinstance(value, dict):
        return {key: escape_values(item) for key, item in value.items()}
    if isinstance(value, list):
        return [escape_values(item) for item in value]
    if isinstance(value, str) and not isinstance(value, Placeholder):
        return _VARIABLE_START.sub("$$", value)
    return value


ExportDumper.add_representer(str, _represent_str)
ExportDumper.add_representer(Placeholder, _represent_str)


def dump(data: Mapping[str, Any]) -> str:
    """One mapping as block YAML, in the mapping's own order (callers sort what is a set)."""
    return yaml.dump(
        escape_values(dict(data)),
        Dumper=ExportDumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=1_000_000,
    )
