"""Guarantees of one apply at a time, for every kind: apply then re-plan shows no changes;
every field's update converges; export round-trips; a stale saved plan is refused; `--target`
of the kind touches only it (and what it needs first)."""

from __future__ import annotations

import json
import re

import pytest

from cobalt_sync.kinds import prerequisite
from cobalt_sync.plan import Action, Change
from tests.guarantees.support import KIND_NAMES, Org, samples

PLACEHOLDER = re.compile(r"\$\{([A-Z][A-Z0-9_]*)\}")


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_apply_then_replan_shows_no_changes(org: Org, kind: str) -> None:
    manifest = org.manifest(samples(kind).create)
    shown = org.cli("plan", "-f", str(manifest), "--detailed-exitcode")
    assert shown.exit_code == 2 and f"{kind}/" in shown.stdout, shown.output[-3000:]
    org.converge(manifest, kind)
    org.assert_settled(manifest)


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_every_fields_update_converges(org: Org, kind: str) -> None:
    sample = samples(kind)
    assert sample.updates, f"{kind}: the samples name no updatable field"
    org.converge(org.manifest(sample.create), kind)
    for field, fragment in sample.updates.items():
        manifest = org.manifest(fragment)
        shown = org.cli("plan", "-f", str(manifest), "--detailed-exitcode")
        assert shown.exit_code == 2, f"{field}: the change is not planned\n{shown.output}"
        org.converge(manifest, kind, field=field)
        org.assert_settled(manifest)
        org.converge(org.manifest(sample.create), kind)  # and back, from the changed state
        org.assert_settled(org.manifest(sample.create))


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_export_round_trips(org: Org, kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Export the org the sample made, then plan that export: no changes. The export names
    each secret by a `${VARIABLE}` the user sets: here to the sample's value."""
    sample = samples(kind)
    org.converge(org.manifest(sample.create), kind)
    exported = org.directory / "exported.yaml"
    result = org.cli("export", "-o", str(exported))
    assert result.exit_code == 0, result.output[-3000:]
    text = exported.read_text()
    used = sorted(set(PLACEHOLDER.findall(json.dumps(sample.create))))
    for name in set(PLACEHOLDER.findall(text)):
        assert len(used) == 1, f"{kind}: which secret is ${{{name}}}? the sample uses {used}"
        monkeypatch.setenv(name, sample.secrets[used[0]])
    org.assert_settled(exported)


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_a_stale_saved_plan_is_refused(org: Org, kind: str) -> None:
    """Once the manifest moved (or the org moved away from the plan), `apply plan.json`
    exits 5 and writes nothing; the plan, still current, applies."""
    sample = samples(kind)
    fields = list(sample.updates.values())
    manifest = org.manifest(sample.create)
    saved = org.directory / "plan.json"
    assert org.cli("plan", "-f", str(manifest), "--out", str(saved)).exit_code == 0
    org.manifest(fields[0])  # the manifest moves after the review
    before = org.writes()
    refused = org.cli("apply", str(saved), "--auto-approve")
    assert refused.exit_code == 5, refused.output[-3000:]
    assert org.writes() == before
    org.manifest(sample.create)
    applied = org.cli("apply", str(saved), "--auto-approve")
    assert applied.exit_code in (0, 7), applied.output[-3000:]
    org.converge(manifest, kind)
    if len(fields) < 2:
        return
    # The org moves away from a reviewed plan: someone changes another field meanwhile.
    moved = org.manifest(fields[0], name="update.yaml")
    shown = org.cli("plan", "-f", str(moved), "--out", str(saved), "--detailed-exitcode")
    assert shown.exit_code == 2, shown.output[-3000:]
    org.converge(org.manifest(fields[-1], name="other.yaml"), kind)
    before = org.writes()
    refused = org.cli("apply", str(saved), "--auto-approve")
    assert refused.exit_code == 5, refused.output[-3000:]
    assert org.writes() == before


def addresses(document: dict[str, object]) -> set[str]:
    items = [*document["changes"], *document["dashboard_steps"]]  # type: ignore[misc]
    return {f"{item['kind']}/{item['key']}" for item in items}


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_target_of_the_kind_touches_only_it(org: Org, kind: str) -> None:
    """Every kind's sample in one manifest; `apply --target <kind>` changes the kind's objects
    (and what they must wait for) and nothing else: the rest is still planned after."""
    manifest = org.manifest(*(samples(name).create for name in KIND_NAMES))
    path = str(manifest)
    everything = addresses(json.loads(org.cli("plan", "-f", path, "--format", "json").stdout))
    planned = org.cli("plan", "-f", path, "--target", kind, "--format", "json")
    targeted = addresses(json.loads(planned.stdout))
    assert any(a.startswith(f"{kind}/") for a in targeted), planned.output[-3000:]
    needed = {
        prerequisite(Change(*address.split("/", 1), Action.CREATE))
        for address in targeted
    }
    strays = {a for a in targeted if not a.startswith(f"{kind}/") and a not in needed}
    assert not strays, f"--target {kind} also plans {sorted(strays)}"
    org.converge(manifest, kind, "--target", kind)
    after = addresses(json.loads(org.cli("plan", "-f", path, "--format", "json").stdout))
    assert after == everything - targeted
