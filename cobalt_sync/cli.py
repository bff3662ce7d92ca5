"""The click command line, and the single place that turns exceptions into exit codes.

Commands live in `cobalt_sync/commands/<name>.py` (one module each, exposing `command`);
this module builds the group, sets up logging, and maps every error to a message on stderr
and an exit code from `errors.ExitCode`. Nothing else prints errors or calls `sys.exit`.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import shlex
import signal
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

import click

from cobalt_sync import DISTRIBUTION
from cobalt_sync.applying.interrupts import EXIT_CODES, Interrupted, signals_raise, stopped_line
from cobalt_sync.errors import CobaltSyncError, ExitCode, ManifestError
from cobalt_sync.options import GlobalOptions

# name → module under cobalt_sync.commands; imported only when the command runs, so that
# `validate` never loads httpx or the sandbox.
COMMANDS: dict[str, str] = {
    "validate": "validate",
    "diff": "diff",
    "schema": "schema",
    "plan": "plan",
    "apply": "apply",
    "export": "export",
    "check": "check",
    "doctor": "doctor",
    "sandbox": "sandbox",
    "show": "show",
}


# A hostile or generated file can hold 100,000s of problems; past this many, more lines
# help nobody and flood the terminal or CI log.
MAX_PROBLEMS_SHOWN = 50


class LazyGroup(click.Group):
    """A group that imports each command's module on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module_name = COMMANDS.get(cmd_name)
        if module_name is None:
            return None
        module = importlib.import_module(f"cobalt_sync.commands.{module_name}")
        command: click.Command = module.command
        return command

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name = click.utils.make_str(args[0]) if args else ""
        if args and name not in COMMANDS and not name.startswith("-"):
            from difflib import get_close_matches

            close = get_close_matches(name, list(COMMANDS), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise click.UsageError(f"no such command '{name}'{hint}", ctx)
        return super().resolve_command(ctx, args)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(None, "--version", package_name=DISTRIBUTION, prog_name="cobalt-sync")
@click.option(
    "--api-url",
    envvar="COBALT_API_URL",
    metavar="URL",
    help="Cobalt API base URL (env COBALT_API_URL). Default: Cobalt's production API.",
)
@click.option(
    "--sandbox",
    is_flag=True,
    help="Run against an embedded Cobalt sandbox whose org persists in .cobalt-sandbox/ "
    "beside the manifest.",
)
@click.option(
    "--sandbox-dir",
    type=click.Path(file_okay=False, path_type=Path),
    metavar="DIR",
    help="Keep the --sandbox org in DIR instead (implies --sandbox).",
)
@click.option(
    "--app-settings",
    type=click.Choice(["api", "manual"]),
    envvar="COBALT_APP_SETTINGS",
    help="How app enablement and OAuth credentials are changed: 'api' (sandbox endpoints) "
    "or 'manual' (dashboard steps, verified read-only). Default: decided from the URL.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    metavar="SECONDS",
    help="How long one request may wait for an answer before it is retried (at most twice) "
    "and the run fails (env COBALT_TIMEOUT; default 30).",
)
@click.option(
    "--no-color",
    is_flag=True,
    help="Never colour the output (as the NO_COLOR environment variable does).",
)
@click.option("-v", "--verbose", count=True, help="Log each request: method, path, status, ms.")
@click.option("--debug", is_flag=True, help="Show tracebacks for internal errors.")
@click.pass_context
def cli(
    ctx: click.Context,
    api_url: str | None,
    sandbox: bool,
    sandbox_dir: Path | None,
    app_settings: str | None,
    timeout: float | None,
    no_color: bool,
    verbose: int,
    debug: bool,
) -> None:
    """Configuration as code for a Cobalt organisation.

    \b
    Example:
      export COBALT_API_KEY=tk_...        # the key is read only from the environment
      cobalt-sync validate -f cobalt.yaml
      cobalt-sync plan
      cobalt-sync apply
    """
    configure_logging(verbose, debug)
    sandbox = sandbox or sandbox_dir is not None
    if sandbox and ctx.get_parameter_source("api_url") is click.core.ParameterSource.ENVIRONMENT:
        api_url = None  # the explicit --sandbox flag wins over an exported COBALT_API_URL
    ctx.obj = GlobalOptions(
        api_url=api_url,
        sandbox=sandbox,
        verbose=verbose,
        debug=debug,
        app_settings=app_settings,
        timeout=timeout,
        sandbox_dir=sandbox_dir,
        no_color=no_color,
    )


def configure_logging(verbose: int, debug: bool) -> None:
    """-v shows our request log lines on stderr; third-party loggers stay quiet (they log URLs)."""
    level = logging.DEBUG if debug else logging.INFO if verbose else logging.WARNING
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("cobalt_sync")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
    for noisy in ("httpx", "httpcore", "uvicorn", "uvicorn.access", "uvicorn.error"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def report_error(error: CobaltSyncError) -> None:
    """Print an error the way every command does: `Error: …`, problems, then a hint."""
    if isinstance(error, ManifestError):
        for problem in error.problems[:MAX_PROBLEMS_SHOWN]:
            click.echo(problem.format(), err=True)
        hidden = len(error.problems) - MAX_PROBLEMS_SHOWN
        if hidden > 0:
            click.echo(f"… and {hidden} more (fix these first, then run again)", err=True)
    click.echo(f"{error.label}: {error}", err=True)
    if error.hint:
        click.echo(f"Hint: {error.hint}", err=True)


def main(argv: Sequence[str] | None = None) -> None:
    """Run the CLI and exit with the code the exit-code table gives."""
    args = list(sys.argv[1:] if argv is None else argv)
    # httpcore imports trio whenever it is installed (0.1 s, a third of our own imports),
    # though our sync client never uses it: in the CLI's own process, treat it as absent.
    sys.modules.setdefault("trio", None)  # type: ignore[arg-type]
    # Likewise httpx imports its own command line, with pygments and rich, whenever they
    # are installed (25-30 ms): it falls back to a stub when that import fails.
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
    # pydantic looks for plugins in the entry points of every installed distribution when
    # it builds the first model (20 ms here, more in a big environment); the manifest's
    # checks are not something a plugin should observe. A user's own setting is kept.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    code = run(args)
    # Everything is reported and every file written is closed. Leave now, without the
    # interpreter's teardown: it would wait for the worker threads a run may leave behind (a
    # write abandoned after an interrupt's grace period, reads started ahead of a manifest
    # that then failed its checks, a stalled request) and free a large plan object by
    # object.
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(BrokenPipeError, ValueError):  # `| head` closed it
            stream.flush()
    os._exit(code)


def global_options() -> dict[str, bool]:
    """Every spelling of the group's own options → whether it takes a value."""
    names: dict[str, bool] = {}
    for param in cli.params:
        if isinstance(param, click.Option):
            for name in (*param.opts, *param.secondary_opts):
                names[name] = not (param.is_flag or param.count)
    return names


def hoist_global_options(args: list[str]) -> list[str]:
    """`plan --sandbox -f x.yaml` read as `--sandbox plan -f x.yaml`: a global option written
    after the command moves before it (no command defines an option of the same name; a
    test keeps it so). Everything after `--` stays where it is."""
    known = global_options()
    command_at = _command_position(args, known)
    if command_at is None:
        return args
    hoisted: list[str] = []
    rest: list[str] = []
    tail = args[command_at + 1 :]
    index = 0
    while index < len(tail):
        token = tail[index]
        if token == "--":
            rest += tail[index:]
            break
        name = token.split("=", 1)[0]
        if name in known or _is_verbose_bundle(token):
            takes_value = known.get(name, False) and "=" not in token
            hoisted += tail[index : index + 1 + takes_value]
            index += 1 + takes_value
            continue
        rest.append(token)
        index += 1
    return [*args[:command_at], *hoisted, args[command_at], *rest]


def _command_position(args: list[str], known: dict[str, bool]) -> int | None:
    index = 0
    while index < len(args):
        token = args[index]
        if not token.startswith("-"):
            return index
        index += 2 if known.get(token, False) else 1
    return None


def _is_verbose_bundle(token: str) -> bool:
    return len(token) > 2 and token[0] == "-" and set(token[1:]) == {"v"}


def run(args: list[str]) -> int:
    debug = "--debug" in args
    try:
        with signals_raise():
            result = cli.main(
                args=hoist_global_options(args), prog_name="cobalt-sync", standalone_mode=False
            )
    except click.exceptions.Exit as done:
        return int(done.exit_code)
    except Interrupted as interrupt:
        click.echo(stopped_line(interrupt.signum), err=True)
        return interrupt.exit_code
    except click.Abort as abort:
        # click turns a KeyboardInterrupt (our Interrupted, or a Ctrl-C our handler did not
        # see outside the main thread) into Abort; the signal is in its context.
        cause = abort.__context__
        if isinstance(cause, KeyboardInterrupt):
            signum = cause.signum if isinstance(cause, Interrupted) else signal.SIGINT
            click.echo(stopped_line(signum), err=True)
            return EXIT_CODES[signum]
        click.echo("Aborted.", err=True)
        return int(ExitCode.REFUSED)
    except click.UsageError as usage:
        # click's own usage error is exit 2, which means "changes" here: bad input is 3.
        if isinstance(usage, click.NoSuchOption):
            where = option_goes_after(args, usage.option_name)
            if where:
                usage = click.UsageError(f"{usage.format_message()}{where}", usage.ctx)
        usage.show()
        return int(ExitCode.BAD_INPUT)
    except click.ClickException as problem:
        problem.show()
        return int(ExitCode.BAD_INPUT)
    except CobaltSyncError as error:
        if debug:
            traceback.print_exc()
        report_error(error)
        return int(error.exit_code)
    except KeyboardInterrupt:
        click.echo("Interrupted. Re-running is safe: apply converges from any point.", err=True)
        return 130
    except Exception:
        if debug:
            traceback.print_exc()
        kind = type(sys.exc_info()[1]).__name__
        click.echo(f"Error: internal error ({kind}); this is a bug in cobalt-sync.", err=True)
        click.echo("Hint: re-run with --debug to see the traceback.", err=True)
        return int(ExitCode.INTERNAL)
    return int(result) if isinstance(result, int) else int(ExitCode.OK)


def option_goes_after(args: list[str], option: str) -> str:
    """`cobalt-sync -f cobalt.yaml plan`: a command's option written before the command.
    Says where it goes, with the user's own words, when the command has that option."""
    at = next((i for i, token in enumerate(args) if token.split("=", 1)[0] == option), None)
    name = next((token for token in args if token in COMMANDS), None)
    if at is None or name is None or args.index(name) < at:
        return ""
    group_ctx = click.Context(cli)
    command = cli.get_command(group_ctx, name)
    if command is None:
        return ""
    takes_value = False
    for param in command.params:
        if isinstance(param, click.Option) and option in (*param.opts, *param.secondary_opts):
            takes_value = not (param.is_flag or param.count)
            break
    else:
        return ""
    words = args[at : at + 1 + (takes_value and "=" not in args[at])]
    if name in words:
        return ""
    example = " ".join(shlex.quote(word) for word in ["cobalt-sync", name, *words])
    return f" {option} is an option of `{name}`: it goes after the command (`{example}`)."
