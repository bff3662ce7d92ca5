"""The dashboard's signed-in browsers, in memory: opaque random id → the orgs (org and
environment) someone opened by typing one of their API keys. A restart signs everyone out.

Owns the book only; the sign-in routes and cookie live in `logins.py`.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict

from cobalt_sync.sandbox.keys import Tenant

MAX_BROWSERS = 1000  # the oldest sign-in is forgotten first


class LoginBook:
    """Signed-in browsers: opaque id → the tenants (org + environment) it may see."""

    def __init__(self) -> None:
        self._open: OrderedDict[str, frozenset[Tenant]] = OrderedDict()
        self._lock = threading.Lock()

    def tenants(self, sid: str) -> frozenset[Tenant]:
        with self._lock:
            return self._open.get(sid, frozenset())

    def sign_in(self, old_sid: str | None, tenant: Tenant) -> str:
        """A fresh id (never the old one: no fixation) for the old id's tenants + this one."""
        sid = secrets.token_urlsafe(24)
        with self._lock:
            before = self._open.pop(old_sid, frozenset()) if old_sid else frozenset()
            self._open[sid] = before | {tenant}
            while len(self._open) > MAX_BROWSERS:
                self._open.popitem(last=False)
        return sid

    def sign_out(self, sid: str) -> None:
        with self._lock:
            self._open.pop(sid, None)
