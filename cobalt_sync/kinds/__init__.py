"""One module per kind of Cobalt object; `KINDS` lists them in dependency order."""

from __future__ import annotations

from collections.abc import Mapping

from cobalt_sync.kinds.apps import AppsKind
from cobalt_sync.kinds.base import KindContext, ResourceKind
from cobalt_sync.kinds.events import EventsKind
from cobalt_sync.kinds.linked_accounts import LinkedAccountsKind
from cobalt_sync.kinds.oauth_credentials import OAuthCredentialsKind

KINDS: Mapping[str, ResourceKind] = {
    "apps": AppsKind(),
    "oauth_credentials": OAuthCredentialsKind(),
    "events": EventsKind(),
    "linked_accounts": LinkedAccountsKind(),
}

__all__ = ["KINDS", "KindContext", "ResourceKind"]
