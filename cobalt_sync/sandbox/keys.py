"""API keys → (org, environment): `tk…` keys are test, `pk…` production, same suffix = same org.

Owns only the key ring; must not hold or know any org data. An org's id is not derived from
its keys: the store hands out a random id per key suffix (`bind`), so no id, page or reply
shows any part of a key.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

DEFAULT_KEYS = ("tk_sandbox", "pk_sandbox")
ENVIRONMENTS = {"tk": "test", "pk": "production"}


@dataclass(frozen=True)
class Tenant:
    """One org in one environment: the unit all sandbox data is partitioned by."""

    org: str
    environment: str

    @property
    def scope(self) -> str:
        return f"{self.org}/{self.environment}"


def parse_key(key: str) -> tuple[str, str]:
    """`tk_acme` → ("acme", "test"). Raises ValueError for a key without a tk/pk prefix."""
    prefix, suffix = key[:2], key[2:].lstrip("_")
    if prefix not in ENVIRONMENTS or not suffix:
        raise ValueError(
            f"sandbox API keys must look like tk_<name> (test) or pk_<name> (production), "
            f"got one starting {key[:2]!r}"
        )
    return suffix, ENVIRONMENTS[prefix]


class KeyRing:
    """The keys this sandbox accepts; the defaults are always present. Usable once bound to
    the store that keeps each org's id."""

    def __init__(self, extra: Iterable[str] = ()) -> None:
        self._parsed = {key: parse_key(key) for key in (*DEFAULT_KEYS, *extra)}
        self._tenants: dict[str, Tenant] = {}

    def bind(self, org_id: Callable[[str], str]) -> None:
        """Resolve every key's org through `org_id(suffix)` (the store's id for that org)."""
        ids = {suffix: org_id(suffix) for suffix, _ in self._parsed.values()}
        self._tenants = {
            key: Tenant(ids[suffix], environment)
            for key, (suffix, environment) in self._parsed.items()
        }

    def tenant(self, key: str | None) -> Tenant | None:
        return self._tenants.get(key) if key else None

    def tenants(self) -> list[Tenant]:
        return sorted(set(self._tenants.values()), key=lambda t: (t.org, t.environment))
