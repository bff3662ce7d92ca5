"""How the `apps` and `oauth_credentials` kinds reach Cobalt: the `AppSettings` interface a
run's backend implements (`backends/app_settings.py`: the sandbox's routes, or read-only on
real Cobalt), and the calls and reply models of the routes behind it.

Enabling apps and setting an org's own OAuth client have no public API on real Cobalt
(cobalt-api.md §3.2): the routes marked non-public are the sandbox's contract. Every call is a
generic client call by route name, as for every other kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

from pydantic import BaseModel, Field

from cobalt_sync.reply_shapes import REPLY_CONFIG, ReplyShape
from cobalt_sync.resource import JsonObject

if TYPE_CHECKING:
    from collections.abc import Sequence

    from cobalt_sync.api import CobaltApi

Mode = Literal["api", "manual"]


@dataclass(frozen=True)
class Application:
    """An app enabled for the org and environment of the key."""

    slug: str
    name: str
    auth_type: str
    connected: bool = False


@dataclass(frozen=True)
class OAuthCredentials:
    """An app's OAuth client settings as far as they can be observed; never the secret.

    `mode` is `custom` (own client), `default` (Cobalt's shared client), `unset`, or `unknown`
    when read from real Cobalt's consent URL, which shows the client id and the effective
    scopes in use but not the secret (the fingerprint is None) nor whose client it is.
    `scopes` is None when they could not be seen.
    """

    slug: str
    mode: str
    client_id: str | None
    client_secret_fingerprint: str | None
    scopes: tuple[str, ...] | None
    mandatory_scopes: tuple[str, ...]
    callback_url: str | None


class AppSettings(Protocol):
    """Read and (when `can_write`) change which apps are enabled and their OAuth clients."""

    @property
    def mode(self) -> Mode: ...

    @property
    def can_write(self) -> bool: ...

    def begin_read(self, accounts: Sequence[str]) -> None:
        """Start a fresh reading of the org (plan, or the re-check after apply); `accounts`
        are declared seed accounts a read may go through, best first."""
        ...

    def list_enabled(self) -> set[str]:
        """Slugs of the enabled apps; raises NotObservable when they cannot be read."""
        ...

    def set_enabled(self, slug: str, enabled: bool) -> None: ...

    def get_oauth(self, slug: str) -> OAuthCredentials | None:
        """The app's own OAuth client, or None when it is on Cobalt's default (or unset);
        raises NotObservable when that cannot be told."""
        ...

    def put_oauth(
        self, slug: str, client_id: str, client_secret: str | None, scopes: list[str]
    ) -> None: ...

    def delete_oauth(self, slug: str) -> None: ...


# --- replies ----------------------------------------------------------------------------------


class WireApplication(BaseModel):
    model_config = REPLY_CONFIG

    slug: str
    name: str
    auth_type: str | None = None
    connected: bool | None = None

    def value(self) -> Application:
        return Application(self.slug, self.name, self.auth_type or "", bool(self.connected))


class WireAuthUrl(BaseModel):
    model_config = REPLY_CONFIG

    auth_url: str = Field(min_length=1)


class WireToggle(BaseModel):
    model_config = REPLY_CONFIG

    slug: str
    enabled: bool
    changed: bool


class WireOAuthView(BaseModel):
    model_config = REPLY_CONFIG

    slug: str
    mode: str
    client_id: str | None = None
    client_secret_fingerprint: str | None = None
    scopes: list[str] = Field(default_factory=list)
    mandatory_scopes: list[str] = Field(default_factory=list)
    callback_url: str | None = None

    def value(self) -> OAuthCredentials:
        return OAuthCredentials(
            slug=self.slug,
            mode=self.mode,
            client_id=self.client_id,
            client_secret_fingerprint=self.client_secret_fingerprint,
            scopes=tuple(self.scopes),
            mandatory_scopes=tuple(self.mandatory_scopes),
            callback_url=self.callback_url,
        )


_APPS: ReplyShape[list[WireApplication]] = ReplyShape(list[WireApplication])
_APP: ReplyShape[WireApplication] = ReplyShape(WireApplication)
_AUTH_URL: ReplyShape[WireAuthUrl] = ReplyShape(WireAuthUrl)
_TOGGLE: ReplyShape[WireToggle] = ReplyShape(WireToggle)
_OAUTH: ReplyShape[WireOAuthView] = ReplyShape(WireOAuthView)


# --- public routes --------------------------------------------------------------------------


def list_applications(api: CobaltApi, linked_account_id: str | None = None) -> list[Application]:
    """Apps enabled for the org and environment (connection status of one account)."""
    apps = api.request("list_applications", _APPS, linked_account_id=linked_account_id)
    return [app.value() for app in apps]  # plain conversions: they cannot fail


def get_application(
    api: CobaltApi, slug: str, linked_account_id: str | None = None
) -> Application | None:
    """One enabled app, or None when it is not enabled (Cobalt answers 404)."""
    path = {"slug": slug}
    app = api.find("get_application", _APP, path_params=path, linked_account_id=linked_account_id)
    return app.value() if app is not None else None


def get_oauth_url(api: CobaltApi, slug: str, linked_account_id: str) -> str:
    """The provider consent URL for an app; its `client_id` shows which OAuth client is live."""
    reply = api.request(
        "get_oauth_url", _AUTH_URL, path_params={"slug": slug}, linked_account_id=linked_account_id
    )
    return reply.auth_url


# ===== NOT IN COBALT'S PUBLIC API: sandbox-defined contract, cobalt-api.md §3.2 =====


def enable_app(api: CobaltApi, slug: str) -> bool:
    """Enable an app; True when it was not enabled before."""
    return api.request("enable_app", _TOGGLE, path_params={"slug": slug}).changed


def disable_app(api: CobaltApi, slug: str) -> bool:
    """Disable an app (keeps its credentials); True when it was enabled before."""
    return api.request("disable_app", _TOGGLE, path_params={"slug": slug}).changed


def get_oauth_credentials(api: CobaltApi, slug: str) -> OAuthCredentials:
    return api.request("get_oauth_credentials", _OAUTH, path_params={"slug": slug}).value()


def put_oauth_credentials(
    api: CobaltApi, slug: str, client_id: str, client_secret: str | None, scopes: list[str]
) -> OAuthCredentials:
    """Set the app's own OAuth client; `client_secret=None` keeps the stored secret."""
    body: JsonObject = {"client_id": client_id, "scopes": list(scopes)}
    if client_secret is not None:
        api.register_secret(client_secret)  # before sending: a server may echo it
        body["client_secret"] = client_secret
    path = {"slug": slug}
    return api.request("put_oauth_credentials", _OAUTH, path_params=path, body=body).value()


def delete_oauth_credentials(api: CobaltApi, slug: str) -> OAuthCredentials:
    """Back to Cobalt's default client (or unset); answers the resulting view."""
    path = {"slug": slug}
    return api.request("delete_oauth_credentials", _OAUTH, path_params=path).value()
