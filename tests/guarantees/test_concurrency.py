"""Guarantees under trouble, for every kind, against the served sandbox with real processes:
transient faults and the vendor's variants (the `cobalt` profile included) converge without
duplicates; `kill -9` mid-apply then a re-run converges; two applies at once leave no
duplicates; an apply while someone else edits the org ends right or exits 6."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CliResult
from tests.guarantees.support import DUPLICATE_WARNING, KIND_NAMES, Org, samples
from tests.reliability.support import (
    clean_env,
    finished,
    kill9,
    no_traceback,
    run_cli,
    start_cli,
)

CALM = {
    "latency_ms": 0, "jitter_ms": 0, "error_rate": 0.0, "drop_rate": 0.0,
    "ambiguous_success_rate": 0.0, "rate_limit": None, "retry_after": True,
    "duplicate_create_status": 400, "not_found_status": 404,
}
# Transient faults: server errors, replies lost after the write, a rate limit.
FAULTS = {"error_rate": 0.2, "drop_rate": 0.1, "rate_limit": 50, "seed": 7}
# The vendor's other answers: 409 for a duplicate, 500 for "not found", 200s carrying an
# error, 429 without Retry-After.
VENDOR = {
    "duplicate_create_status": 409, "not_found_status": 500,
    "ambiguous_success_rate": 0.1, "rate_limit": 50, "retry_after": False, "seed": 11,
}
VARIANTS = {
    "faults": ("org", FAULTS),
    "vendor-variants": ("org", VENDOR),
    "cobalt-profile": ("cobalt_org", {**VENDOR, **FAULTS}),
}


def start(org: Org, manifest: Path, *flags: str) -> Any:
    """`cobalt-sync apply` as a real process, started now."""
    args = ["apply", "-f", str(manifest), "--auto-approve", *flags]
    return start_cli(args, clean_env(**org.env), org.directory)


def wait_for(process: Any, needle: str, timeout: float = 60) -> float | None:
    """When `needle` first shows in the process's output (None if it ended first)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if needle in process.out_path.read_text() + process.err_path.read_text():
            return time.monotonic()
        if process.poll() is not None:
            return None
        time.sleep(0.005)
    return None


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("kind", KIND_NAMES)
def test_faults_and_vendor_variants_converge_without_duplicates(
    kind: str, variant: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    fixture, faults = VARIANTS[variant]
    org: Org = request.getfixturevalue(fixture)
    # As a CI job would run against a rate limit: paced, and backing off between retries.
    monkeypatch.setenv("COBALT_MAX_RPS", "50")
    monkeypatch.setenv("COBALT_RETRY_BACKOFF", "0.05")
    sample = samples(kind)
    org.box.faults(**faults)
    manifest = org.manifest(sample.create)
    org.converge(manifest, kind, runs=3)
    for name, fragment in sample.updates.items():
        manifest = org.manifest(fragment)
        org.converge(manifest, kind, runs=3, field=name)
    org.box.faults(**CALM)
    org.assert_settled(manifest)


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_kill_9_mid_apply_then_a_rerun_converges(org: Org, kind: str) -> None:
    manifest = org.manifest(samples(kind).create)
    org.box.faults(latency_ms=150)
    process = start(org, manifest)
    if wait_for(process, "Plan:") is not None:
        time.sleep(0.2)  # the first writes are in flight
    kill9(process)
    org.box.faults(**CALM)
    org.converge(manifest, kind)
    org.assert_settled(manifest)


def both(org: Org, first: Path, second: Path) -> tuple[CliResult, CliResult]:
    """Two applies started together; the reads are slow enough to overlap."""
    one, two = start(org, first, "--format", "json"), start(org, second, "--format", "json")
    results = finished(one), finished(two)
    for result in results:
        no_traceback(result)
    return results


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_two_applies_at_once_leave_no_duplicates(org: Org, kind: str) -> None:
    manifest = org.manifest(samples(kind).create)
    org.box.faults(latency_ms=60, jitter_ms=40, seed=3)
    for _ in range(2):  # a second race once the dashboard steps (if any) are taken
        results = both(org, manifest, manifest)
        for result in results:
            assert result.exit_code in (0, 6, 7), result.output[-3000:]
        if all(result.exit_code == 0 for result in results):
            break
        org.take_steps(kind)
    org.box.faults(**CALM)
    org.assert_settled(manifest)  # no change left, and no key held twice


@dataclass
class Editor:
    """Someone else changing the org while our apply runs: once our first write landed,
    applies the kind's objects back to what they were, until ours ends, noting when each
    of their writes landed."""

    org: Org
    manifest: Path
    ours: Any
    wrote_at: list[float] = field(default_factory=list)

    def run(self) -> None:
        args = ["apply", "-f", str(self.manifest), "--auto-approve", "--format", "json"]
        wait_for(self.ours, "✓ ")
        while self.ours.poll() is None:
            result = run_cli(args, clean_env(**self.org.env), timeout=120)
            if result.exit_code in (0, 6) and json.loads(result.stdout or "{}").get("outcomes"):
                self.wrote_at.append(time.monotonic())


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_an_apply_while_someone_edits_the_org_ends_right_or_exits_6(
    org: Org, kind: str
) -> None:
    """Our apply changes a field while someone else keeps setting it back. Ours exits 0 only
    if the org matched when it re-read it: if it differs now, the other writer wrote after
    that re-read began. Nothing is ever held twice, and a re-run converges."""
    sample = samples(kind)
    org.converge(org.manifest(sample.create), kind)
    field_name, fragment = next(iter(sample.updates.items()))
    ours = org.manifest(fragment, name="ours.yaml")
    theirs = org.manifest(sample.create, name="theirs.yaml")
    org.box.faults(latency_ms=150, jitter_ms=50, seed=5)
    process = start(org, ours)
    editor = Editor(org, theirs, process)
    editing = threading.Thread(target=editor.run)
    editing.start()
    verifying = wait_for(process, "Re-reading the live org to verify")
    result = finished(process)
    editing.join(timeout=120)
    org.box.faults(**CALM)
    no_traceback(result)
    assert result.exit_code in (0, 6, 7), result.output[-3000:]
    if result.exit_code == 6:
        assert "differs" in result.output or "failed" in result.output, result.output[-3000:]
    shown = org.cli("plan", "-f", str(ours), "--detailed-exitcode")
    assert DUPLICATE_WARNING not in shown.output, shown.output[-3000:]
    if result.exit_code == 0 and shown.exit_code != 0:
        assert verifying is not None and any(t >= verifying for t in editor.wrote_at), (
            "apply said the org matches, but it differs and nobody wrote since the re-read"
        )
    print(f"{kind}: exit {result.exit_code}, {len(editor.wrote_at)} edits by the other writer")
    org.converge(ours, kind, field=field_name)
    org.assert_settled(ours)
