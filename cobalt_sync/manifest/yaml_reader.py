"""Bytes → plain JSON-like data plus the line and column of every key and value.

Owns the YAML guards (size, encoding, NUL bytes, anchors/aliases, duplicate keys, invisible
characters in keys, nesting depth, tags), keys in Unicode NFC, and the scalar typing rule:
only what JSON would type is typed (null, true/false, JSON numbers); everything else stays a
string, so YAML 1.1 surprises (`no` → false, `2024-01-01` → date, `0755` → 493, `1:20` → 80)
cannot happen. Reads with libyaml when present
and the pure-Python parser is the reference for every rejection and every divergence. Knows
nothing of the manifest format; never puts a scalar's text into a message.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import yaml
from yaml.composer import Composer
from yaml.events import AliasEvent, NodeEvent, ScalarEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import Resolver
from yaml.scanner import Scanner

from cobalt_sync.manifest.located import Mark, PathKey, format_path
from cobalt_sync.resource import invisible_in as invisible_in
from cobalt_sync.resource import normal_key as normal_key

MAX_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 64
# Keys, values and collections in one manifest. The pure-Python parser keeps about 1 KB per
# value with its marks, so the byte limit alone let a 5 MB file of `[1,1,1,…]` take 80 s
# and 2 GB; this keeps the worst case near a tenth of that. A linked account is ~6 values.
MAX_VALUES = 200_000

JsonLike = None | bool | int | float | str | list["JsonLike"] | dict[str, "JsonLike"]

YAML_TAG_PREFIX = "tag:yaml.org,2002:"
TAG_STR = "tag:yaml.org,2002:str"
TAG_NULL = "tag:yaml.org,2002:null"
TAG_BOOL = "tag:yaml.org,2002:bool"
TAG_INT = "tag:yaml.org,2002:int"
TAG_FLOAT = "tag:yaml.org,2002:float"
TAG_MAP = "tag:yaml.org,2002:map"
TAG_SEQ = "tag:yaml.org,2002:seq"

NULL_WORDS = frozenset({"", "~", "null", "Null", "NULL"})
TRUE_WORDS = frozenset({"true", "True", "TRUE"})
FALSE_WORDS = frozenset({"false", "False", "FALSE"})
# JSON's number grammar: no leading zeros, no '+', no '_', no hex/octal, no .inf/.nan.
INT_PATTERN = re.compile(r"-?(?:0|[1-9][0-9]*)\Z")
FLOAT_PATTERN = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?\Z")


def invisible_message(key: str, index: int) -> str:
    """What is wrong with a key holding an invisible character, the key shown escaped (so
    the message cannot carry the character itself into a terminal)."""
    character = key[index]
    name = unicodedata.name(character, "a format character")
    escaped = key.encode("unicode_escape").decode("ascii")[:80]
    return (
        f"key '{escaped}' holds U+{ord(character):04X} ({name}), an invisible character, "
        f"as its character {index + 1}: it would print like another key; remove it"
    )


class YamlProblem(Exception):
    """A problem that stops reading: the document cannot be turned into data."""

    def __init__(self, message: str, mark: Mark | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.mark = mark


@dataclass(frozen=True)
class Finding:
    """A problem found while walking a readable document (reading continues)."""

    path: tuple[PathKey, ...]
    mark: Mark
    message: str


@dataclass
class Document:
    """The data of one YAML file with the marks of its keys and values."""

    data: JsonLike
    value_marks: dict[tuple[PathKey, ...], Mark] = field(default_factory=dict)
    key_marks: dict[tuple[PathKey, ...], Mark] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    # Scalars whose text was plain (unquoted): only those may take part in type hints.
    plain: set[tuple[PathKey, ...]] = field(default_factory=set)

    def is_scalar(self, path: tuple[PathKey, ...]) -> bool:
        value: JsonLike = self.data
        for key in path:
            if isinstance(value, dict) and isinstance(key, str) and key in value:
                value = value[key]
                continue
            if isinstance(value, list) and isinstance(key, int) and 0 <= key < len(value):
                value = value[key]
                continue
            return False
        return not isinstance(value, dict | list)

    def mark(self, path: tuple[PathKey, ...]) -> Mark | None:
        """Where `path` is written: its key when it has one, else its value."""
        return self.key_marks.get(path) or self.value_marks.get(path)


# Text on which libyaml accepts what the pure parser rejects (found by differential fuzzing):
# a tab used as indentation or separation, a BOM inside the text, a comment right after a
# block scalar's `|` or `>`; and where the two mark an empty value differently: after an
# explicit-key `?`. Such files are rare, and read by the pure parser alone.
_PURE_ONLY = re.compile(r"[\t\ufeff]|[|>][-+0-9]*#|\?(?:\s|\Z)")


class _PureParserNeeded(Exception):
    """Raised inside the fast loader where its reading could differ from the pure parser's."""


def _diverges(event: Any, parent: Node | None) -> bool:
    """Where libyaml and the pure parser were seen to part (differential fuzzing): a tag
    outside `!!…` (libyaml resolves a bare `!` differently and takes `!*!binary`, which the
    pure parser refuses); an empty value inside { } / [ ] or as the whole document (libyaml
    marks the next token, the pure parser the end of the previous one, at times a line
    earlier); `?` inside a plain scalar in { } / [ ] (libyaml reads on, the pure parser
    stops). All are rare in a manifest, and most are findings or errors either way."""
    tag = getattr(event, "tag", None)
    if tag is not None and not tag.startswith(YAML_TAG_PREFIX):
        return True
    if not isinstance(event, ScalarEvent) or event.style:
        return False
    in_flow = parent is None or bool(getattr(parent, "flow_style", False))
    return in_flow and (event.value == "" or "?" in event.value)


class _NodeSource(Protocol):
    """A loader as read_yaml uses it: one document's root node, then cleanup."""

    def get_single_node(self) -> Node | None: ...

    def dispose(self) -> None: ...


class _JsonResolver(Resolver):
    """Resolves plain scalars the way JSON types them (the table is filled below)."""

    # PyYAML's class-level table, holding the JSON-like resolvers only.
    yaml_implicit_resolvers: dict[Any, Any] = {}  # noqa: RUF012


class _GuardedComposer(Composer):
    """PyYAML's Python Composer (marks on every node) that types scalars like JSON and
    refuses anchors/aliases, deep nesting and more than MAX_VALUES nodes. The event source
    is whichever parser class it is mixed with."""

    # Set on the libyaml loader: stop where its reading could differ from the pure parser's.
    watch_divergence = False

    def __init__(self) -> None:
        super().__init__()
        self._depth = 0
        self._values = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        event = self.peek_event()  # type: ignore[attr-defined]
        if isinstance(event, AliasEvent) or (isinstance(event, NodeEvent) and event.anchor):
            # Aliases are how "billion laughs" documents grow; a manifest never needs them.
            raise YamlProblem(
                "YAML anchors and aliases (&name, *name) are not supported in a manifest; "
                "write the value out in full",
                _mark(event.start_mark),
            )
        self._values += 1
        if self._values > MAX_VALUES:
            raise YamlProblem(
                f"the manifest holds more than {MAX_VALUES:,} keys and values; "
                "move large event samples to schema_file JSON files",
                _mark(event.start_mark),
            )
        if self.watch_divergence and _diverges(event, parent):
            raise _PureParserNeeded
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise YamlProblem(
                    f"nesting is deeper than {MAX_DEPTH} levels", _mark(event.start_mark)
                )
            node = super().compose_node(parent, index)
            assert node is not None  # only None at the end of the stream, never inside
        finally:
            self._depth -= 1
        return node


class ManifestLoader(Reader, Scanner, Parser, _GuardedComposer, _JsonResolver):
    """The pure-Python parser: the reference for what is valid YAML and for the wording
    and position of every syntax error."""

    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)
        _GuardedComposer.__init__(self)
        _JsonResolver.__init__(self)


if yaml.__with_libyaml__:
    from yaml._yaml import CParser

    class FastManifestLoader(_GuardedComposer, CParser, _JsonResolver):
        """libyaml's C parser as the event source under the same Composer and guards: about
        five times faster on a large manifest. Its error wording differs from the pure
        parser's, so read_yaml re-reads a document it rejects with ManifestLoader."""

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            _GuardedComposer.__init__(self)
            _JsonResolver.__init__(self)

        watch_divergence = True

    LOADERS: tuple[Callable[[str], _NodeSource], ...] = (FastManifestLoader, ManifestLoader)
else:  # pragma: no cover - PyYAML built without libyaml
    LOADERS = (ManifestLoader,)


def read_yaml(raw: bytes) -> Document:
    """Parse manifest bytes; raises YamlProblem when the document cannot be read at all."""
    text = decode(raw)
    try:
        root = _compose(text)
    except yaml.MarkedYAMLError as error:
        message = _describe(error) + _variable_in_flow_hint(text, error.problem_mark)
        raise YamlProblem(message, _mark(error.problem_mark)) from None
    except yaml.reader.ReaderError as error:  # a character YAML does not allow
        raise YamlProblem(
            f"character U+{_code_point(error.character):04X} is not allowed in YAML",
            text_mark(text, error.position),
        ) from None
    document = Document(data=None)
    if root is not None:
        document.data = _Walker(document).value(root, ())
    return document


def read_limited(path: Path) -> bytes | None:
    """The file's bytes, or None when it is larger than MAX_BYTES. Reads at most one byte
    more than the limit, so `-f /dev/zero` or a huge file cannot exhaust memory."""
    with path.open("rb") as stream:
        raw = stream.read(MAX_BYTES + 1)
    return None if len(raw) > MAX_BYTES else raw


def _compose(text: str) -> Node | None:
    """The document's root node, read by the fastest loader. A document the fast loader
    rejects, for any reason, is read again by the pure one, so every rejection (its wording,
    its position, which of two problems comes first) is exactly the pure parser's."""
    *fast, reference = LOADERS
    if not _PURE_ONLY.search(text):
        for loader_class in fast:
            try:
                return _compose_with(loader_class, text)
            except (yaml.YAMLError, YamlProblem, _PureParserNeeded):
                break
    return _compose_with(reference, text)


def _compose_with(loader_class: Callable[[str], _NodeSource], text: str) -> Node | None:
    loader = loader_class(text)  # the pure reader checks characters here
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def decode(raw: bytes, what: str = "a manifest") -> str:
    """UTF-8 text of the file, or a YamlProblem naming where the bad byte is."""
    if len(raw) > MAX_BYTES:
        raise YamlProblem(f"file is larger than {MAX_BYTES // (1024 * 1024)} MB")
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    nul = raw.find(b"\x00")
    if nul >= 0:
        raise YamlProblem(
            f"NUL byte at byte offset {nul} (is the file UTF-16 or binary?); "
            f"{what} must be UTF-8 text",
            byte_mark(raw, nul),
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise YamlProblem(
            f"invalid UTF-8 at byte offset {error.start}; {what} must be UTF-8 text",
            byte_mark(raw, error.start),
        ) from None


def text_mark(text: str, offset: int) -> Mark:
    line_start = text.rfind("\n", 0, offset) + 1
    return Mark(text.count("\n", 0, offset) + 1, offset - line_start + 1)


def byte_mark(raw: bytes, offset: int) -> Mark:
    line_start = raw.rfind(b"\n", 0, offset) + 1
    return Mark(raw.count(b"\n", 0, offset) + 1, offset - line_start + 1)


class _Walker:
    """Turns composed nodes into data, recording marks and non-fatal findings."""

    def __init__(self, document: Document) -> None:
        self.document = document

    def value(self, node: Node, path: tuple[PathKey, ...]) -> JsonLike:
        self.document.value_marks[path] = _mark(node.start_mark)
        if isinstance(node, MappingNode):
            return self.mapping(node, path)
        if isinstance(node, SequenceNode):
            return self.sequence(node, path)
        assert isinstance(node, ScalarNode)
        # Plain style is None from the pure parser and '' from libyaml.
        if not node.style:
            self.document.plain.add(path)
        return self.scalar(node, path)

    def mapping(self, node: MappingNode, path: tuple[PathKey, ...]) -> JsonLike:
        if node.tag != TAG_MAP:
            return self.bad_tag(node, path)
        result: dict[str, JsonLike] = {}
        for key_node, value_node in node.value:
            key = self.key(key_node, path)
            if key is None:
                continue
            child = (*path, key)
            if key in result:
                first = self.document.key_marks[child]
                self.finding(
                    child,
                    _mark(key_node.start_mark),
                    f"duplicate key '{key}' (first written on line {first.line}); "
                    "each key may appear once",
                )
                continue
            self.document.key_marks[child] = _mark(key_node.start_mark)
            result[key] = self.value(value_node, child)
        return result

    def key(self, node: Node, path: tuple[PathKey, ...]) -> str | None:
        if isinstance(node, ScalarNode) and node.tag in (
            TAG_STR,
            TAG_NULL,
            TAG_BOOL,
            TAG_INT,
            TAG_FLOAT,
        ):
            # A key is a name: `12345:` means the id "12345", not a number.
            key = str(node.value)
            index = invisible_in(key)
            if index is not None:
                quoted = 1 if node.style in ("'", '"') else 0
                at = _mark(node.start_mark)
                mark = Mark(at.line, at.column + quoted + index)
                self.finding(path, mark, invisible_message(key, index))
                return None
            return normal_key(key)
        self.finding(path, _mark(node.start_mark), "a key must be a plain string")
        return None

    def sequence(self, node: SequenceNode, path: tuple[PathKey, ...]) -> JsonLike:
        if node.tag != TAG_SEQ:
            return self.bad_tag(node, path)
        return [self.value(item, (*path, index)) for index, item in enumerate(node.value)]

    def scalar(self, node: ScalarNode, path: tuple[PathKey, ...]) -> JsonLike:
        text: str = node.value
        if node.tag == TAG_STR:
            return text
        if node.tag not in (TAG_NULL, TAG_BOOL, TAG_INT, TAG_FLOAT):
            return self.bad_tag(node, path)
        converted = _convert(node.tag, text)
        if converted is _OUT_OF_RANGE:
            self.finding(
                path,
                _mark(node.start_mark),
                "number is out of range (too many digits, or beyond a 64-bit float); "
                "quote it to keep it as text",
            )
            return None
        if converted is _INVALID:
            kind = node.tag.rsplit(":", 1)[-1]
            self.finding(path, _mark(node.start_mark), f"value is not a valid !!{kind}")
            return None
        return converted  # type: ignore[return-value]

    def bad_tag(self, node: Node, path: tuple[PathKey, ...]) -> JsonLike:
        self.finding(
            path,
            _mark(node.start_mark),
            f"unsupported YAML tag '{_short_tag(node.tag)}' (only plain values and !!str "
            "are allowed)",
        )
        return None

    def finding(self, path: tuple[PathKey, ...], mark: Mark, message: str) -> None:
        self.document.findings.append(Finding(path, mark, message))


_INVALID = object()
_OUT_OF_RANGE = object()


def _convert(tag: str, text: str) -> object:
    """The value of a scalar resolved (or explicitly tagged) as null/bool/int/float."""
    if tag == TAG_NULL and text in NULL_WORDS:
        return None
    if tag == TAG_BOOL and text in TRUE_WORDS | FALSE_WORDS:
        return text in TRUE_WORDS
    if tag == TAG_INT and INT_PATTERN.match(text):
        try:
            return int(text)
        except ValueError:  # over Python's int-string limit (4300 digits): a DoS guard
            return _OUT_OF_RANGE
    if tag == TAG_FLOAT and FLOAT_PATTERN.match(text):
        number = float(text)
        # `1e999` is JSON-shaped but becomes inf, which no JSON body can carry.
        return number if math.isfinite(number) else _OUT_OF_RANGE
    return _INVALID


def _resolver_pattern(words: frozenset[str]) -> re.Pattern[str]:
    # Grouped: `\Z` must end every alternative, or `false}` would resolve as a boolean.
    alternatives = "|".join(re.escape(word) for word in sorted(words) if word)
    return re.compile(rf"(?:{alternatives})\Z")


# On the shared resolver, so every loader (C or pure event source) types alike.
for _tag, _pattern, _first in (
    (TAG_NULL, re.compile(r"(?:~|null|Null|NULL|)\Z"), [*"~nN", ""]),
    (TAG_BOOL, _resolver_pattern(TRUE_WORDS | FALSE_WORDS), list("tTfF")),
    (TAG_INT, INT_PATTERN, list("-0123456789")),
    (TAG_FLOAT, FLOAT_PATTERN, list("-0123456789")),
):
    _JsonResolver.add_implicit_resolver(_tag, _pattern, _first)


def _mark(mark: Any) -> Mark:
    """A PyYAML mark (0-based) as ours (1-based)."""
    if mark is None:
        return Mark(1, 1)
    return Mark(mark.line + 1, mark.column + 1)


def _variable_in_flow_hint(text: str, mark: Any) -> str:
    """`{secret: ${VAR}}` is a YAML error: inside { } and [ ], a `{` starts a mapping."""
    index = getattr(mark, "index", None)
    if isinstance(index, int) and text[index - 1 : index + 1] == "${":
        return ' (inside { } or [ ], quote a variable: "${VAR}")'
    return ""


def _short_tag(tag: str) -> str:
    prefix = "tag:yaml.org,2002:"
    return "!!" + tag[len(prefix) :] if tag.startswith(prefix) else tag


def _code_point(character: object) -> int:
    """PyYAML reports the code point (str input) or the byte (bytes input)."""
    if isinstance(character, int):
        return character
    return ord(character) if isinstance(character, str | bytes) and len(character) == 1 else 0


def _describe(error: yaml.MarkedYAMLError) -> str:
    """PyYAML's own wording (it names YAML constructs, not the document's values)."""
    problem = error.problem or "invalid YAML"
    if error.context and error.context_mark is not None:
        return f"invalid YAML: {error.context} (line {error.context_mark.line + 1}): {problem}"
    return f"invalid YAML: {problem}"


__all__ = [
    "MAX_BYTES",
    "MAX_DEPTH",
    "Document",
    "JsonLike",
    "YamlProblem",
    "format_path",
    "read_yaml",
]
