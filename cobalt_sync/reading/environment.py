"""Which environment a run acts on: the one place that decides it and refuses a mismatch.

The key says it (`tk…` test, `pk…` production: `api.keys`); `--environment` or
COBALT_ENVIRONMENT choose a manifest's section and must agree with the key (refused before
any connection, exit 5); the checked manifest's `environment:` must agree with the key
before any request that writes (`guard`); and the reads sent before that guard go out only
when the manifest's draft names the key's environment (`may_read_ahead`).
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping

from cobalt_sync.api.keys import Environment, environment_named_by
from cobalt_sync.errors import InputError, RefusedError
from cobalt_sync.manifest.overlay import ENVIRONMENT_HINT, ENVIRONMENTS, KEY_SOURCE
from cobalt_sync.manifest.overlay import EnvironmentChoice as EnvironmentChoice
from cobalt_sync.options import GlobalOptions

ENVIRONMENT_VARIABLE = "COBALT_ENVIRONMENT"
FLAG = "--environment"
# The embedded sandbox's own test key, used by --sandbox when COBALT_API_KEY is not set.
SANDBOX_KEY = "tk_sandbox"
PROD_SANDBOX_KEY = "pk_sandbox"


def choose_environment(
    requested: str | None,
    options: GlobalOptions,
    environ: Mapping[str, str] | None = None,
) -> EnvironmentChoice | None:
    """The environment to load, or None when nothing names one (no key either: the
    connection then reports the missing key, or the manifest is single-environment)."""
    environ = os.environ if environ is None else environ
    key_environment = key_environment_of(options, environ)
    if requested:
        choice = EnvironmentChoice(checked_name(requested, FLAG), FLAG)
    elif environ.get(ENVIRONMENT_VARIABLE, "").strip():
        name = environ[ENVIRONMENT_VARIABLE].strip()
        choice = EnvironmentChoice(checked_name(name, ENVIRONMENT_VARIABLE), ENVIRONMENT_VARIABLE)
    elif key_environment is not None:
        return EnvironmentChoice(key_environment, KEY_SOURCE)
    else:
        return None
    if key_environment is not None and key_environment != choice.name:
        raise mismatch(f"{choice.source} asks for {choice.name}", key_environment,
                       hint=f"use the {choice.name} key, or drop {choice.source} to use the "
                       "key's environment")
    return choice


def guard(manifest_environment: str, key_environment: str) -> None:
    """Refuse before any request that writes: a test manifest must never touch production."""
    if manifest_environment != key_environment:
        raise mismatch(
            f"the manifest says '{manifest_environment}'",
            key_environment,
            hint="use the key of the manifest's environment, or fix `environment:`",
        )


def may_read_ahead(draft_environment: str | None, key_environment: str) -> bool:
    """Whether reads may be sent before the manifest is checked: only for a draft that names
    the key's environment (nothing is sent before the guard could refuse)."""
    return draft_environment == key_environment


def mismatch(what: str, key_environment: str, *, hint: str) -> RefusedError:
    prefix = "pk" if key_environment == "production" else "tk"
    return RefusedError(
        f"environment mismatch: {what}, but COBALT_API_KEY is a {key_environment} key "
        f"({prefix}…)",
        hint=hint,
    )


def checked_name(name: str, source: str) -> str:
    if name in ENVIRONMENTS:
        return name
    close = difflib.get_close_matches(name, ENVIRONMENTS, n=1, cutoff=0.4)
    guess = f" (did you mean '{close[0]}'?)" if close else ""
    raise InputError(
        f"{source}: unknown environment '{name}'{guess}",
        hint=f"{ENVIRONMENT_HINT}; choose test or production",
    )


def key_environment_of(options: GlobalOptions, environ: Mapping[str, str]) -> Environment | None:
    """The key's environment without connecting; --sandbox with no key uses its test key.
    A malformed key is reported by the connection, with its own hint, not here."""
    key = environ.get("COBALT_API_KEY", "").strip() or (SANDBOX_KEY if options.sandbox else "")
    return environment_named_by(key)
