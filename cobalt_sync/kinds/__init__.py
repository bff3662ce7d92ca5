"""One module per kind of Cobalt object; `KINDS` lists them in dependency order, and
`STEP_WORDING` the kinds whose changes can be dashboard steps (real Cobalt: no public API)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from cobalt_sync.kinds import apps, oauth_credentials
from cobalt_sync.kinds.apps import AppsKind
from cobalt_sync.kinds.base import KindContext, ResourceKind, SecretSource
from cobalt_sync.kinds.events import EventsKind
from cobalt_sync.kinds.linked_accounts import LinkedAccountsKind
from cobalt_sync.kinds.oauth_credentials import OAuthCredentialsKind
from cobalt_sync.plan import Change
from cobalt_sync.resource import Resource

KINDS: Mapping[str, ResourceKind] = {
    "apps": AppsKind(),
    "oauth_credentials": OAuthCredentialsKind(),
    "events": EventsKind(),
    "linked_accounts": LinkedAccountsKind(),
}

StepWording = Callable[[Change, Resource | None, SecretSource], tuple[str, str]]

STEP_WORDING: Mapping[str, StepWording] = {
    "apps": apps.dashboard_step,
    "oauth_credentials": oauth_credentials.dashboard_step,
}

__all__ = ["KINDS", "STEP_WORDING", "KindContext", "ResourceKind", "SecretSource"]
