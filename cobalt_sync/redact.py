"""Redaction of secrets from any text that may reach a user: messages, log lines, reprs.

Owns the registry of secret values (the API key, OAuth client secrets, session tokens) and
the one function that scrubs them, including their URL- and JSON-escaped spellings, because a
server may echo a secret back inside an error. It never stores or prints what it removes.
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


class Redactor:
    """A thread-safe set of secret values and `redact(text)` that masks every spelling of them."""

    def __init__(self, *secrets: str) -> None:
        self._lock = threading.Lock()
        self._needles: tuple[str, ...] = ()
        for secret in secrets:
            self.add(secret, always=True)

    def add(self, secret: str | None, *, always: bool = False) -> None:
        """Register a value: from now on it never appears in redacted text."""
        if not secret or (len(secret) < MIN_SECRET_LENGTH and not always):
            return
        spellings = {secret, quote(secret, safe=""), quote_plus(secret), json.dumps(secret)[1:-1]}
        with self._lock:
            merged = set(self._needles) | spellings
            # Longest first, so a secret containing another is masked whole.
            self._needles = tuple(sorted(merged, key=len, reverse=True))

    def redact(self, text: str) -> str:
        needles = self._needles  # an immutable snapshot: no lock needed to read it
        for needle in needles:
            if needle in text:
                text = text.replace(needle, MASK)
        return _JWT.sub(MASK, text)

    def __repr__(self) -> str:
        return f"Redactor({len(self._needles)} spellings)"


def one_line(text: str, limit: int = 300) -> str:
    """Collapse whitespace so a vendor message stays on one line, and cap its length."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
