"""The `--environment NAME` option. Which environment a run uses (the option, else
COBALT_ENVIRONMENT, else the API key's own) is decided in `reading/environment.py`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from cobalt_sync.reading.environment import ENVIRONMENT_VARIABLE, FLAG
from cobalt_sync.reading.environment import EnvironmentChoice as EnvironmentChoice
from cobalt_sync.reading.environment import choose_environment as choose_environment

F = TypeVar("F", bound=Callable[..., Any])


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
