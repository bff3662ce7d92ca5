"""`cobalt-sync sandbox serve`: run the Cobalt emulator in the foreground.

With `embedded_sandbox.py`, the only module outside `cobalt_sync/sandbox/` allowed to import
it; it imports the server lazily so that loading this command does not start or import uvicorn.
`embedded_sandbox` (behind `cobalt-sync --sandbox`) lives in the library, not here.
"""

from __future__ import annotations

import errno
import ipaddress
import signal
import socket
from pathlib import Path
from types import FrameType

import click

from cobalt_sync.errors import InputError

LOOPBACK_NAMES = {"localhost"}


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_port_free(host: str, port: int) -> None:
    """A port another process listens on is refused with a way on, before uvicorn logs its
    own bind error (a line with an errno, and no hint)."""
    if port == 0:
        return
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError:
        return  # the server's own start reports a host it cannot resolve
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind(address)
        except OSError as error:
            if error.errno != errno.EADDRINUSE:
                return
            other = port + 1 if port < 65535 else port - 1
            raise InputError(
                f"port {port} on {host} is already in use (another sandbox, or another server)",
                hint=f"choose another port, e.g. `cobalt-sync sandbox serve --port {other}`, or "
                "`--port 0` to let the system pick a free one (the URL is printed)",
            ) from None


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@click.group(name="sandbox")
def command() -> None:
    """Run a local Cobalt sandbox (an emulator of Cobalt's API, for CI and demos).

    \b
    Examples:
      cobalt-sync sandbox serve --port 8787 --latency-ms 50
      cobalt-sync --sandbox plan        # or: an embedded sandbox kept in .cobalt-sandbox/
    """


def check_rate(name: str, value: float) -> None:
    if not 0 <= value <= 1:
        raise click.BadParameter(f"must be between 0 and 1, got {value}", param_hint=name)


@command.command(name="serve")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Interface to listen on. Loopback only unless --allow-remote.",
)
@click.option(
    "--port",
    default=8787,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="TCP port (0 picks a free one).",
)
@click.option(
    "--state",
    "state",
    type=click.Path(dir_okay=False, path_type=Path),
    help="sqlite file that keeps the orgs across restarts (default: in memory).",
)
@click.option(
    "--api-key",
    "api_keys",
    multiple=True,
    metavar="KEY",
    help="Accept another key: tk_<name> (test) or pk_<name> (production). Repeatable.",
)
@click.option(
    "--latency-ms",
    default=0.0,
    type=click.FloatRange(min=0),
    help="Delay every API response by this many milliseconds.",
)
@click.option(
    "--error-rate",
    default=0.0,
    type=float,
    help="Probability (0-1) of an injected 500 before the request is handled.",
)
@click.option(
    "--drop-rate",
    default=0.0,
    type=float,
    help="Probability (0-1) that a request is applied, then its reply is dropped.",
)
@click.option(
    "--rate-limit",
    type=click.FloatRange(min=0, min_open=True),
    metavar="N",
    help="Requests per second per key (token bucket); excess gets 429 + Retry-After.",
)
@click.option("--seed", type=int, help="Seed for the fault RNG, for reproducible runs.")
@click.option(
    "--profile",
    type=click.Choice(["extended", "cobalt"]),
    default="extended",
    show_default=True,
    envvar="COBALT_SANDBOX_PROFILE",
    show_envvar=True,
    help="extended: Cobalt's API plus the sandbox-only routes that enable apps and set OAuth "
    "clients. cobalt: only what real Cobalt serves; apps and OAuth clients change through "
    "/_sandbox/dashboard/ as a person would in the dashboard.",
)
@click.option(
    "--allow-remote",
    is_flag=True,
    help="Allow a non-loopback --host. API keys then cross the network in clear "
    "text (the sandbox speaks plain HTTP).",
)
@click.option(
    "--allow-remote-admin",
    is_flag=True,
    help="Let non-loopback clients reach /_sandbox/ (the admin API and the dashboard) too. "
    "Every route there still needs the org's API key (the dashboard: a sign-in with it).",
)
@click.option(
    "--allowed-host",
    "allowed_hosts",
    multiple=True,
    metavar="NAME[:PORT]",
    help="Another host name clients use to reach the sandbox (e.g. devbox.local). Loopback "
    "names and --host are always allowed; requests naming any other Host get 421. Repeatable.",
)
def serve(
    host: str,
    port: int,
    state: Path | None,
    api_keys: tuple[str, ...],
    latency_ms: float,
    error_rate: float,
    drop_rate: float,
    rate_limit: float | None,
    seed: int | None,
    profile: str,
    allow_remote: bool,
    allow_remote_admin: bool,
    allowed_hosts: tuple[str, ...],
) -> None:
    """Serve the sandbox until Ctrl-C.

    \b
    Example:
      cobalt-sync sandbox serve --port 8787 --state .cobalt-sandbox/sandbox.sqlite3
      COBALT_API_URL=http://127.0.0.1:8787 COBALT_API_KEY=tk_sandbox cobalt-sync plan
      cobalt-sync sandbox serve --profile cobalt   # behaves like real Cobalt
    """
    from cobalt_sync.sandbox.keys import DEFAULT_KEYS
    from cobalt_sync.sandbox.server import SandboxServer
    from cobalt_sync.sandbox.store import StateFileError

    if not is_loopback(host) and not allow_remote:
        raise click.BadParameter(
            f"{host} is not a loopback address; the sandbox speaks plain HTTP, so API keys "
            "would cross the network in clear text. Add --allow-remote if you mean it.",
            param_hint="--host",
        )
    check_rate("--error-rate", error_rate)
    check_rate("--drop-rate", drop_rate)
    try:
        server = SandboxServer(
            host=host,
            port=port,
            state_path=state,
            api_keys=api_keys,
            latency_ms=latency_ms,
            error_rate=error_rate,
            drop_rate=drop_rate,
            rate_limit=rate_limit,
            seed=seed,
            profile=profile,
            allow_remote_admin=allow_remote_admin,
            allowed_hosts=allowed_hosts,
        )
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--api-key") from None
    check_port_free(host, port)
    try:
        if state is not None:
            state.parent.mkdir(parents=True, exist_ok=True)
        server.start()
    except StateFileError as error:
        raise click.BadParameter(str(error), param_hint="--state") from None
    except (OSError, RuntimeError) as error:
        raise click.ClickException(f"the sandbox cannot start: {error}") from None
    # The URL ends the line: scripts (the benchmark harness) read it from there.
    click.echo(f"Cobalt sandbox (profile {profile}) listening on {server.url}", err=True)
    if profile == "cobalt":
        click.echo(
            "Apps and OAuth clients are dashboard-only, as on real Cobalt: "
            f"POST {server.url}/_sandbox/dashboard/apps/SLUG, "
            f"PUT|DELETE {server.url}/_sandbox/dashboard/oauth/SLUG "
            "(the org's key in the x-api-key header).",
            err=True,
        )
    click.echo(
        f"Default keys: {DEFAULT_KEYS[0]} (test), {DEFAULT_KEYS[1]} (production)"
        + (f"; plus {len(api_keys)} key(s) from --api-key" if api_keys else ""),
        err=True,
    )
    click.echo(f"Dashboard: {server.url}/_sandbox/ (sign in with an org's API key)", err=True)
    click.echo(
        f"State: {state if state else 'in memory (lost on exit)'}. Ctrl-C to stop.", err=True
    )
    # SIGTERM (what process managers and test harnesses send) stops as cleanly as Ctrl-C.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        server.wait()
    except KeyboardInterrupt:
        click.echo("Stopping sandbox.", err=True)
    finally:
        server.stop()
