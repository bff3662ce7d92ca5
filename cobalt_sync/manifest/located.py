"""Positions in an input file and the dotted field paths problems are reported under.

Owns only these small values; it neither reads files nor formats messages.
"""

from __future__ import annotations

import json
import re
from typing import NamedTuple

PathKey = str | int

_PLAIN_KEY = re.compile(r"[^.\[\]\"\s](?:[^.\[\]\"]*[^.\[\]\"\s])?")


class Mark(NamedTuple):
    """A 1-based line and column."""

    line: int
    column: int


def format_path(path: tuple[PathKey, ...]) -> str:
    """`('apps', 'slack', 'oauth', 'scopes', 0)` → `apps.slack.oauth.scopes[0]`.

    A key that would be ambiguous in a dotted path (empty, holding '.', '[', ']', '"', or
    with leading or trailing whitespace) is written quoted: `linked_accounts["acme.eu"]`.
    """
    text = ""
    for key in path:
        if isinstance(key, int):
            text += f"[{key}]"
        elif _PLAIN_KEY.fullmatch(key):
            text += f".{key}" if text else key
        else:
            text += f"[{json.dumps(key)}]"
    return text
