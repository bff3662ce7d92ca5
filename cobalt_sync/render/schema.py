"""JSON Schemas (draft 2020-12) of the plan and apply-report JSON documents.

The source of truth for `schemas/plan.schema.json` and `schemas/report.schema.json`: a test
fails when those files are stale (`python scripts/generate-schemas.py` rewrites them). Pure
data, no I/O.
"""

from __future__ import annotations

from typing import Any

from cobalt_sync.applying.report import Status
from cobalt_sync.kinds import APPLY_ORDER, KIND_ORDER
from cobalt_sync.plan import PLAN_FORMAT_VERSION, SENSITIVE, Action, StepStatus
from cobalt_sync.render.json_format import REPORT_FORMAT_VERSION
from cobalt_sync.schemas import schema_url

DRAFT = "https://json-schema.org/draft/2020-12/schema"


def _count(description: str) -> dict[str, Any]:
    return {"type": "integer", "minimum": 0, "description": description}


def _strings(description: str) -> dict[str, Any]:
    return {"type": "array", "items": {"type": "string"}, "description": description}


FIELD_CHANGE: dict[str, Any] = {
    "type": "object",
    "description": "One leaf value that differs between the live org and the manifest.",
    "required": ["path", "op", "before", "after"],
    "additionalProperties": False,
    "properties": {
        "path": {
            "type": "string",
            "description": "Dotted path of the leaf inside the object, e.g. "
            "`schema.contact.email` or `scopes`.",
        },
        "op": {
            "enum": ["add", "remove", "change"],
            "description": "`add`: the leaf is new (before is null); `remove`: it goes away "
            "(after is null); `change`: its value changes.",
        },
        "before": {"description": "Live value (any JSON), or null when added."},
        "after": {"description": "Desired value (any JSON), or null when removed."},
        "sensitive": {
            "const": True,
            "description": f'Present and true for a secret: before and after are then "{SENSITIVE}"'
            " and the value itself is never written.",
        },
    },
}

CHANGE: dict[str, Any] = {
    "type": "object",
    "description": "One action on one Cobalt object, identified by its natural key.",
    "required": ["kind", "key", "action", "fields", "tags", "notes"],
    "additionalProperties": False,
    "properties": {
        "kind": {
            "type": "string",
            "description": f"Kind of object; one of {', '.join(KIND_ORDER)}.",
        },
        "key": {
            "type": "string",
            "description": "Natural key: app slug, event name or linked_account_id "
            "(never a server id).",
        },
        "action": {
            "enum": [a.value for a in Action],
            "description": "What apply does with the object.",
        },
        "fields": {
            "type": "array",
            "items": {"$ref": "#/$defs/field_change"},
            "description": "Leaf-level differences; for a create, the values it sets.",
        },
        "tags": _strings(
            "Review markers: `breaking` (an event-schema key removed or retyped), `additive`, "
            "`reauthorize` (existing connections must re-authorize)."
        ),
        "notes": _strings(
            "One-line explanations shown under the change, notes about its object included."
        ),
        "source": {
            "description": "The manifest line that causes the change (for a value set by an "
            "environment section, that section's line; for a prune delete, the `prune` line); "
            "null where no line does (the probe account, a promotion diff).",
            "oneOf": [
                {"type": "null"},
                {
                    "type": "object",
                    "required": ["file", "line"],
                    "additionalProperties": False,
                    "properties": {
                        "file": {
                            "type": "string",
                            "description": "The manifest, relative to the root of the git "
                            "repository holding it (as a link to it names it), else as given.",
                        },
                        "line": {"type": "integer", "minimum": 1, "description": "1-based."},
                    },
                },
            ],
        },
    },
}

DASHBOARD_STEP: dict[str, Any] = {
    "type": "object",
    "description": "A change only Cobalt's dashboard can make (real Cobalt has no public API "
    "for app enablement or OAuth clients): the change, and where and what to do. Never holds "
    "a secret value: a secret is named by the variable it comes from.",
    "required": [*CHANGE["required"], "where", "what", "status", "reason"],
    "additionalProperties": False,
    "properties": {
        **CHANGE["properties"],
        "where": {
            "type": "string",
            "description": "Where in the dashboard, e.g. `Apps → HubSpot → Settings → "
            "Credentials`.",
        },
        "what": {"type": "string", "description": "Exactly what to do there."},
        "status": {
            "enum": [s.value for s in StepStatus],
            "description": "`pending`: observed not yet done; `unverified`: cannot be "
            "observed yet (see `reason`).",
        },
        "reason": {
            "type": "string",
            "description": "For `unverified`: why it cannot be observed and how to make it "
            "observable; empty otherwise.",
        },
    },
}

PLAN_SCHEMA: dict[str, Any] = {
    "$schema": DRAFT,
    "$id": schema_url("plan"),
    "title": "cobalt-sync plan",
    "description": "What `cobalt-sync apply` would change in a Cobalt org: the output of "
    "`cobalt-sync plan --format json` and, with two more keys, a plan saved with `--out`. "
    "It never holds a secret value.",
    "type": "object",
    "required": [
        "format_version",
        "environment",
        "manifest_hash",
        "live_fingerprint",
        "changes",
        "unmanaged",
        "warnings",
        "summary",
    ],
    "additionalProperties": False,
    "properties": {
        # The next two appear only in a file written by `plan --out` (saved_plan.save_plan).
        "cobalt_sync_plan": {
            "const": 1,
            "description": "Present in a plan saved with `plan --out`: marks the file as a "
            "cobalt-sync plan file that `apply PLANFILE` accepts.",
        },
        "manifest_path": {
            "type": "string",
            "description": "Present in a saved plan: the manifest it was computed from, relative "
            "to the plan file's folder; "
            "`apply PLANFILE` reads it unless `-f` names another.",
        },
        "format_version": {
            "const": PLAN_FORMAT_VERSION,
            "description": "Version of this document's shape; raised only on an incompatible "
            "change.",
        },
        "environment": {
            "type": "string",
            "description": "Cobalt environment the plan was computed for (`test` or "
            "`production`), from the manifest.",
        },
        "manifest_hash": {
            "type": "string",
            "description": "`hmac-sha256:` digest (keyed from the API key) of the resolved "
            "manifest; apply refuses a saved plan when it moved.",
        },
        "live_fingerprint": {
            "type": "string",
            "description": "`hmac-sha256:` digest (keyed from the API key) of the live state "
            "the plan was computed against (for the record: a saved plan is refused when a "
            "fresh plan has a change it does not promise).",
        },
        "kinds": _strings("Kinds whose live objects were read, in plan order."),
        "changes": {
            "type": "array",
            "items": {"$ref": "#/$defs/change"},
            "description": "Changes in execution order: creates and updates in apply order "
            f"({', '.join(APPLY_ORDER)}), then deletes in reverse apply order.",
        },
        "unmanaged": {
            "type": "array",
            "description": "Live objects the manifest does not declare; apply leaves them alone.",
            "items": {
                "type": "object",
                "required": ["kind", "keys", "count"],
                "additionalProperties": False,
                "properties": {
                    "kind": {"type": "string", "description": "Kind of the objects."},
                    "keys": _strings(
                        "Their natural keys; may list fewer than `count` when the kind was "
                        "not read in full."
                    ),
                    "count": _count("How many such objects there are."),
                },
            },
        },
        "warnings": _strings("Things a reviewer should know (duplicates, unowned objects…)."),
        "mass_delete": _strings(
            "Safety findings: apply refuses the plan unless `--allow-mass-delete`."
        ),
        "dashboard_steps": {
            "type": "array",
            "items": {"$ref": "#/$defs/dashboard_step"},
            "description": "Changes only Cobalt's dashboard can make, in the order to take "
            "them; apply verifies them read-only afterwards (exit 7 while any remain).",
        },
        "notes": _strings(
            "Facts about the plan as a whole a reviewer should know (accounts left behind, "
            "UDF keys Cobalt keeps). A note about one object is in its change's `notes`, or "
            "in `unchanged_notes` when the plan does not change it."
        ),
        "unchanged_notes": {
            "type": "array",
            "description": "Notes about objects the plan does not change (mandatory scopes, a "
            "secret Cobalt cannot show): text and Markdown fold them away unless `-v`.",
            "items": {
                "type": "object",
                "required": ["kind", "key", "note"],
                "additionalProperties": False,
                "properties": {
                    "kind": {"type": "string", "description": "Kind of the object."},
                    "key": {"type": "string", "description": "Natural key of the object."},
                    "note": {"type": "string", "description": "The note."},
                },
            },
        },
        "targets": _strings(
            "`--target` addresses (`apps/slack`) or kinds the plan was narrowed to; empty for "
            "the whole manifest. A saved plan is applied with its own targets."
        ),
        "summary": {
            "type": "object",
            "description": "Counts of changes by action, of dashboard steps and of unmanaged "
            "objects.",
            "required": ["create", "update", "delete", "unmanaged"],
            "additionalProperties": False,
            "properties": {
                "create": _count("Objects to create."),
                "update": _count("Objects to update."),
                "delete": _count("Objects to delete."),
                "unmanaged": _count("Live objects left alone (not in the manifest)."),
                "dashboard_steps": _count("Steps to take in Cobalt's dashboard."),
            },
        },
    },
    "$defs": {"change": CHANGE, "field_change": FIELD_CHANGE, "dashboard_step": DASHBOARD_STEP},
}

REPORT_SCHEMA: dict[str, Any] = {
    "$schema": DRAFT,
    "$id": schema_url("report"),
    "title": "cobalt-sync apply report",
    "description": "What `cobalt-sync apply --format json` did with each change of its plan, "
    "and whether the live org matched the manifest afterwards.",
    "type": "object",
    "required": [
        "format_version",
        "environment",
        "manifest_hash",
        "summary",
        "complete",
        "verified",
        "outcomes",
        "remaining",
        "interrupted",
    ],
    "additionalProperties": False,
    "properties": {
        "format_version": {
            "const": REPORT_FORMAT_VERSION,
            "description": "Version of this document's shape.",
        },
        "environment": {"type": "string", "description": "Cobalt environment applied to."},
        "manifest_hash": {
            "type": "string",
            "description": "Digest of the manifest that was applied (as in the plan).",
        },
        "summary": {
            "type": "object",
            "description": "Outcome counts by status.",
            "required": [*(s.value for s in Status), "dashboard_steps"],
            "additionalProperties": False,
            "properties": {
                "done": _count("Changes that landed."),
                "failed": _count("Changes Cobalt refused or that errored."),
                "skipped": _count("Changes not attempted because one they depend on failed."),
                "not_run": _count(
                    "Changes not written because apply was interrupted (or whose write was "
                    "still in flight when it gave up waiting)."
                ),
                "dashboard_steps": _count("Dashboard steps not yet seen done after apply."),
            },
        },
        "complete": {
            "type": "boolean",
            "description": "True when every API change is done.",
        },
        "verified": {
            "type": "boolean",
            "description": "True when a re-read after apply found the org matching.",
        },
        "outcomes": {
            "type": "array",
            "description": "One entry per change of the plan.",
            "items": {
                "type": "object",
                "required": ["kind", "key", "action", "status", "reason"],
                "additionalProperties": False,
                "properties": {
                    "kind": {"type": "string", "description": "Kind of the object."},
                    "key": {"type": "string", "description": "Natural key of the object."},
                    "action": {
                        "enum": [a.value for a in Action],
                        "description": "What was attempted.",
                    },
                    "status": {
                        "enum": [s.value for s in Status],
                        "description": "What happened.",
                    },
                    "reason": {
                        "type": "string",
                        "description": "Why it failed or was skipped; empty when done.",
                    },
                    "notes": {
                        "type": "array",
                        "items": {"type": "string"},
                        "description": "What else the change did, one line each (e.g. a "
                        "duplicate copy left by two applies racing, deleted). Absent when none.",
                    },
                },
            },
        },
        "interrupted": {
            "enum": [None, "SIGINT", "SIGTERM"],
            "description": "The signal that interrupted apply, or null when it ran to the end.",
        },
        "remaining": {
            "type": "array",
            "items": {"$ref": "#/$defs/change"},
            "description": "Changes a fresh plan still shows after apply (empty when the org "
            "matches).",
        },
        "dashboard_steps": {
            "type": "array",
            "items": {"$ref": "#/$defs/dashboard_step"},
            "description": "Dashboard steps a re-read after apply did not yet see done; apply "
            "exits 7 while any remain.",
        },
        "duplicates": {
            "type": "array",
            "items": {"type": "string"},
            "description": "Declared objects (`kind/key`) a re-read after apply found held by "
            "several live objects each; apply exits 6. Absent when none.",
        },
    },
    "$defs": {"change": CHANGE, "field_change": FIELD_CHANGE, "dashboard_step": DASHBOARD_STEP},
}
