"""App enablement and org OAuth credentials: the settings Cobalt's public API cannot change.

`AppSettings` is the interface the `apps` and `oauth_credentials` kinds use.
`SandboxAppSettings` calls the sandbox-defined routes (cobalt-api.md §3.2) and can write.
`ManualAppSettings` is for real Cobalt: it reads what is observable without writing anything
and cannot write (`can_write` is False): the plan turns those changes into dashboard steps.
"""

from __future__ import annotations

import threading
from typing import Literal, Protocol
from urllib.parse import parse_qs, urlsplit

from cobalt_sync.api import CobaltApi, OAuthCredentials
from cobalt_sync.errors import ApiError, AuthError, CobaltSyncError, ExitCode, NotFoundError
from cobalt_sync.ownership import PROBE_ACCOUNT_ID

Mode = Literal["api", "manual"]


class AppSettings(Protocol):
    """Read and (when `can_write`) change which apps are enabled and their OAuth clients."""

    @property
    def mode(self) -> Mode: ...

    @property
    def can_write(self) -> bool: ...

    @property
    def notes(self) -> tuple[str, ...]:
        """Caveats about what was read (e.g. a best-effort list), for the plan's report."""
        ...

    def list_enabled(self) -> set[str]: ...

    def set_enabled(self, slug: str, enabled: bool) -> None: ...

    def get_oauth(self, slug: str) -> OAuthCredentials | None:
        """The app's own OAuth client, or None when it is on Cobalt's default (or unset)."""
        ...

    def put_oauth(
        self, slug: str, client_id: str, client_secret: str | None, scopes: list[str]
    ) -> None: ...

    def delete_oauth(self, slug: str) -> None: ...


class ManualStepRequired(CobaltSyncError):
    """A change only the Cobalt dashboard can make was asked of the manual backend."""

    exit_code = ExitCode.REFUSED


class SandboxAppSettings:
    """The sandbox's non-public routes: every read and write goes over HTTP."""

    mode: Mode = "api"
    can_write = True
    notes: tuple[str, ...] = ()

    def __init__(self, api: CobaltApi) -> None:
        self._api = api

    def list_enabled(self) -> set[str]:
        # Without a linked_account_id header: a sandbox leniency (§3.2), not vendor behaviour.
        return {app.slug for app in self._api.list_applications()}

    def set_enabled(self, slug: str, enabled: bool) -> None:
        if enabled:
            self._api.enable_app(slug)
        else:
            self._api.disable_app(slug)

    def get_oauth(self, slug: str) -> OAuthCredentials | None:
        try:
            view = self._api.get_oauth_credentials(slug)
        except NotFoundError:
            return None  # not in the catalog: the manifest check names the typo
        except ApiError as refused:
            if refused.error_code == "AUTH_TYPE_MISMATCH":
                return None  # a key-based app has no OAuth client to read
            raise
        return view if view.mode == "custom" else None

    def put_oauth(
        self, slug: str, client_id: str, client_secret: str | None, scopes: list[str]
    ) -> None:
        self._api.put_oauth_credentials(slug, client_id, client_secret, scopes)

    def delete_oauth(self, slug: str) -> None:
        try:
            self._api.delete_oauth_credentials(slug)
        except NotFoundError:
            return


class ManualAppSettings:
    """Real Cobalt: observe enabled apps and the live OAuth client id, read-only.

    Reads go through the probe account (`cobalt-sync-probe`); when it does not exist the
    app list is read without it (best effort, said in `notes`) and OAuth clients cannot be
    observed. Reading never creates the probe: `ensure_probe()` is a separate, explicit write.
    """

    mode: Mode = "manual"
    can_write = False

    def __init__(self, api: CobaltApi, probe_account_id: str = PROBE_ACCOUNT_ID) -> None:
        self._api = api
        self._probe_id = probe_account_id
        self._probe_exists: bool | None = None
        self._notes: list[str] = []
        self._lock = threading.Lock()

    @property
    def notes(self) -> tuple[str, ...]:
        with self._lock:
            return tuple(self._notes)

    def ensure_probe(self) -> None:
        """Create the probe account (idempotent PUT), so later reads are exact."""
        self._api.upsert_linked_account(
            self._probe_id, "cobalt-sync probe", {"managed_by": "cobalt-sync"}
        )
        with self._lock:
            self._probe_exists = True

    def list_enabled(self) -> set[str]:
        if self._has_probe():
            apps = self._api.list_applications(linked_account_id=self._probe_id)
            return {app.slug for app in apps}
        self._note(
            f"the linked account '{self._probe_id}' does not exist, so enabled apps were read "
            "without it: Cobalt does not document that answer, treat it as best effort"
        )
        try:
            apps = self._api.list_applications()
        except AuthError:
            raise
        except ApiError as refused:
            refused.hint = (
                f"Cobalt lists enabled apps per linked account: create '{self._probe_id}' "
                "(cobalt-sync apply creates it), then run again."
            )
            raise
        return {app.slug for app in apps}

    def get_oauth(self, slug: str) -> OAuthCredentials | None:
        """The client id Cobalt would use for `slug` (from its consent URL); the secret and
        the custom scopes cannot be seen, so `mode` is `unknown` and those stay empty."""
        if not self._has_probe():
            self._note(f"OAuth client of '{slug}' not observable without '{self._probe_id}'")
            return _unknown(slug, None, None)
        try:
            auth_url = self._api.get_oauth_url(slug, self._probe_id)
        except NotFoundError:
            return None  # the app is not enabled: there is no client in use
        except AuthError:
            raise
        except ApiError as refused:
            if refused.status == 400:  # key-based app, or no OAuth client at all
                return None
            raise
        query = parse_qs(urlsplit(auth_url).query)
        client_id = query.get("client_id", [None])[0]
        callback = query.get("redirect_uri", [None])[0]
        return _unknown(slug, client_id, callback)

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

    def _has_probe(self) -> bool:
        with self._lock:
            known = self._probe_exists
        if known is None:
            known = self._api.get_linked_account(self._probe_id) is not None
            with self._lock:
                self._probe_exists = known
        return known

    def _note(self, text: str) -> None:
        with self._lock:
            if text not in self._notes:
                self._notes.append(text)


def _unknown(slug: str, client_id: str | None, callback_url: str | None) -> OAuthCredentials:
    return OAuthCredentials(
        slug=slug,
        mode="unknown",
        client_id=client_id,
        client_secret_fingerprint=None,
        scopes=(),
        mandatory_scopes=(),
        callback_url=callback_url,
    )
