"""Live State → the text of a `cobalt.yaml` that describes it: pure and deterministic.

Owns the document around the sections (header, variables to set, `prune: []`) and how values
are written so that the manifest loader reads back exactly what was live; each kind writes its
own section (`ResourceKind.export`), in the registry's order. Does no I/O and never sees a
secret value: a live State holds only fingerprints, and a secret becomes a `${VAR}`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from cobalt_sync.kinds import KINDS
from cobalt_sync.kinds.events import RECONSTRUCTED_NOTE, reconstruct_sample
from cobalt_sync.kinds.exporting import (
    ExportBuilder,
    ExportOptions,
    ExportSection,
    Placeholder,
    Variable,
)
from cobalt_sync.resource import State
from cobalt_sync.schemas import schema_url

__all__ = [
    "RECONSTRUCTED_NOTE",
    "Export",
    "ExportOptions",
    "Variable",
    "export_manifest",
    "reconstruct_sample",
]

MODELINE = "# yaml-language-server: $schema="
"""Editors (through the YAML language server) complete and check the file against the schema
the modeline names: the released file of this version, which resolves from anywhere."""

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


@dataclass(frozen=True)
class Export:
    """The manifest text plus what the user must be told about it (on stderr)."""

    text: str
    variables: tuple[Variable, ...] = ()
    warnings: tuple[str, ...] = ()
    counts: Mapping[str, int] = field(default_factory=dict)
    accounts_left_out: int = 0


def export_manifest(live: State, options: ExportOptions) -> Export:
    """The manifest describing `live`: version, environment, one section per exported kind
    in the registry's order (keys sorted, event payloads in the order Cobalt returned them),
    and `prune: []`."""
    builder = ExportBuilder(options)
    sections: list[str] = [
        dump({"version": 1}),
        dump({"environment": options.environment}),
    ]
    for name, kind in KINDS.items():
        section = kind.export(live, builder) if options.exports(name) else None
        if section is None:
            continue
        for inner in KINDS.values():  # kinds written inside this one's entries (OAuth clients)
            if inner.written_under == name and options.exports(inner.name):
                inner.export_into(section.entries, live, builder)
        sections.append(_section(section))
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


def _header(environment: str, variables: list[Variable]) -> str:
    lines = [
        MODELINE + schema_url("cobalt"),
        f"# Exported by `cobalt-sync export` from the {environment} environment.",
    ]
    if variables:
        names = ", ".join(v.name for v in variables)
        lines.append(f"# Set these variables before using this file: {names}")
    return "\n".join(lines) + "\n"


# --- YAML --------------------------------------------------------------------------------------


def _section(section: ExportSection) -> str:
    """`name:` then one entry at a time, so an entry can carry a comment line above it."""
    if not section.entries:
        return dump({section.name: {}})
    lines = [f"{section.name}:\n"]
    for key, value in section.entries.items():
        if key in section.notes:
            lines.append(f"  {section.notes[key]}\n")
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
