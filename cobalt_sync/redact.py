"""Redaction of secrets from any text that may reach a user: messages, log lines, reprs.

Owns the registry of secret values (the API key, OAuth client secrets, session tokens) and
the one function that scrubs them in every spelling a server may echo them back in: as is,
URL-encoded, or JSON-escaped once or more (`\"`, `\\`, `\u00e9`, surrogate pairs for emoji,
raw UTF-8 between escaped quotes). It never stores or prints what it removes.
"""

from __future__ import annotations

import json
import re
import threading
from urllib.parse import quote, quote_plus

MASK = "[REDACTED]"

# Shorter values would mask ordinary words ("abc" inside "abcdef"); a real secret or token is
# far longer. Such values are still never logged by us, only not searched for. The API key is
# always searched for, whatever its length (`always=True`).
MIN_SECRET_LENGTH = 4

# A JSON Web Token anywhere in a text (session tokens, hosted Connect URLs ending in one):
# masked even before anyone registered it, so an echoed token never leaks.
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")


_ESCAPES = ("\\", "%", "+")


class Redactor:
    """A thread-safe set of secret values and `redact(text)` that masks every spelling of them."""

    def __init__(self, *secrets: str) -> None:
        self._lock = threading.Lock()
        self._needles: tuple[str, ...] = ()
        self._patterns: tuple[re.Pattern[str], ...] = ()
        self._secrets: set[str] = set()
        for secret in secrets:
            self.add(secret, always=True)

    def add(self, secret: str | None, *, always: bool = False) -> None:
        """Register a value: from now on it never appears in redacted text."""
        if not secret or (len(secret) < MIN_SECRET_LENGTH and not always):
            return
        spellings = {secret, quote(secret, safe=""), quote_plus(secret), json.dumps(secret)[1:-1]}
        with self._lock:
            if secret in self._secrets:
                return
            self._secrets.add(secret)
            merged = set(self._needles) | spellings
            # Longest first, so a secret containing another is masked whole.
            self._needles = tuple(sorted(merged, key=len, reverse=True))
            patterns = (*self._patterns, re.compile(spelling_pattern(secret)))
            self._patterns = tuple(sorted(patterns, key=lambda p: len(p.pattern), reverse=True))

    def redact(self, text: str) -> str:
        needles = self._needles  # an immutable snapshot: no lock needed to read it
        for needle in needles:
            if needle in text:
                text = text.replace(needle, MASK)
        # The other spellings all carry an escape (a backslash, `%` or `+`): a text without
        # one holds none of them, and most log lines and messages skip the patterns.
        if any(sign in text for sign in _ESCAPES):
            for pattern in self._patterns:
                text = pattern.sub(MASK, text)
        return _JWT.sub(MASK, text)

    def __repr__(self) -> str:
        return f"Redactor({len(self._needles)} spellings)"


# How JSON writes a character with a short escape (RFC 8259 §7), besides `\uXXXX`.
_SHORT_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "\b": "b", "\f": "f", "\n": "n",
                  "\r": "r", "\t": "t"}


def spelling_pattern(secret: str) -> str:
    """A regex matching `secret` in any spelling a server may quote it back in, character by
    character: as is; JSON-escaped once or more (any run of backslashes before `"`, `\\`,
    `n`…, or `uXXXX` in either case, astral characters as a surrogate pair); URL-encoded
    (`%XX` per UTF-8 byte, either case; `+` for a space). Escapes may mix, as they do when a
    client sends UTF-8 as is and only quotes and backslashes are escaped."""
    return "".join(_char_pattern(char) for char in secret)


def _char_pattern(char: str) -> str:
    spellings = [re.escape(char)]
    if char in _SHORT_ESCAPES:
        spellings.append(r"\\+" + re.escape(_SHORT_ESCAPES[char]))
    units = char.encode("utf-16-be")
    code_units = [units[i : i + 2].hex() for i in range(0, len(units), 2)]
    spellings.append("".join(r"\\+u" + _any_case(unit) for unit in code_units))
    spellings.append("".join("%" + _any_case(f"{byte:02x}") for byte in char.encode()))
    if char == " ":
        spellings.append(r"\+")
    return "(?:" + "|".join(spellings) + ")"


def _any_case(hex_digits: str) -> str:
    return "".join(f"[{d}{d.upper()}]" if d.isalpha() else d for d in hex_digits)


def one_line(text: str, limit: int = 300) -> str:
    """Collapse whitespace so a vendor message stays on one line, and cap its length."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
