"""App enablement and org OAuth credentials: the settings Cobalt's public API cannot change.

`AppSettings` (kinds/app_settings.py) is the interface the two kinds use; the two
implementations here call its routes through the client's generic calls.
`SandboxAppSettings` calls the sandbox-defined routes (cobalt-api.md §3.2) and can write.
`ManualAppSettings` is for real Cobalt: it reads what is observable without writing anything
and cannot write (`can_write` is False): the plan turns those changes into dashboard steps.
What cannot be read raises `NotObservable` with the reason, never a guessed value.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from urllib.parse import parse_qs, urlsplit

from cobalt_sync.api import CobaltApi
from cobalt_sync.errors import (
    ApiError,
    AuthError,
    ManualStepRequired,
    NotFoundError,
    NotObservable,
    UnexpectedResponseError,
)
from cobalt_sync.kinds import app_settings as routes
from cobalt_sync.kinds.app_settings import AppSettings, Mode, OAuthCredentials
from cobalt_sync.kinds.linked_accounts import account_page, get_account
from cobalt_sync.kinds.ownership import PROBE_ACCOUNT_ID

__all__ = ["AppSettings", "ManualAppSettings", "NotObservable", "SandboxAppSettings"]

# Declared seed accounts tried as the reader before the probe account: each try is one GET.
READER_CANDIDATES_TRIED = 3

NO_READER = (
    "the org has no linked account yet, and Cobalt shows enabled apps and OAuth clients only "
    f"through one: `plan` adds the account '{PROBE_ACCOUNT_ID}' for that (unless the manifest "
    "declares a linked account) and `apply` creates it; they are read once it exists"
)
APP_NOT_ENABLED = (
    "the app is not enabled, so Cobalt shows no consent URL to read its OAuth client from; "
    "this is verified once the app is enabled"
)
NO_APP_SETTINGS_ROUTES = (
    "this Cobalt API has no routes for app enablement and OAuth clients (it behaves like real "
    "Cobalt, where both are dashboard-only)"
)
NO_APP_SETTINGS_HINT = (
    "Run with --app-settings manual (or COBALT_APP_SETTINGS=manual): the plan then lists "
    "those changes as dashboard steps and verifies them read-only."
)


class SandboxAppSettings:
    """The sandbox's non-public routes: every read and write goes over HTTP."""

    mode: Mode = "api"
    can_write = True

    def __init__(self, api: CobaltApi) -> None:
        self._api = api

    def begin_read(self, accounts: Sequence[str]) -> None:
        return None  # every read is a direct one: nothing to forget

    def list_enabled(self) -> set[str]:
        # Without a linked_account_id header: a sandbox leniency (§3.2), not vendor behaviour.
        try:
            return {app.slug for app in routes.list_applications(self._api)}
        except ApiError as refused:
            if refused.status == 400 and "linked_account_id" in refused.message:
                raise no_app_settings_routes(refused) from None
            raise

    def set_enabled(self, slug: str, enabled: bool) -> None:
        try:
            if enabled:
                routes.enable_app(self._api, slug)
            else:
                routes.disable_app(self._api, slug)
        except NotFoundError as missing:
            if missing.error_code == "APPLICATION_NOT_FOUND":
                raise
            raise no_app_settings_routes(missing) from None

    def get_oauth(self, slug: str) -> OAuthCredentials | None:
        try:
            view = routes.get_oauth_credentials(self._api, slug)
        except NotFoundError as missing:
            if missing.error_code != "APPLICATION_NOT_FOUND":
                raise no_app_settings_routes(missing) from None  # the route itself is absent
            return None  # not in the catalog: the manifest check names the typo
        except ApiError as refused:
            if refused.error_code == "AUTH_TYPE_MISMATCH":
                return None  # a key-based app has no OAuth client to read
            raise
        return view if view.mode == "custom" else None

    def put_oauth(
        self, slug: str, client_id: str, client_secret: str | None, scopes: list[str]
    ) -> None:
        routes.put_oauth_credentials(self._api, slug, client_id, client_secret, scopes)

    def delete_oauth(self, slug: str) -> None:
        try:
            routes.delete_oauth_credentials(self._api, slug)
        except NotFoundError:
            return


def no_app_settings_routes(cause: ApiError) -> ApiError:
    """The `api` backend pointed at a server without the §3.2 routes (real Cobalt, or the
    sandbox's `cobalt` profile): say what to do instead of showing a bare 404 or 400."""
    return UnexpectedResponseError(
        NO_APP_SETTINGS_ROUTES,
        endpoint=cause.endpoint,
        status=cause.status,
        error_code=cause.error_code,
        hint=NO_APP_SETTINGS_HINT,
    )


class ManualAppSettings:
    """Real Cobalt: observe enabled apps and the live OAuth client, read-only.

    Cobalt answers both only for a linked account (`GET /application` and the consent URL
    need one), and any account shows the same org-wide settings, so reads go through a
    *reader*: the first declared seed account that exists, else the first account of the
    org's first page (the probe account `cobalt-sync-probe` if the plan created it, or a
    customer's: it is only read through). Only an org without any linked account has no
    reader: then nothing is guessed, reads raise NotObservable, and the plan says how to
    fix it. Never writes.
    """

    mode: Mode = "manual"
    can_write = False

    def __init__(self, api: CobaltApi) -> None:
        self._api = api
        self._candidates: tuple[str, ...] = ()
        self._reader: str | None = None
        self._looked_up = False
        self._lock = threading.Lock()

    def begin_read(self, accounts: Sequence[str]) -> None:
        with self._lock:
            tried = tuple(accounts[:READER_CANDIDATES_TRIED])
            self._candidates = tried
            self._reader, self._looked_up = None, False

    @property
    def reader(self) -> str | None:
        """The linked account reads go through, looked up once per reading."""
        with self._lock:  # the apps and credentials kinds read at once: one look-up
            if not self._looked_up:
                self._reader = (
                    next((a for a in self._candidates if get_account(self._api, a)), None)
                    or self._any_account()
                )
                self._looked_up = True
            return self._reader

    def _any_account(self) -> str | None:
        """One existing account of the org, in one small request (export, or a manifest whose
        accounts do not exist yet): reading adopts an org as it is, creating nothing."""
        first = account_page(self._api, 1, limit=1)
        return first.items[0].account_id if first.items else None

    def list_enabled(self) -> set[str]:
        reader = self.reader
        if reader is None:
            raise NotObservable(NO_READER)
        return {app.slug for app in routes.list_applications(self._api, linked_account_id=reader)}

    def get_oauth(self, slug: str) -> OAuthCredentials | None:
        """The client id and effective scopes Cobalt would use for `slug`, from its consent
        URL (cobalt-api.md §5). The secret cannot be seen: its fingerprint stays None."""
        reader = self.reader
        if reader is None:
            raise NotObservable(NO_READER)
        try:
            auth_url = routes.get_oauth_url(self._api, slug, reader)
        except NotFoundError:
            raise NotObservable(APP_NOT_ENABLED) from None
        except AuthError:
            raise
        except ApiError as refused:
            if refused.status == 400:  # some apps need per-app query parameters (spec)
                raise NotObservable(
                    f"Cobalt could not build a consent URL for it ({refused.message})"
                ) from None
            raise
        return observed_client(slug, auth_url)

    def set_enabled(self, slug: str, enabled: bool) -> None:
        verb = "Enable" if enabled else "Disable"
        raise ManualStepRequired(
            f"{verb} '{slug}' in the Cobalt dashboard (Apps): Cobalt has no public API for it",
            hint="The plan lists dashboard steps; re-run plan afterwards to verify them.",
        )

    def put_oauth(
        self, slug: str, client_id: str, client_secret: str | None, scopes: list[str]
    ) -> None:
        raise ManualStepRequired(
            f"Set the OAuth client of '{slug}' in the Cobalt dashboard (app Settings → "
            "Credentials → Use your own credentials): Cobalt has no public API for it"
        )

    def delete_oauth(self, slug: str) -> None:
        raise ManualStepRequired(
            f"Switch '{slug}' back to Cobalt's credentials in the Cobalt dashboard: "
            "Cobalt has no public API for it"
        )


def observed_client(slug: str, auth_url: str) -> OAuthCredentials:
    """What a consent URL shows: `client_id`, `redirect_uri` and `scope` (space- or
    comma-separated, as providers differ). A missing `scope` is unknown, not empty."""
    query = parse_qs(urlsplit(auth_url).query)
    scope = query.get("scope", [None])[0]
    scopes = None if scope is None else tuple(s for s in re.split(r"[\s,]+", scope) if s)
    return OAuthCredentials(
        slug=slug,
        mode="unknown",
        client_id=query.get("client_id", [None])[0],
        client_secret_fingerprint=None,
        scopes=scopes,
        mandatory_scopes=(),
        callback_url=query.get("redirect_uri", [None])[0],
    )
