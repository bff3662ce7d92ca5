"""The documented, versioned JSON shapes of a plan and of an apply report.

The plan JSON is exactly `Plan.to_dict()` (so `plan --format json` and a saved `--out` plan
share one schema, `schemas/plan.schema.json`); the report adds `format_version` and the
environment to `ApplyReport.to_dict()` (`schemas/report.schema.json`). Stable key order,
indent 2, trailing newline. No I/O.
"""

from __future__ import annotations

import json
from typing import Any

from cobalt_sync.applying.report import ApplyReport
from cobalt_sync.plan import PLAN_FORMAT_VERSION, Plan

REPORT_FORMAT_VERSION = 1


def dumps(value: Any) -> str:
    """JSON text as every renderer emits it; control characters stay escaped by json."""
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def plan_document(plan: Plan) -> dict[str, Any]:
    return plan.to_dict()


def report_document(report: ApplyReport) -> dict[str, Any]:
    body = report.to_dict()
    return {
        "format_version": REPORT_FORMAT_VERSION,
        "environment": report.plan.environment,
        "manifest_hash": report.plan.manifest_hash,
        "summary": body["summary"],
        "complete": report.complete,
        "verified": body["verified"],
        "outcomes": body["outcomes"],
        "remaining": body["remaining"],
        "interrupted": body["interrupted"],
        "dashboard_steps": body["dashboard_steps"],
        **({"duplicates": body["duplicates"]} if "duplicates" in body else {}),
    }


def render_plan_json(plan: Plan) -> str:
    return dumps(plan_document(plan))


def render_report_json(report: ApplyReport) -> str:
    return dumps(report_document(report))


__all__ = [
    "PLAN_FORMAT_VERSION",
    "REPORT_FORMAT_VERSION",
    "plan_document",
    "render_plan_json",
    "render_report_json",
    "report_document",
]
