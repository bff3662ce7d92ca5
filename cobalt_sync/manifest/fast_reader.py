"""The fast reading of a manifest: libyaml's event stream straight into data, no marks.

A valid manifest needs no line marks (they only word a problem), so `read_fast` builds the
data from the C parser's events without nodes or marks, under the same guards and typing as
`yaml_reader.read_yaml` (anchors/aliases, duplicate keys, depth, value count, tags, JSON
typing). Wherever read_yaml would report anything, or the two parsers could read apart, it
raises MarksNeeded instead of judging: the caller then reads with marks, and every message and
position is read_yaml's own. It never accepts what read_yaml would reject or word.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import yaml
from yaml.events import (
    DocumentEndEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
    StreamStartEvent,
)

from cobalt_sync.gc_tuning import rare_collections
from cobalt_sync.manifest.yaml_reader import (
    _INVALID,
    _OUT_OF_RANGE,
    _PURE_ONLY,
    FALSE_WORDS,
    FLOAT_PATTERN,
    INT_PATTERN,
    MAX_DEPTH,
    MAX_VALUES,
    NULL_WORDS,
    TAG_BOOL,
    TAG_FLOAT,
    TAG_INT,
    TAG_MAP,
    TAG_NULL,
    TAG_SEQ,
    TAG_STR,
    TRUE_WORDS,
    JsonLike,
    YamlProblem,
    _convert,
    decode,
    invisible_in,
    normal_key,
)

CParser: Any = None
if yaml.__with_libyaml__:
    from yaml._yaml import CParser

TYPED_TAGS = frozenset({TAG_NULL, TAG_BOOL, TAG_INT, TAG_FLOAT})
KEY_TAGS = TYPED_TAGS | {TAG_STR}


class MarksNeeded(Exception):
    """The fast reading cannot vouch for this document: read it with marks instead."""


def read_fast(raw: bytes) -> JsonLike:
    """The data of manifest bytes that read_yaml would read without a finding or problem;
    raises MarksNeeded for anything else (including a document libyaml rejects)."""
    if CParser is None:
        raise MarksNeeded
    try:
        text = decode(raw)
    except YamlProblem:
        raise MarksNeeded from None
    if _PURE_ONLY.search(text):  # where libyaml and the pure parser read apart
        raise MarksNeeded
    parser = CParser(text)
    try:
        with rare_collections():  # tens of thousands of dicts and lists that live on
            return _stream(parser.get_event)
    except yaml.YAMLError:
        raise MarksNeeded from None
    finally:
        parser.dispose()


def _stream(next_event: Callable[[], Any]) -> JsonLike:
    """One document, or None for an empty stream; a second document is read_yaml's error."""
    _expect(next_event(), StreamStartEvent)
    event = next_event()
    if type(event) is StreamEndEvent:
        return None
    _expect(event, DocumentStartEvent)
    data = _Builder().document(next_event)
    _expect(next_event(), DocumentEndEvent)
    _expect(next_event(), StreamEndEvent)
    return data


def _expect(event: Any, kind: type) -> None:
    if type(event) is not kind:
        raise MarksNeeded


class _Open:
    """A mapping or sequence being filled, with the key waiting for its value."""

    __slots__ = ("flow", "key", "value")

    def __init__(self, value: dict[str, JsonLike] | list[JsonLike], flow: bool) -> None:
        self.value = value
        self.flow = flow
        self.key: str | None = None


class _Builder:
    """Events → data with a stack, so depth is counted, never recursed into."""

    def __init__(self) -> None:
        self.stack: list[_Open] = []
        self.values = 0

    def document(self, next_event: Callable[[], Any]) -> JsonLike:
        # Scalars are three events in four: counting one, telling a key from a value and
        # attaching a value are written out here, not called (a method call per event
        # was a sixth of the time this loop took on a 10,000-account manifest).
        stack = self.stack
        while True:
            event = next_event()
            kind = type(event)
            if kind is ScalarEvent:
                self.values += 1
                if event.anchor is not None or self.values > MAX_VALUES:
                    raise MarksNeeded
                if len(stack) >= MAX_DEPTH:
                    raise MarksNeeded
                top = stack[-1] if stack else None
                if top is not None and top.key is None and type(top.value) is dict:
                    self.take_key(event)
                    continue
                done: JsonLike = _scalar(event, top is None or top.flow)
            elif kind is MappingEndEvent or kind is SequenceEndEvent:
                done = stack.pop().value
            elif kind is MappingStartEvent or kind is SequenceStartEvent:
                self.count(event)
                self.open(event, kind is MappingStartEvent)
                continue
            else:  # an alias, or an event the composer would refuse here
                raise MarksNeeded
            if not stack:
                return done
            top = stack[-1]
            container = top.value
            if isinstance(container, dict):
                assert top.key is not None
                container[top.key] = done
                top.key = None
            else:
                container.append(done)

    def count(self, event: Any) -> None:
        """The composer's guards, applied per node as it composes it."""
        self.values += 1
        if event.anchor is not None or self.values > MAX_VALUES:
            raise MarksNeeded
        if len(self.stack) + 1 > MAX_DEPTH:
            raise MarksNeeded

    def wants_key(self) -> bool:
        top = self.stack[-1] if self.stack else None
        return top is not None and type(top.value) is dict and top.key is None

    def open(self, event: Any, is_mapping: bool) -> None:
        if self.wants_key():  # a mapping or list as a key: read_yaml's finding
            raise MarksNeeded
        tag = event.tag
        if tag is not None and tag != (TAG_MAP if is_mapping else TAG_SEQ):
            raise MarksNeeded
        self.stack.append(_Open({} if is_mapping else [], bool(event.flow_style)))

    def take_key(self, event: Any) -> None:
        top = self.stack[-1]
        _check_divergence(event, top.flow)
        tag = event.tag
        if tag is not None and tag not in KEY_TAGS:
            raise MarksNeeded
        key: str = event.value  # a key is a name as written: `12345:` is the id "12345"
        if not key.isascii():  # read_yaml's finding, or the key in NFC as it reads it
            if invisible_in(key) is not None:
                raise MarksNeeded
            key = normal_key(key)
        if key in top.value:  # duplicate key: read_yaml's finding
            raise MarksNeeded
        top.key = key


def _check_divergence(event: Any, in_flow: bool) -> None:
    """yaml_reader._diverges for a scalar: a tag outside `!!…`, or a plain scalar in
    { } / [ ] (or alone) that is empty or holds `?`."""
    tag = event.tag
    if tag is not None and not tag.startswith("tag:yaml.org,2002:"):
        raise MarksNeeded
    if not event.style and in_flow and (event.value == "" or "?" in event.value):
        raise MarksNeeded


def _scalar(event: Any, in_flow: bool) -> JsonLike:
    _check_divergence(event, in_flow)
    text: str = event.value
    tag = event.tag
    if tag is None:
        if not event.implicit[0]:  # quoted: always a string
            return text
        tag = _plain_tag(text)
    if tag == TAG_STR:
        return text
    if tag not in TYPED_TAGS:
        raise MarksNeeded
    value = _convert(tag, text)
    if value is _INVALID or value is _OUT_OF_RANGE:
        raise MarksNeeded
    return value  # type: ignore[return-value]


def _plain_tag(text: str) -> str:
    """The tag yaml_reader's JSON resolver gives a plain scalar (same words and patterns)."""
    if text in NULL_WORDS:
        return TAG_NULL
    if text in TRUE_WORDS or text in FALSE_WORDS:
        return TAG_BOOL
    if INT_PATTERN.match(text):
        return TAG_INT
    if FLOAT_PATTERN.match(text):
        return TAG_FLOAT
    return TAG_STR
