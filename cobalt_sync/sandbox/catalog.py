"""The app catalog the sandbox serves (packaged `catalog.json`, derived once from Cobalt's docs).

Owns catalog lookups and the auth-structure shape; must not hold per-org state.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

OAUTH_FIELDS: dict[str, Any] = {
    "access_token": "string",
    "refresh_token": "string",
    "client_id": "string",
    "client_secret": "string",
    "callback_url": {"type": "string", "required": False},
}

SECRET_FIELD = re.compile(r"key|secret|token|password", re.IGNORECASE)

ACRONYMS = {"api": "API", "url": "URL", "id": "ID", "crm": "CRM"}


def field_label(name: str) -> str:
    """`api_key` → "API key", `base_url` → "Base URL"."""
    words = [ACRONYMS.get(word, word) for word in name.split("_")]
    return " ".join([words[0][:1].upper() + words[0][1:], *words[1:]])


@dataclass(frozen=True)
class CatalogApp:
    slug: str
    name: str
    auth_type: str
    auth_types: tuple[str, ...]
    key_fields: tuple[str, ...]
    mandatory_scopes: tuple[str, ...]
    has_default_credentials: bool
    tags: tuple[str, ...]
    ecosystem: bool

    @property
    def supports_oauth(self) -> bool:
        return "oauth2" in self.auth_types

    def auth_input_map(self) -> list[dict[str, Any]]:
        """The key-based connect form (contract §2a `auth_input_map`): one required field per
        credential; the catalog knows only names, so labels and masking are derived."""
        return [
            {
                "name": name,
                "label": field_label(name),
                "placeholder": "",
                "required": True,
                "type": "password" if SECRET_FIELD.search(name) else "text",
            }
            for name in self.key_fields
        ]

    def auth_structure(self) -> dict[str, Any]:
        """`GET /auth-structure/{slug}`: credential fields per auth type."""
        shape: dict[str, Any] = {}
        for auth_type in self.auth_types:
            if auth_type == "oauth2":
                shape["oauth2"] = dict(OAUTH_FIELDS)
            elif auth_type == "keybased":
                shape["keybased"] = {field: "string" for field in self.key_fields}
            else:
                shape[auth_type] = {"client_id": "string", "client_secret": "string"}
        return shape


@cache
def load_catalog() -> dict[str, CatalogApp]:
    text = resources.files(__package__).joinpath("catalog.json").read_text(encoding="utf-8")
    apps: dict[str, CatalogApp] = {}
    for raw in json.loads(text)["apps"]:
        apps[raw["slug"]] = CatalogApp(
            slug=raw["slug"],
            name=raw["name"],
            auth_type=raw["auth_type"],
            auth_types=tuple(raw["auth_types"]),
            key_fields=tuple(raw["key_fields"]),
            mandatory_scopes=tuple(raw["mandatory_scopes"]),
            has_default_credentials=bool(raw["has_default_credentials"]),
            tags=tuple(raw["tags"]),
            ecosystem=bool(raw["ecosystem"]),
        )
    return apps
