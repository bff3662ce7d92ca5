"""Desired and live State: `desired_state(manifest)` and `read_live(ctx, desired)`, plus the
hashes a saved plan is checked against. Live kinds are read concurrently; nothing here writes.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from cobalt_sync.gc_tuning import rare_collections
from cobalt_sync.kinds import KIND_ORDER, KINDS, OBSERVER, RunContext
from cobalt_sync.plan import digest
from cobalt_sync.resource import KindState, Resource, State

if TYPE_CHECKING:
    from cobalt_sync.manifest import Manifest


@rare_collections()  # a Resource per declared object: see gc_tuning.py
def desired_state(manifest: Manifest) -> State:
    state = State()
    for name in KIND_ORDER:
        state.kinds[name] = KindState(notes=list(KINDS[name].notes(manifest)))
        state.extend(KINDS[name].desired(manifest))
    return state


def kinds_to_read(desired: State, prune: frozenset[str]) -> tuple[str, ...]:
    """The kinds a plan reads: those always read, and the others only when the manifest
    declares or prunes them (an org that does not use MCP servers is not asked about them)."""
    return tuple(
        name
        for name in KIND_ORDER
        if KINDS[name].always_read or desired.kind(name).resources or name in prune
    )


def observers(desired: State) -> list[str]:
    """Declared objects that will exist and other kinds may be read through (on real
    Cobalt, enabled apps are read through a linked account)."""
    return OBSERVER.observers(desired.kind(OBSERVER.name))


def read_live(ctx: RunContext, desired: State, kinds: tuple[str, ...] = KIND_ORDER) -> State:
    """Read every kind at once: they are independent, and latency, not CPU, is the cost.
    The replies become tens of thousands of objects that live to the end of the run: built
    with rare collections, so the cyclic collector does not keep rescanning them (gc_tuning)."""
    with rare_collections(), ThreadPoolExecutor(max_workers=len(kinds)) as pool:
        futures = {
            name: pool.submit(KINDS[name].read, ctx, desired.kinds.get(name, KindState()))
            for name in kinds
        }
        return State(kinds={name: futures[name].result() for name in kinds})


@rare_collections()  # a document of every declared object: see gc_tuning.py
def manifest_hash(desired: State, manifest: Manifest, key: bytes) -> str:
    """Covers everything the plan was computed from on our side, secrets only as fingerprints,
    keyed so that the hash cannot be used to test guesses of a secret offline. Only the kinds
    the manifest declares objects of are covered: a kind added to cobalt-sync later (with an
    empty section in every older manifest) leaves the plans saved before it applicable."""
    declared = State(kinds={n: k for n, k in desired.kinds.items() if k.resources})
    document = {
        "environment": manifest.environment,
        "prune": sorted(manifest.prune),
        "state": state_document(declared),
    }
    return digest(document, key)


def state_document(state: State) -> Mapping[str, Any]:
    return {
        name: {
            "total": kind.total,
            "duplicates": kind.duplicates,
            # Not sorted here: canonical_json sorts every object's keys, these included.
            "resources": {key: resource_document(r) for key, r in kind.resources.items()},
        }
        for name, kind in state.kinds.items()
    }


def resource_document(resource: Resource) -> Mapping[str, Any]:
    attrs = resource.attrs
    # A copy only when JSON cannot take the mapping as it is (one per object otherwise).
    return {
        "attrs": attrs if type(attrs) is dict else dict(attrs),
        "ensure": resource.ensure,
        "owned": resource.owned,
    }
