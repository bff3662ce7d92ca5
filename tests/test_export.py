"""export: the live org as a manifest. Pure tests of `export_manifest` on States (what the
loader reads back, determinism, placeholders, reconstructed samples), then the real CLI
against the served sandbox: the round trip apply → export → plan shows no changes.
"""

from __future__ import annotations

import string
import textwrap
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cobalt_sync.exporting.document import ExportOptions, export_manifest, reconstruct_sample
from cobalt_sync.kinds.exporting import is_identifier
from cobalt_sync.kinds.rules import event_shape
from cobalt_sync.manifest import load_manifest
from cobalt_sync.resource import JsonObject, JsonValue, Resource, State
from tests.conftest import PROD_KEY, CliResult, Sandbox

SECRET = "CANARY-EXPORT-SECRET-91c2e"

MANIFEST = """
version: 1
environment: test
apps:
  slack:
    oauth:
      client_id: slack-client-1
      client_secret: ${SLACK_SECRET}
      scopes: [chat:write, channels:read]
  hubspot: {enabled: true}
  stripe: {enabled: true}
events:
  New Contact Created:
    schema:
      contact: {id: 123, email: a@example.com, tags: [vip], vip: true, score: 1.5}
      note: "yes"
      price: "$${AMOUNT} off"
  Invoice Paid:
    schema: {invoice: {id: inv_1, amount: 10, due: "2024-01-01", code: "0755"}}
linked_accounts:
  "account:1": {name: Acme, udf: {plan: enterprise, trial: "no"}}
  "account:2": {name: Globex}
"""


# --- pure: State → text → load_manifest ------------------------------------------------------


def live_state(*resources: Resource) -> State:
    return State().extend(resources)


def load_text(tmp_path: Path, text: str, **environ: str) -> Any:
    path = tmp_path / "exported.yaml"
    path.write_text(text, encoding="utf-8")
    return load_manifest(path, environ).manifest


JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from(
        [
            "yes",
            "no",
            "on",
            "off",
            "1e5",
            "0755",
            "2024-01-01",
            "~",
            "null",
            "True",
            "${X}",
            "$$",
            "a: b",
            "- x",
            "#c",
            "",
            " pad ",
            "0x1F",
            "1_000",
        ]
    )
)
KEYS = st.text(string.ascii_letters + string.digits + " :-_.$#'\"", min_size=1, max_size=10)
JSON_VALUES: st.SearchStrategy[JsonValue] = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=3),
    max_leaves=12,
)
SAMPLES = st.dictionaries(KEYS, JSON_VALUES, min_size=1, max_size=4)
UDF = st.dictionaries(
    KEYS.filter(lambda k: k.strip() == k and k != "managed_by"), JSON_SCALARS.map(str), max_size=3
)


# Keys export writes (the others it leaves out, with a warning: test_export_leaves_out_…).
IDENTIFIERS = st.text(min_size=1, max_size=12).filter(
    lambda k: is_identifier(k) and k != "cobalt-sync-probe"
)


@settings(max_examples=80, deadline=None)
@given(sample=SAMPLES, udf=UDF, name=st.text(max_size=20), event=IDENTIFIERS, key=IDENTIFIERS)
def test_loader_reads_back_exactly_what_was_live(
    tmp_path_factory: pytest.TempPathFactory,
    sample: JsonObject,
    udf: dict[str, str],
    name: str,
    event: str,
    key: str,
) -> None:
    state = live_state(
        Resource("events", event, {"schema": sample}),
        Resource("linked_accounts", key, {"name": name, "udf": dict(udf)}),
    )
    text = export_manifest(state, ExportOptions("test")).text
    manifest = load_text(tmp_path_factory.mktemp("x"), text)
    assert manifest.events[event].sample == sample
    account = manifest.linked_accounts[key]
    assert account.udf == udf
    assert account.name == (name or None)


def test_export_is_deterministic_whatever_the_read_order() -> None:
    resources = [
        Resource("apps", "slack", {"enabled": True}),
        Resource("apps", "hubspot", {"enabled": True}),
        Resource("events", "b", {"schema": {"x": 1}}),
        Resource("events", "a", {"schema": {"y": 2}}),
        Resource("linked_accounts", "z", {"name": "Z", "udf": {"q": "1", "p": "2"}}),
        Resource("linked_accounts", "y", {"name": "Y", "udf": {}}),
    ]
    forward = export_manifest(live_state(*resources), ExportOptions("test")).text
    backward = export_manifest(live_state(*reversed(resources)), ExportOptions("test")).text
    assert forward == backward
    assert forward.index("hubspot:") < forward.index("slack:")
    assert forward.index("\n  a:") < forward.index("\n  b:")
    assert forward.index('p: "2"') < forward.index('q: "1"')


def test_client_secret_becomes_a_listed_variable_and_the_file_validates(tmp_path: Path) -> None:
    state = live_state(
        Resource("apps", "slack", {"enabled": True}),
        Resource("apps", "google_sheets", {"enabled": True}),
        Resource(
            "oauth_credentials",
            "slack",
            {"client_id": "123.456", "client_secret": "sha256:0011", "scopes": ["b", "a"]},
        ),
        Resource(
            "oauth_credentials",
            "google_sheets",
            {"client_id": "gs", "client_secret": "sha256:2233", "scopes": []},
        ),
    )
    export = export_manifest(state, ExportOptions("production"))
    assert [v.name for v in export.variables] == [
        "GOOGLE_SHEETS_CLIENT_SECRET",
        "SLACK_CLIENT_SECRET",
    ]
    assert "client_secret: ${SLACK_CLIENT_SECRET}" in export.text
    assert export.text.startswith("# yaml-language-server: $schema=")
    # A literal secret is an error in production: the placeholder is what makes this load.
    manifest = load_text(
        tmp_path, export.text, SLACK_CLIENT_SECRET="s1", GOOGLE_SHEETS_CLIENT_SECRET="s2"
    )
    slack = manifest.apps["slack"].oauth
    assert slack.client_id == "123.456"  # quoted: a plain 123.456 would load as a number
    assert slack.client_secret.get_secret_value() == "s1"
    assert slack.scopes == ["a", "b"]


def test_cobalt_default_credentials_are_not_exported() -> None:
    state = live_state(
        Resource("apps", "slack", {"enabled": True}),
        Resource(
            "oauth_credentials",
            "slack",
            {"client_id": "cobalt-shared", "client_secret": None, "scopes": []},
        ),
    )
    export = export_manifest(state, ExportOptions("test"))
    assert "oauth" not in export.text and not export.variables


def test_only_accounts_cobalt_sync_created_unless_all_are_asked_for(tmp_path: Path) -> None:
    state = live_state(
        Resource("linked_accounts", "seed", {"name": "Seed", "udf": {}}, owned=True),
        Resource("linked_accounts", "customer", {"name": "Customer", "udf": {}}, owned=False),
        Resource("linked_accounts", "cobalt-sync-probe", {"name": None, "udf": {}}, owned=True),
    )
    default = export_manifest(state, ExportOptions("test"))
    assert default.accounts_left_out == 1
    assert list(load_text(tmp_path, default.text).linked_accounts) == ["seed"]
    everything = export_manifest(state, ExportOptions("test", all_linked_accounts=True))
    assert list(load_text(tmp_path, everything.text).linked_accounts) == ["customer", "seed"]


def test_shape_only_event_gets_a_reconstructed_sample_with_a_comment(tmp_path: Path) -> None:
    shape: dict[str, JsonValue] = {
        "email": "text",
        "prospect": "object",
        "prospect.email": "text",
        "prospect.owner": "object",
        "prospect.owner.id": "text",
    }
    state = live_state(Resource("events", "Lead", {"shape": shape}))
    text = export_manifest(state, ExportOptions("test")).text
    assert "  # reconstructed from the key list" in text
    sample = load_text(tmp_path, text).events["Lead"].sample
    assert sample == {"email": "", "prospect": {"email": "", "owner": {"id": ""}}}
    assert event_shape(sample) == shape  # plan compares shapes: the round trip holds


@given(sample=SAMPLES)
def test_reconstruction_inverts_the_vendor_key_list(sample: JsonObject) -> None:
    shape = event_shape(sample)
    if any("." in key for key in shape):
        return  # a dotted key is ambiguous in the vendor's list itself
    assert event_shape(reconstruct_sample(shape)) == shape


def test_what_a_manifest_cannot_hold_is_left_out_with_a_warning(tmp_path: Path) -> None:
    state = live_state(
        Resource("apps", "not-a-catalog-app", {"enabled": True}),
        Resource("events", " padded", {"schema": {"a": 1}}),
        Resource("events", "Empty", {"shape": {}}),
        # Keys the readers refuse (an invisible character) or read as another key (NFD).
        Resource("events", "Paid\u200b", {"schema": {"a": 1}}),
        Resource("linked_accounts", "E\u0301tienne", {"udf": {}}, owned=True),
    )
    export = export_manifest(state, ExportOptions("test", known_apps=frozenset({"slack"})))
    assert len(export.warnings) == 5
    left_out = [w for w in export.warnings if "Unicode NFC" in w]
    assert any("Paid" in w for w in left_out) and any("tienne" in w for w in left_out)
    manifest = load_text(tmp_path, export.text)
    assert manifest.apps == {} and manifest.events == {}


def test_kinds_limit_the_sections(tmp_path: Path) -> None:
    state = live_state(
        Resource("apps", "slack", {"enabled": True}),
        Resource("events", "E", {"schema": {"a": 1}}),
    )
    text = export_manifest(state, ExportOptions("test", kinds=frozenset({"events"}))).text
    assert "apps:" not in text and "linked_accounts:" not in text
    assert list(load_text(tmp_path, text).events) == ["E"]


# --- end to end against the sandbox ---------------------------------------------------------


@pytest.fixture
def workdir(tmp_path: Path, cli_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SLACK_SECRET", SECRET)
    monkeypatch.delenv("SLACK_CLIENT_SECRET", raising=False)
    return tmp_path


def run(cli: Any, *args: str) -> CliResult:
    result: CliResult = cli(*args)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def applied(cli: Any, workdir: Path, text: str = MANIFEST) -> Path:
    source = workdir / "source.yaml"
    source.write_text(textwrap.dedent(text))
    result = run(cli, "apply", "-f", str(source), "--auto-approve")
    assert result.exit_code == 0, result.output
    return source


def test_round_trip_apply_export_plan_shows_no_changes(
    cli: Any, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    applied(cli, workdir)
    out = workdir / "exported.yaml"
    exported = run(cli, "export", "-o", str(out))
    assert exported.exit_code == 0, exported.output
    assert exported.stdout == ""
    assert "SLACK_CLIENT_SECRET" in exported.stderr and "Set these variables" in exported.stderr
    text = out.read_text()
    assert "client_secret: ${SLACK_CLIENT_SECRET}" in text
    assert "environment: test" in text and "prune: []" in text

    missing = run(cli, "validate", "-f", str(out))
    assert missing.exit_code == 3 and "SLACK_CLIENT_SECRET" in missing.stderr

    monkeypatch.setenv("SLACK_CLIENT_SECRET", SECRET)
    assert run(cli, "validate", "-f", str(out)).exit_code == 0
    plan = run(cli, "plan", "-f", str(out), "--detailed-exitcode")
    assert plan.exit_code == 0, plan.stdout
    assert "No changes" in plan.stdout


EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "cobalt.yaml"


def test_round_trip_of_the_example_org(
    cli: Any, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secrets = {"SLACK_CLIENT_SECRET": SECRET + "-slack", "HUBSPOT_CLIENT_SECRET": SECRET + "-hs"}
    for name, value in secrets.items():
        monkeypatch.setenv(name, value)
    applied_example = run(cli, "apply", "-f", str(EXAMPLE), "--auto-approve")
    assert applied_example.exit_code == 0, applied_example.output
    out = workdir / "cobalt.yaml"
    exported = run(cli, "export", "-o", str(out))
    assert exported.exit_code == 0, exported.output
    for name, value in secrets.items():
        assert f"${{{name}}}" in out.read_text() and name in exported.stderr
        assert value not in exported.output + out.read_text()
    plan = run(cli, "plan", "-f", str(out), "--detailed-exitcode")
    assert plan.exit_code == 0, plan.stdout
    assert "No changes" in plan.stdout and "unmanaged" not in plan.stdout


def test_no_secret_value_in_export_output_or_stderr(cli: Any, workdir: Path) -> None:
    applied(cli, workdir)
    result = run(cli, "export")
    assert result.exit_code == 0
    assert result.stdout.startswith("# yaml-language-server:")
    assert SECRET not in result.output
    assert "tk_sandbox" not in result.output  # nor the API key


def test_stdout_and_file_hold_the_same_manifest(cli: Any, workdir: Path) -> None:
    applied(cli, workdir)
    out = workdir / "cobalt.yaml"
    assert run(cli, "export", "-o", str(out)).exit_code == 0
    assert run(cli, "export", "-o", "-").stdout == out.read_text()


def test_existing_file_is_not_overwritten_without_force(cli: Any, workdir: Path) -> None:
    out = workdir / "cobalt.yaml"
    out.write_text("# mine\n")
    refused = run(cli, "export", "-o", str(out))
    assert refused.exit_code == 3
    assert "already exists" in refused.stderr and "--force" in refused.stderr
    assert out.read_text() == "# mine\n"
    forced = run(cli, "export", "-o", str(out), "--force")
    assert forced.exit_code == 0, forced.output
    assert out.read_text().startswith("# yaml-language-server:")
    assert [p.name for p in workdir.iterdir()] == ["cobalt.yaml"]  # no temp file left


def test_customer_accounts_are_counted_not_exported_by_default(
    cli: Any, workdir: Path, sandbox: Sandbox
) -> None:
    applied(cli, workdir)
    sandbox.post("seed", key="tk_sandbox", linked_accounts=25, account_prefix="customer-")
    default = run(cli, "export")
    assert default.exit_code == 0
    assert "account:1" in default.stdout and "customer-" not in default.stdout
    assert "Left out 25 linked accounts" in default.stderr
    everything = run(cli, "export", "--all-linked-accounts", "--kinds", "linked_accounts")
    assert everything.stdout.count("\n  customer-") == 25
    assert "apps:" not in everything.stdout and "events:" not in everything.stdout


def test_environment_comes_from_the_key(
    cli: Any, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COBALT_API_KEY", PROD_KEY)
    result = run(cli, "export")
    assert result.exit_code == 0, result.output
    assert "environment: production" in result.stdout


def test_unknown_kind_is_bad_input(cli: Any, workdir: Path) -> None:
    result = run(cli, "export", "--kinds", "apps,evnts")
    assert result.exit_code == 3
    assert "evnts" in result.stderr


def test_help_has_examples(cli: Any) -> None:
    result = run(cli, "export", "--help")
    assert result.exit_code == 0
    assert "Examples:" in result.stdout and "cobalt-sync export -o cobalt.yaml" in result.stdout
