"""`benchmarks/run.py --quick` end to end: one JSON document of the shape the README documents,
and request counts (deterministic: the sandbox counts them) that prove plan and apply cost
what the manifest declares. No timing is asserted: this machine is shared and noisy.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCENARIO_NAMES = [
    "small_manifest_huge_org",
    "large_manifest_no_changes",
    "bulk_create",
    "rate_limited",
    "faulty_network",
    "small_manifest_million_org",
]
FIELDS = {
    "name": str,
    "meets_target": bool,
    "targets": dict,
    "wall_s": float,
    "requests": int,
    "requests_needed": int,
    "lower_bound_s": float,
    "ratio": float,
    "target_ratio": float,
    "floor_s": float,
    "ratio_to_floor": float,
    "floor_parts": dict,
    "cpu_floor_s": float,
    "cpu_ratio_to_floor": float,
    "peak_rss_mb": float,
    "cpu_s": float,
    "exit_code": int,
    "sandbox": dict,
    "notes": list,
}
LISTING = "GET /api/v2/public/linked-account"
GET_ONE = "GET /api/v2/public/linked-account/{linked_account_id}"
UPSERT = "PUT /api/v2/public/linked-account"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    completed = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    document: dict[str, Any] = json.loads(completed.stdout)  # exactly one JSON document
    return document


def scenario(report: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(s for s in report["scenarios"] if s["name"] == name)
    return found


def routes(figures: dict[str, Any]) -> dict[str, int]:
    by_route: dict[str, int] = figures["sandbox"]["by_route"]
    return by_route


def test_one_document_with_every_scenario_and_figure(report: dict[str, Any]) -> None:
    assert report["mode"] == "quick"
    assert [s["name"] for s in report["scenarios"]] == SCENARIO_NAMES
    for figures in report["scenarios"]:
        for name, kind in FIELDS.items():
            value = figures[name]
            assert isinstance(value, kind) or (kind is float and isinstance(value, int)), name
        assert figures["targets"] and all(isinstance(v, bool) for v in figures["targets"].values())
        # A miss is never hidden: the verdict is exactly the conjunction of the targets.
        assert figures["meets_target"] == all(figures["targets"].values())
        assert math.isclose(
            figures["ratio"], figures["wall_s"] / figures["lower_bound_s"], rel_tol=0.02
        )
        assert math.isclose(
            figures["ratio_to_floor"], figures["wall_s"] / figures["floor_s"], rel_tol=0.02
        )
        parts = figures["floor_parts"]
        # The floor is what the stack allows: the network bound plus the two measured floors.
        assert math.isclose(figures["floor_s"], sum(parts.values()), abs_tol=0.002)
        assert parts["network_bound_s"] == figures["lower_bound_s"]
        assert parts["import_floor_s"] > 0
        assert figures["notes"], "every scenario says how requests_needed was counted"
    assert report["all_targets_met"] == all(s["meets_target"] for s in report["scenarios"])


def test_small_manifest_reads_only_what_it_declares(report: dict[str, Any]) -> None:
    figures = scenario(report, "small_manifest_huge_org")
    assert figures["exit_code"] == 2  # three accounts to create
    assert figures["requests"] == figures["requests_needed"] <= 30
    assert routes(figures)[LISTING] == 1  # never the whole org
    assert routes(figures)[GET_ONE] == figures["requests_needed"] - 3


def test_large_matching_manifest_pages_instead_of_reading_each_account(
    report: dict[str, Any],
) -> None:
    figures = scenario(report, "large_manifest_no_changes")
    assert figures["exit_code"] == 0
    assert figures["targets"]["no_changes"]
    assert figures["requests"] == figures["requests_needed"]
    assert GET_ONE not in routes(figures)


def test_bulk_create_writes_each_account_once_and_verifies_by_paging(
    report: dict[str, Any],
) -> None:
    figures = scenario(report, "bulk_create")
    created = figures["requests_needed"] - 3
    assert routes(figures)[UPSERT] == created  # no per-change re-reads or repeats
    assert GET_ONE not in routes(figures)
    # Reads before the writes (apps, events, one page) and the verification re-read after.
    assert figures["requests"] == figures["requests_needed"] + 3
    assert figures["targets"]["all_created"] and figures["targets"]["no_duplicates"]
    assert figures["speedup"]["p1_requests"] == figures["speedup"]["p16_requests"]


@pytest.mark.parametrize("name", ["rate_limited", "faulty_network"])
def test_hostile_networks_still_converge_without_duplicates(
    report: dict[str, Any], name: str
) -> None:
    figures = scenario(report, name)
    assert figures["exit_code"] == 0, figures["notes"]
    assert figures["targets"]["all_created"] and figures["targets"]["no_duplicates"]
    assert figures["sandbox"]["writes_applied"] >= figures["requests_needed"] - 3


def test_plan_scenarios_are_judged_against_the_floor(report: dict[str, Any]) -> None:
    for name in ["small_manifest_huge_org", "large_manifest_no_changes"]:
        targets = scenario(report, name)["targets"]
        assert "wall_within_1.5x_floor" in targets
        assert not any(t.endswith("x_bound") for t in targets)
    # The large manifest's own parse floor is measured; it is what makes its floor larger.
    parse = scenario(report, "large_manifest_no_changes")["floor_parts"]["c_parse_floor_s"]
    assert parse > scenario(report, "small_manifest_huge_org")["floor_parts"]["c_parse_floor_s"]


def test_plan_cost_follows_the_manifest_not_the_org(report: dict[str, Any]) -> None:
    small, huge = (
        scenario(report, "small_manifest_huge_org"),
        scenario(report, "small_manifest_million_org"),
    )
    assert huge["exit_code"] == 2
    # Ten times the org, the very same requests, route by route: one listing page, the rest
    # by id.
    assert huge["requests"] == small["requests"] == huge["requests_needed"]
    assert routes(huge) == routes(small)
    assert huge["targets"]["same_requests_as_scenario_1"]
    assert huge["org_accounts"] == 10 * huge["compared_with"]["org_accounts"]
