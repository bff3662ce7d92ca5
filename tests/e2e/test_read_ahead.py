"""Reading the org while the manifest is still checked (read_ahead.py): the plan, the
requests and the errors a user meets are those of a run that reads after the checks."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from cobalt_sync.kinds import KINDS
from cobalt_sync.options import GlobalOptions
from cobalt_sync.reading.connect import open_connection
from cobalt_sync.reading.read_ahead import ReadAhead, Scope, read_org
from cobalt_sync.resource import KindState, Resource, State
from tests.conftest import TEST_KEY, Sandbox

MANIFEST = """\
version: 1
environment: test
apps:
  hubspot:
    oauth: {client_id: hub-1, client_secret: "${HUB_SECRET}", scopes: [crm.objects.contacts.read]}
  slack: {enabled: false}
events:
  Invoice Paid:
    schema: {id: 1}
linked_accounts:
  acct-1: {name: One}
  acct-2: {state: absent}
"""


def routes(sandbox: Sandbox) -> Counter[str]:
    return Counter(entry["route"] for entry in sandbox.get("stats")["log"])


def plan_changes(cli: Any, sandbox: Sandbox, manifest: Path) -> tuple[Any, Counter[str]]:
    """A plan that finds changes (exit 2), and the requests it sent, by route."""
    sandbox.post("stats/reset")
    result = cli("plan", "-f", str(manifest), "--detailed-exitcode")
    assert result.exit_code == 2, result.output
    return result, routes(sandbox)


@pytest.fixture
def manifest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HUB_SECRET", "s3cret-read-ahead")
    path = tmp_path / "cobalt.yaml"
    path.write_text(MANIFEST)
    return path


def test_a_plan_reads_each_object_once(
    cli: Any, cli_env: dict[str, str], sandbox: Sandbox, manifest: Path
) -> None:
    result, sent = plan_changes(cli, sandbox, manifest)
    # The reads begun ahead (apps, events, accounts) are used, not repeated after the checks.
    assert sent == {
        "GET /api/v2/public/application": 1,
        "GET /api/v2/public/application/event": 1,
        "GET /api/v2/public/linked-account": 1,
        "GET /api/v2/public/application/{slug}/oauth-credentials": 1,
    }
    for address in ("apps/hubspot", "events/Invoice Paid", "linked_accounts/acct-1"):
        assert address in result.stdout
    assert "s3cret-read-ahead" not in result.output


EVERY_SECTION = MANIFEST + """\
webhooks:
  "https://hooks.example/cobalt":
    events: [Connection Created]
mcp_servers:
  Support Agent:
    description: Answers from HubSpot
    apps: [hubspot]
environment_variables:
  SUPPORT_EMAIL: help@example.com
"""


def test_a_plan_of_every_section_reads_each_route_once_in_one_round_trip(
    cli: Any, cli_env: dict[str, str], sandbox: Sandbox, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The newer kinds' reads leave with the first ones (READS_AHEAD.by_section) and are
    taken by the kinds' own reads: each route once, none sent twice, none wasted."""
    monkeypatch.setenv("HUB_SECRET", "s3cret-read-ahead")
    path = tmp_path / "cobalt.yaml"
    path.write_text(EVERY_SECTION)
    _, sent = plan_changes(cli, sandbox, path)
    assert sent == {
        "GET /api/v2/public/application": 1,
        "GET /api/v2/public/application/event": 1,
        "GET /api/v2/public/linked-account": 1,
        "GET /api/v2/public/application/{slug}/oauth-credentials": 1,
        "GET /api/v2/public/webhook": 1,
        "GET /api/v2/public/mcp-servers": 1,
        "GET /api/v2/public/env/definitions": 1,
        "GET /api/v2/public/env/values/{scope}": 1,
    }


LARGE_ORG_MANIFEST = """\
version: 1
environment: test
{prune}linked_accounts:
  org-000002: {{name: org-000002}}
  org-000150: {{name: org-000150}}
  org-000320: {{name: org-000320}}
  new-customer: {{name: New}}
"""


@pytest.mark.parametrize(
    ("prune", "listings", "gets"),
    [("", 1, 3), ("prune: [linked_accounts]\n", 4, 0)],
    ids=["declared-accounts-by-id", "pruned-every-page"],
)
def test_the_reads_after_the_first_page_are_sent_once(
    cli: Any,
    cli_env: dict[str, str],
    sandbox: Sandbox,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    prune: str,
    listings: int,
    gets: int,
) -> None:
    """350 accounts at 100 a page: after page 1, the three declared accounts it does not
    show are read by id (3 GETs against 3 more pages: a tie goes to the GETs), or, when the
    manifest prunes linked accounts, every page is. Those reads are sent ahead, while the
    kinds load, and the kind's own reading then finds them: none is sent twice."""
    monkeypatch.setenv("COBALT_PAGE_SIZE", "100")
    sandbox.post("seed", key=TEST_KEY, linked_accounts=350, account_prefix="org-")
    path = tmp_path / "cobalt.yaml"
    path.write_text(LARGE_ORG_MANIFEST.format(prune=prune))
    result, sent = plan_changes(cli, sandbox, path)
    assert sent["GET /api/v2/public/linked-account"] == listings
    assert sent["GET /api/v2/public/linked-account/{linked_account_id}"] == gets
    assert "+ linked_accounts/new-customer" in result.stdout


def test_a_small_manifest_on_a_mid_size_org_reads_the_full_page_once(
    cli: Any, cli_env: dict[str, str], sandbox: Sandbox, tmp_path: Path
) -> None:
    """Four declared accounts ask for a first page of 100 (account_reads.SMALL_FIRST_PAGE);
    on an org of 350 that is not the whole org, and one full page (1,000) holds it all: the
    plan reads that page next, one request, instead of three more small pages or three GETs,
    and the reads sent ahead are those very two."""
    sandbox.post("seed", key=TEST_KEY, linked_accounts=350, account_prefix="org-")
    path = tmp_path / "cobalt.yaml"
    path.write_text(LARGE_ORG_MANIFEST.format(prune=""))
    result, sent = plan_changes(cli, sandbox, path)
    assert sent == {
        "GET /api/v2/public/application": 1,
        "GET /api/v2/public/application/event": 1,
        "GET /api/v2/public/linked-account": 2,
    }
    assert "+ linked_accounts/new-customer" in result.stdout
    assert "org-000320" not in result.stdout  # read in full, compared, unchanged


def test_on_real_cobalt_a_plan_reads_each_object_once(
    cli: Any, cli_env: dict[str, str], sandbox: Sandbox, manifest: Path
) -> None:
    """The manual backend reads apps through a linked account: that read is not one sent
    ahead, and the ones sent ahead (events, the first page of accounts) are not repeated."""
    sandbox.post("stats/reset")
    result = cli("--app-settings", "manual", "plan", "-f", str(manifest))
    assert result.exit_code == 0, result.output
    # Besides the two listings: the look-up of a linked account to read apps through (the
    # declared seed acct-1, then any account of the org's first page; there is none yet, so
    # no apps read).
    assert routes(sandbox) == {
        "GET /api/v2/public/application/event": 1,
        "GET /api/v2/public/linked-account": 2,
        "GET /api/v2/public/linked-account/{linked_account_id}": 1,
    }


def test_a_manifest_that_cannot_be_parsed_sends_nothing(
    cli: Any, cli_env: dict[str, str], sandbox: Sandbox, tmp_path: Path
) -> None:
    broken = tmp_path / "cobalt.yaml"
    broken.write_text("version: 1\nenvironment: test\nevents: [unclosed\n")
    sandbox.post("stats/reset")
    result = cli("plan", "-f", str(broken))
    assert result.exit_code == 3, result.output
    assert sandbox.get("stats")["requests_total"] == 0


def test_manifest_problems_come_before_connection_problems(
    cli: Any, cli_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("COBALT_API_KEY")
    path = tmp_path / "cobalt.yaml"
    path.write_text("version: 1\nenvironment: test\nlinked_accounts:\n  a-1: {nmae: One}\n")
    result = cli("plan", "-f", str(path))
    assert result.exit_code == 3, result.output
    assert "nmae" in result.stderr
    assert "COBALT_API_KEY" not in result.stderr


def accounts(*keys: str) -> State:
    state = State(kinds={"linked_accounts": KindState()})
    for key in keys:
        state.kinds["linked_accounts"].add(Resource("linked_accounts", key))
    return state


@pytest.mark.parametrize(
    ("guessed", "requests"),
    [
        (accounts("acct-1"), {}),
        (
            accounts("acct-guessed"),
            {
                "GET /api/v2/public/application": 1,
                "GET /api/v2/public/application/event": 1,
                "GET /api/v2/public/linked-account": 1,
            },
        ),
    ],
    ids=["guess-confirmed-no-request-again", "guess-overturned-read-again"],
)
def test_a_reading_ahead_is_used_only_when_the_checked_manifest_reads_the_same(
    cli_env: dict[str, str], sandbox: Sandbox, guessed: State, requests: dict[str, int]
) -> None:
    options = GlobalOptions(api_url=sandbox.url)
    with open_connection(options, parallelism=4) as run:
        ahead = ReadAhead(run, Scope.of(guessed, frozenset()), guessed)
        ahead.settle()
        sandbox.post("stats/reset")
        live = read_org(run, accounts("acct-1"), frozenset(), ahead)
    assert routes(sandbox) == requests
    assert list(live.kinds) == [k for k in KINDS if KINDS[k].always_read]
