"""Environment overlays: one environment's manifest is the top level of `cobalt.yaml` with its
`environments.<name>` section merged over it.

Works on the parsed YAML tree (a Document) before variables and validation, and keeps every
value's marks from where it is written (the base or the overlay), so each later problem points
at the right line and is named by the path it is written under. Owns the merge rules and the
environment names; knows nothing of the pydantic models.

Merge rules (documented in README "Environments"):
- mappings merge key by key; lists and scalars in the overlay replace the base's whole;
- an event's sample (`schema` or `schema_file`) is one value: the overlay's replaces the base's;
- an entry that is `{state: absent}` on either side is replaced whole by the overlay's, so
  `{state: absent}` in an overlay means "absent (deleted) in this environment", and fields in
  an overlay over a base's `{state: absent}` declare the object present there;
- `null` in an overlay removes the key (JSON Merge Patch, RFC 7386): the environment does not
  declare it, so cobalt-sync leaves it alone there (unmanaged).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field

from cobalt_sync.manifest.located import Mark, PathKey
from cobalt_sync.manifest.yaml_reader import Document, JsonLike

Path_ = tuple[PathKey, ...]

ENVIRONMENTS: tuple[str, ...] = ("test", "production")
SECTION = "environments"
# Set once for the whole file: an environment section cannot change them.
FILE_LEVEL_FIELDS = ("version", "environment", SECTION)
KEY_SOURCE = "the API key"
ENVIRONMENT_HINT = (
    "a Cobalt org has two environments, test and production; the API key decides which one "
    "a run acts on (tk… test, pk… production)"
)


@dataclass(frozen=True)
class EnvironmentChoice:
    """The environment a run asked for, and where the request came from (for messages)."""

    name: str
    source: str  # "--environment", "COBALT_ENVIRONMENT", KEY_SOURCE, …

    @property
    def explicit(self) -> bool:
        return self.source != KEY_SOURCE


class OverlayProblem(Exception):
    """The environment cannot be selected or merged. `refused` marks a key/manifest mismatch
    (a safety refusal, exit 5) rather than a bad manifest or command line (exit 3)."""

    def __init__(
        self,
        problems: list[tuple[Path_, str, Mark | None]],
        *,
        refused: bool = False,
        hint: str | None = None,
    ) -> None:
        super().__init__("; ".join(message for _, message, _ in problems))
        self.problems = problems
        self.refused = refused
        self.hint = hint


@dataclass
class MergedDocument(Document):
    """One environment's document: merged data, marks taken from where each value is written,
    and for each merged path the path it is written under (to name it in messages)."""

    environment: str = ""
    sources: dict[Path_, Path_] = field(default_factory=dict)

    def written(self, path: Path_) -> Path_:
        """`('apps', 'hubspot', 'oauth')` → `('environments', 'production', 'apps', …)` when
        the value comes from the production overlay; a path that is not written (a missing
        field) is named under its nearest written parent."""
        for cut in range(len(path), -1, -1):
            source = self.sources.get(path[:cut])
            if source is not None:
                return (*source, *path[cut:])
        return path


def declared_environments(data: JsonLike) -> tuple[str, ...]:
    """The section names under `environments:` (empty for a single-environment manifest)."""
    if not isinstance(data, dict) or not isinstance(data.get(SECTION), dict):
        return ()
    sections = data[SECTION]
    assert isinstance(sections, dict)
    return tuple(sections)


def select_environment(document: Document, choice: EnvironmentChoice | None) -> Document:
    """The document of the chosen environment (the file's own for the single-environment
    form). Raises OverlayProblem when the sections are malformed or the choice does not fit."""
    data = document.data
    if not isinstance(data, dict):
        return document
    if SECTION not in data:
        check_single_form(document, data, choice)
        return document
    check_sections(document, data)
    sections = data[SECTION]
    assert isinstance(sections, dict)
    if choice is None:
        raise OverlayProblem(
            [((SECTION,), f"declares {_names(sections)}: choose one", _key_mark(document, ()))],
            hint="pass --environment NAME or set COBALT_ENVIRONMENT (plan, apply, check and "
            "export use the API key's environment when the manifest declares it)",
        )
    if choice.name not in sections:
        raise not_declared(document, sections, choice)
    overlay = sections[choice.name]
    return merged_document(document, choice.name, overlay if isinstance(overlay, dict) else {})


def check_single_form(
    document: Document, data: Mapping[str, JsonLike], choice: EnvironmentChoice | None
) -> None:
    """A manifest with `environment: test` describes only test: an explicit request for
    production is refused (the key's own choice is left to the key guard, with its message)."""
    written = data.get("environment")
    if choice is None or not choice.explicit or written not in ENVIRONMENTS:
        return
    if written != choice.name:
        message = (
            f"{choice.source} asks for the {choice.name} environment, but this manifest "
            f"describes only {written} (`environment: {written}`)"
        )
        mark = document.value_marks.get(("environment",))
        raise OverlayProblem(
            [(("environment",), message, mark)],
            refused=True,
            hint=f"use the {written} manifest, or declare both under `environments:`",
        )


def check_sections(document: Document, data: Mapping[str, JsonLike]) -> None:
    problems: list[tuple[Path_, str, Mark | None]] = []
    if "environment" in data:
        message = (
            "`environment:` and `environments:` cannot be used together: with `environments:` "
            "each section's name is its environment; remove `environment:`"
        )
        problems.append((("environment",), message, _key_mark(document, ("environment",))))
    sections = data[SECTION]
    if not isinstance(sections, dict) or not sections:
        message = "must be a mapping of environment sections, e.g. `test:` and `production:`"
        problems.append(((SECTION,), message, _key_mark(document, (SECTION,))))
        raise OverlayProblem(problems)
    for name, overlay in sections.items():
        problems += section_problems(document, name, overlay)
    if problems:
        raise OverlayProblem(problems)


def section_problems(
    document: Document, name: str, overlay: JsonLike
) -> list[tuple[Path_, str, Mark | None]]:
    path: Path_ = (SECTION, name)
    if name not in ENVIRONMENTS:
        close = difflib.get_close_matches(name, ENVIRONMENTS, n=1, cutoff=0.4)
        guess = f" (did you mean '{close[0]}'?)" if close else ""
        message = f"unknown environment '{name}'{guess}; {ENVIRONMENT_HINT}"
        return [(path, message, _key_mark(document, path))]
    if overlay is None:
        return []  # `test:` alone: the environment is the top level as written
    if not isinstance(overlay, dict):
        message = "an environment section is a mapping of manifest fields (apps, events, …)"
        return [(path, message, _key_mark(document, path))]
    found = []
    for key in overlay:
        if key in FILE_LEVEL_FIELDS:
            where = (*path, key)
            message = (
                f"`{key}` is set once, at the top of the file, not per environment"
                if key != "environment"
                else "the section's name is its environment: remove `environment:`"
            )
            found.append((where, message, _key_mark(document, where)))
    return found


def not_declared(
    document: Document, sections: Mapping[str, JsonLike], choice: EnvironmentChoice
) -> OverlayProblem:
    mark = _key_mark(document, (SECTION,))
    if choice.explicit:
        message = f"no {choice.name} environment here ({choice.source}); it declares " + _names(
            sections
        )
        return OverlayProblem(
            [((SECTION,), message, mark)],
            hint=f"add an `environments: {choice.name}:` section, or choose one it declares",
        )
    message = (
        f"COBALT_API_KEY is a {choice.name} key, but the manifest declares no {choice.name} "
        f"environment (it declares {_names(sections)})"
    )
    return OverlayProblem(
        [((SECTION,), message, mark)],
        refused=True,
        hint="use the key of a declared environment, or add the section",
    )


# --- the merge ------------------------------------------------------------------------------


def merge(base: JsonLike, overlay: JsonLike) -> JsonLike:
    """`overlay` merged over `base` by the rules in the module docstring (pure)."""
    return _Merge().value(base, overlay, (), (), ())


def merged_document(document: Document, name: str, overlay: dict[str, JsonLike]) -> Document:
    data = document.data
    assert isinstance(data, dict)
    base = {key: value for key, value in data.items() if key != SECTION}
    overlay_root: Path_ = (SECTION, name)
    merger = _Merge()
    merged = merger.value(base, overlay, (), (), overlay_root)
    assert isinstance(merged, dict)
    merged["environment"] = name
    merger.sources[("environment",)] = overlay_root
    result = MergedDocument(data=merged, environment=name, sources=merger.sources)
    result.findings = list(document.findings)
    for path, source in merger.sources.items():
        _copy_marks(document, result, path, source)
    return result


def _copy_marks(source_doc: Document, target: Document, path: Path_, source: Path_) -> None:
    if (value_mark := source_doc.value_marks.get(source)) is not None:
        target.value_marks[path] = value_mark
    if (key_mark := source_doc.key_marks.get(source)) is not None:
        target.key_marks[path] = key_mark
    if source in source_doc.plain:
        target.plain.add(path)


class _Merge:
    """One merge, recording for every result path the path it was written under."""

    def __init__(self) -> None:
        self.sources: dict[Path_, Path_] = {}

    def value(
        self, base: JsonLike, overlay: JsonLike, at: Path_, base_at: Path_, over_at: Path_
    ) -> JsonLike:
        if not (isinstance(base, dict) and isinstance(overlay, dict)) or _replaced_whole(
            base, overlay
        ):
            return self.copy(overlay, at, over_at, from_overlay=True)
        self.sources[at] = base_at  # the mapping itself stays where the base writes its key
        together = _replaced_together(at)
        if together & overlay.keys():
            base = {key: item for key, item in base.items() if key not in together}
        result: dict[str, JsonLike] = {}
        for key, item in base.items():
            if key not in overlay:
                result[key] = self.copy(item, (*at, key), (*base_at, key), from_overlay=False)
            elif overlay[key] is not None:
                result[key] = self.value(
                    item, overlay[key], (*at, key), (*base_at, key), (*over_at, key)
                )
        for key, item in overlay.items():
            if key not in base and item is not None:
                result[key] = self.copy(item, (*at, key), (*over_at, key), from_overlay=True)
        return result

    def copy(self, value: JsonLike, at: Path_, source: Path_, *, from_overlay: bool) -> JsonLike:
        """`value` taken whole from one side; an overlay's nulls are removals, so they are
        dropped here too (what merging it over nothing gives, as RFC 7386 does)."""
        self.sources[at] = source
        if isinstance(value, dict):
            return {
                key: self.copy(item, (*at, key), (*source, key), from_overlay=from_overlay)
                for key, item in value.items()
                if not (from_overlay and item is None)
            }
        if isinstance(value, list):
            # A list is a value, replaced whole: a null inside it is data, not a removal.
            return [
                self.copy(item, (*at, index), (*source, index), from_overlay=False)
                for index, item in enumerate(value)
            ]
        return value


def _replaced_whole(base: dict[str, JsonLike], overlay: dict[str, JsonLike]) -> bool:
    """An absent entry has no fields to merge with, and absent is not merged into fields.
    An overlay that sets nothing (`{}`) changes nothing, an absent entry included."""
    if overlay.get("state") == "absent":
        return True
    return base.get("state") == "absent" and any(v is not None for v in overlay.values())


def _replaced_together(path: Path_) -> frozenset[str]:
    """The fields of the entry at `path` that an overlay replaces together, never key by key
    (an event's sample: `schema` or `schema_file`), as the entry's kind says."""
    if len(path) != 2:
        return frozenset()
    # Imported here: only a manifest with environments merges, after its draft is read.
    from cobalt_sync.kinds import REPLACED_TOGETHER

    return REPLACED_TOGETHER.get(str(path[0]), frozenset())


def _key_mark(document: Document, path: Path_) -> Mark | None:
    return document.key_marks.get(path) or document.value_marks.get(path)


def _names(sections: Mapping[str, JsonLike]) -> str:
    """`test and production`, `production`."""
    names = list(sections)
    return " and ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else names[0]


def overlay_between(base: JsonLike, wanted: JsonLike, at: Path_ = ()) -> JsonLike:
    """The smallest overlay that `merge(base, ·)` turns into `wanted` (the inverse of merge,
    for `export --environment`): equal keys left out, removed keys `null`."""
    if not (isinstance(base, dict) and isinstance(wanted, dict)) or _replaced_whole(base, wanted):
        return wanted
    overlay: dict[str, JsonLike] = {}
    together = _replaced_together(at)
    if together and _only(base, together) != _only(wanted, together):
        overlay |= {key: wanted[key] for key in together & wanted.keys()}
        base = {key: item for key, item in base.items() if key not in together}
    for key, item in wanted.items():
        if key in overlay:
            continue
        if key not in base:
            overlay[key] = item
        elif base[key] != item:
            overlay[key] = overlay_between(base[key], item, (*at, key))
    overlay |= {key: None for key in base if key not in wanted}
    return overlay


def _only(entry: dict[str, JsonLike], keys: frozenset[str]) -> dict[str, JsonLike]:
    return {key: entry[key] for key in keys & entry.keys()}
