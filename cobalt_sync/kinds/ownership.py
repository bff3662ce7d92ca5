"""How cobalt-sync marks what it owns in a Cobalt org; one definition for every module.

Linked accounts it creates carry the UDF `managed_by: cobalt-sync` (only those can be pruned);
the linked account `cobalt-sync-probe` is its own, for reading enabled apps on real Cobalt.
"""

MANAGED_BY_KEY = "managed_by"
"""UDF key cobalt-sync writes on the linked accounts it creates; users may not set it."""

MANAGED_BY_VALUE = "cobalt-sync"

PROBE_ACCOUNT_ID = "cobalt-sync-probe"
"""The linked account whose view of `GET /application` shows the org's enabled apps (§2a);
reserved in manifests, never listed as unmanaged or exported."""
