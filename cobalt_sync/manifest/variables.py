"""`${VAR}`, `${VAR:-default}` and `$$` in manifest strings, resolved from an environment.

Owns the reference syntax only. Messages name variables, never their values or the text
around them (the text may be a secret). A `$` not followed by `{` or `$` stays literal, so
sample payloads like `"$5 off"` need no escaping.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
TOKEN = re.compile(r"\$\$|\$\{(?P<body>[^}]*)\}|\$\{")


@dataclass(frozen=True)
class Resolution:
    """A resolved string and how it was made."""

    value: str
    references: tuple[str, ...] = ()  # variable names, in order of appearance
    defaults_used: tuple[str, ...] = ()  # variables that fell back to their written default
    has_defaults: bool = False  # any `${VAR:-default}` form, used or not
    problems: tuple[str, ...] = ()

    @property
    def literal(self) -> bool:
        """True when the text holds no variable reference at all."""
        return not self.references


def resolve(text: str, environ: Mapping[str, str]) -> Resolution:
    """Substitute every reference in `text`; unresolvable ones are listed in `problems`."""
    if "$" not in text:
        return Resolution(text)
    parts: list[str] = []
    references: list[str] = []
    defaults_used: list[str] = []
    problems: list[str] = []
    has_defaults = False
    position = 0
    for match in TOKEN.finditer(text):
        parts.append(text[position : match.start()])
        position = match.end()
        token = match.group(0)
        if token == "$$":
            parts.append("$")
            continue
        body = match.group("body")
        if body is None:
            # No '}' anywhere after this point, so every later '${' is unterminated too;
            # stop here: rescanning to the end from each of them is quadratic.
            problems.append("unterminated variable reference: '${' without a closing '}'")
            position = len(text)
            break
        name, has_default, default = body.partition(":-")
        if not NAME.match(name):
            problems.append(
                "malformed variable reference: write ${NAME} or ${NAME:-default} "
                "(NAME: letters, digits, _), or $$ for a literal $"
            )
            continue
        references.append(name)
        has_defaults = has_defaults or bool(has_default)
        value = environ.get(name)
        if has_default and not value:  # shell semantics: ':-' also replaces an empty value
            defaults_used.append(name)
            value = default
        if value is None:
            problems.append(f"variable '{shown(name)}' is not set (export it before running)")
            continue
        parts.append(value)
    parts.append(text[position:])
    return Resolution(
        value="".join(parts),
        references=tuple(references),
        defaults_used=tuple(defaults_used),
        has_defaults=has_defaults,
        problems=tuple(problems),
    )


def references_in(text: str) -> tuple[str, ...]:
    """The names of the `${…}` references in `text` (`$$` escapes one), e.g. in a map key,
    where they are refused rather than resolved."""
    if "${" not in text:
        return ()
    found = (m.group("body") for m in TOKEN.finditer(text) if m.group(0) != "$$")
    return tuple(shown((body or "").partition(":-")[0]) for body in found)


def shown(name: str, limit: int = 64) -> str:
    """A variable name as messages show it: a 1 MB name must not make a 1 MB error line."""
    return name if len(name) <= limit else f"{name[:limit]}… ({len(name)} characters)"
