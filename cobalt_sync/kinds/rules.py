"""The shape of per-kind comparison rules (`KindRules`: alignment, sensitive fields, review
tags) and the value helpers several kinds share (secret fingerprints, event shapes).

Everything here is a function of values: no I/O, no HTTP, no click. Each kind module fills in
its own rules; the registry (`kinds/__init__.py`) collects them into `RULES` for the planner.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from cobalt_sync.plan import FieldChange
from cobalt_sync.resource import JsonValue, Resource


def secret_fingerprint(client_id: str, client_secret: str) -> str:
    """The fingerprint Cobalt's OAuth credential view reports (cobalt-api.md §3.2).

    Lets a plan detect a rotated secret while holding only a truncated hash, never the secret.
    """
    digest = hashlib.sha256(f"{client_id}:{client_secret}".encode()).hexdigest()
    return f"sha256:{digest[:16]}"


def event_shape(sample: Mapping[str, JsonValue], prefix: str = "") -> dict[str, str]:
    """The vendor's `response` list for a sample payload, as `{dotted key: type}`.

    Depth-first in document order; an object yields `object` then its children; every other
    value is `text`; arrays are not descended (cobalt-api.md §2c, the sandbox's assumption).
    """
    shape: dict[str, str] = {}
    for key, value in sample.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            shape[path] = "object"
            shape.update(event_shape(value, f"{path}."))
        else:
            shape[path] = "text"
    return shape


UNOBSERVABLE = "(not observable)"
"""A live value that could not be read: left out of every comparison (see align_oauth)."""


# --- the shape of one kind's rules (each kind module fills in its own) -------------------

Aligner = Callable[[Resource, Resource], tuple[Resource, Resource]]
Tagger = Callable[[tuple[FieldChange, ...]], tuple[str, ...]]


def _same(want: Resource, have: Resource) -> tuple[Resource, Resource]:
    return want, have


def _no_tags(fields: tuple[FieldChange, ...]) -> tuple[str, ...]:
    return ()


@dataclass(frozen=True)
class KindRules:
    align: Aligner = _same
    tag: Tagger = _no_tags
    sensitive: frozenset[str] = field(default_factory=frozenset)
