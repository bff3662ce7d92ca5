"""`load_manifest`: cobalt.yaml → a validated Manifest, or every problem in it at once.

Runs the stages in order (bytes → YAML → version → environment → variables → catalog and
sample files → pydantic) and turns each problem into `file:line:col: path: message`. Reads
without line marks first (fast_reader); the first problem or warning, which needs marks to be
worded, sends the load round again with them. Raises only ManifestError (RefusedError for an
environment mismatch); never prints, never puts a scalar value (it may be a secret) into a
message, and never talks to the network.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property, partial
from pathlib import Path
from typing import TYPE_CHECKING, Literal, NoReturn

from cobalt_sync.errors import ManifestError, Problem, RefusedError
from cobalt_sync.gc_tuning import rare_collections
from cobalt_sync.manifest.fast_reader import MarksNeeded, read_fast
from cobalt_sync.manifest.located import Mark, PathKey, format_path
from cobalt_sync.manifest.overlay import (
    EnvironmentChoice,
    MergedDocument,
    OverlayProblem,
    declared_environments,
    select_environment,
)
from cobalt_sync.manifest.samples import SampleProblem, read_sample
from cobalt_sync.manifest.unechoed import Screen
from cobalt_sync.manifest.variables import Resolution, references_in, resolve
from cobalt_sync.manifest.versions import SUPPORTED_VERSIONS
from cobalt_sync.manifest.yaml_reader import (
    MAX_BYTES,
    Document,
    JsonLike,
    YamlProblem,
    read_limited,
    read_yaml,
)
from cobalt_sync.resource import JsonObject

if TYPE_CHECKING:
    from cobalt_sync.manifest.models import Manifest

Path_ = tuple[PathKey, ...]
Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class LoadedManifest:
    """A valid manifest, where it came from, its warnings, and where each field is written."""

    path: Path
    manifest: Manifest
    warnings: tuple[Problem, ...] = ()
    document: Document | None = field(default=None, compare=False, repr=False)
    # Variable names each substituted field was written with, e.g. the secret's `${VAR}`:
    # lets a dashboard step name where a secret comes from without holding its value.
    references: Mapping[tuple[PathKey, ...], tuple[str, ...]] = field(
        default_factory=dict, compare=False, repr=False
    )
    # Set when `document` was read without marks (the fast path): reads them on demand.
    marks: Callable[[], Document] | None = field(default=None, compare=False, repr=False)
    # The file's bytes as read, for the lines a plan cites (`lines`).
    raw: bytes | None = field(default=None, compare=False, repr=False)

    def location(self, *path: PathKey) -> tuple[int, int] | None:
        """(line, column) of a field, e.g. `location("events", "Invoice Paid")`."""
        if self.marked_document is None:
            return None
        mark = self.marked_document.mark(tuple(path))
        return (mark.line, mark.column) if mark else None

    def lines(self, paths: Iterable[tuple[PathKey, ...]]) -> dict[tuple[PathKey, ...], int]:
        """The line of each of these (merged) paths, and of their parents, where written
        (base or environment section); only these are looked up (manifest/lines.py)."""
        if self.raw is None:
            return {}
        from cobalt_sync.manifest.lines import key_lines

        merged = self.document if isinstance(self.document, MergedDocument) else None
        asked = {path[:cut] for path in paths for cut in range(1, len(path) + 1)}
        written = {path: merged.written(path) if merged else path for path in asked}
        found = key_lines(self.raw, written.values())
        return {path: found[at] for path, at in written.items() if at in found}

    @cached_property
    def marked_document(self) -> Document | None:
        """`document` with its marks: read again when the fast path left them out."""
        return self.document if self.marks is None else self.marks()


def load_manifest(
    path: Path,
    environ: Mapping[str, str] | None = None,
    environment: EnvironmentChoice | None = None,
) -> LoadedManifest:
    """Read and validate `path`; raise ManifestError listing every problem (errors and
    warnings, in file order). Variables come from `environ` (default: os.environ). A manifest
    with `environments:` is loaded as the chosen `environment` (overlay.py); a mismatch
    between that choice and the manifest raises RefusedError."""
    return draft_manifest(path, environ, environment).finish()


@dataclass(frozen=True)
class DraftManifest:
    """A manifest read, merged for its environment and with its variables resolved, before
    its models check it. `document` (None when the fast reading gave up on the file) says
    what the manifest declares, which is enough to start reading the org (read_ahead.py);
    `finish()` checks it, raising what `load_manifest` raises."""

    document: Mapping[str, JsonLike] | None
    finish: Callable[[], LoadedManifest] = field(repr=False)


def draft_manifest(
    path: Path,
    environ: Mapping[str, str] | None = None,
    environment: EnvironmentChoice | None = None,
) -> DraftManifest:
    """The first stages of `load_manifest` (bytes → YAML → version → environment →
    variables), on the fast path; their problems are raised here, the others by `finish`."""
    path, environ = Path(path), os.environ if environ is None else environ
    raw = _Load(path, environ).read_bytes()

    def marked() -> LoadedManifest:
        return _Load(path, environ, environment, raw).run()

    fast = _Load(path, environ, environment, raw, marked=False)
    try:
        data = fast.prepare()
    except MarksNeeded:
        data = None
    if data is None:  # not inside the handler: the marked load's errors must not chain
        return DraftManifest(None, marked)

    def finish() -> LoadedManifest:
        try:
            return fast.complete(data)
        except MarksNeeded:
            pass
        return marked()

    return DraftManifest(data, finish)


def environments_of(path: Path) -> tuple[str, ...]:
    """The environment sections a manifest declares; () for the single-environment form and
    for a file that cannot be read (load_manifest then says why)."""
    for marked in (False, True):  # fast first; marks only to find out why it cannot be read
        try:
            return declared_environments(_Load(Path(path), {}, marked=marked).read_document())
        except MarksNeeded:
            continue
        except ManifestError:
            return ()
    return ()


class _Load:
    """One load: collects problems while the stages run. Unmarked, it reads fast and gives up
    (MarksNeeded) at the first problem, which a marked load of the same bytes then words."""

    def __init__(
        self,
        path: Path,
        environ: Mapping[str, str],
        environment: EnvironmentChoice | None = None,
        raw: bytes | None = None,
        *,
        marked: bool = True,
    ) -> None:
        self.path = path
        self.environment = environment
        self.display = str(path)
        self.environ = environ
        self.raw = raw
        self.marked = marked
        self.document = Document(data=None)
        self.problems: list[tuple[Mark, Problem]] = []
        self.resolutions: dict[Path_, Resolution] = {}
        self.substituted = False

    def run(self) -> LoadedManifest:
        return self.complete(self.prepare())

    def prepare(self) -> dict[str, JsonLike]:
        """The stages that tell what the manifest declares: YAML, version, environment,
        variables."""
        written = self.read_document()
        self.check_version(written)
        written = self.select_environment()
        for finding in self.document.findings:
            self.report(finding.path, finding.message, mark=finding.mark)
        with rare_collections():  # a copy of the whole document: see gc_tuning.py
            data = self.substitute(written, ())
        self.substituted = True  # from here on, a message may echo a variable's value
        assert isinstance(data, dict)  # substitution keeps the shape
        return data

    def complete(self, data: dict[str, JsonLike]) -> LoadedManifest:
        """The checks: each kind's own (catalog, secrets, sample files), then the models."""
        from cobalt_sync.kinds import KINDS  # after the draft: see manifest/__init__.py

        attachments = {name: kind.check_document(self, data) for name, kind in KINDS.items()}
        manifest = self.validate(data)
        if not self.marked and (manifest is None or self.problems):
            raise MarksNeeded
        if manifest is None or any(p.severity == "error" for _, p in self.problems):
            raise ManifestError(self.sorted_problems())
        for name, attached in attachments.items():
            kind = KINDS[name]
            entries = manifest.section(kind.section) if attached and kind.section else {}
            for key, value in attached.items():
                kind.attach(entries[key], value)
        references = {path: r.references for path, r in self.resolutions.items() if r.references}
        return LoadedManifest(
            self.path,
            manifest,
            tuple(self.sorted_problems()),
            self.document,
            references,
            marks=None if self.marked else partial(_marked_document, self.raw, self.environment),
            raw=self.raw,
        )

    # --- stages ---------------------------------------------------------------------------

    def read_document(self) -> dict[str, JsonLike]:
        raw = self.read_bytes() if self.raw is None else self.raw
        self.raw = raw
        try:
            self.document = self.parse(raw)
        except YamlProblem as problem:
            from cobalt_sync.manifest.messages import yaml_problem_hint  # see `validate`

            text = raw.decode("utf-8", "replace")
            line = problem.mark.line if problem.mark else 0
            hint = yaml_problem_hint(text, line, problem.message)
            self.fail(problem.message + hint, problem.mark)
        data: JsonLike = self.document.data
        if data is None and self.document.findings:  # e.g. a tag on the whole document
            finding = self.document.findings[0]
            self.fail(finding.message, finding.mark, finding.path)
        if data is None:
            self.fail("the file is empty; a manifest starts with `version: 1`", None)
        if not isinstance(data, dict):
            from cobalt_sync.manifest.messages import json_kind

            self.fail(
                f"the top level must be a mapping of fields (version, environment, apps, …), "
                f"got {json_kind(data)}",
                self.document.value_marks.get(()),
            )
        return data

    def parse(self, raw: bytes) -> Document:
        """YAML → data: with marks, or fast without them (MarksNeeded when it cannot vouch)."""
        return read_yaml(raw) if self.marked else Document(data=read_fast(raw))

    def read_bytes(self) -> bytes:
        try:
            if self.path.is_dir():
                self.fail("is a directory, not a manifest file", None)
            raw = read_limited(self.path)
            if raw is None:
                self.fail(f"file is larger than {MAX_BYTES // (1024 * 1024)} MB", None)
            return raw
        except FileNotFoundError:
            error = ManifestError([self.problem((), "file not found", None)])
            error.hint = "create it (see examples/cobalt.yaml) or pass -f PATH"
            raise error from None
        except OSError as error:
            self.fail(f"cannot be read: {error.strerror}", None)

    def check_version(self, data: dict[str, JsonLike]) -> None:
        """A file of another version would give misleading errors: stop here."""
        supported = ", ".join(str(v) for v in SUPPORTED_VERSIONS)
        if "version" not in data:
            message = (
                "required field is missing; start the file with `version: 1` "
                f"(supported versions: {supported})"
            )
            self.fail(message, Mark(1, 1), ("version",))
        version = data["version"]
        if type(version) is not int or version not in SUPPORTED_VERSIONS:
            mark = self.document.value_marks.get(("version",))
            self.fail(
                f"unsupported manifest version (supported versions: {supported})",
                mark,
                ("version",),
            )

    def select_environment(self) -> dict[str, JsonLike]:
        """The chosen environment's document: its overlay merged over the top level."""
        try:
            self.document = select_environment(self.document, self.environment)
        except OverlayProblem as problem:
            if not self.marked:
                raise MarksNeeded from None  # its problems are worded with marks
            problems = [self.problem(path, text, mark) for path, text, mark in problem.problems]
            if problem.refused:
                raise RefusedError(problems[0].format(), hint=problem.hint) from None
            error = ManifestError(problems)
            error.hint = problem.hint
            raise error from None
        assert isinstance(self.document.data, dict)
        return self.document.data

    def substitute(self, value: JsonLike, path: Path_) -> JsonLike:
        """Resolve variables in every string value (keys are names and stay as written).
        Only a string holding `$` can change: the others, most of a large manifest, are
        kept without a call or a Resolution each (`check_secret` knows them as literal)."""
        if isinstance(value, dict):
            if any("$" in key for key in value):
                self.refuse_variables_in_keys(value, path)
            return {
                key: self.substitute(item, (*path, key)) if _may_change(item) else item
                for key, item in value.items()
            }
        if isinstance(value, list):
            return [
                self.substitute(item, (*path, index)) if _may_change(item) else item
                for index, item in enumerate(value)
            ]
        if not isinstance(value, str):
            return value
        resolution = resolve(value, self.environ)
        self.resolutions[path] = resolution
        for message in resolution.problems:
            self.report(path, message)
        # Unresolved text stays as written, so that no follow-on type error is reported.
        return value if resolution.problems else resolution.value

    def refuse_variables_in_keys(self, mapping: dict[str, JsonLike], path: Path_) -> None:
        """A key names its object in every plan, log and PR comment: a variable's value there
        would be printed, and which object it is would change with the environment."""
        for key in mapping:
            names = references_in(key)
            if names:
                listed = ", ".join(f"${{{name}}}" for name in names)
                self.report(
                    (*path, key),
                    f"a variable ({listed}) in a key is not substituted: keys name objects in "
                    "every plan, log and PR comment, so a value there would be printed; write "
                    "the key out (a key that differs per environment goes in its "
                    "`environments:` section)",
                    at_key=True,
                )

    def check_secret(
        self, data: JsonLike, path: Path_, literal_message: str, severity: Severity
    ) -> None:
        resolution = self.resolutions.get(path)
        if resolution is None:  # not substituted: a string without `$`, or not a string
            value = _value_at(data, path)
            resolution = Resolution(value) if isinstance(value, str) else None
        if resolution is None or resolution.problems:
            return
        if resolution.literal:
            self.report(path, literal_message, severity=severity)
        elif resolution.has_defaults:
            message = (
                "a default for a secret (${NAME:-…}) writes the secret into the file; "
                "drop the default"
            )
            self.report(path, message, severity=severity)

    def read_sample(self, path: Path_, relative: str) -> JsonObject | None:
        try:
            return read_sample(self.path.parent, relative)
        except SampleProblem as problem:
            if problem.in_file:
                json_file = self.screen.words(path, (self.path.parent / relative).as_posix())
                anchor = self.document.mark(path) or Mark(0, 0)
                located = Problem(
                    json_file, problem.line, problem.column, format_path(path), problem.message
                )
                self.problems.append((anchor, located))
            else:
                self.report(path, problem.message)
            return None

    def validate(self, data: dict[str, JsonLike]) -> Manifest | None:
        # The models (and the messages made from them) are imported here, not at the top:
        # a run's first reads start from the draft, before they are (see draft_manifest).
        from pydantic import ValidationError

        from cobalt_sync.manifest.messages import describe
        from cobalt_sync.manifest.models import Manifest

        try:
            with rare_collections():  # a model per entry (10,000 for 10,000 accounts)
                return Manifest.model_validate(data)
        except ValidationError as invalid:
            for error in invalid.errors(include_url=False, include_input=True):
                located = describe(error)
                self.report(located.path, located.message, at_key=located.at_key or located.missing)
            return None

    # --- problems ---------------------------------------------------------------------------

    def report(
        self,
        path: Path_,
        message: str,
        *,
        mark: Mark | None = None,
        at_key: bool = False,
        severity: Severity = "error",
    ) -> None:
        if not self.marked:
            raise MarksNeeded  # wording a problem needs marks
        where = mark or self.mark_of(path, at_key)
        if self.substituted:
            message = self.screen.words(path, message)
        self.problems.append((where or Mark(0, 0), self.problem(path, message, where, severity)))

    @cached_property
    def screen(self) -> Screen:
        """Built once, at the first problem after substitution: only worded loads need it."""
        written = partial(_value_at, self.document.data)
        return Screen(self.resolutions, written, self.environ)

    def mark_of(self, path: Path_, at_key: bool) -> Mark | None:
        """The mark of `path`, else of its nearest written parent (a missing field's mapping).

        A scalar is pointed at where its value is written; a mapping or list at its key (a
        block mapping's value would otherwise point at the line below the key)."""
        at_key = at_key or not self.document.is_scalar(path)
        marks = self.document.key_marks if at_key else self.document.value_marks
        found = marks.get(path) or self.document.mark(path)
        if found is None and path:
            return self.mark_of(path[:-1], at_key=True)
        return found

    def problem(
        self, path: Path_, message: str, mark: Mark | None, severity: Severity = "error"
    ) -> Problem:
        line, column = (mark.line, mark.column) if mark else (None, None)
        if isinstance(self.document, MergedDocument):
            path = self.document.written(path)  # name it where it is written: base or overlay
        return Problem(self.display, line, column, format_path(path), message, severity)

    def fail(self, message: str, mark: Mark | None, path: Path_ = ()) -> NoReturn:
        if not self.marked:
            raise MarksNeeded
        raise ManifestError([self.problem(path, message, mark)])

    def sorted_problems(self) -> list[Problem]:
        return [problem for _, problem in sorted(self.problems, key=lambda item: item[0])]


def _marked_document(raw: bytes | None, environment: EnvironmentChoice | None) -> Document:
    """What a marked load's document is: the bytes read with marks, the environment chosen.
    Only the bytes and the choice are kept for it, not the load that had them."""
    assert raw is not None
    return select_environment(read_yaml(raw), environment)


def _may_change(value: JsonLike) -> bool:
    """True when substitution may change `value` or find a reference in it."""
    return isinstance(value, dict | list) or (isinstance(value, str) and "$" in value)


def _value_at(data: JsonLike, path: Path_) -> JsonLike:
    """The value at `path` in a document, None when there is none."""
    for part in path:
        if isinstance(data, dict) and isinstance(part, str):
            data = data.get(part)
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        else:
            return None
    return data
