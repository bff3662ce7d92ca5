"""build_plan: desired State vs live State → Plan. Pure set algebra on natural keys plus a
DeepDiff of normalised attributes (alembic's autogenerate, octoDNS's safety thresholds).

No I/O, no HTTP, no click: every input is a value, so the planner is tested as a function.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace

from cobalt_sync.kinds import APPLY_ORDER, KIND_ORDER, KINDS, RULES, ResourceKind
from cobalt_sync.kinds.rules import KindRules
from cobalt_sync.plan import Action, Change, EntryNote, FieldChange, Plan, Unmanaged
from cobalt_sync.resource import JsonValue, KindState, Resource, State

# octoDNS-style thresholds: more than this many deletes in one plan, or more than this share
# of a kind's live objects once the kind is large enough for a share to mean something.
MAX_SAFE_DELETES = 10
MAX_SAFE_DELETE_SHARE = 0.25
MIN_OBJECTS_FOR_SHARE = 10

# Tag of a change whose live object could not be observed (its note says why).
UNVERIFIED = "unverified"

_REPORT_OPS = {
    "values_changed": "change",
    "type_changes": "change",
    "dictionary_item_added": "add",
    "dictionary_item_removed": "remove",
    "iterable_item_added": "change",
    "iterable_item_removed": "change",
}


@dataclass(frozen=True)
class PlanInputs:
    """Everything build_plan needs besides the two States."""

    environment: str
    prune: frozenset[str] = frozenset()
    kinds: tuple[str, ...] = KIND_ORDER
    manifest_hash: str = ""
    live_fingerprint: str = ""


def build_plan(
    desired: State, live: State, inputs: PlanInputs, rules: Mapping[str, KindRules] = RULES
) -> Plan:
    changes: list[Change] = []
    unmanaged: list[Unmanaged] = []
    warnings: list[str] = []
    notes: list[str] = []
    entry_notes: list[EntryNote] = []
    for kind in (k for k in KIND_ORDER if k in inputs.kinds):
        kind_rules = rules.get(kind, KindRules())
        want, have = desired.kinds.get(kind, KindState()), live.kinds.get(kind, KindState())
        for key, text in [*want.notes, *have.notes]:
            if key is None:
                notes.append(text)
            else:
                entry_notes.append(EntryNote(kind, key, text))
        warnings.extend(duplicate_warnings(kind, want, have))
        changes.extend(declared_changes(kind, want, have, kind_rules))
        pruned, left = undeclared(kind, want, have, prune=kind in inputs.prune)
        changes.extend(pruned)
        if left.count:
            unmanaged.append(left)
        if kind in KINDS:  # a kind's own findings and consequences (kinds/<kind>.py)
            found_warnings, found_notes = KINDS[kind].findings(
                want, have, pruned=kind in inputs.prune
            )
            warnings.extend(found_warnings)
            notes.extend(found_notes)
    changes = annotated(changes, desired, live)
    changes, unchanged = with_entry_notes(changes, entry_notes)
    ordered = tuple(sorted(changes, key=change_sort_key))
    return Plan(
        environment=inputs.environment,
        changes=ordered,
        unmanaged=tuple(unmanaged),
        warnings=tuple(warnings),
        manifest_hash=inputs.manifest_hash,
        live_fingerprint=inputs.live_fingerprint,
        kinds=inputs.kinds,
        mass_delete=tuple(mass_delete_findings(ordered, live)),
        notes=tuple(dict.fromkeys(notes)),
        unchanged_notes=unchanged,
    )


def annotated(changes: list[Change], desired: State, live: State) -> list[Change]:
    """Each kind's changes with the notes its `annotate` adds (what they do beyond their
    fields), in the order they came."""
    by_kind: dict[str, list[Change]] = {}
    for change in changes:
        by_kind.setdefault(change.kind, []).append(change)
    done: dict[tuple[str, str, Action], Change] = {}
    for name, group in by_kind.items():
        kind = KINDS.get(name)
        if kind is None:
            continue
        want, have = desired.kinds.get(name, KindState()), live.kinds.get(name, KindState())
        for before, after in zip(group, kind.annotate(group, want, have), strict=True):
            done[(before.kind, before.key, before.action)] = after
    return [done.get((c.kind, c.key, c.action), c) for c in changes]


def with_entry_notes(
    changes: list[Change], entry_notes: list[EntryNote]
) -> tuple[list[Change], tuple[EntryNote, ...]]:
    """A note about an object goes under its change; the notes about objects that do not
    change are returned apart (a plan folds them away: the same facts on every plan are
    noise). Each note once, in the order the kinds made them."""
    unique = list(dict.fromkeys(entry_notes))
    by_address: dict[str, list[str]] = {}
    for note in unique:
        by_address.setdefault(note.address, []).append(note.text)
    noted = [
        replace(c, notes=(*c.notes, *by_address[c.address])) if c.address in by_address else c
        for c in changes
    ]
    changed = {c.address for c in changes}
    return noted, tuple(n for n in unique if n.address not in changed)


def change_sort_key(change: Change) -> tuple[int, int, str]:
    """Execution order, as apply runs it: creates and updates in APPLY_ORDER, then deletes
    in reverse APPLY_ORDER (renderers group by KIND_ORDER for reading)."""
    order = APPLY_ORDER
    rank = order.index(change.kind) if change.kind in order else len(order)
    if change.action is Action.DELETE:
        return (1, len(order) - rank, change.key)
    return (0, rank, change.key)


def declared_changes(
    kind: str, want: KindState, have: KindState, rules: KindRules
) -> Iterator[Change]:
    for key in sorted(want.resources):
        if key in have.duplicates:
            continue  # named in a warning; we do not guess which live object is meant
        desired, current = want.resources[key], have.resources.get(key)
        if key in have.unobserved:
            yield unverified_change(kind, desired, have.unobserved[key], rules)
        elif desired.ensure == "absent":
            if current is not None:
                yield Change(kind, key, Action.DELETE)
        elif current is None:
            fields = tuple(added_fields(desired.attrs, rules.sensitive))
            yield Change(kind, key, Action.CREATE, fields)
        else:
            aligned_want, aligned_have = rules.align(desired, current)
            fields = diff_fields(aligned_have.attrs, aligned_want.attrs, rules.sensitive)
            if fields:
                yield Change(kind, key, Action.UPDATE, fields, tags=rules.tag(fields))


def unverified_change(kind: str, desired: Resource, reason: str, rules: KindRules) -> Change:
    """A declared object whose live state cannot be observed: what it should become, marked
    unverified with the reason; nothing is compared, so nothing is reverted on a guess."""
    if desired.ensure == "absent":
        return Change(kind, desired.key, Action.DELETE, tags=(UNVERIFIED,), notes=(reason,))
    fields = tuple(added_fields(desired.attrs, rules.sensitive))
    return Change(kind, desired.key, Action.CREATE, fields, (UNVERIFIED,), (reason,))


def undeclared(
    kind: str, want: KindState, have: KindState, *, prune: bool
) -> tuple[list[Change], Unmanaged]:
    """Live objects the manifest does not name: deleted only when pruning and owned."""
    pruned: list[Change] = []
    left: list[str] = []
    for key in sorted(have.resources):
        if key in want.resources or (kind in KINDS and key in KINDS[kind].own_keys):
            continue
        if prune and have.resources[key].owned and key not in have.duplicates:
            pruned.append(Change(kind, key, Action.DELETE, notes=("pruned: not in the manifest",)))
        else:
            left.append(key)
    count = len(left)
    if have.total is not None:
        # Only the declared objects were read: the rest of the org is counted, not listed.
        declared_found = sum(1 for key in want.resources if key in have.resources)
        count = max(have.total - declared_found - len(pruned), len(left))
    return pruned, Unmanaged(kind, tuple(left), count)


def duplicate_warnings(kind: str, want: KindState, have: KindState) -> Iterator[str]:
    """One warning per key held by several live objects, saying what to do (the kind
    words it: whether Cobalt keeps the key unique changes how it can have happened)."""
    words = KINDS.get(kind) or ResourceKind()
    for key, count in sorted(have.duplicates.items()):
        yield words.duplicate_advice(f"{kind}/{key}", count, declared=key in want.resources)


def mass_delete_findings(changes: tuple[Change, ...], live: State) -> Iterator[str]:
    deletes = [c for c in changes if c.action is Action.DELETE]
    if len(deletes) > MAX_SAFE_DELETES:
        yield f"{len(deletes)} deletes exceed the limit of {MAX_SAFE_DELETES} per apply"
    for kind in KIND_ORDER:
        count = sum(1 for c in deletes if c.kind == kind)
        state = live.kinds.get(kind, KindState())
        total = state.total if state.total is not None else len(state.resources)
        if count and total >= MIN_OBJECTS_FOR_SHARE and count / total > MAX_SAFE_DELETE_SHARE:
            share = round(100 * count / total)
            yield f"{kind}: {count} of {total} live objects ({share}%) would be deleted"


# --- field-level diff ---------------------------------------------------------------------


def diff_fields(
    before: Mapping[str, JsonValue], after: Mapping[str, JsonValue], sensitive: frozenset[str]
) -> tuple[FieldChange, ...]:
    """Leaf changes from live (`before`) to desired (`after`); lists count as one value,
    since every list we manage is set-like or a sample value, not a sequence of records."""
    if same_json(before, after):
        # Most declared objects already match: DeepDiff costs ~0.1 ms each, which is a
        # second of CPU on a 10,000-account manifest; a strict equality walk is ~50x cheaper.
        return ()
    from deepdiff import DeepDiff  # ~30 ms to import: paid only when something differs

    diff = DeepDiff(dict(before), dict(after), verbose_level=2)
    found: dict[str, FieldChange] = {}
    for report, op in _REPORT_OPS.items():
        for level in diff.tree.get(report, []):
            parts = level.path(output_format="list")
            list_at = next((i for i, p in enumerate(parts) if isinstance(p, int)), None)
            if list_at is not None:
                parts, op = parts[:list_at], "change"
            path = ".".join(str(p) for p in parts)
            if path in found:
                continue
            found[path] = FieldChange(
                path=path,
                before=None if op == "add" else lookup(before, parts),
                after=None if op == "remove" else lookup(after, parts),
                sensitive=parts[0] in sensitive,
                op=op,
            )
    return tuple(mask(found[p]) for p in sorted(found))


def same_json(a: object, b: object) -> bool:
    """Equal as DeepDiff would see it: same types all the way down (`1`, `1.0` and `True`
    differ). Anything it cannot vouch for (NaN) compares unequal and goes to DeepDiff."""
    if type(a) is not type(b):
        return isinstance(a, Mapping) and isinstance(b, Mapping) and same_json(dict(a), dict(b))
    if isinstance(a, dict):
        assert isinstance(b, dict)
        if a.keys() != b.keys():
            return False
        # A loop with strings compared in place, not all() over a generator of calls: this
        # runs for every declared object (10,000 in a 10,000-account plan), and the calls
        # were most of its cost.
        for key, value in a.items():
            other = b[key]
            if type(value) is str and type(other) is str:
                if value != other:
                    return False
            elif not same_json(value, other):
                return False
        return True
    if isinstance(a, list):
        assert isinstance(b, list)
        return len(a) == len(b) and all(same_json(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def added_fields(
    attrs: Mapping[str, JsonValue], sensitive: frozenset[str], prefix: str = ""
) -> Iterator[FieldChange]:
    for name in sorted(attrs):
        value, path = attrs[name], f"{prefix}{name}"
        if isinstance(value, dict) and value:
            yield from added_fields(value, sensitive, f"{path}.")
        else:
            is_secret = path.split(".")[0] in sensitive
            if is_secret and value in ({}, None):
                continue  # nothing declared (a webhook without headers): no "(sensitive)" line
            yield mask(FieldChange(path=path, after=value, sensitive=is_secret, op="add"))


def mask(change: FieldChange) -> FieldChange:
    if change.sensitive:
        return FieldChange(path=change.path, sensitive=True, op=change.op)
    return change


def lookup(attrs: Mapping[str, JsonValue], parts: list[str | int]) -> JsonValue:
    value: JsonValue = dict(attrs)
    for part in parts:
        if isinstance(value, dict) and isinstance(part, str):
            value = value.get(part)
        else:
            return None
    return value
