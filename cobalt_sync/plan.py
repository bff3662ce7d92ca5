"""The Plan: a frozen, sorted list of changes plus what was left alone.

A Plan never holds a secret value (sensitive fields carry neither before nor after), so it
can be printed, saved, hashed and posted to a pull request. This module does no I/O.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from cobalt_sync.resource import JsonValue

PLAN_FORMAT_VERSION = 1
SENSITIVE = "(sensitive)"


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"


@dataclass(frozen=True)
class FieldChange:
    """One leaf that differs; `path` is dotted (`schema.contact.email`, `scopes`)."""

    path: str
    before: JsonValue = None
    after: JsonValue = None
    sensitive: bool = False
    # "add" (no before), "remove" (no after) or "change"; None and a missing value differ.
    op: str = "change"

    def to_dict(self) -> dict[str, JsonValue]:
        if self.sensitive:
            return {
                "path": self.path,
                "op": self.op,
                "before": SENSITIVE,
                "after": SENSITIVE,
                "sensitive": True,
            }
        return {"path": self.path, "op": self.op, "before": self.before, "after": self.after}


@dataclass(frozen=True)
class Source:
    """The manifest line that causes a change: `file` as a reviewer opens it (relative to
    the repository's root when the manifest is in one), `line` 1-based."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"

    def to_dict(self) -> dict[str, JsonValue]:
        return {"file": self.file, "line": self.line}


# A link base: an http(s) URL with nothing that could end a Markdown link or open markup.
_LINK_BASE = re.compile(r"https?://[^\s()<>\[\]\"'`\\]+")
LINK_BASE_HINT = (
    "give the repository's URL at a commit, e.g. https://github.com/OWNER/REPO/blob/SHA"
)


def is_link_base(url: str) -> bool:
    """True when `url` may prefix a link to a manifest line (`URL/path#L12`)."""
    return _LINK_BASE.fullmatch(url) is not None


@dataclass(frozen=True)
class Change:
    """One action on one object, keyed by its natural key.

    `tags` are review markers (`breaking`, `additive`, `reauthorize`, `manual`); `notes` are
    one-line explanations shown under the change; `source` is the manifest line behind it
    (None where no line causes it: the probe account, a promotion diff).
    """

    kind: str
    key: str
    action: Action
    fields: tuple[FieldChange, ...] = ()
    tags: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    source: Source | None = None

    @property
    def address(self) -> str:
        return f"{self.kind}/{self.key}"

    def to_dict(self) -> dict[str, JsonValue]:
        return {
            "kind": self.kind,
            "key": self.key,
            "action": self.action.value,
            "fields": [f.to_dict() for f in self.fields],
            "tags": list(self.tags),
            "notes": list(self.notes),
            "source": None if self.source is None else self.source.to_dict(),
        }


@dataclass(frozen=True)
class EntryNote:
    """A note about one declared or live object that the plan does not change: shown on
    request (`-v`) and counted otherwise, so a plan does not repeat the same facts."""

    kind: str
    key: str
    text: str

    @property
    def address(self) -> str:
        return f"{self.kind}/{self.key}"

    def __str__(self) -> str:
        return f"{self.address}: {self.text}"

    def to_dict(self) -> dict[str, JsonValue]:
        return {"kind": self.kind, "key": self.key, "note": self.text}


class StepStatus(StrEnum):
    """Where a dashboard step stands, as far as cobalt-sync could observe."""

    PENDING = "pending"  # observed: the org does not match yet
    UNVERIFIED = "unverified"  # cannot be observed; `reason` says why and how to fix that


@dataclass(frozen=True)
class DashboardStep:
    """A change only Cobalt's dashboard can make (real Cobalt has no public API for it).

    `where` is the dashboard path (`Apps → HubSpot`), `what` exactly what to do there; neither
    ever holds a secret value (a secret is named by the variable it comes from). `change`
    keeps the kind, key, action and observed field diffs, so a step is verified like a change.
    """

    change: Change
    where: str
    what: str
    status: StepStatus = StepStatus.PENDING
    reason: str = ""

    @property
    def address(self) -> str:
        return self.change.address

    def to_dict(self) -> dict[str, JsonValue]:
        return {
            **self.change.to_dict(),
            "where": self.where,
            "what": self.what,
            "status": self.status.value,
            "reason": self.reason,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DashboardStep:
        return cls(
            change=change_from_dict(data),
            where=str(data["where"]),
            what=str(data["what"]),
            status=StepStatus(data.get("status", "pending")),
            reason=str(data.get("reason", "")),
        )


@dataclass(frozen=True)
class Unmanaged:
    """Live objects of one kind that the manifest does not declare and apply leaves alone."""

    kind: str
    keys: tuple[str, ...] = ()
    # Total count; larger than len(keys) when the kind was not listed in full.
    count: int = 0


@dataclass(frozen=True)
class Plan:
    """What apply would do, computed from one manifest against one reading of the live org."""

    environment: str
    changes: tuple[Change, ...] = ()
    unmanaged: tuple[Unmanaged, ...] = ()
    warnings: tuple[str, ...] = ()
    manifest_hash: str = ""
    live_fingerprint: str = ""
    # Kinds whose live objects were all read; a saved plan is only valid against the same set.
    kinds: tuple[str, ...] = ()
    # Safety-rule findings (mass delete): apply refuses them unless explicitly allowed.
    mass_delete: tuple[str, ...] = ()
    # Changes only Cobalt's dashboard can make, in the order to take them (after `changes`).
    dashboard_steps: tuple[DashboardStep, ...] = ()
    # Plan-level facts a reviewer should know (accounts left behind, kept UDF keys).
    notes: tuple[str, ...] = ()
    # Notes about objects the plan does not change (a note about a changed object rides on
    # its change): folded away unless asked for.
    unchanged_notes: tuple[EntryNote, ...] = ()
    # `--target` addresses (`apps/slack`, or a kind) the plan was narrowed to; empty: all.
    targets: tuple[str, ...] = ()

    @property
    def has_changes(self) -> bool:
        """True when the org differs: API changes or dashboard steps."""
        return bool(self.changes or self.dashboard_steps)

    def summary(self) -> dict[str, int]:
        counts = {action.value: 0 for action in Action}
        for change in self.changes:
            counts[change.action.value] += 1
        counts["unmanaged"] = sum(u.count for u in self.unmanaged)
        counts["dashboard_steps"] = len(self.dashboard_steps)
        return counts

    def of_kind(self, kind: str) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.kind == kind)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format_version": PLAN_FORMAT_VERSION,
            "environment": self.environment,
            "manifest_hash": self.manifest_hash,
            "live_fingerprint": self.live_fingerprint,
            "kinds": list(self.kinds),
            "changes": [c.to_dict() for c in self.changes],
            "unmanaged": [
                {"kind": u.kind, "keys": list(u.keys), "count": u.count} for u in self.unmanaged
            ],
            "warnings": list(self.warnings),
            "mass_delete": list(self.mass_delete),
            "dashboard_steps": [step.to_dict() for step in self.dashboard_steps],
            "notes": list(self.notes),
            "unchanged_notes": [n.to_dict() for n in self.unchanged_notes],
            "targets": list(self.targets),
            "summary": self.summary(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Plan:
        """Rebuild a saved plan; raises KeyError/TypeError/ValueError on a malformed one."""
        changes = tuple(change_from_dict(c) for c in data["changes"])
        unmanaged = tuple(
            Unmanaged(kind=str(u["kind"]), keys=tuple(u.get("keys", [])), count=int(u["count"]))
            for u in data.get("unmanaged", [])
        )
        return cls(
            environment=str(data["environment"]),
            changes=changes,
            unmanaged=unmanaged,
            warnings=tuple(data.get("warnings", [])),
            mass_delete=tuple(data.get("mass_delete", [])),
            manifest_hash=str(data["manifest_hash"]),
            live_fingerprint=str(data["live_fingerprint"]),
            kinds=tuple(data.get("kinds", ())),
            dashboard_steps=tuple(
                DashboardStep.from_dict(d) for d in data.get("dashboard_steps", [])
            ),
            notes=tuple(data.get("notes", [])),
            unchanged_notes=tuple(
                EntryNote(str(n["kind"]), str(n["key"]), str(n["note"]))
                for n in data.get("unchanged_notes", [])
            ),
            targets=tuple(data.get("targets", [])),
        )


def change_from_dict(c: Mapping[str, Any]) -> Change:
    """A Change from its `to_dict()` form; raises KeyError/TypeError/ValueError if malformed."""
    return Change(
        kind=str(c["kind"]),
        key=str(c["key"]),
        action=Action(c["action"]),
        fields=tuple(
            FieldChange(
                path=str(f["path"]),
                before=None if f.get("sensitive") else f.get("before"),
                after=None if f.get("sensitive") else f.get("after"),
                sensitive=bool(f.get("sensitive", False)),
                op=str(f.get("op", "change")),
            )
            for f in c.get("fields", [])
        ),
        tags=tuple(c.get("tags", [])),
        notes=tuple(c.get("notes", [])),
        source=source_from_dict(c.get("source")),
    )


def source_from_dict(data: Any) -> Source | None:
    """A Source from its `to_dict()` form; None for none (plans saved before sources)."""
    if data is None:
        return None
    line = data["line"]
    if type(line) is not int or line < 1:
        raise ValueError("a source line is a positive whole number")
    return Source(file=str(data["file"]), line=line)


def canonical_json(value: Any) -> str:
    """Stable JSON text for hashing: sorted keys, no whitespace, UTF-8 kept. The values are
    JSON data, which cannot hold a cycle: not checking for one saves a third of the time
    (the same bytes; a hash covers every declared and every compared live object)."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, check_circular=False
    )


def digest(value: Any, key: bytes | None = None) -> str:
    """sha256 of the canonical JSON; an HMAC when keyed (saved plans: `CobaltApi.digest_key`)."""
    data = canonical_json(value).encode()
    if key is None:
        return "sha256:" + hashlib.sha256(data).hexdigest()
    return "hmac-sha256:" + hmac.new(key, data, hashlib.sha256).hexdigest()
