"""The shortcuts a large plan takes (issue 14) give what the general path gives: aligning
without a copy, the equality walk and the hashes a saved plan carries; and the collector's
rare collections still free cycles."""

from __future__ import annotations

import dataclasses
import gc
import weakref

import pytest

from cobalt_sync.gc_tuning import RARE_THRESHOLDS, rare_collections
from cobalt_sync.kinds.linked_accounts import align_linked_accounts
from cobalt_sync.manifest.models import Manifest
from cobalt_sync.plan import Action, Change, Plan
from cobalt_sync.planning.pipeline import live_fingerprint
from cobalt_sync.planning.planner import same_json
from cobalt_sync.reading.state import desired_state, manifest_hash
from cobalt_sync.resource import JsonObject, Resource, State

KEY = b"k" * 32


def account(attrs: JsonObject, owned: bool = True) -> Resource:
    return Resource("linked_accounts", "a1", attrs, owned=owned, server_ref="id-1")


def restricted(want: Resource, have: Resource) -> JsonObject:
    """The live attributes the manifest declares, spelled out: what alignment compares."""
    attrs: JsonObject = {name: have.attrs.get(name) for name in want.attrs}
    want_udf, have_udf = want.attrs.get("udf"), have.attrs.get("udf")
    if isinstance(want_udf, dict) and isinstance(have_udf, dict):
        attrs["udf"] = {k: have_udf[k] for k in want_udf if k in have_udf}
    return attrs


ALIGN_CASES = [
    ({"name": "A", "udf": {"t": "1"}}, {"udf": {"t": "1"}, "name": "A"}),  # same, other order
    ({"name": "A", "udf": {"t": "1"}}, {"name": "B", "udf": {"t": "2"}}),
    ({"udf": {"t": "1"}}, {"name": "A", "udf": {"t": "1"}}),  # live name not declared
    ({"name": "A", "udf": {"t": "1"}}, {"name": "A", "udf": {"t": "1", "x": "2"}}),
    ({"name": "A", "udf": {"t": "1", "x": "2"}}, {"name": "A", "udf": {"t": "1"}}),
    ({"name": "A", "udf": {}}, {"name": "A", "udf": {"t": "1"}}),
    ({"name": "A", "udf": {"t": "1"}}, {"name": "A", "udf": None}),
    ({"name": "A"}, {"udf": {"t": "1"}}),  # same number of fields, other names
]


@pytest.mark.parametrize(("want_attrs", "have_attrs"), ALIGN_CASES)
def test_aligning_an_account_compares_only_what_the_manifest_declares(
    want_attrs: JsonObject, have_attrs: JsonObject
) -> None:
    want, have = account(want_attrs), account(have_attrs)
    aligned_want, aligned_have = align_linked_accounts(want, have)
    assert aligned_want is want
    assert aligned_have.attrs == restricted(want, have)
    assert same_json(aligned_have.attrs, restricted(want, have))
    assert (aligned_have.key, aligned_have.owned, aligned_have.server_ref) == ("a1", True, "id-1")


def test_with_attrs_keeps_every_other_field() -> None:
    original = Resource("apps", "slack", {"a": 1}, "absent", False, "ref", {"secret": "s"})
    copy = original.with_attrs({"b": 2})
    assert copy.attrs == {"b": 2}
    for field in dataclasses.fields(Resource):
        if field.name != "attrs":
            assert getattr(copy, field.name) == getattr(original, field.name), field.name


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ({"n": "x", "u": {"t": "g"}}, {"u": {"t": "g"}, "n": "x"}, True),
        ({"n": "x"}, {"n": "y"}, False),
        ({"n": "1"}, {"n": 1}, False),
        ({"n": 1}, {"n": "1"}, False),
        ({"n": 1}, {"n": 1.0}, False),
        ({"n": {"m": True}}, {"n": {"m": 1}}, False),
        ({"n": "x"}, {"n": "x", "o": None}, False),
        ({"n": ["a", {"b": "c"}]}, {"n": ["a", {"b": "c"}]}, True),
        ({"n": float("nan")}, {"n": float("nan")}, False),
    ],
)
def test_same_json_keeps_json_types_apart(a: object, b: object, same: bool) -> None:
    assert same_json(a, b) is same
    assert same_json(b, a) is same


def small_states() -> tuple[Manifest, State, State]:
    manifest = Manifest.model_validate(
        {
            "version": 1,
            "environment": "test",
            "events": {"E": {"schema": {"id": "x", "n": 1.5, "ü": [True, None]}}},
            "linked_accounts": {
                "b": {"name": "Bé", "udf": {"z": "1", "a": "2"}},
                "a": {"udf": {"t": "g"}},
                "gone": {"state": "absent"},
            },
        }
    )
    live = State().extend(
        [
            Resource("linked_accounts", "b", {"name": "Bé", "udf": {"a": "2", "z": "1"}}),
            Resource("linked_accounts", "a", {"name": "A", "udf": {"t": "g"}}, owned=False),
            Resource("linked_accounts", "gone", {"name": "G", "udf": {}}),
            Resource("linked_accounts", "other", {"name": "O", "udf": {}}),
            Resource("events", "E", {"schema": {"id": "x"}}, server_ref="e1"),
        ]
    )
    return manifest, desired_state(manifest), live


def test_the_hashes_a_saved_plan_carries_keep_their_values() -> None:
    """Pinned: a plan saved by an earlier version must still be checked against the same
    values. (The manifest hash was pinned again when it stopped covering kinds a manifest
    does not declare, so that adding a kind no longer changes it: issue 19.)"""
    manifest, desired, live = small_states()
    assert manifest_hash(desired, manifest, KEY) == (
        "hmac-sha256:82761bf1fe5df7edbd75ecb9615867ad57e9f8752614ac67a4c0e7503bdc8c47"
    )
    plan = Plan("test", changes=(Change("linked_accounts", "gone", Action.DELETE),))
    assert live_fingerprint(live, desired, plan, KEY) == (
        "hmac-sha256:0d8d19e158819da86e249cb896fcdf6909a10a7c43ce633b415f28c31fd86a85"
    )


class Cycle:
    def __init__(self) -> None:
        self.me = self


def test_collections_are_rare_inside_the_block_yet_cycles_are_still_freed() -> None:
    default = gc.get_threshold()
    with rare_collections():
        gc.collect()  # start from empty generations
        cycle = weakref.ref(Cycle())
        few: list[list[int]] = [[] for _ in range(2_000)]  # the default would have collected by now
        assert cycle() is not None
        many: list[list[int]] = [[] for _ in range(RARE_THRESHOLDS[0])]  # a young collection runs
        assert cycle() is None
        del few, many
    assert gc.get_threshold() == default


def test_the_thresholds_are_set_again_after_the_block_even_on_an_error() -> None:
    default = gc.get_threshold()
    with rare_collections():
        with rare_collections():
            assert gc.get_threshold() == RARE_THRESHOLDS
        assert gc.get_threshold() == RARE_THRESHOLDS  # the outer block is still running
    assert gc.get_threshold() == default
    with pytest.raises(ValueError), rare_collections():
        raise ValueError
    assert gc.get_threshold() == default


def test_blocks_that_overlap_in_two_threads_put_the_thresholds_back_once_both_end() -> None:
    """A read on a thread and the manifest's checks: the first to end leaves the other's
    thresholds alone, and the last puts back the ones found before either started."""
    default = gc.get_threshold()
    reading, checking = rare_collections(), rare_collections()
    reading.__enter__()
    checking.__enter__()
    reading.__exit__(None, None, None)
    assert gc.get_threshold() == RARE_THRESHOLDS
    checking.__exit__(None, None, None)
    assert gc.get_threshold() == default
