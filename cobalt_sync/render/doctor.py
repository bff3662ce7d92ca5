"""`cobalt-sync doctor`'s report as text or JSON: pure, like every renderer (the report is
built by `reading/doctor.py`)."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cobalt_sync.reading.doctor import DoctorReport, RouteCheck


def render_doctor(report: DoctorReport, fmt: str) -> str:
    return doctor_json(report) if fmt == "json" else doctor_text(report)


def doctor_json(report: DoctorReport) -> str:
    document: dict[str, Any] = {
        "target": report.target,
        "environment": report.environment,
        "app_settings": report.app_settings,
        "ok": report.ok,
        "routes": [rounded(asdict(check)) for check in report.routes],
        "dashboard_only": [asdict(item) for item in report.dashboard_only],
        "page_size": report.page_size,
        "rate_limit_headers": list(report.rate_limit_headers),
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def doctor_text(report: DoctorReport) -> str:
    lines = [
        f"cobalt-sync doctor: {report.target}",
        f"Environment: {report.environment} (from the key); app settings: {report.app_settings}",
        "",
        "Reads (doctor sends GETs only):",
        *(route_line(check) for check in report.routes if check.route.startswith("GET ")),
        "",
        "Writes cobalt-sync makes (named, not sent):",
        *(f"  - {check.route}" for check in report.routes if not check.route.startswith("GET ")),
        "",
        "Settings only Cobalt's dashboard changes:",
        *(f"  {item.setting}: {item.how}" for item in report.dashboard_only),
        "",
        f"Page size: {report.page_size}",
        "Rate-limit headers: " + (", ".join(report.rate_limit_headers) or "none seen"),
        "",
    ]
    failed = sum(1 for check in report.routes if not check.ok)
    if failed:
        lines.append(f"{failed} route(s) did not answer as cobalt-sync needs (✗ above).")
    else:
        lines.append("Everything cobalt-sync needs answered as it expects.")
    return "\n".join(lines) + "\n"


def route_line(check: RouteCheck) -> str:
    if not check.probed:
        return f"  - {check.route}  {check.note}"
    mark = "✓" if check.ok else "✗"
    status = str(check.status) if check.status is not None else "no answer"
    if check.status is None and check.milliseconds is None:
        status = "not sent"
    took = f"{check.milliseconds:.0f} ms" if check.milliseconds is not None else ""
    parts = [f"  {mark} {check.route}", status, took]
    if check.note:
        parts.append(check.note)
    else:
        parts.append(f"spec: {check.spec}")
    if check.variant:
        parts.append(check.variant)
    return "  ".join(part for part in parts if part)


def rounded(check: dict[str, Any]) -> dict[str, Any]:
    if check.get("milliseconds") is not None:
        check["milliseconds"] = round(check["milliseconds"], 1)
    return check
