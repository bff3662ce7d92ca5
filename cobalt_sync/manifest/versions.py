"""The manifest versions this cobalt-sync reads (`version:` at the top of cobalt.yaml)."""

SUPPORTED_VERSIONS = (1,)
