"""The steps `plan`, `apply` and `check` share: guard the environment, read the live org
and build the Plan, with the changes only Cobalt's dashboard can make as dashboard steps.
Owns no output (callers render and report) and no writes (that is `apply`).
"""

from __future__ import annotations

from collections.abc import KeysView
from dataclasses import dataclass, replace
from typing import Any

from cobalt_sync.gc_tuning import rare_collections
from cobalt_sync.kinds import APPLY_ORDER, KINDS, OBSERVER, STEP_KINDS, RunContext, SecretSource
from cobalt_sync.manifest import LoadedManifest
from cobalt_sync.plan import Action, Change, DashboardStep, Plan, StepStatus, digest
from cobalt_sync.planning.citations import cite
from cobalt_sync.planning.planner import UNVERIFIED, PlanInputs, build_plan, mass_delete_findings
from cobalt_sync.planning.targets import Target, check_named, select
from cobalt_sync.reading.read_ahead import ReadAhead, read_org
from cobalt_sync.reading.state import (
    desired_state,
    kinds_to_read,
    manifest_hash,
    observers,
    resource_document,
)
from cobalt_sync.resource import State


@dataclass(frozen=True)
class Computed:
    """A plan together with the two States it came from (apply needs them)."""

    plan: Plan
    desired: State
    live: State


def compute(
    loaded: LoadedManifest,
    ctx: RunContext,
    environment: str,
    targets: tuple[Target, ...] = (),
    ahead: ReadAhead | None = None,
) -> Computed:
    """The plan of `loaded` against the org; `ahead` is the reading started from the
    manifest's draft (read_ahead.py), used when the checked manifest asks for what it read."""
    manifest = loaded.manifest
    desired = desired_state(manifest)
    kinds = kinds_to_read(desired, frozenset(manifest.prune))
    live = read_org(ctx, desired, frozenset(manifest.prune), ahead)
    inputs = PlanInputs(
        environment=environment,
        prune=frozenset(manifest.prune),
        kinds=kinds,
        # Before the probe is added: it depends on the org, and the hash on the manifest only.
        manifest_hash=manifest_hash(desired, manifest, ctx.api.digest_key()),
    )
    probe = OBSERVER.probe()
    if probe is not None and needs_probe(desired, live, ctx):
        desired.kind(OBSERVER.name).add(probe)  # its change says why (the kind's `annotate`)
    plan = build_plan(desired, live, inputs)
    plan = with_dashboard_steps(plan, desired, live, loaded, ctx)
    if targets:
        partial = {kind for kind, found in live.kinds.items() if found.total is not None}
        check_named(targets, keys_by_kind(desired), keys_by_kind(live), partial)
        plan = select(plan, targets)
        plan = replace(plan, mass_delete=tuple(mass_delete_findings(plan.changes, live)))
    plan = cite(plan, loaded)  # the lines of the changes only, after narrowing to targets
    fingerprint = live_fingerprint(live, desired, plan, ctx.api.digest_key())
    return Computed(replace(plan, live_fingerprint=fingerprint), desired, live)


def needs_probe(desired: State, live: State, ctx: RunContext) -> bool:
    """True on real Cobalt when dashboard steps could not be verified for want of a linked
    account and the manifest declares none that apply will create."""
    unobserved = any(live.kind(kind).unobserved for kind in STEP_KINDS)
    return unobserved and not ctx.settings.can_write and not observers(desired)


def with_dashboard_steps(
    plan: Plan, desired: State, live: State, loaded: LoadedManifest, ctx: RunContext
) -> Plan:
    """Changes the API cannot make move from `changes` to `dashboard_steps`, worded as what a
    person does in the dashboard, in the order to do them: on real Cobalt, app and credential
    changes; anywhere, an object the kind marked dashboard-only (an env-variable value whose
    definition does not exist yet)."""

    def by_hand(change: Change) -> bool:
        only = live.kinds.get(change.kind)
        marked = only is not None and change.key in only.dashboard_only
        return marked or not KINDS[change.kind].writable(ctx)

    manual = sorted((c for c in plan.changes if by_hand(c)), key=step_order)
    steps = tuple(dashboard_step(c, desired, loaded) for c in manual)
    kept = tuple(c for c in plan.changes if not by_hand(c))
    return replace(plan, changes=kept, dashboard_steps=steps)


def step_order(change: Change) -> tuple[int, int, str]:
    """Credentials before an app is enabled; when going back, disable first (as apply)."""
    rank = APPLY_ORDER.index(change.kind)
    if change.action is Action.DELETE:
        return (1, -rank, change.key)
    return (0, rank, change.key)


def dashboard_step(change: Change, desired: State, loaded: LoadedManifest) -> DashboardStep:
    want = desired.get(change.kind, change.key)
    kind = KINDS[change.kind]
    source = SecretSource.of(loaded, kind.secret_path(change.key))
    where, what = kind.dashboard_step(change, want, source)
    if UNVERIFIED in change.tags:
        tags = tuple(t for t in change.tags if t != UNVERIFIED)
        # The planner's first note says why it cannot be observed; the rest stay notes.
        reason = change.notes[0] if change.notes else ""
        bare = replace(change, tags=tags, notes=change.notes[1:])
        return DashboardStep(bare, where, what, StepStatus.UNVERIFIED, f"not observable: {reason}")
    return DashboardStep(change, where, what)


@rare_collections()  # a document of every compared live object: see gc_tuning.py
def live_fingerprint(live: State, desired: State, plan: Plan, key: bytes) -> str:
    """A hash of the live objects this plan acts on or compared: declared ones and prune
    targets (kept in the plan document for the record; staleness is `saved_plan`'s rule)."""
    relevant: dict[str, Any] = {}
    deletes = {(c.kind, c.key) for c in plan.changes if c.action is Action.DELETE}
    # Nothing is sorted here: digest's canonical JSON sorts every object's keys.
    for name, kind in live.kinds.items():
        wanted = desired.kinds[name].resources if name in desired.kinds else {}
        relevant[name] = {
            key: resource_document(resource)
            for key, resource in kind.resources.items()
            if key in wanted or (name, key) in deletes
        }
        relevant[f"{name}.duplicates"] = kind.duplicates
    return digest(relevant, key)


def keys_by_kind(state: State) -> dict[str, KeysView[str]]:
    return {kind: found.resources.keys() for kind, found in state.kinds.items()}
