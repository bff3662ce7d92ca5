"""Keeping variables' values out of manifest messages: a message about a field whose value
came from `${VAR}` names the variable, never what it holds.

A check may quote the value it refused (`unknown app 'X'`, `file not found: 'X'`); when the
field was written with variables, that text is the variable's value, which may be a secret.
`Screen.words` rewrites the message: the field's resolved value becomes the text as written
(`samples/${SAMPLE}.json`), and any variable's value left becomes `${NAME}`. Owns no wording.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping

from cobalt_sync.manifest.located import PathKey
from cobalt_sync.manifest.variables import Resolution

Path_ = tuple[PathKey, ...]

# A value this short is replaced only inside quotes: `a` must not turn "expected a mapping"
# into "expected ${VAR} mapping". Messages quote what they echo ('…' or `…`).
SHORT = 4
_QUOTED = re.compile(r"'[^'\n]*'|`[^`\n]*`")


class Screen:
    """What to replace in a message about a field, by the field's path: the values of the
    variables used at that path or under it (a list's items, an entry's fields)."""

    def __init__(
        self,
        resolutions: Mapping[Path_, Resolution],
        written: Callable[[Path_], object],
        environ: Mapping[str, str],
    ) -> None:
        self._by_path: dict[Path_, dict[str, str]] = defaultdict(dict)
        for path, resolution in resolutions.items():
            if not resolution.references:
                continue
            found = _replacements(resolution, written(path), environ)
            for depth in range(len(path) + 1):  # indexed under every parent of the field
                self._by_path[path[:depth]].update(found)

    def words(self, path: Path_, message: str) -> str:
        """`message` with every value of a variable used at or under `path` replaced."""
        found = self._by_path.get(path)
        return replaced(message, found) if found else message


def _replacements(
    resolution: Resolution, written: object, environ: Mapping[str, str]
) -> dict[str, str]:
    """value → what to show instead: the whole resolved text → the written text, then each
    variable's own value → `${NAME}`."""
    found = {environ[name]: f"${{{name}}}" for name in resolution.references if environ.get(name)}
    if isinstance(written, str) and resolution.value and resolution.value != written:
        found[resolution.value] = written
    return found


def replaced(message: str, found: Mapping[str, str]) -> str:
    """One pass, longest value first, so that no replacement is replaced again."""
    long = [value for value in found if len(value) >= SHORT]
    short = [value for value in found if 0 < len(value) < SHORT]
    message = _sub(message, long, found)
    if short:
        message = _QUOTED.sub(lambda quoted: _sub(quoted.group(), short, found), message)
    return message


def _sub(text: str, values: Iterable[str], found: Mapping[str, str]) -> str:
    ordered = sorted(values, key=len, reverse=True)
    if not ordered:
        return text
    pattern = re.compile("|".join(re.escape(value) for value in ordered))
    return pattern.sub(lambda match: found[match.group()], text)
