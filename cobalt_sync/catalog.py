"""The catalog of apps Cobalt knows (slug, name, aliases, auth types), and "did you mean".

Reads the packaged `catalog.json` through importlib.resources; it never touches the network
or any file outside the package. The catalog is a snapshot of the vendor's documentation, so
it answers "is this a slug Cobalt documents?", not "is this app enabled in your org?".
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from difflib import get_close_matches
from functools import lru_cache
from importlib import resources
from typing import Any


@dataclass(frozen=True)
class CatalogApp:
    """One app of the catalog."""

    slug: str
    name: str
    auth_types: tuple[str, ...]
    aliases: tuple[str, ...] = ()
    scopes: tuple[str, ...] = ()  # scopes the vendor documents for the app (may be labels)

    @property
    def supports_oauth(self) -> bool:
        """True when an org may configure its own OAuth client for this app."""
        return "oauth2" in self.auth_types

    @property
    def auth_type_label(self) -> str:
        return " or ".join(self.auth_types) or "unknown"


@dataclass(frozen=True)
class Catalog:
    """Every known app by slug, with lookups by name and alias for suggestions."""

    apps: Mapping[str, CatalogApp]

    def get(self, slug: str) -> CatalogApp | None:
        return self.apps.get(slug)

    def slugs(self) -> list[str]:
        return sorted(self.apps)

    def suggest(self, word: str) -> str | None:
        """The slug the user most likely meant: by exact name/alias first, then by spelling."""
        by_label = self._labels()
        exact = by_label.get(_fold(word))
        if exact is not None:
            return exact
        close = suggest(_fold(word), by_label)
        return by_label[close] if close is not None else None

    def _labels(self) -> dict[str, str]:
        """Folded slug, name and aliases → slug; the slug wins when two apps share a label."""
        labels: dict[str, str] = {}
        for app in self.apps.values():
            for label in (app.name, *app.aliases):
                labels.setdefault(_fold(label), app.slug)
        for app in self.apps.values():
            labels[_fold(app.slug)] = app.slug
        return labels


def suggest(word: str, choices: Iterable[str]) -> str | None:
    """The closest choice to `word` by spelling, or None when nothing is close enough."""
    close = get_close_matches(word, list(choices), n=1, cutoff=0.7)
    return close[0] if close else None


def _fold(label: str) -> str:
    """Case, spaces, dashes and dots do not tell apps apart ('Customer.io' ~ 'customer_io')."""
    folded = label.strip().lower()
    for separator in (" ", "-", "."):
        folded = folded.replace(separator, "_")
    return folded


@lru_cache(maxsize=1)
def load_catalog() -> Catalog:
    """The packaged catalog (read once per process)."""
    text = resources.files("cobalt_sync").joinpath("catalog.json").read_text(encoding="utf-8")
    document: dict[str, Any] = json.loads(text)
    apps = (_app_from_json(entry) for entry in document["apps"])
    return Catalog({app.slug: app for app in apps})


def _app_from_json(entry: Mapping[str, Any]) -> CatalogApp:
    return CatalogApp(
        slug=entry["slug"],
        name=entry["name"],
        auth_types=tuple(entry.get("auth_types") or [entry["auth_type"]]),
        aliases=tuple(entry.get("aliases") or ()),
        scopes=tuple(entry.get("scopes") or ()),
    )
