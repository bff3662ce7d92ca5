"""API keys → (org, environment): `tk…` keys are test, `pk…` production, same suffix = same org.

Owns only the key ring; must not hold or know any org data.
"""

from __future__ import annotations

from collections.abc import Iterable
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


def tenant_for_key(key: str) -> Tenant:
    """`tk_acme` → (org_acme, test). Raises ValueError for a key without a tk/pk prefix."""
    prefix, suffix = key[:2], key[2:].lstrip("_")
    if prefix not in ENVIRONMENTS or not suffix:
        raise ValueError(
            f"sandbox API keys must look like tk_<name> (test) or pk_<name> (production), "
            f"got one starting {key[:2]!r}"
        )
    return Tenant(org=f"org_{suffix}", environment=ENVIRONMENTS[prefix])


class KeyRing:
    """The keys this sandbox accepts; the defaults are always present."""

    def __init__(self, extra: Iterable[str] = ()) -> None:
        self._tenants = {key: tenant_for_key(key) for key in (*DEFAULT_KEYS, *extra)}

    def tenant(self, key: str | None) -> Tenant | None:
        return self._tenants.get(key) if key else None

    def keys(self) -> list[str]:
        return sorted(self._tenants)
