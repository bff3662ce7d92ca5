"""The Connect smoke check behind `cobalt-sync check`: can each seed linked account of the
manifest open Cobalt's hosted Connect page, and does Connect offer the manifest's enabled apps?

Uses only public endpoints (session token, connect-url, application list, revoke; cobalt-api.md
§2d), so it works against real Cobalt. Never prints or logs a token: each is registered with
the client's redactor as soon as it exists, and the hosted URL (which embeds one) is kept only
when the caller asks for it. Rendering the report is pure; the caller prints it.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from cobalt_sync.errors import ApiError
from cobalt_sync.kinds import CONNECT_OFFERED, OBSERVER, RunContext, present_keys
from cobalt_sync.kinds.app_settings import list_applications
from cobalt_sync.resource import JsonObject, KindState, Resource

if TYPE_CHECKING:
    from cobalt_sync.api import CobaltApi
    from cobalt_sync.manifest import Manifest

# The body stored with the Connect URL for the page (cobalt-api.md §2d: any JSON object).
CONNECT_BODY: JsonObject = {}


class Verdict(enum.Enum):
    PASSED = "passed"
    FAILED = "failed"  # the check ran and found a problem: exit 5
    ERROR = "error"  # Cobalt did not let the check run: exit 4


@dataclass(frozen=True)
class AccountCheck:
    """The outcome for one seed linked account."""

    account_id: str
    verdict: Verdict
    detail: str
    apps_offered: tuple[str, ...] = ()
    # The hosted Connect URL embeds a session token: kept only for --show-url, never in a repr.
    hosted_url: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class SmokeTarget:
    """What the manifest expects: seed accounts declared present and apps declared enabled."""

    account_ids: tuple[str, ...]
    enabled_apps: tuple[str, ...]


def smoke_target(manifest: Manifest) -> SmokeTarget:
    return SmokeTarget(present_keys(OBSERVER, manifest), present_keys(CONNECT_OFFERED, manifest))


def run_smoke_check(
    ctx: RunContext, target: SmokeTarget, keep_urls: bool = False
) -> list[AccountCheck]:
    """Check every declared account, concurrently; results in account-id order."""
    present = find_accounts(ctx, target.account_ids)

    def check(account_id: str) -> AccountCheck:
        if account_id not in present:
            return AccountCheck(
                account_id,
                Verdict.FAILED,
                "not found in Cobalt: run `cobalt-sync apply` first",
            )
        return check_account(ctx.api, account_id, target.enabled_apps, keep_urls)

    return run_concurrently(ctx.parallelism, list(target.account_ids), check)


def find_accounts(ctx: RunContext, account_ids: Sequence[str]) -> set[str]:
    """The declared accounts that exist, read the way `plan` reads them (the kind's reader)."""
    kind = OBSERVER
    declared = KindState()
    for account_id in account_ids:
        declared.add(Resource(kind.name, account_id))
    # Declared accounts only: the reader fetches what was declared, however large the org.
    live = kind.read(replace(ctx, read_all=frozenset()), declared)
    return set(live.resources) & set(account_ids)


def check_account(
    api: CobaltApi, account_id: str, enabled_apps: Sequence[str], keep_url: bool
) -> AccountCheck:
    """Mint a fresh session token, open the hosted Connect URL with it (server-side, as
    Cobalt requires), list the apps Connect offers the account, and revoke the token —
    unless the URL is kept to be shown: a URL with a revoked token opens nothing."""
    try:
        token = api.create_session_token(account_id, force_refresh=True)
    except ApiError as error:
        return AccountCheck(account_id, Verdict.ERROR, f"session token: {error}")
    api.register_secret(token)
    try:
        result = open_connect(api, account_id, token, enabled_apps, keep_url)
    finally:
        revoked = None if keep_url else revoke(api, token)
    if revoked is not None and result.verdict is Verdict.PASSED:
        return AccountCheck(account_id, Verdict.ERROR, revoked, result.apps_offered)
    return result


def open_connect(
    api: CobaltApi, account_id: str, token: str, enabled_apps: Sequence[str], keep_url: bool
) -> AccountCheck:
    try:
        url = api.create_connect_url(token, account_id, CONNECT_BODY)
        api.register_secret(url)
        apps = list_applications(api, linked_account_id=account_id)
    except ApiError as error:
        return AccountCheck(account_id, Verdict.ERROR, str(error))
    offered = tuple(sorted(app.slug for app in apps))
    return judge(account_id, url, offered, enabled_apps, keep_url)


def revoke(api: CobaltApi, token: str) -> str | None:
    """Revoke the token we minted; a failure is reported (a live token outlives the check)."""
    try:
        api.revoke_session_token(token)
    except ApiError as error:
        return f"could not revoke the check's session token: {error}"
    return None


def judge(
    account_id: str,
    url: str,
    offered: tuple[str, ...],
    enabled_apps: Sequence[str],
    keep_url: bool,
) -> AccountCheck:
    kept = url if keep_url else None
    if not is_absolute_url(url):
        return AccountCheck(
            account_id, Verdict.FAILED, "Cobalt returned no usable Connect URL", offered
        )
    missing = [slug for slug in enabled_apps if slug not in offered]
    if missing:
        return AccountCheck(
            account_id,
            Verdict.FAILED,
            f"Connect does not offer {', '.join(missing)} (enabled in the manifest; "
            "run `cobalt-sync apply`, or check the app in the dashboard)",
            offered,
            kept,
        )
    return AccountCheck(account_id, Verdict.PASSED, "Connect URL created", offered, kept)


def is_absolute_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def run_concurrently(
    parallelism: int, items: list[str], work: Callable[[str], AccountCheck]
) -> list[AccountCheck]:
    if not items:
        return []
    with ThreadPoolExecutor(max_workers=max(1, min(parallelism, len(items)))) as pool:
        return list(pool.map(work, items))


# --- the report --------------------------------------------------------------------------------

SYMBOLS = {Verdict.PASSED: "✓", Verdict.FAILED: "✗", Verdict.ERROR: "✗"}


def render_checks(results: Iterable[AccountCheck], show_urls: bool = False) -> str:
    """One ✓/✗ line per account, then a summary line; URLs only when asked for."""
    results = list(results)
    lines: list[str] = []
    for result in results:
        line = f"{SYMBOLS[result.verdict]} linked_accounts/{result.account_id}: {result.detail}"
        if result.verdict is Verdict.ERROR:
            line = f"{SYMBOLS[result.verdict]} linked_accounts/{result.account_id}: "
            line += f"API error: {result.detail}"
        lines.append(line)
        if result.apps_offered or result.verdict is Verdict.PASSED:
            lines.append(f"    apps offered in Connect: {', '.join(result.apps_offered) or 'none'}")
        if show_urls and result.hosted_url is not None:
            lines.append(f"    Connect URL: {result.hosted_url}")
    lines.append(summary(results))
    return "\n".join(lines) + "\n"


def summary(results: Sequence[AccountCheck]) -> str:
    counts = {verdict: sum(r.verdict is verdict for r in results) for verdict in Verdict}
    return (
        f"Check: {counts[Verdict.PASSED]} passed, {counts[Verdict.FAILED]} failed, "
        f"{counts[Verdict.ERROR]} API errors ({len(results)} linked accounts)"
    )
