"""`cobalt-sync doctor`: a read-only compatibility report against the configured org, for a
user of real Cobalt to attach to a bug report.

It sends only GETs, one per public read cobalt-sync makes (the writes are listed, never
sent), and says for each whether it answered, how fast, whether the reply validates against
the vendor's spec and which documented variant it showed; then which settings are
dashboard-only and how cobalt-sync observes them, whether the page size is honoured and which
rate-limit headers came back. Values from the org (ids, names) are used only to build the
next request and are never reported; everything reported passes through the redactor.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cobalt_sync.api.channel import Attempt
from cobalt_sync.api.routes import ENDPOINTS
from cobalt_sync.api.vendor_spec import has_schema, spec_problem
from cobalt_sync.errors import ApiError
from cobalt_sync.kinds import RunContext
from cobalt_sync.kinds.environment_variables import ORG_SCOPE

# Asked for on the first page of linked accounts, to see whether `limit` is honoured.
PROBE_PAGE_SIZE = 2


@dataclass(frozen=True)
class RouteCheck:
    """What one route answered: `ok` when cobalt-sync can rely on it."""

    route: str
    status: int | None = None
    milliseconds: float | None = None
    spec: str = "not checked"  # valid | a problem | no schema in the spec | not checked
    variant: str | None = None
    note: str | None = None
    ok: bool = True
    probed: bool = True


@dataclass(frozen=True)
class Observation:
    """How cobalt-sync observes one setting that only Cobalt's dashboard can change."""

    setting: str
    how: str


@dataclass
class DoctorReport:
    target: str
    environment: str
    app_settings: str
    routes: list[RouteCheck] = field(default_factory=list)
    dashboard_only: list[Observation] = field(default_factory=list)
    page_size: str = "not checked"
    rate_limit_headers: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.routes)


@dataclass
class _Probe:
    """One run of the doctor: the context, what the wire showed, the report being built."""

    ctx: RunContext
    report: DoctorReport
    attempts: list[Attempt] = field(default_factory=list)
    account: str | None = None
    accounts_read: bool = False
    enabled: list[dict[str, Any]] = field(default_factory=list)

    def get(
        self,
        name: str,
        *,
        path: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
        account: str | None = None,
        variant: Callable[[Any], str | None] = lambda data: None,
        expected_error: Callable[[ApiError], str | None] = lambda error: None,
    ) -> Any:
        """GET route `name`, record what it answered, and return the reply (None when it
        failed). `expected_error` turns a known answer (a header real Cobalt needs) into a
        note instead of a failure."""
        endpoint = ENDPOINTS[name]
        seen = len(self.attempts)
        started = time.perf_counter()
        data, error = self.ctx.api.raw(
            name, path_params=path, params=params, linked_account_id=account
        )
        elapsed = (time.perf_counter() - started) * 1000
        mine = self.attempts[seen:]
        status = mine[-1].status if mine else None
        route = endpoint.label
        if error is not None:
            known = expected_error(error)
            note = known or self.ctx.api.redact(f"{error.message}")
            took = elapsed if mine else None  # refused unsent once the API stopped answering
            self.report.routes.append(
                RouteCheck(route, status, took, note=note, ok=known is not None)
            )
            return None
        problem = spec_problem(endpoint, data)
        spec = "valid" if problem is None else problem
        if not endpoint.public:
            spec = "not in Cobalt's API (the sandbox's own route)"
        elif not has_schema(endpoint):
            spec = "no schema in the spec"
        check = RouteCheck(
            route, status, elapsed, spec=spec, variant=variant(data), ok=problem is None
        )
        self.report.routes.append(check)
        return data


def diagnose(ctx: RunContext) -> DoctorReport:
    """Probe every public read cobalt-sync makes, in the order a plan needs them."""
    report = DoctorReport(ctx.target, ctx.environment, ctx.settings.mode)
    probe = _Probe(ctx, report)
    ctx.api.observe(probe.attempts.append)
    try:
        read_events(probe)
        read_accounts(probe)
        read_apps(probe)
        read_other_kinds(probe)
        read_app_settings_routes(probe)
    finally:
        ctx.api.observe(lambda attempt: None)
    list_unsent(report)
    names = sorted({name for a in probe.attempts for name in a.rate_limit_headers})
    report.rate_limit_headers = tuple(names)
    return report


def read_events(probe: _Probe) -> None:
    events = probe.get("list_events", variant=event_variant)
    first = _first(events)
    if first is not None and isinstance(first.get("_id"), str):
        probe.get("get_event", path={"event_id": first["_id"]}, variant=event_variant)


def event_variant(data: Any) -> str | None:
    """How an event's sample comes back: Cobalt sends `response` as the derived shape list
    (its docs) or as JSON text (its spec), and sometimes `raw_response` beside it."""
    events = data if isinstance(data, list) else [data] if isinstance(data, dict) else []
    forms = set()
    for event in events:
        if not isinstance(event, dict):
            continue
        response = event.get("response")
        forms.add(
            "response as a [{key, type}] list" if isinstance(response, list)
            else "response as JSON text" if isinstance(response, str)
            else "response as an object" if isinstance(response, dict)
            else "no response"
        )
        if event.get("raw_response"):
            forms.add("raw_response")
    return ", ".join(sorted(forms)) or "no events to show it"


def read_accounts(probe: _Probe) -> None:
    params = {"page": "1", "limit": str(PROBE_PAGE_SIZE)}
    page = probe.get("list_linked_accounts", params=params)
    if not isinstance(page, dict):
        return
    found = page.get("docs")
    docs: list[Any] = found if isinstance(found, list) else []
    probe.accounts_read = True
    probe.report.page_size = page_size_verdict(page, len(docs))
    first = _first(docs)
    if first is not None and isinstance(first.get("account_id"), str):
        probe.account = first["account_id"]
        probe.get("get_linked_account", path={"linked_account_id": probe.account})


def page_size_verdict(page: dict[str, Any], shown: int) -> str:
    total = page.get("totalDocs")
    echoed = page.get("limit")
    asked = PROBE_PAGE_SIZE
    if not isinstance(total, int):
        return "not known (no totalDocs)"
    if shown > asked:
        return f"ignored: asked for {asked} per page, got {shown}"
    if shown < min(total, asked):
        return f"clamped: asked for {asked} per page, got {shown} (limit echoed: {echoed})"
    if total < asked:
        return f"not shown: the org has {total} linked account(s), fewer than the {asked} asked"
    return f"honoured: asked for {asked} per page, got {shown}"


def read_apps(probe: _Probe) -> None:
    """Enabled apps: without a linked account first (the sandbox's leniency), then through
    one, as real Cobalt requires."""
    apps = probe.get("list_applications", expected_error=needs_account)
    if apps is None and probe.account is not None:
        apps = probe.get("list_applications", account=probe.account)
    probe.enabled = [app for app in apps or [] if isinstance(app, dict)]
    how = enablement_observed(probe, apps is not None)
    probe.report.dashboard_only.append(Observation("app enablement", how))
    slug = next((a["slug"] for a in probe.enabled if isinstance(a.get("slug"), str)), None)
    if slug is None:
        return
    probe.get("get_application", path={"slug": slug}, account=probe.account)
    probe.get("get_auth_structure", path={"slug": slug})
    oauth = next((a["slug"] for a in probe.enabled if a.get("auth_type") == "oauth2"), None)
    if oauth is not None and probe.account is not None:
        probe.get("get_oauth_url", path={"slug": oauth}, account=probe.account)


def needs_account(error: ApiError) -> str | None:
    if error.status == 400 and "linked_account_id" in error.message:
        return "needs a linked account (as real Cobalt does): asked again through one"
    return None


def enablement_observed(probe: _Probe, read: bool) -> str:
    if probe.ctx.settings.mode == "api":
        return "set and read through the sandbox's app-settings routes (not Cobalt's public API)"
    if read and probe.account is not None:
        return (
            "read through a linked account (GET /application with its header); changed in "
            "the dashboard"
        )
    if not probe.accounts_read:
        return "not observable now: the linked accounts it is read through could not be listed"
    return (
        "not observable: Cobalt shows enabled apps only for a linked account, and the org "
        "has none (a plan adds the probe account `cobalt-sync-probe` to read them)"
    )


def read_other_kinds(probe: _Probe) -> None:
    probe.get("list_webhooks")
    servers = probe.get("list_mcp_servers", params={"page": "1", "limit": "1"})
    docs = servers.get("docs") if isinstance(servers, dict) else servers
    first = _first(docs if isinstance(docs, list) else None)
    if first is not None and isinstance(first.get("_id"), str):
        probe.get("get_mcp_server", path={"mcp_server_id": first["_id"]})
    definitions = probe.get("list_env_definitions", params={"scope": ORG_SCOPE})
    probe.get("list_env_values", path={"scope": ORG_SCOPE})
    how = "read through GET /env/definitions; created and changed only in the dashboard"
    if definitions is None:
        how = "not readable: GET /env/definitions failed (see above)"
    probe.report.dashboard_only.append(Observation("environment-variable definitions", how))


def read_app_settings_routes(probe: _Probe) -> None:
    """Own OAuth clients: through the sandbox's routes, or (real Cobalt) only the client id
    and scopes a consent URL shows."""
    if probe.ctx.settings.mode == "api":
        how = "set and read through the sandbox's app-settings routes (not Cobalt's public API)"
        slug = next((a["slug"] for a in probe.enabled if a.get("auth_type") == "oauth2"), None)
        if slug is not None:
            probe.get("get_oauth_credentials", path={"slug": slug})
    elif not probe.accounts_read:
        how = "not observable now: the linked accounts it is read through could not be listed"
    elif probe.account is not None:
        how = (
            "read from each OAuth app's consent URL through a linked account (client id "
            "and scopes; the secret is never visible); changed in the dashboard"
        )
    else:
        how = "not observable: no linked account to read the consent URLs through"
    probe.report.dashboard_only.append(Observation("own OAuth clients", how))


def list_unsent(report: DoctorReport) -> None:
    """Every other public route, named and not sent: the writes (doctor changes nothing),
    and the reads the org gave nothing to ask for (no event, no enabled app…)."""
    sent = {check.route for check in report.routes}
    for endpoint in ENDPOINTS.values():
        route = endpoint.label
        if not endpoint.public or route in sent:
            continue
        why = (
            "doctor writes nothing"
            if endpoint.method != "GET"
            else "no object was read to ask it for (none in the org, or its listing failed)"
        )
        report.routes.append(RouteCheck(route, note=f"not sent: {why}", probed=False))


def _first(items: Any) -> dict[str, Any] | None:
    if isinstance(items, list) and items and isinstance(items[0], dict):
        first: dict[str, Any] = items[0]
        return first
    return None
