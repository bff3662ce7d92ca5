"""Pure per-kind comparison rules: how a desired and a live Resource are made comparable,
which fields are secret, and which review tags a change earns.

Everything here is a function of values: no I/O, no HTTP, no click. The planner applies these
rules; `kinds/` uses the same helpers when it turns live JSON into Resources.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from cobalt_sync.plan import FieldChange
from cobalt_sync.resource import JsonObject, JsonValue, Resource, json_type


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


# --- alignment: project the live side onto what the manifest can express -------------------


def align_events(want: Resource, have: Resource) -> tuple[Resource, Resource]:
    """Compare samples when Cobalt returned one, else compare derived shapes only."""
    if "schema" in have.attrs or not isinstance(want.attrs.get("schema"), dict):
        return want, have
    sample = want.attrs["schema"]
    assert isinstance(sample, dict)
    shaped: dict[str, JsonValue] = dict(event_shape(sample))
    return replace(want, attrs={"shape": shaped}), have


def align_linked_accounts(want: Resource, have: Resource) -> tuple[Resource, Resource]:
    """Compare only what the manifest declares: an omitted name is not managed, and UDF keys
    cannot be removed through the API (upsert merges), so undeclared live keys are ignored."""
    attrs: JsonObject = {}
    for name in want.attrs:
        attrs[name] = have.attrs.get(name)
    want_udf, have_udf = want.attrs.get("udf"), have.attrs.get("udf")
    if isinstance(want_udf, dict) and isinstance(have_udf, dict):
        attrs["udf"] = {k: have_udf[k] for k in want_udf if k in have_udf}
    return want, replace(have, attrs=attrs)


def align_oauth(want: Resource, have: Resource) -> tuple[Resource, Resource]:
    """Where the backend cannot observe a field (real Cobalt reveals only the client id),
    leave it out of the comparison instead of reporting a change on every plan."""
    unknown = [name for name, value in have.attrs.items() if value == UNOBSERVABLE]
    if not unknown:
        return want, have
    keep = {k: v for k, v in want.attrs.items() if k not in unknown}
    return replace(want, attrs=keep), replace(
        have, attrs={k: v for k, v in have.attrs.items() if k not in unknown}
    )


UNOBSERVABLE = "(not observable)"


# --- review tags -------------------------------------------------------------------------


def tag_event_change(fields: tuple[FieldChange, ...]) -> tuple[str, ...]:
    """`breaking` when a key disappears or changes type (workflows reading it may fail),
    `additive` when keys are only added."""
    breaking = any(
        f.op == "remove" or (f.op == "change" and json_type(f.before) != json_type(f.after))
        for f in fields
    )
    if breaking:
        return ("breaking",)
    if fields and all(f.op == "add" for f in fields):
        return ("additive",)
    return ()


def tag_oauth_change(fields: tuple[FieldChange, ...]) -> tuple[str, ...]:
    """A new client id or scope set makes existing connections authorise again."""
    if any(f.path == "client_id" or f.path.startswith("scopes") for f in fields):
        return ("reauthorize",)
    return ()


# --- the table the planner reads ---------------------------------------------------------

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


RULES: Mapping[str, KindRules] = {
    "apps": KindRules(),
    "oauth_credentials": KindRules(
        align=align_oauth, tag=tag_oauth_change, sensitive=frozenset({"client_secret"})
    ),
    "events": KindRules(align=align_events, tag=tag_event_change),
    "linked_accounts": KindRules(align=align_linked_accounts),
}
