"""The one exception tree of cobalt-sync.

Every error carries the exit code the CLI returns for it and an optional hint. Messages are
written for the user and must never contain a secret or an API key: the API layer redacts
before it raises, and nothing here formats request data.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class ExitCode(IntEnum):
    """The exit-code table of the command line (design.md); part of the interface."""

    OK = 0
    INTERNAL = 1
    CHANGES = 2
    BAD_INPUT = 3
    API = 4
    REFUSED = 5
    PARTIAL = 6
    DASHBOARD = 7


class CobaltSyncError(Exception):
    """Base of every error the CLI knows how to report without a traceback."""

    # An ExitCode, except 130/143 (128 + the signal's number: the shell's convention, not
    # one of our own codes) for an interrupted apply.
    exit_code: int = ExitCode.INTERNAL
    # The word the CLI prints before the message: outcomes that are not failures (an
    # interrupt the user asked for, steps left to a person) are not called errors.
    label: str = "Error"

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


# --- bad input (exit 3) -------------------------------------------------------------------


class InputError(CobaltSyncError):
    """Bad input: a manifest, a plan file, a variable or a command-line value."""

    exit_code = ExitCode.BAD_INPUT


@dataclass(frozen=True)
class Problem:
    """One located problem in an input file: `file:line:col: path: message`."""

    file: str
    line: int | None
    column: int | None
    path: str
    message: str
    severity: str = "error"  # "error" | "warning"

    def format(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        prefix = f"{where}: "
        if self.path:
            prefix += f"{self.path}: "
        tag = "warning: " if self.severity == "warning" else ""
        return f"{prefix}{tag}{self.message}"


class ManifestError(InputError):
    """A manifest with one or more problems; all of them are reported at once."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        errors = [p for p in problems if p.severity == "error"]
        count = len(errors)
        noun = "problem" if count == 1 else "problems"
        super().__init__(f"{count} {noun} found in the manifest")


# --- Cobalt API (exit 4) ------------------------------------------------------------------


class ApiError(CobaltSyncError):
    """Any failure talking to Cobalt: unreachable, refused, or an answer we cannot read."""

    exit_code = ExitCode.API

    def __init__(
        self,
        message: str,
        *,
        endpoint: str = "",
        status: int | None = None,
        error_code: str | None = None,
        request_id: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.endpoint = endpoint
        self.status = status
        self.error_code = error_code
        self.request_id = request_id

    def __str__(self) -> str:
        parts = [f"{self.endpoint}: " if self.endpoint else "", self.message]
        if self.status is not None:
            parts.append(f" (HTTP {self.status}")
            parts.append(f", {self.error_code})" if self.error_code else ")")
        if self.request_id:
            parts.append(f" [request_id {self.request_id}]")
        return "".join(parts)


class AuthError(ApiError):
    """The API key was refused (401/403)."""


class NotFoundError(ApiError):
    """The object does not exist (404, or the vendor's 'not found' variants)."""


class ConflictError(ApiError):
    """The object already exists or was changed concurrently (409, duplicate 400s)."""


class RateLimitedError(ApiError):
    """Still rate limited (429) after every retry."""


class ServerError(ApiError):
    """Cobalt answered 5xx after every retry."""


class NetworkError(ApiError):
    """No answer: connection refused, reset, timed out, TLS failure."""


class UnexpectedResponseError(ApiError):
    """An answer we cannot read: not JSON, wrong shape, an error disguised as 200."""


class InsecureUrlError(InputError):
    """The API URL would send the key in clear text to a host other than localhost."""


# --- safety rules (exit 5) ----------------------------------------------------------------


class RefusedError(CobaltSyncError):
    """A safety rule refused the run: stale plan, mass delete, environment mismatch, no consent."""

    exit_code = ExitCode.REFUSED


class ManualStepRequired(RefusedError):
    """A change only the Cobalt dashboard can make was asked of the manual backend (a bug:
    the plan makes such changes dashboard steps, which apply never sends)."""


# --- partial apply (exit 6) ---------------------------------------------------------------


class PartialApplyError(CobaltSyncError):
    """Apply finished part-way; the report says what was done and a re-run is safe."""

    exit_code = ExitCode.PARTIAL


class ApplyInterrupted(CobaltSyncError):
    """SIGINT or SIGTERM stopped apply; the report printed before this says what landed."""

    label = "Interrupted"

    def __init__(self, message: str, *, exit_code: int, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.exit_code = exit_code


# --- dashboard steps remain (exit 7) ------------------------------------------------------


class DashboardStepsRemain(CobaltSyncError):
    """Every API change is done; steps only Cobalt's dashboard can take are not yet seen."""

    exit_code = ExitCode.DASHBOARD
    label = "Not finished"


# --- not an error of the run -------------------------------------------------------------


class NotObservable(Exception):
    """A live setting that cannot be read; `reason` says why and how to make it readable.

    Not a `CobaltSyncError`: it never ends a run, the kinds turn it into `(not observable)`.
    Defined here, not in the backend, so the kinds catch it without importing the client.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
