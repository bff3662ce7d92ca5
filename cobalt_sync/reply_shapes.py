"""How API replies are validated: `ReplyShape`, a pydantic TypeAdapter for one shape of
reply built on first use, and `REPLY_CONFIG`, the config every reply model shares.

A TypeAdapter compiles its validator when it is made. Made at import, every run paid for
every reply shape the client and the kinds know (session tokens, webhooks, MCP servers…),
though a plan sees three or four of them. Replies are parsed on reader threads, so the
first build is taken under a lock: pydantic's schema building is not thread-safe.
"""

from __future__ import annotations

import threading
from typing import Any, Generic, TypeVar

from pydantic import ConfigDict, TypeAdapter

T = TypeVar("T")

_BUILDING = threading.Lock()

REPLY_CONFIG = ConfigDict(extra="ignore", populate_by_name=True, frozen=True, defer_build=True)
"""Unknown fields ignored (the vendor adds them), wrong types refused. `defer_build`: a
reply model's validator is built with the first `ReplyShape` that uses it, under the lock;
nothing validates a reply model except through a `ReplyShape`."""


class ReplyShape(Generic[T]):
    """`ReplyShape(list[WireEvent])`: validates like `TypeAdapter(list[WireEvent])`."""

    def __init__(self, shape: Any) -> None:
        self._shape = shape
        self._adapter: TypeAdapter[T] | None = None

    @property
    def adapter(self) -> TypeAdapter[T]:
        adapter = self._adapter
        if adapter is None:
            with _BUILDING:
                if self._adapter is None:
                    self._adapter = TypeAdapter(self._shape)
                adapter = self._adapter
        return adapter

    def validate_python(self, data: object) -> T:
        return self.adapter.validate_python(data)
