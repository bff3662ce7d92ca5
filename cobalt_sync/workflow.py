"""The steps `plan`, `apply` and `check` share: load the manifest, guard the environment,
read the live org and build the Plan. Owns no output: callers render and report.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from cobalt_sync.apply import manual_step
from cobalt_sync.errors import InputError, RefusedError
from cobalt_sync.kinds import KINDS, KindContext
from cobalt_sync.manifest import LoadedManifest
from cobalt_sync.plan import Action, Change, FieldChange, Plan, digest
from cobalt_sync.planner import PlanInputs, build_plan
from cobalt_sync.resource import KIND_ORDER, State
from cobalt_sync.state import desired_state, manifest_hash, read_live, resource_document

SAVED_PLAN_KEY = "cobalt_sync_plan"


@dataclass(frozen=True)
class Computed:
    """A plan together with the two States it came from (apply needs them)."""

    plan: Plan
    desired: State
    live: State


def guard_environment(manifest_environment: str, key_environment: str) -> None:
    """Refuse before any request that writes: a test manifest must never touch production."""
    if manifest_environment != key_environment:
        prefix = "pk" if key_environment == "production" else "tk"
        raise RefusedError(
            f"environment mismatch: the manifest says '{manifest_environment}' but "
            f"COBALT_API_KEY is a {key_environment} key ({prefix}…)",
            hint="use the key of the manifest's environment, or fix `environment:`",
        )


def compute(loaded: LoadedManifest, ctx: KindContext, environment: str) -> Computed:
    manifest = loaded.manifest
    desired = desired_state(manifest)
    live = read_live(ctx, desired)
    inputs = PlanInputs(
        environment=environment,
        prune=frozenset(manifest.prune),
        kinds=KIND_ORDER,
        manifest_hash=manifest_hash(desired, manifest, ctx.api.digest_key()),
    )
    plan = build_plan(desired, live, inputs)
    if not ctx.settings.can_write:
        plan = replace(plan, changes=tuple(as_manual(c, ctx) for c in plan.changes))
    fingerprint = live_fingerprint(live, desired, plan, ctx.api.digest_key())
    return Computed(replace(plan, live_fingerprint=fingerprint), desired, live)


def as_manual(change: Change, ctx: KindContext) -> Change:
    """On real Cobalt, app and credential changes are dashboard steps: say so in the plan."""
    if KINDS[change.kind].writable(ctx):
        return change
    return replace(
        change, tags=(*change.tags, "manual"), notes=(*change.notes, manual_step(change))
    )


def live_fingerprint(live: State, desired: State, plan: Plan, key: bytes) -> str:
    """A hash of the live objects this plan acts on or compared: declared ones and prune
    targets. Unrelated objects coming and going (new customers) do not make a plan stale."""
    relevant: dict[str, Any] = {}
    deletes = {(c.kind, c.key) for c in plan.changes if c.action is Action.DELETE}
    for name, kind in sorted(live.kinds.items()):
        wanted = desired.kinds[name].resources if name in desired.kinds else {}
        relevant[name] = {
            key: resource_document(resource)
            for key, resource in sorted(kind.resources.items())
            if key in wanted or (name, key) in deletes
        }
        relevant[f"{name}.duplicates"] = kind.duplicates
    return digest(relevant, key)


def save_plan(plan: Plan, manifest_path: Path, out: Path) -> None:
    document = {SAVED_PLAN_KEY: 1, "manifest_path": str(manifest_path), **plan.to_dict()}
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(out)


def load_saved_plan(path: Path) -> tuple[Plan, Path]:
    """Read a plan file written by `plan --out`; any other file is bad input, not a crash."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(document, dict) or document.get(SAVED_PLAN_KEY) != 1:
            raise ValueError("not a cobalt-sync plan file")
        return Plan.from_dict(document), Path(str(document["manifest_path"]))
    except FileNotFoundError:
        raise InputError(f"{path}: no such plan file") from None
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as error:
        reason = error.args[0] if isinstance(error, ValueError) and error.args else "malformed"
        raise InputError(
            f"{path}: not a readable cobalt-sync plan file ({reason})",
            hint="write one with `cobalt-sync plan --out plan.json`",
        ) from None


def check_saved_plan(saved: Plan, fresh: Plan) -> None:
    """A saved plan is a promise: refuse when the manifest or the live org has moved."""
    if saved.manifest_hash != fresh.manifest_hash:
        raise RefusedError(
            "the saved plan is stale: the manifest (or a variable or schema file it uses) "
            "changed since the plan was made, or it was made with another API key",
            hint="run `cobalt-sync plan --out …` again and review it",
        )
    if saved.live_fingerprint != fresh.live_fingerprint or essence(saved) != essence(fresh):
        raise RefusedError(
            "the saved plan is stale: the live org changed since the plan was made",
            hint="run `cobalt-sync plan --out …` again and review it",
        )


def essence(plan: Plan) -> list[tuple[str, str, str, tuple[FieldChange, ...]]]:
    """What a plan would do, without the review notes (`--impact` adds notes at plan time)."""
    return [(c.kind, c.key, c.action.value, c.fields) for c in plan.changes]
