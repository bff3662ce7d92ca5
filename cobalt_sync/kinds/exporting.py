"""What a kind's export section is made of: the options of one export, the builder that
collects its `${VAR}` placeholders, warnings and counts, and the section a kind returns.

Pure values; `export.py` turns the sections into YAML. Never holds a secret value: a live
State holds only fingerprints, and a secret becomes a placeholder the user sets.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from cobalt_sync.resource import invisible_in, normal_key

_IDENTIFIER = re.compile(r"\S(?:.*\S)?\Z", re.DOTALL)


@dataclass(frozen=True)
class ExportOptions:
    """What to export and for which environment (the key's)."""

    environment: str
    # Kinds to export; None exports every kind.
    kinds: frozenset[str] | None = None
    all_linked_accounts: bool = False
    # Slugs a manifest may name (the catalog); None accepts every live slug.
    known_apps: frozenset[str] | None = None

    def exports(self, kind: str) -> bool:
        return self.kinds is None or kind in self.kinds


@dataclass(frozen=True)
class Variable:
    """A `${NAME}` placeholder in the export that the user must set before using it."""

    name: str
    purpose: str


class Placeholder(str):
    """A `${VAR}` reference: written as is, never `$`-escaped like a literal value."""

    __slots__ = ()


@dataclass(frozen=True)
class ExportSection:
    """One manifest section: its entries by key (in the order to write them), and a comment
    line to write above some entries."""

    name: str
    entries: Mapping[str, Any]
    notes: Mapping[str, str] = field(default_factory=dict)


@dataclass
class ExportBuilder:
    """Collects the placeholders, warnings and counts of one export as its sections are built."""

    options: ExportOptions
    variables: list[Variable] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    accounts_left_out: int = 0

    def placeholder(self, stem: str, tail: str, purpose: str) -> Placeholder:
        """A new `${STEM_TAIL}` variable the user must set, never one taken in this export."""
        name = variable_name(stem, tail, {v.name for v in self.variables})
        self.variables.append(Variable(name, purpose))
        return Placeholder(f"${{{name}}}")


def variable_name(stem: str, tail: str, taken: Collection[str]) -> str:
    """`slack`, `CLIENT_SECRET` → SLACK_CLIENT_SECRET (then SLACK_2_CLIENT_SECRET…): a valid
    shell variable, never reused."""
    base = re.sub(r"[^A-Z0-9]+", "_", stem.upper()).strip("_") or "APP"
    if base[0].isdigit():
        base = f"APP_{base}"
    name, suffix = f"{base}_{tail}", 2
    while name in taken:
        name, suffix = f"{base}_{suffix}_{tail}", suffix + 1
    return name


NOT_A_KEY = (
    "a manifest key cannot be empty, start or end with whitespace, hold an invisible "
    "character or be spelled other than in Unicode NFC"
)
"""Why `export` leaves out an object whose live key `is_identifier` refuses."""


def is_identifier(key: str) -> bool:
    """A key a manifest can hold and read back as the same key: non-empty, no leading or
    trailing whitespace, no invisible character, already in NFC (the readers refuse the
    first and normalise the second, so such a live key would not round-trip)."""
    return (
        bool(_IDENTIFIER.match(key)) and invisible_in(key) is None and normal_key(key) == key
    )
