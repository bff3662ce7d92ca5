"""Saved plans: `plan --out` writes one, `apply PLANFILE` and `show PLANFILE` read it, and
`check_saved_plan` decides whether it still holds against a fresh plan.

A saved plan is a promise about writes. It still holds when the org moved only toward it:
every change of the fresh plan is in the saved plan with the same action and values (what an
earlier run of this plan, or a person doing its dashboard steps, already did counts as done),
and every dashboard step left was reviewed in it (a step's observed "before" may move as a
person works through the steps; where it ends is fixed by the manifest hash). Anything else
is stale. The manifest path is stored relative to the plan file, so a plan can
be applied from any directory. No HTTP here.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from cobalt_sync.atomic_file import ensure_folder, write_atomically
from cobalt_sync.errors import InputError, RefusedError
from cobalt_sync.plan import Change, Plan, canonical_json

SAVED_PLAN_KEY = "cobalt_sync_plan"
REPLAN_HINT = "run `cobalt-sync plan --out …` again and review it"


def save_plan(plan: Plan, manifest_path: Path, out: Path) -> None:
    """Write `plan` atomically (never through a link, atomic_file.py) into `out`'s folder,
    created if missing; the manifest is recorded relative to that folder."""
    ensure_folder(out)
    relative = os.path.relpath(manifest_path.resolve(), out.resolve().parent)
    document = {SAVED_PLAN_KEY: 1, "manifest_path": Path(relative).as_posix(), **plan.to_dict()}
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    write_atomically(out, text, overwrite=True)


def load_saved_plan(path: Path) -> tuple[Plan, Path]:
    """A plan file written by `plan --out`, and its manifest's path (resolved against the
    plan file's folder); any other file is bad input, not a crash."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(document, dict) or document.get(SAVED_PLAN_KEY) != 1:
            raise ValueError("not a cobalt-sync plan file")
        manifest = Path(str(document["manifest_path"]))
        return Plan.from_dict(document), path.parent / manifest
    except FileNotFoundError:
        raise InputError(f"{path}: no such plan file") from None
    except RecursionError:  # `[[[[…` nested past the stack: no plan is written like that
        raise InputError(
            f"{path}: not a readable cobalt-sync plan file (nested too deeply)",
            hint="write one with `cobalt-sync plan --out plan.json`",
        ) from None
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as error:
        reason = error.args[0] if isinstance(error, ValueError) and error.args else "malformed"
        raise InputError(
            f"{path}: not a readable cobalt-sync plan file ({reason})",
            hint="write one with `cobalt-sync plan --out plan.json`",
        ) from None


def check_saved_plan(saved: Plan, fresh: Plan) -> None:
    """Refuse when the manifest changed, or the live org moved anywhere but toward the plan."""
    if saved.manifest_hash != fresh.manifest_hash:
        raise RefusedError(
            "the saved plan is stale: the manifest (or a variable or schema file it uses) "
            "changed since the plan was made, or it was made with another API key",
            hint=REPLAN_HINT,
        )
    # A reviewed dashboard step may come back as an API change once the person did it (an
    # env-variable definition created, so its value can be written): that is toward the plan.
    promised = {essence(c) for c in saved.changes}
    promised |= {essence(step.change) for step in saved.dashboard_steps}
    unexpected = [c.address for c in fresh.changes if essence(c) not in promised]
    reviewed_steps = {s.address for s in saved.dashboard_steps}
    unexpected += [s.address for s in fresh.dashboard_steps if s.address not in reviewed_steps]
    if unexpected:
        shown = ", ".join(unexpected[:5]) + (" …" if len(unexpected) > 5 else "")
        raise RefusedError(
            "the saved plan is stale: the live org changed since the plan was made, other "
            f"than toward it ({shown})",
            hint=REPLAN_HINT,
        )


def essence(change: Change) -> str:
    """What a change would write, without the review notes (`--impact` adds notes), as
    canonical JSON: field values hold lists and objects, which cannot be set members."""
    fields = [f.to_dict() for f in change.fields]
    return canonical_json([change.kind, change.key, change.action.value, fields])
