"""Turn the global command-line options into a live connection: client, backend, target.

Owns where the key comes from (only COBALT_API_KEY), which URL is used (flag/env, the
embedded sandbox, or Cobalt's production API), the explicit choice of app-settings backend,
the tuning variables, and the reads every plan begins with (`first_reads`, sent as soon as
the channel is open, before the client and the kinds are loaded). It never prints the key
and never guesses a backend silently.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from difflib import get_close_matches
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit

from cobalt_sync.api.channel import (
    BURST,
    MAX_RETRIES,
    Call,
    Channel,
    FollowUps,
    Outcome,
    check_base_url,
    is_loopback,
)
from cobalt_sync.api.keys import environment_named_by
from cobalt_sync.api.page_peek import peek_page
from cobalt_sync.api.routes import DEFAULT_PAGE_SIZE, ENDPOINTS, READS_AHEAD, SectionRead
from cobalt_sync.api.types import RequestStats
from cobalt_sync.errors import CobaltSyncError, InputError
from cobalt_sync.options import GlobalOptions
from cobalt_sync.reading.environment import PROD_SANDBOX_KEY, SANDBOX_KEY, may_read_ahead
from cobalt_sync.reading.paging import first_page_size, follow_up
from cobalt_sync.redact import Redactor

if TYPE_CHECKING:
    from cobalt_sync.kinds.base import RunContext

PRODUCTION_URL = "https://app.refold.ai"
COBALT_HOSTS = frozenset({"app.refold.ai", "api.gocobalt.io"})
# Cobalt's hosts that are not its API (cobalt-api.md §1.1): the dashboard and Connect pages.
NOT_API_HOSTS = frozenset({"app.gocobalt.io", "connect.gocobalt.io", "connect.refold.ai"})
log = logging.getLogger(__name__)
PAGED = READS_AHEAD.paged
SANDBOX_STATE_DIR = ".cobalt-sandbox"

KEY_HINT = (
    "export COBALT_API_KEY=tk_… (a test key) or pk_… (production), copied from the Cobalt "
    "dashboard; the key is read only from the environment. Or try `cobalt-sync --sandbox …`."
)


@dataclass(frozen=True)
class Tuning:
    """Client knobs from the environment (COBALT_MAX_RPS, COBALT_RETRY_BACKOFF, COBALT_TIMEOUT,
    COBALT_PAGE_SIZE)."""

    requests_per_second: float | None = 20.0
    backoff: float = 0.2
    timeout: float = 30.0
    page_size: int = DEFAULT_PAGE_SIZE


class Connection:
    """A run's connection, opened as early as its options allow: without --sandbox at once,
    with the reads every plan begins with sent when the manifest's `draft` names the key's
    environment (`early`). A failure to connect, and the embedded sandbox, wait for `open`:
    a user sees the manifest's own problems first, and --sandbox starts only for a valid
    manifest. Closed with `stack`."""

    def __init__(
        self,
        stack: ExitStack,
        options: GlobalOptions,
        parallelism: int,
        beside: Path | None,
        draft: DraftReads | None = None,
    ) -> None:
        self._open = partial(open_connection, options, parallelism=parallelism, beside=beside)
        self._stack = stack
        self._error: CobaltSyncError | None = None
        self.early: RunContext | None = None
        if draft is not None and not options.sandbox:
            try:
                self.early = stack.enter_context(self._open(draft=draft))
            except CobaltSyncError as error:
                self._error = error

    def open(self) -> RunContext:
        """The connection, made now if it was not made early; its error raised now."""
        if self._error is not None:
            raise self._error
        if self.early is None:
            self.early = self._stack.enter_context(self._open())
        return self.early


@contextmanager
def open_connection(
    options: GlobalOptions,
    *,
    parallelism: int = 8,
    beside: Path | None = None,
    draft: DraftReads | None = None,
) -> Iterator[RunContext]:
    """The context of one run (client, backend, target), closed on exit; the embedded
    sandbox stops with it and keeps its org in `sandbox_state_dir(options, beside)`. With
    the `draft` of a manifest about to be planned, the reads every plan begins with are sent
    at once when the key is of its environment (`first_reads`)."""
    environ = os.environ
    if options.sandbox and options.api_url:
        raise InputError(
            "--sandbox cannot be combined with --api-url (or COBALT_API_URL)",
            hint="Use --sandbox for the embedded emulator, or --api-url for a served one.",
        )
    tuning = read_tuning(environ)
    if options.timeout is not None:  # --timeout wins over COBALT_TIMEOUT
        tuning = replace(tuning, timeout=options.timeout)
    if options.sandbox:
        from cobalt_sync.reading.embedded_sandbox import embedded_sandbox

        key = sandbox_key(read_key(environ, default=SANDBOX_KEY))
        with (
            embedded_sandbox(prepare_state_dir(sandbox_state_dir(options, beside))) as url,
            _connect(url, key, options, tuning, parallelism, sandbox=True) as connection,
        ):
            yield connection
        return
    url = options.api_url or PRODUCTION_URL
    key = read_key(environ, default=None)
    with _connect(url, key, options, tuning, parallelism, sandbox=False, draft=draft) as connection:
        yield connection


def sandbox_state_dir(options: GlobalOptions, beside: Path | None) -> Path:
    """--sandbox-dir, else .cobalt-sandbox in the directory of `beside` (the manifest the
    run reads or writes), else in the current directory: so a run from another directory
    against the same manifest sees the same sandbox org."""
    if options.sandbox_dir is not None:
        return options.sandbox_dir
    base = beside.parent if beside is not None else Path.cwd()
    return base / SANDBOX_STATE_DIR


def prepare_state_dir(state_dir: Path) -> Path:
    """The directory, created, with a `.gitignore` of `*`: a sandbox org is local state
    that must never be committed beside the manifest."""
    try:
        state_dir.mkdir(parents=True, exist_ok=True)
        ignore = state_dir / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# cobalt-sync --sandbox state: never commit it\n*\n")
    except OSError as error:
        raise InputError(
            f"cannot use {state_dir} for the sandbox org: {error.strerror}",
            hint="Pass --sandbox-dir DIR to keep it somewhere writable.",
        ) from None
    return state_dir


def sandbox_key(key: str) -> str:
    """The embedded sandbox never receives (or stores) a real Cobalt key: any key that is not
    one of its own is swapped for the sandbox key of the same environment."""
    if key in (SANDBOX_KEY, PROD_SANDBOX_KEY):
        return key
    chosen = PROD_SANDBOX_KEY if environment_named_by(key) == "production" else SANDBOX_KEY
    log.warning("--sandbox: using the sandbox key %s instead of COBALT_API_KEY", chosen)
    return chosen


@contextmanager
def _connect(
    url: str,
    key: str,
    options: GlobalOptions,
    tuning: Tuning,
    parallelism: int,
    *,
    sandbox: bool,
    draft: DraftReads | None = None,
) -> Iterator[RunContext]:
    base_url = check_base_url(url)  # refuse an insecure URL before choosing anything else
    if not sandbox:
        refuse_near_miss(base_url)
    mode = choose_backend(base_url, options.app_settings, sandbox=sandbox)
    channel = Channel(
        base_url,
        key,
        Redactor(key),
        RequestStats(),
        timeout=tuning.timeout,
        max_retries=MAX_RETRIES,
        backoff=tuning.backoff,
        requests_per_second=tuning.requests_per_second,
        burst=BURST,
        max_connections=max(32, parallelism + 4),
        transport=None,
    )
    try:
        if draft is not None and may_read_ahead(draft.environment, channel.environment):
            channel.send_ahead(
                first_reads(mode, tuning.page_size, draft),
                then=draft.following_reads(tuning.page_size),
                at_once=parallelism,
            )
        yield _run_context(channel, mode, tuning, parallelism, sandbox=sandbox)
    finally:
        channel.close()


def _run_context(
    channel: Channel,
    mode: Literal["api", "manual"],
    tuning: Tuning,
    parallelism: int,
    *,
    sandbox: bool,
) -> RunContext:
    """The client, the backend and the kinds over an open channel. They are imported here:
    loading them (the reply and manifest models) takes longer than the first reads."""
    from cobalt_sync.api.client import CobaltApi
    from cobalt_sync.backends.app_settings import (
        AppSettings,
        ManualAppSettings,
        SandboxAppSettings,
    )
    from cobalt_sync.kinds.base import RunContext

    api = CobaltApi.over(channel, page_size=tuning.page_size)
    settings: AppSettings = SandboxAppSettings(api) if mode == "api" else ManualAppSettings(api)
    target = describe_target(api.base_url, api.environment, sandbox=sandbox)
    return RunContext(api, settings, api.environment, target, parallelism=parallelism)


@dataclass(frozen=True)
class DraftReads:
    """What a manifest's draft (read, merged, not yet checked) tells the reads that start
    before its checks: its environment (nothing is sent for a key of another), the kinds it
    prunes and the linked accounts it declares (each None when the draft does not say
    plainly). Read once, here; `read_ahead.py` uses it too."""

    environment: str
    prune: frozenset[str] | None = None
    accounts: tuple[str, ...] | None = None
    # Per read of READS_AHEAD.by_section, the keys it is sent for (one key, "", for a
    # listing): empty when the draft does not declare the section plainly.
    sections: tuple[tuple[SectionRead, tuple[str, ...]], ...] = ()

    @classmethod
    def of(cls, document: Mapping[str, object]) -> DraftReads | None:
        environment = document.get("environment")
        if not isinstance(environment, str):
            return None
        sections = tuple((read, section_keys(document, read)) for read in READS_AHEAD.by_section)
        prune = document.get("prune", [])
        if not isinstance(prune, list) or not all(isinstance(name, str) for name in prune):
            return cls(environment, sections=sections)
        accounts = document.get(PAGED.section, {})
        if not isinstance(accounts, Mapping) or not all(isinstance(k, str) for k in accounts):
            return cls(environment, frozenset(prune), sections=sections)
        return cls(environment, frozenset(prune), tuple(accounts), sections)

    def section_reads(self, mode: str, page_size: int) -> list[Call]:
        """The reads of the declared sections, as their kinds will send them."""
        calls = []
        paging = {"page": "1", "limit": str(page_size)}
        for read, keys in self.sections:
            if read.backend not in (None, mode):
                continue
            endpoint = ENDPOINTS[read.endpoint]
            params = {**dict(read.params), **(paging if read.paged else {})}
            for key in keys:
                path = {read.per_key: key} if read.per_key else dict(read.path_params)
                calls.append(Call(endpoint, path_params=path, params=params))
        return calls

    @property
    def all_accounts(self) -> bool:
        return self.prune is not None and PAGED.section in self.prune

    def first_page(self, page_size: int) -> Call | None:
        """The first page of linked accounts, at the size the kind will ask for it; None
        when the draft does not say which accounts it declares."""
        if self.accounts is None:
            return None
        size = first_page_size(len(self.accounts), page_size, self.all_accounts)
        return _page(1, size)

    def following_reads(self, page_size: int) -> FollowUps:
        """After the first page of linked accounts, what the kind will read next by the same
        rule (`account_reads.follow_up`): the other pages, the first one at full size, or
        the declared accounts it did not show."""

        def following(call: Call, outcome: Outcome) -> list[Call]:
            if call.endpoint != ENDPOINTS[PAGED.listing] or self.accounts is None:
                return []
            asked = first_page_size(len(self.accounts), page_size, self.all_accounts)
            page = peek_page(outcome.data, asked, PAGED.id_field)
            if page is None:
                return []
            then = follow_up(
                has_next=page.has_next,
                total=page.total,
                total_pages=page.total_pages,
                first_size=page.limit,
                full_size=page_size,
                shown=page.shown,
                declared=self.accounts,
                read_all=self.all_accounts,
            )
            if then.again_at_full_size:
                return [_page(1, page_size)]  # the kind reads the pages after it itself
            one = ENDPOINTS[PAGED.one]
            return [
                *(_page(n, page.limit) for n in then.pages),
                *(Call(one, path_params={PAGED.key_param: key}) for key in then.ids),
            ]

        return following


def _page(number: int, size: int) -> Call:
    return Call(ENDPOINTS[PAGED.listing], params={"page": str(number), "limit": str(size)})


def section_keys(document: Mapping[str, object], read: SectionRead) -> tuple[str, ...]:
    """The keys `read` is sent for: its section's entries holding `entry_field` (per key),
    or one listing when the section declares any entry; none when it declares nothing or
    not plainly."""
    entries = document.get(read.section)
    if not isinstance(entries, Mapping) or not entries:
        return ()
    if read.per_key is None:
        return ("",)
    return tuple(
        key
        for key, entry in entries.items()
        if isinstance(key, str)
        and isinstance(entry, Mapping)
        and entry.get(read.entry_field or "") is not None
    )


def first_reads(mode: Literal["api", "manual"], page_size: int, draft: DraftReads) -> list[Call]:
    """The requests every plan and apply begins with: the listings of the kinds every plan
    reads (events, the first page of linked accounts, and the enabled apps where the
    app-settings routes exist; on real Cobalt that read goes through a linked account).
    They are sent before the client and the kinds are loaded, the kinds' reads then find
    their answers waiting; `tests/e2e/test_read_ahead.py` checks that a plan sends each
    request once."""
    calls = [Call(ENDPOINTS[name]) for name in READS_AHEAD.listings]
    accounts = draft.first_page(page_size)
    if accounts is not None:
        calls.append(accounts)
    if mode == "api":
        calls[:0] = [Call(ENDPOINTS[name]) for name in READS_AHEAD.app_settings]
    return [*calls, *draft.section_reads(mode, page_size)]


def read_key(environ: Mapping[str, str], *, default: str | None) -> str:
    """The API key from COBALT_API_KEY (trimmed), or `default`; missing → InputError."""
    key = environ.get("COBALT_API_KEY", "").strip()
    if key:
        return key
    if default is not None:
        return default
    raise InputError("COBALT_API_KEY is not set", hint=KEY_HINT)


def choose_backend(
    base_url: str, explicit: str | None, *, sandbox: bool
) -> Literal["api", "manual"]:
    """--app-settings / COBALT_APP_SETTINGS wins; else sandbox or loopback → api, Cobalt's
    own hosts → manual, and any other host must be told (a guess could write dashboard-only
    settings through routes that do not exist, or list sandbox changes as manual steps)."""
    if explicit is not None:
        if explicit not in ("api", "manual"):
            raise InputError(
                f"--app-settings must be 'api' or 'manual', not '{explicit}'",
                hint="Set --app-settings or COBALT_APP_SETTINGS to api or manual.",
            )
        return "api" if explicit == "api" else "manual"
    if sandbox or is_loopback(base_url):
        return "api"
    host = (urlsplit(base_url).hostname or "").lower()
    if host in COBALT_HOSTS:
        return "manual"
    raise InputError(
        f"cannot tell whether {host} is Cobalt or a sandbox, so app enablement and OAuth "
        "credentials have no known backend",
        hint="Pass --app-settings api (a sandbox that serves cobalt-sync's app-settings "
        "routes) or --app-settings manual (real Cobalt: dashboard steps), or set "
        "COBALT_APP_SETTINGS.",
    )


def refuse_near_miss(base_url: str) -> None:
    """A host that is one of Cobalt's non-API hosts, or a near miss of an API host
    (`app.refodl.ai`), is refused before the key is sent to it, with the right URL."""
    host = (urlsplit(base_url).hostname or "").lower()
    if host in COBALT_HOSTS or is_loopback(base_url):
        return
    if host in NOT_API_HOSTS:
        raise InputError(
            f"{host} is a Cobalt host but not its API (it serves the dashboard or Connect pages)",
            hint=f"Use --api-url {PRODUCTION_URL} (the default: or leave --api-url unset).",
        )
    close = get_close_matches(host, sorted(COBALT_HOSTS | NOT_API_HOSTS), n=1, cutoff=0.8)
    if close:
        right = PRODUCTION_URL if close[0] in NOT_API_HOSTS else f"https://{close[0]}"
        raise InputError(
            f"{host} looks like a misspelling of Cobalt's host {close[0]}; the API key was "
            "not sent to it",
            hint=f"Did you mean --api-url {right}? (Leaving --api-url unset uses "
            f"{PRODUCTION_URL}.)",
        )


def describe_target(base_url: str, environment: str, *, sandbox: bool) -> str:
    """`Cobalt at https://app.refold.ai (production key)`: what a run talks to, never the
    key. Only the embedded sandbox (--sandbox) is called a sandbox: any server can listen
    on a loopback port (a proxy, a recording, a served sandbox), and cobalt-sync cannot
    tell them apart without asking, so such a URL is shown as it is."""
    host = (urlsplit(base_url).hostname or "").lower()
    if sandbox:
        where = f"embedded sandbox at {base_url}"
    elif host in COBALT_HOSTS:
        where = f"Cobalt at {base_url}"
    else:
        where = base_url
    return f"{where} ({environment} key)"


def read_tuning(environ: Mapping[str, str]) -> Tuning:
    rps = number_from(environ, "COBALT_MAX_RPS", 20.0, minimum=0.0)
    return Tuning(
        requests_per_second=rps or None,  # 0 = unpaced
        backoff=number_from(environ, "COBALT_RETRY_BACKOFF", 0.2, minimum=0.0),
        timeout=number_from(environ, "COBALT_TIMEOUT", 30.0, minimum=0.0, inclusive=False),
        page_size=_count(environ, "COBALT_PAGE_SIZE", DEFAULT_PAGE_SIZE),
    )


def _count(environ: Mapping[str, str], name: str, default: int) -> int:
    """A whole number >= 1 from the environment (`1000`, not `1e3` or `10.5`)."""
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isascii() or not raw.isdigit() or int(raw) < 1:
        raise InputError(
            f"{name} must be a whole number >= 1, got '{raw}'",
            hint=f"Unset {name} to use the default ({default}).",
        )
    return int(raw)


def number_from(
    environ: Mapping[str, str],
    name: str,
    default: float,
    *,
    minimum: float,
    inclusive: bool = True,
    unit: str = "",
) -> float:
    """A number from environment variable `name` (`default` when unset), above `minimum`
    (or at it, `inclusive`), finite; else InputError naming the variable and the bound."""
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    too_small = value < minimum if inclusive else value <= minimum
    if value != value or too_small or value == float("inf"):
        bound = f">= {minimum:g}" if inclusive else f"> {minimum:g}"
        raise InputError(
            f"{name} must be a number{unit} {bound}, got '{raw}'",
            hint=f"Unset {name} to use the default ({default:g}).",
        )
    return value
