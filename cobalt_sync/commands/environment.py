"""Which environment of a manifest a run uses: `--environment NAME`, else COBALT_ENVIRONMENT,
else the API key's own (tk… test, pk… production) when the manifest declares it.

An explicit choice that contradicts the key is refused here, before any connection (exit 5);
the key guard in `open_session` stays as the last check. Owns the option and the choice only.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import click

from cobalt_sync.errors import InputError, RefusedError
from cobalt_sync.manifest.overlay import ENVIRONMENT_HINT, ENVIRONMENTS, KEY_SOURCE
from cobalt_sync.manifest.overlay import EnvironmentChoice as EnvironmentChoice
from cobalt_sync.options import GlobalOptions

F = TypeVar("F", bound=Callable[..., Any])

ENVIRONMENT_VARIABLE = "COBALT_ENVIRONMENT"
FLAG = "--environment"


def environment_option(function: F) -> F:
    return click.option(
        "-e",
        FLAG,
        "environment",
        metavar="NAME",
        default=None,
        help="The manifest's environment to use: test or production (env "
        f"{ENVIRONMENT_VARIABLE}). Default: the API key's (tk… test, pk… production).",
    )(function)


def choose_environment(
    requested: str | None,
    options: GlobalOptions,
    environ: Mapping[str, str] | None = None,
) -> EnvironmentChoice | None:
    """The environment to load, or None when nothing names one (no key either: the
    connection then reports the missing key, or the manifest is single-environment)."""
    environ = os.environ if environ is None else environ
    key_environment = environment_of_key(options, environ)
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
        prefix = "pk" if key_environment == "production" else "tk"
        raise RefusedError(
            f"environment mismatch: {choice.source} asks for {choice.name}, but "
            f"COBALT_API_KEY is a {key_environment} key ({prefix}…)",
            hint=f"use the {choice.name} key, or drop {choice.source} to use the key's environment",
        )
    return choice


def checked_name(name: str, source: str) -> str:
    if name in ENVIRONMENTS:
        return name
    close = difflib.get_close_matches(name, ENVIRONMENTS, n=1, cutoff=0.4)
    guess = f" (did you mean '{close[0]}'?)" if close else ""
    raise InputError(
        f"{source}: unknown environment '{name}'{guess}",
        hint=f"{ENVIRONMENT_HINT}; choose test or production",
    )


def environment_of_key(options: GlobalOptions, environ: Mapping[str, str]) -> str | None:
    """The key's environment without connecting; --sandbox with no key uses its test key.
    A malformed key is reported by the connection, with its own hint, not here."""
    from cobalt_sync.reading.connect import (
        SANDBOX_KEY,  # here: `diff` stays free of the HTTP client
    )

    key = environ.get("COBALT_API_KEY", "").strip() or (SANDBOX_KEY if options.sandbox else "")
    if key.startswith("tk"):
        return "test"
    if key.startswith("pk"):
        return "production"
    return None
