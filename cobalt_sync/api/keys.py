"""What a Cobalt org API key says: the environment it acts on (`tk…` test, `pk…`
production). Never repeats the key in an error."""

from __future__ import annotations

from typing import Literal

from cobalt_sync.errors import InputError

Environment = Literal["test", "production"]

KEY_FORMAT_HINT = (
    "Copy an org API key from the Cobalt dashboard into COBALT_API_KEY: keys starting with "
    "'tk' act on the test environment, 'pk' on production."
)


def environment_named_by(api_key: str) -> Environment | None:
    """The environment a key's prefix names, None for any other text (the one tk/pk map)."""
    if api_key.startswith("tk"):
        return "test"
    if api_key.startswith("pk"):
        return "production"
    return None


def environment_of(api_key: str) -> Environment:
    """The environment a key acts on, from its prefix; never repeats the key in an error."""
    if not api_key:
        raise InputError("COBALT_API_KEY is empty", hint=KEY_FORMAT_HINT)
    if any(not (33 <= ord(char) <= 126) for char in api_key):
        raise InputError(
            "COBALT_API_KEY contains spaces or characters that cannot be sent in an HTTP header",
            hint=KEY_FORMAT_HINT,
        )
    named = environment_named_by(api_key)
    if named is not None:
        return named
    raise InputError(
        "COBALT_API_KEY does not look like a Cobalt org API key "
        "(it should start with 'tk' for test or 'pk' for production)",
        hint=KEY_FORMAT_HINT,
    )
