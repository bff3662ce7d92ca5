"""load_manifest as the reconciler sees it: the models it returns, samples from files,
field locations, warnings, and "every problem at once"."""

from __future__ import annotations

from pathlib import Path

import pytest

from cobalt_sync.errors import ManifestError
from cobalt_sync.manifest import (
    LoadedManifest,
    OAuthAbsent,
    OAuthConfig,
    load_manifest,
)

EXAMPLES = Path(__file__).parent.parent / "examples"
SECRETS = {"SLACK_CLIENT_SECRET": "slack-demo", "HUBSPOT_CLIENT_SECRET": "hubspot-demo"}


def write(tmp_path: Path, text: str, name: str = "cobalt.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path, environ: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ManifestError) as raised:
        load_manifest(path, environ or {})
    return [problem.format() for problem in raised.value.problems]


@pytest.fixture
def example() -> LoadedManifest:
    return load_manifest(EXAMPLES / "cobalt.yaml", SECRETS)


def test_example_manifest_loads_into_the_models(example: LoadedManifest) -> None:
    manifest = example.manifest
    assert manifest.environment == "test"
    assert set(manifest.apps) == {
        "slack",
        "hubspot",
        "salesforce",
        "stripe",
        "freshdesk",
        "intercom",
    }
    assert manifest.apps["intercom"].enabled is False
    slack_oauth = manifest.apps["slack"].oauth
    assert isinstance(slack_oauth, OAuthConfig)
    assert slack_oauth.client_secret.get_secret_value() == "slack-demo"
    assert slack_oauth.client_id == "4825719301.7731906624389"  # the ${…:-default}
    assert slack_oauth.scopes == ["chat:write", "channels:read", "users:read"]
    assert manifest.linked_accounts["globex"].udf["trial"] == "false"
    assert manifest.linked_accounts["account:99999"].state == "absent"
    assert manifest.prune == ["events"]
    assert example.warnings == ()


def test_event_samples_come_inline_or_from_the_file(example: LoadedManifest) -> None:
    events = example.manifest.events
    inline = events["New Contact Created"].sample
    assert inline is not None
    assert inline["contact"] == {
        "id": "c_1024",
        "email": "ada@example.com",
        "first_name": "Ada",
        "lifecycle_stage": "lead",
        "tags": ["vip", "newsletter"],
        "consent": {"email": True, "sms": False},
    }
    from_file = events["Invoice Paid"].sample
    assert from_file is not None
    assert from_file["customer"] == {
        "id": "cus_77",
        "name": "Acme Corp",
        "billing_email": "billing@acme.example",
    }
    assert events["Legacy Sync Finished"].sample is None


def test_location_points_at_the_key_of_a_field(example: LoadedManifest) -> None:
    lines = (EXAMPLES / "cobalt.yaml").read_text().splitlines()
    line, column = example.location("events", "Invoice Paid") or (0, 0)
    assert lines[line - 1][column - 1 :].startswith("Invoice Paid:")
    line, column = example.location("apps", "slack", "oauth", "client_id") or (0, 0)
    assert lines[line - 1][column - 1 :].startswith("client_id:")
    assert example.location("apps", "no-such-app") is None


def test_oauth_absent_means_back_to_default_credentials(tmp_path: Path) -> None:
    path = write(
        tmp_path, "version: 1\nenvironment: test\napps:\n  slack:\n    oauth: {state: absent}\n"
    )
    oauth = load_manifest(path, {}).manifest.apps["slack"].oauth
    assert isinstance(oauth, OAuthAbsent)


def test_manifest_is_frozen(example: LoadedManifest) -> None:
    with pytest.raises(ValueError):
        example.manifest.apps["slack"].enabled = False  # type: ignore[misc]


def test_every_problem_is_reported_at_once_in_file_order(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "version: 1\n"
        "environment: staging\n"
        "apps:\n"
        "  slak: {}\n"
        "  slack: {enabeld: true}\n"
        "linked_accounts:\n"
        "  acme: {udf: {seats: 3}}\n",
    )
    problems = problems_of(path)
    assert [p.split(": ", 1)[0].rsplit(":", 2)[1] for p in problems] == ["2", "4", "5", "7"]
    assert "environment: expected 'test' or 'production'" in problems[0]
    assert "apps.slak: unknown app 'slak' (did you mean 'slack'?)" in problems[1]
    assert "apps.slack.enabeld: unknown field 'enabeld' (did you mean 'enabled'?)" in problems[2]
    assert "linked_accounts.acme.udf.seats: expected a string, got a number" in problems[3]


def test_literal_secret_is_a_warning_in_test(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "version: 1\nenvironment: test\napps:\n  slack:\n    oauth:\n"
        "      client_id: abc\n      client_secret: written-here\n",
    )
    loaded = load_manifest(path, {})
    [warning] = loaded.warnings
    assert warning.severity == "warning"
    assert (warning.line, warning.path) == (7, "apps.slack.oauth.client_secret")
    assert "${SLACK_CLIENT_SECRET}" in warning.message


def test_variables_are_resolved_from_the_given_environment(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "version: 1\nenvironment: production\napps:\n  slack:\n    oauth:\n"
        "      client_id: ${ID:-fallback-id}\n      client_secret: ${SECRET}\n"
        "linked_accounts:\n  acme: {name: 'Acme $$ ${REGION}', udf: {price: $5}}\n",
    )
    loaded = load_manifest(path, {"SECRET": "s3", "REGION": "eu"})
    oauth = loaded.manifest.apps["slack"].oauth
    assert isinstance(oauth, OAuthConfig)
    assert oauth.client_id == "fallback-id"
    assert oauth.client_secret.get_secret_value() == "s3"
    assert loaded.manifest.linked_accounts["acme"].name == "Acme $ eu"
    assert loaded.manifest.linked_accounts["acme"].udf == {"price": "$5"}


def test_schema_file_is_relative_to_the_manifest_not_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "org" / "events").mkdir(parents=True)
    (tmp_path / "org" / "events" / "paid.json").write_text('{"invoice": {"id": 1}}')
    path = write(
        tmp_path / "org",
        "version: 1\nenvironment: test\nevents:\n  Paid: {schema_file: events/paid.json}\n",
    )
    monkeypatch.chdir(tmp_path)
    assert load_manifest(path, {}).manifest.events["Paid"].sample == {"invoice": {"id": 1}}


def test_invalid_sample_file_errors_carry_the_json_files_line(tmp_path: Path) -> None:
    (tmp_path / "paid.json").write_text('{\n  "invoice": {\n    "id": 1\n    "amount": 2\n  }\n}\n')
    path = write(
        tmp_path, "version: 1\nenvironment: test\nevents:\n  Paid: {schema_file: paid.json}\n"
    )
    [problem] = problems_of(path)
    assert problem.startswith(
        f"{tmp_path / 'paid.json'}:4:5: events.Paid.schema_file: invalid JSON"
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{}", "must hold a non-empty JSON object"),
        ('"text"', "must hold a JSON object, got a string"),
        ('{"a": 1, "a": 2}', "duplicate key 'a'"),
        ('{"a": NaN}', "NaN and Infinity are not JSON values"),
        ("[" * 100_000, "nested deeper than"),
    ],
)
def test_sample_file_guards(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "e.json").write_text(content)
    path = write(tmp_path, "version: 1\nenvironment: test\nevents:\n  E: {schema_file: e.json}\n")
    [problem] = problems_of(path)
    assert message in problem


def test_file_over_five_megabytes_is_refused_before_parsing(tmp_path: Path) -> None:
    path = write(tmp_path, "version: 1\nenvironment: test\n" + "#" * (5 * 1024 * 1024))
    assert problems_of(path) == [f"{path}: file is larger than 5 MB"]


def test_missing_file_is_a_manifest_error_with_a_hint(tmp_path: Path) -> None:
    with pytest.raises(ManifestError) as raised:
        load_manifest(tmp_path / "cobalt.yaml", {})
    assert [p.format() for p in raised.value.problems] == [
        f"{tmp_path / 'cobalt.yaml'}: file not found"
    ]
    assert raised.value.hint is not None and "-f" in raised.value.hint


def test_directory_is_not_a_manifest(tmp_path: Path) -> None:
    assert problems_of(tmp_path) == [f"{tmp_path}: is a directory, not a manifest file"]


def test_utf8_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "cobalt.yaml"
    path.write_bytes(b"\xef\xbb\xbfversion: 1\nenvironment: test\n")
    assert load_manifest(path, {}).manifest.version == 1


def test_numeric_keys_stay_ids(tmp_path: Path) -> None:
    path = write(
        tmp_path, "version: 1\nenvironment: test\nlinked_accounts:\n  12345: {name: A}\n  007: {}\n"
    )
    assert set(load_manifest(path, {}).manifest.linked_accounts) == {"12345", "007"}


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_endless_input_is_cut_off_at_the_size_limit() -> None:
    assert problems_of(Path("/dev/zero")) == ["/dev/zero: file is larger than 5 MB"]
