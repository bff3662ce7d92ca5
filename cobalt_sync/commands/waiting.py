"""`apply --wait-for-dashboard`: re-read the org until a person has taken the dashboard
steps, with a log that stays short however long the wait (a CI job may wait 15 minutes).

The step list is printed once; then one line per step seen done, a line for a step that
appears meanwhile, and a heartbeat at most once per HEARTBEAT_SECONDS when nothing else was
said. A signal while waiting ends the wait with the report of what was done (exit 130/143).
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass, replace

from cobalt_sync.applying.interrupts import Interrupted, signal_name, signals_raise
from cobalt_sync.applying.report import ApplyReport
from cobalt_sync.commands.common import note
from cobalt_sync.errors import ApiError
from cobalt_sync.plan import DashboardStep
from cobalt_sync.reading.connect import number_from
from cobalt_sync.render.values import plural, step_heading

# How often the org is re-read while waiting: a few requests each time.
POLL_SECONDS = 5.0
# The longest the log stays silent while waiting: 15 lines in the Action's 900 s.
HEARTBEAT_SECONDS = 60.0
# Tuning for tests and impatient users (undocumented on purpose: the defaults suit CI).
POLL_VARIABLE = "COBALT_DASHBOARD_POLL"
HEARTBEAT_VARIABLE = "COBALT_DASHBOARD_HEARTBEAT"

Recheck = Callable[[], ApplyReport]


@dataclass(frozen=True)
class WaitPace:
    """How often to re-read, and the longest silence in the log."""

    poll: float = POLL_SECONDS
    heartbeat: float = HEARTBEAT_SECONDS

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> WaitPace:
        return cls(
            poll=_seconds(environ, POLL_VARIABLE, POLL_SECONDS),
            heartbeat=_seconds(environ, HEARTBEAT_VARIABLE, HEARTBEAT_SECONDS),
        )


def _seconds(environ: Mapping[str, str], name: str, default: float) -> float:
    return number_from(environ, name, default, minimum=0.0, inclusive=False, unit=" of seconds")


class ReportOnce:
    """The apply report goes to stdout exactly once: printed by the command, or, when a
    re-read stuck in a stalled request keeps a signal from unwinding in time, by the
    watchdog that then ends the process (stdout must not stay empty, nor hold two JSON
    documents). Reentrant: a second signal's handler runs in the thread that may hold it."""

    def __init__(self, render: Callable[[ApplyReport], str]) -> None:
        self.render = render
        self.lock = threading.RLock()
        self.done = False

    def emit(self, report: ApplyReport) -> None:
        with self.lock:
            if self.done:
                return
            self.done = True
            text = self.render(report)
            with suppress(OSError, ValueError):  # a closed pipe (`| head`) ends nothing here
                sys.stdout.write(text)
                sys.stdout.flush()


def wait_for_dashboard(
    report: ApplyReport,
    recheck: Recheck,
    seconds: float,
    pace: WaitPace,
    out: ReportOnce,
) -> tuple[ApplyReport, ApiError | None]:
    """Re-read until every dashboard step is seen done or `seconds` pass. Returns the last
    report (marked interrupted on SIGINT/SIGTERM), and the API error that cut a re-read
    short, if one did: the report of what was done is printed either way (`out`)."""
    log = WaitLog(report.dashboard_steps, seconds, pace.heartbeat)
    deadline = time.monotonic() + seconds
    latest = [report]

    def last_words(signum: int) -> str:
        final = replace(latest[0], interrupted=signal_name(signum))
        out.emit(final)
        return interrupted_line(signum, final)

    try:
        with signals_raise(last_words):
            while report.dashboard_steps:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                time.sleep(min(pace.poll, left))
                report = latest[0] = recheck()
                log.seen(report.dashboard_steps, deadline - time.monotonic())
    except Interrupted as interrupt:
        return replace(report, interrupted=signal_name(interrupt.signum)), None
    except ApiError as error:
        error.hint = (
            "every API change in the report landed; the org could not be re-read while "
            "waiting for the dashboard steps. Re-running the same command is safe."
        )
        return report, error
    log.finish(report.dashboard_steps)
    return report, None


def interrupted_line(signum: int, report: ApplyReport) -> str:
    """The last line when the reads do not unwind in time to print the report normally."""
    return (
        f"Interrupted ({signal_name(signum)}) while waiting for dashboard steps: every API "
        f"change had landed ({plural(len(report.outcomes), 'change')}); the dashboard steps "
        "listed above are still to take. Re-running the same command is safe."
    )


class WaitLog:
    """What the wait says on stderr: the steps once, then only what changed, and a
    heartbeat when nothing did for `heartbeat` seconds."""

    def __init__(self, steps: tuple[DashboardStep, ...], seconds: float, heartbeat: float):
        self.pending = {step.address: step for step in steps}
        self.heartbeat = heartbeat
        self.last_said = time.monotonic()
        note(
            f"Waiting up to {_duration(seconds)} for {plural(len(steps), 'dashboard step')} "
            "to be taken in the Cobalt dashboard:"
        )
        for number, step in enumerate(steps, 1):
            note(f"  {step_heading(number, step)}")

    def seen(self, steps: tuple[DashboardStep, ...], left: float) -> None:
        now = {step.address: step for step in steps}
        for address in [a for a in self.pending if a not in now]:
            del self.pending[address]
            self.say(f"✓ {address} done in the dashboard; {_left(len(self.pending))}")
        for address, step in now.items():
            if address not in self.pending:
                self.pending[address] = step
                self.say(f"+ a new dashboard step: {step_heading(len(self.pending), step)}")
        if time.monotonic() - self.last_said >= self.heartbeat and self.pending:
            self.say(
                f"… still waiting for {plural(len(self.pending), 'dashboard step')} "
                f"({_duration(max(0.0, left))} left)"
            )

    def finish(self, steps: tuple[DashboardStep, ...]) -> None:
        if steps:
            note(f"Stopped waiting: {_left(len(steps))} (the report below lists them).")

    def say(self, line: str) -> None:
        note(line)
        self.last_said = time.monotonic()


def _left(count: int) -> str:
    if count == 0:
        return "no steps left"
    return f"{plural(count, 'step')} left"


def _duration(seconds: float) -> str:
    """`45 s`, `15 min`, `2 min 30 s`: a wait's length as a person says it."""
    whole = round(seconds)
    minutes, rest = divmod(whole, 60)
    if not minutes:
        return f"{rest} s"
    return f"{minutes} min" + (f" {rest} s" if rest else "")
