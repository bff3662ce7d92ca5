"""`export --environment NAME`: write a live org into one environment of a manifest without
touching the rest of the file.

Into an existing `environments:` manifest, only the `environments.NAME` block is rewritten:
it becomes the smallest overlay that turns the file's top level into the export
(`overlay.overlay_between`), so what all environments share stays shared; comments and every
other line stay as written. A missing file becomes a new manifest whose top level is the export
and whose `NAME:` section is empty. Pure text in, text out: no I/O.
"""

from __future__ import annotations

import re

import yaml

from cobalt_sync.errors import InputError
from cobalt_sync.exporting.document import ExportDumper
from cobalt_sync.manifest.overlay import SECTION, overlay_between
from cobalt_sync.manifest.yaml_reader import JsonLike, YamlProblem, read_yaml

# Written once for the whole file, never in a section.
_FILE_LEVEL = ("version", "environment")
_ENVIRONMENT_LINE = re.compile(r"^environment:.*\n", re.MULTILINE)


def new_manifest(export_text: str, name: str) -> str:
    """The export as the top level of an `environments:` manifest with an empty NAME section."""
    top = _ENVIRONMENT_LINE.sub("", export_text, count=1)
    return (
        f"{top}\n# Each environment is the top level with its section merged over it.\n"
        f"{SECTION}:\n  {name}:\n"
    )


def write_into(manifest_text: str, export_text: str, name: str, display: str) -> str:
    """`manifest_text` with its `environments.NAME` block replaced (or added) so that this
    environment's merged manifest is the export."""
    data = _read(manifest_text, display)
    if SECTION not in data:
        raise InputError(
            f"{display}: has no `{SECTION}:` section to export {name} into",
            hint=f"move `environment: …` into `{SECTION}:` (see examples/environments), or "
            "export without --environment to a new file",
        )
    exported = _read(export_text, "the export")
    base = {key: value for key, value in data.items() if key not in (SECTION, *_FILE_LEVEL)}
    wanted = {key: value for key, value in exported.items() if key not in _FILE_LEVEL}
    # Kinds not exported (--kinds) stay as the file has them: compare only what was read.
    base_part = {key: value for key, value in base.items() if key in wanted}
    overlay = overlay_between(base_part, wanted)
    block = _block(name, overlay)
    lines = manifest_text.splitlines(keepends=True)
    section_at, indent = _block_line(lines, SECTION, 0, display)
    section_end = _end(lines, section_at, indent)
    child_indent = _child_indent(lines, section_at, section_end)
    start = _find_key(lines, name, section_at + 1, section_end, child_indent)
    if start is None:
        return "".join([*lines[:section_end], _indented(block, child_indent), *lines[section_end:]])
    end = _end(lines, start, child_indent)
    return "".join([*lines[:start], _indented(block, child_indent), *lines[end:]])


def _read(text: str, display: str) -> dict[str, JsonLike]:
    try:
        data = read_yaml(text.encode()).data
    except YamlProblem as problem:
        raise InputError(f"{display}: cannot be read as YAML: {problem.message}") from None
    if not isinstance(data, dict):
        raise InputError(f"{display}: the top level is not a mapping of fields")
    return data


def _block(name: str, overlay: JsonLike) -> str:
    if overlay == {}:
        return f"{name}:   # the same as the top level\n"
    # Values are as written in the two files (variables unresolved, `$$` kept): no escaping.
    return yaml.dump(
        {name: overlay},
        Dumper=ExportDumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=1_000_000,
    )


def _block_line(lines: list[str], key: str, indent: int, display: str) -> tuple[int, int]:
    index = _find_key(lines, key, 0, len(lines), indent)
    if index is None:  # read_yaml found the key, so it is written in a form we do not edit
        raise InputError(f"{display}: `{key}:` is not written as a block mapping")
    rest = lines[index].split(":", 1)[1].split("#", 1)[0].strip()
    if rest:
        raise InputError(
            f"{display}: `{key}:` is written in flow style ({{…}}); write it as a block "
            "mapping (one environment per line) to export into it"
        )
    return index, indent


def _child_indent(lines: list[str], start: int, end: int) -> int:
    """How deep the section's entries are indented (2 when it has none yet)."""
    for text in lines[start + 1 : end]:
        stripped = text.strip()
        if stripped and not stripped.startswith("#"):
            return len(text) - len(text.lstrip(" "))
    return 2


def _find_key(
    lines: list[str], key: str, start: int, end: int, indent: int | None = None
) -> int | None:
    pattern = re.compile(rf"^( *)(?:{re.escape(key)}|\"{re.escape(key)}\"|'{re.escape(key)}'):")
    for index in range(start, end):
        found = pattern.match(lines[index])
        if found and (indent is None or len(found.group(1)) == indent):
            return index
    return None


def _end(lines: list[str], start: int, indent: int) -> int:
    """The line after the block that starts at `start`: the next line written at `indent` or
    less (blank lines and comments between blocks stay with the next one)."""
    last = start
    for index in range(start + 1, len(lines)):
        text = lines[index]
        stripped = text.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if len(text) - len(text.lstrip(" ")) <= indent:
            return last + 1
        last = index
    return last + 1


def _indented(block: str, indent: int) -> str:
    pad = " " * indent
    return "".join(pad + line if line.strip() else line for line in block.splitlines(True))
