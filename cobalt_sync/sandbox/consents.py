"""OAuth consents in flight: between the consent URL the sandbox hands out (from `oauth-url` or
the hosted Connect page) and the callback the stand-in provider redirects to.

Owns the `state` → (org scope, linked account, app, session token) book, in memory: a consent
lasts seconds, so a restart only makes an open consent page fail with a clear message.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

CONSENT_SECONDS = 15 * 60
MAX_OPEN = 1000  # the oldest open consent is forgotten first


@dataclass(frozen=True)
class Consent:
    scope: str
    account_id: str
    slug: str
    token: str | None  # the hosted page's session token; None when started through the API
    started: float


class ConsentBook:
    def __init__(self) -> None:
        self._open: OrderedDict[str, Consent] = OrderedDict()
        self._lock = threading.Lock()

    def begin(self, scope: str, account_id: str, slug: str, token: str | None) -> str:
        state = secrets.token_urlsafe(24)
        with self._lock:
            self._open[state] = Consent(scope, account_id, slug, token, time.time())
            while len(self._open) > MAX_OPEN:
                self._open.popitem(last=False)
        return state

    def peek(self, state: str) -> Consent | None:
        with self._lock:
            consent = self._open.get(state)
        if consent is None or time.time() - consent.started > CONSENT_SECONDS:
            return None
        return consent

    def finish(self, state: str) -> Consent | None:
        """The consent for `state`, once: a replayed callback finds nothing."""
        consent = self.peek(state)
        with self._lock:
            self._open.pop(state, None)
        return consent
