"""The planner as a pure function on two States (alembic-style): no server, no CLI."""

from __future__ import annotations

from cobalt_sync.plan import Action, Plan
from cobalt_sync.planning.planner import PlanInputs, build_plan
from cobalt_sync.resource import KindState, Resource, State


def plan_of(desired: list[Resource], live: list[Resource], **inputs: object) -> Plan:
    return build_plan(
        State().extend(desired),
        State().extend(live),
        PlanInputs(environment="test", **inputs),  # type: ignore[arg-type]
    )


def event(name: str, schema: dict[str, object], **kw: object) -> Resource:
    return Resource("events", name, {"schema": schema}, **kw)  # type: ignore[arg-type]


def account(key: str, owned: bool = True, **attrs: object) -> Resource:
    return Resource("linked_accounts", key, attrs, owned=owned)  # type: ignore[arg-type]


def test_everything_new_is_a_create_with_every_leaf_listed() -> None:
    plan = plan_of([event("A", {"contact": {"id": 1, "tags": ["vip"]}})], [])
    (change,) = plan.changes
    assert (change.kind, change.key, change.action) == ("events", "A", Action.CREATE)
    assert [(f.path, f.op, f.after) for f in change.fields] == [
        ("schema.contact.id", "add", 1),
        ("schema.contact.tags", "add", ["vip"]),
    ]


def test_equal_states_plan_nothing() -> None:
    same = [event("A", {"x": 1}), account("a1", name="Acme", udf={"plan": "pro"})]
    plan = plan_of(same, same)
    assert plan.changes == () and not plan.has_changes


def test_nested_update_reports_leaf_paths_and_lists_as_one_value() -> None:
    want = event("A", {"contact": {"email": "b@x.io", "tags": ["a", "b"]}, "new": True})
    have = event("A", {"contact": {"email": "a@x.io", "tags": ["a"]}, "old": 1})
    (change,) = plan_of([want], [have]).changes
    assert change.action is Action.UPDATE
    assert [(f.path, f.op, f.before, f.after) for f in change.fields] == [
        ("schema.contact.email", "change", "a@x.io", "b@x.io"),
        ("schema.contact.tags", "change", ["a"], ["a", "b"]),
        ("schema.new", "add", None, True),
        ("schema.old", "remove", 1, None),
    ]
    assert change.tags == ("breaking",)


def test_only_added_keys_is_additive_and_a_retyped_key_is_breaking() -> None:
    (added,) = plan_of([event("A", {"a": 1, "b": 2})], [event("A", {"a": 1})]).changes
    assert added.tags == ("additive",)
    (retyped,) = plan_of([event("A", {"a": "1"})], [event("A", {"a": 1})]).changes
    assert retyped.tags == ("breaking",)


def test_explicit_absent_deletes_only_what_exists() -> None:
    gone = Resource("events", "Old", ensure="absent")
    assert [c.action for c in plan_of([gone], [event("Old", {"a": 1})]).changes] == [
        Action.DELETE
    ]
    assert plan_of([gone], []).changes == ()


def test_undeclared_objects_are_unmanaged_not_deleted() -> None:
    plan = plan_of([], [event("Theirs", {"a": 1}), account("cust-1", owned=False)])
    assert plan.changes == ()
    assert {(u.kind, u.keys, u.count) for u in plan.unmanaged} == {
        ("events", ("Theirs",), 1),
        ("linked_accounts", ("cust-1",), 1),
    }
    assert plan.summary()["unmanaged"] == 2


def test_prune_deletes_only_owned_linked_accounts() -> None:
    live = [account("ours", udf={}), account("customer", owned=False, udf={})]
    plan = plan_of([], live, prune=frozenset({"linked_accounts"}))
    assert [(c.key, c.action) for c in plan.changes] == [("ours", Action.DELETE)]
    assert plan.unmanaged[0].keys == ("customer",)
    assert any("never pruned" in w for w in plan.warnings)


def test_partial_read_counts_the_rest_of_a_large_org() -> None:
    live = State().extend([account("a1", name="A", udf={})])
    live.kinds["linked_accounts"].total = 100_000
    desired = State().extend([account("a1", name="A", udf={}), account("a2", name="B", udf={})])
    plan = build_plan(desired, live, PlanInputs(environment="test"))
    assert [(c.key, c.action) for c in plan.changes] == [("a2", Action.CREATE)]
    assert plan.unmanaged[0].count == 99_999


def test_live_duplicates_are_named_and_never_guessed() -> None:
    live = State()
    live.kind("events").add(event("Dup", {"a": 1}))
    live.kind("events").add(event("Dup", {"a": 2}))
    desired = State().extend([event("Dup", {"a": 3})])
    plan = build_plan(desired, live, PlanInputs(environment="test"))
    assert plan.changes == ()
    assert any("events/Dup: 2 live objects" in w for w in plan.warnings)


def test_mass_delete_thresholds() -> None:
    many = [event(f"E{i}", {"a": i}) for i in range(12)]
    plan = plan_of([], many, prune=frozenset({"events"}))
    assert len(plan.changes) == 12
    assert any("12 deletes exceed" in f for f in plan.mass_delete)
    share = plan_of([], many[:10], prune=frozenset({"events"}))
    assert any("(100%)" in f for f in share.mass_delete)
    small = plan_of([Resource("events", "E0", ensure="absent")], many[:3])
    assert small.mass_delete == ()  # a share of a tiny kind means nothing


def test_secrets_are_masked_and_rotation_is_an_update() -> None:
    def creds(fingerprint: str) -> Resource:
        attrs = {"client_id": "id", "client_secret": fingerprint, "scopes": ["a"]}
        return Resource("oauth_credentials", "slack", attrs)  # type: ignore[arg-type]

    (change,) = plan_of([creds("sha256:new")], [creds("sha256:old")]).changes
    (field,) = change.fields
    assert field.sensitive and field.before is None and field.after is None
    assert "sha256" not in str(change.to_dict())
    assert change.tags == ()  # a new secret alone does not force re-authorisation
    assert plan_of([creds("sha256:x")], [creds("sha256:x")]).changes == ()


def test_shape_only_live_events_compare_by_shape() -> None:
    live = Resource("events", "A", {"shape": {"a": "text", "b": "object", "b.c": "text"}})
    assert plan_of([event("A", {"a": 5, "b": {"c": "x"}})], [live]).changes == ()
    (change,) = plan_of([event("A", {"a": 5})], [live]).changes
    assert {f.path for f in change.fields} == {"shape.b", "shape.b.c"}


def test_linked_accounts_ignore_undeclared_name_and_udf_keys() -> None:
    have = account("a1", name="Set in dashboard", udf={"plan": "pro", "region": "eu"})
    assert plan_of([account("a1", udf={"plan": "pro"})], [have]).changes == ()
    (change,) = plan_of([account("a1", udf={"plan": "ent"})], [have]).changes
    assert [(f.path, f.before, f.after) for f in change.fields] == [("udf.plan", "pro", "ent")]


def test_order_creates_by_kind_then_deletes_in_reverse() -> None:
    desired = [
        Resource("apps", "slack", {"enabled": True}),
        event("New", {"a": 1}),
        Resource("apps", "old", ensure="absent"),
        Resource("events", "Old", ensure="absent"),
    ]
    live = [Resource("apps", "old", {"enabled": True}), event("Old", {"a": 1})]
    plan = plan_of(desired, live)
    assert [c.address for c in plan.changes] == [
        "apps/slack",
        "events/New",
        "events/Old",
        "apps/old",
    ]


def test_plan_round_trips_through_its_saved_form() -> None:
    plan = plan_of([event("A", {"a": [1, 2]}), account("a", udf={})], [event("A", {"a": 1})])
    assert Plan.from_dict(plan.to_dict()) == plan


def test_kindstate_counts_duplicates() -> None:
    state = KindState()
    for _ in range(3):
        state.add(event("X", {}))
    assert state.duplicates == {"X": 3}


def test_json_types_are_kept_apart_one_one_point_oh_and_true_differ() -> None:
    for before, after in ((1, 1.0), (1, True), (0, False), ("1", 1), (None, "")):
        (change,) = plan_of([event("A", {"v": after})], [event("A", {"v": before})]).changes
        assert [(f.before, f.after) for f in change.fields] == [(before, after)]


def test_owned_undeclared_accounts_are_named_with_how_to_delete_them() -> None:
    live = [account("old", name="Old"), account("theirs", owned=False, name="Theirs")]
    plan = plan_of([], live)
    (note,) = plan.notes
    assert "1 account created by cobalt-sync" in note and "(old)" in note
    assert "theirs" not in note
    assert "`state: absent`" in note and "`prune: [linked_accounts]`" in note
    pruning = plan_of([], live, prune=frozenset({"linked_accounts"}))
    assert not any("created by cobalt-sync is" in n for n in pruning.notes)


def test_undeclared_udf_keys_on_owned_accounts_are_noted() -> None:
    desired = [account("a1", udf={"plan": "pro"}), account("a2", udf={"plan": "pro"})]
    live = [
        account("a1", udf={"plan": "pro", "tier": "gold"}),
        account("a2", owned=False, udf={"plan": "pro", "set_by_them": "x"}),
    ]
    plan = plan_of(desired, live)
    assert plan.changes == ()
    (note,) = plan.notes
    assert "a1 (tier)" in note and "a2" not in note


def test_a_new_key_with_a_dropped_accounts_name_notes_the_old_one_stays() -> None:
    plan = plan_of([account("acme-2", name="Acme")], [account("acme", name="Acme")])
    (change,) = plan.changes
    assert change.notes == (
        "acme has this name and is no longer declared: if this is its new key, acme stays "
        "in Cobalt unless declared with `state: absent`",
    )


def test_disabling_an_app_notes_who_loses_it() -> None:
    plan = plan_of([Resource("apps", "slack", ensure="absent")], [Resource("apps", "slack", {})])
    (change,) = plan.changes
    assert any("--impact" in note for note in change.notes)
