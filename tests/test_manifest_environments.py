"""One manifest, every environment: the overlay merge rules (as properties), where problems
point, how the environment is chosen, and `validate` on the `environments:` form."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cobalt_sync.errors import ManifestError, RefusedError
from cobalt_sync.manifest import load_manifest
from cobalt_sync.manifest.overlay import EnvironmentChoice, merge, overlay_between
from cobalt_sync.manifest.yaml_reader import JsonLike
from tests.conftest import PROD_KEY, TEST_KEY

# --- the merge rules as properties ---------------------------------------------------------

# Keys that meet each other often, including the ones with rules of their own.
KEYS = st.sampled_from(["a", "b", "events", "E", "schema", "schema_file", "state", "udf"])
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 3), st.sampled_from(["x", "y", "absent"])
)
TREES: st.SearchStrategy[JsonLike] = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(KEYS, inner, max_size=4)),
    max_leaves=20,
)
MAPPINGS = st.dictionaries(KEYS, TREES, max_size=5)
# No deadline: the machine is shared and noisy, and speed is not what these tests are about.
PROPERTY = settings(deadline=None)


def leaves(value: JsonLike, path: tuple[Any, ...] = ()) -> dict[tuple[Any, ...], JsonLike]:
    """Scalars and lists (replaced whole, so they are leaves) by path."""
    if isinstance(value, dict):
        found: dict[tuple[Any, ...], JsonLike] = {}
        for key, item in value.items():
            found |= leaves(item, (*path, key))
        return found
    return {path: value}


def at(value: JsonLike, path: tuple[Any, ...]) -> Any:
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return KeyError
        value = value[key]
    return value


@PROPERTY
@given(MAPPINGS)
def test_an_empty_overlay_changes_nothing(base: dict[str, JsonLike]) -> None:
    assert merge(base, {}) == base


@PROPERTY
@given(MAPPINGS, MAPPINGS)
def test_merging_the_same_overlay_twice_changes_nothing_more(
    base: dict[str, JsonLike], overlay: dict[str, JsonLike]
) -> None:
    once = merge(base, overlay)
    assert merge(once, overlay) == once


@PROPERTY
@given(MAPPINGS, MAPPINGS)
def test_every_value_in_the_result_comes_from_the_base_or_the_overlay(
    base: dict[str, JsonLike], overlay: dict[str, JsonLike]
) -> None:
    for path, value in leaves(merge(base, overlay)).items():
        assert value in (at(base, path), at(overlay, path)), path


def without_nulls(value: JsonLike) -> JsonLike:
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    return value


@PROPERTY
@given(MAPPINGS, MAPPINGS)
def test_export_writes_the_overlay_that_merges_into_the_export(
    base: dict[str, JsonLike], exported: dict[str, JsonLike]
) -> None:
    wanted = without_nulls(exported)  # an export holds no nulls
    assert merge(base, overlay_between(base, wanted)) == wanted


@settings(max_examples=50, deadline=None)
@given(MAPPINGS, MAPPINGS)
def test_an_overlay_value_always_wins(
    base: dict[str, JsonLike], overlay: dict[str, JsonLike]
) -> None:
    merged = merge(base, overlay)
    for path, value in leaves(overlay).items():
        if value is not None:
            assert at(merged, path) == value, path


def test_the_rules_spelled_out() -> None:
    base: dict[str, JsonLike] = {
        "apps": {"slack": {"enabled": True, "oauth": {"client_id": "a", "scopes": ["x"]}}},
        "events": {
            "Paid": {"schema_file": "paid.json"},
            "Gone": {"state": "absent"},
            "Kept": {"schema": {"id": 1, "amount": 2}},
        },
        "linked_accounts": {"acme": {"name": "Acme", "udf": {"plan": "pro", "region": "eu"}}},
        "prune": ["events"],
    }
    overlay: dict[str, JsonLike] = {
        "apps": {"slack": {"oauth": {"scopes": ["y"]}}},  # list: replaced whole
        "events": {
            "Paid": {"schema": {"id": 1}},  # the sample is one value: schema_file goes
            "Gone": {"schema": {"id": 2}},  # absent is not merged into: replaced
            "Kept": {"schema": {"id": 3}},  # the sample replaced whole, not merged
        },
        "linked_accounts": {"acme": {"state": "absent"}, "globex": {"udf": {"plan": None}}},
        "prune": None,  # null removes the key
    }
    assert merge(base, overlay) == {
        "apps": {"slack": {"enabled": True, "oauth": {"client_id": "a", "scopes": ["y"]}}},
        "events": {
            "Paid": {"schema": {"id": 1}},
            "Gone": {"schema": {"id": 2}},
            "Kept": {"schema": {"id": 3}},
        },
        "linked_accounts": {"acme": {"state": "absent"}, "globex": {"udf": {}}},
    }


# --- loading one environment ----------------------------------------------------------------

MANIFEST = """\
version: 1
apps:
  slack: {enabled: true}
  hubspot:
    oauth:
      scopes: [crm.objects.contacts.read]
events:
  Invoice Paid:
    schema: {id: inv_1, amount: 10}
environments:
  test:
    apps:
      hubspot:
        oauth: {client_id: test-client, client_secret: "${HUBSPOT_TEST_SECRET}"}
    linked_accounts:
      acme: {name: Acme}
  production:
    apps:
      hubspot:
        oauth: {client_id: prod-client, client_secret: "${HUBSPOT_SECRET}"}
    events:
      Invoice Paid:
        schema: {id: inv_1, amount: 10, currency: EUR}
"""
SECRETS = {"HUBSPOT_TEST_SECRET": "s1", "HUBSPOT_SECRET": "s2"}


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "cobalt.yaml"
    path.write_text(textwrap.dedent(text))
    return path


def choose(name: str, source: str = "--environment") -> EnvironmentChoice:
    return EnvironmentChoice(name, source)


def test_each_environment_is_the_top_level_with_its_section_merged(tmp_path: Path) -> None:
    path = write(tmp_path, MANIFEST)
    test = load_manifest(path, SECRETS, choose("test")).manifest
    production = load_manifest(path, SECRETS, choose("production")).manifest
    assert (test.environment, production.environment) == ("test", "production")
    assert set(test.linked_accounts) == {"acme"} and production.linked_accounts == {}
    test_oauth, prod_oauth = test.apps["hubspot"].oauth, production.apps["hubspot"].oauth
    assert getattr(test_oauth, "client_id", None) == "test-client"
    assert getattr(prod_oauth, "scopes", None) == ["crm.objects.contacts.read"]  # from the base
    assert production.events["Invoice Paid"].sample == {
        "id": "inv_1",
        "amount": 10,
        "currency": "EUR",
    }
    assert test.events["Invoice Paid"].sample == {"id": "inv_1", "amount": 10}


def problems_of(path: Path, choice: EnvironmentChoice | None, environ: Any = None) -> list[str]:
    with pytest.raises(ManifestError) as raised:
        load_manifest(path, SECRETS if environ is None else environ, choice)
    return [problem.format() for problem in raised.value.problems]


def test_a_problem_in_an_overlay_points_into_the_overlay(tmp_path: Path) -> None:
    path = write(tmp_path, MANIFEST.replace("client_id: prod-client", "client_id: 7"))
    assert problems_of(path, choose("production")) == [
        f"{path}:20:28: environments.production.apps.hubspot.oauth.client_id: expected a "
        "string, got a number (put the value in quotes)"
    ]
    load_manifest(path, SECRETS, choose("test"))  # the test environment is not affected


def test_a_problem_in_the_base_points_into_the_base(tmp_path: Path) -> None:
    path = write(tmp_path, MANIFEST.replace("slack: {enabled: true}", "slack: {enabled: yes}"))
    for name in ("test", "production"):
        assert problems_of(path, choose(name)) == [
            f"{path}:3:20: apps.slack.enabled: expected true or false, got a string"
            " (yes/no/on/off are plain strings in a manifest: write true or false)"
        ]


def test_a_missing_variable_in_an_overlay_names_the_overlay_line(tmp_path: Path) -> None:
    path = write(tmp_path, MANIFEST)
    found = problems_of(path, choose("test"), {"HUBSPOT_SECRET": "s2"})
    assert found == [
        f"{path}:14:56: environments.test.apps.hubspot.oauth.client_secret: variable "
        "'HUBSPOT_TEST_SECRET' is not set (export it before running)"
    ]


def test_absent_in_an_overlay_means_absent_in_that_environment(tmp_path: Path) -> None:
    text = MANIFEST + "    linked_accounts:\n      acme: {state: absent}\n"
    text = text.replace("linked_accounts:\n      acme: {name: Acme}", "events: {}")
    text = text.replace("apps:\n  slack", "linked_accounts:\n  acme: {name: Acme}\napps:\n  slack")
    path = write(tmp_path, text)
    production = load_manifest(path, SECRETS, choose("production")).manifest
    assert production.linked_accounts["acme"].state == "absent"
    assert load_manifest(path, SECRETS, choose("test")).manifest.linked_accounts["acme"].name


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "version: 1\nenvironment: test\nenvironments:\n  test: {}\n",
            "cobalt.yaml:2:1: environment: `environment:` and `environments:` cannot be used "
            "together",
        ),
        (
            "version: 1\nenvironments:\n  prod: {}\n",
            "cobalt.yaml:3:3: environments.prod: unknown environment 'prod' (did you mean "
            "'production'?)",
        ),
        (
            "version: 1\nenvironments:\n  test:\n    version: 1\n",
            "cobalt.yaml:4:5: environments.test.version: `version` is set once, at the top",
        ),
        (
            "version: 1\nenvironments:\n  test:\n    environment: test\n",
            "cobalt.yaml:4:5: environments.test.environment: the section's name is its environment",
        ),
        ("version: 1\nenvironments: {}\n", "cobalt.yaml:2:1: environments: must be a mapping"),
        (
            "version: 1\nenvironments:\n  test:\n    apps: {slak: {}}\n",
            "cobalt.yaml:4:12: environments.test.apps.slak: unknown app 'slak'",
        ),
    ],
)
def test_malformed_sections_are_located(tmp_path: Path, text: str, expected: str) -> None:
    write(tmp_path, text)
    with pytest.raises(ManifestError) as raised:
        load_manifest(tmp_path / "cobalt.yaml", {}, choose("test"))
    shown = [p.format().replace(str(tmp_path) + "/", "") for p in raised.value.problems]
    assert any(line.startswith(expected) for line in shown), shown


def test_no_choice_on_an_environments_manifest_asks_for_one(tmp_path: Path) -> None:
    path = write(tmp_path, MANIFEST)
    with pytest.raises(ManifestError) as raised:
        load_manifest(path, SECRETS)
    assert "declares test and production: choose one" in raised.value.problems[0].message
    assert raised.value.hint is not None and "--environment" in raised.value.hint


def test_the_keys_environment_must_be_declared(tmp_path: Path) -> None:
    only_production = MANIFEST.split("  test:")[0] + "  production:\n    prune: []\n"
    path = write(tmp_path, only_production)
    with pytest.raises(RefusedError) as refused:
        load_manifest(path, SECRETS, EnvironmentChoice("test", "the API key"))
    assert "COBALT_API_KEY is a test key, but the manifest declares no test environment" in str(
        refused.value
    )
    with pytest.raises(ManifestError):  # asked for by name: bad input, not a refusal
        load_manifest(path, SECRETS, choose("test"))


def test_an_explicit_choice_against_a_single_environment_manifest_is_refused(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, "version: 1\nenvironment: test\n")
    with pytest.raises(RefusedError) as refused:
        load_manifest(path, {}, choose("production", "COBALT_ENVIRONMENT"))
    assert "COBALT_ENVIRONMENT asks for the production environment" in str(refused.value)
    assert load_manifest(path, {}, choose("test")).manifest.environment == "test"


# --- the command line -------------------------------------------------------------------------


def test_validate_checks_every_environment_and_reports_shared_problems_once(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    path = write(tmp_path, MANIFEST)
    result = cli("validate", "-f", str(path))
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == (
        f"{path} is valid: test: 2 apps, 1 own OAuth client, 1 event, 1 linked account; "
        "production: 2 apps, 1 own OAuth client, 1 event\n"
    )
    broken = write(tmp_path, MANIFEST.replace("slack: {enabled: true}", "slak: {}"))
    result = cli("validate", "-f", str(broken))
    assert result.exit_code == 3
    assert result.stderr.count("unknown app 'slak'") == 1


def test_validate_allows_missing_variables_in_every_environment(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in SECRETS:
        monkeypatch.delenv(name, raising=False)
    path = write(tmp_path, MANIFEST)
    assert cli("validate", "-f", str(path)).exit_code == 3
    result = cli("validate", "--allow-missing-variables", "-f", str(path))
    assert (result.exit_code, result.stderr) == (0, "")


UNREACHABLE = "http://127.0.0.1:9"  # nothing listens: any request would be exit 4


@pytest.mark.parametrize(
    ("args", "variables", "expected"),
    [
        (["--environment", "production"], {"COBALT_API_KEY": TEST_KEY}, "--environment asks"),
        ([], {"COBALT_API_KEY": TEST_KEY, "COBALT_ENVIRONMENT": "production"}, "COBALT_ENV"),
        (["-e", "test"], {"COBALT_API_KEY": PROD_KEY}, "COBALT_API_KEY is a production key"),
    ],
)
@pytest.mark.parametrize("command", ["plan", "apply", "check"])
def test_the_guard_refuses_before_any_request(
    cli: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    command: str,
    args: list[str],
    variables: dict[str, str],
    expected: str,
) -> None:
    for name, value in {**SECRETS, **variables, "COBALT_API_URL": UNREACHABLE}.items():
        monkeypatch.setenv(name, value)
    if "COBALT_ENVIRONMENT" not in variables:
        monkeypatch.delenv("COBALT_ENVIRONMENT", raising=False)
    path = write(tmp_path, MANIFEST)
    result = cli(command, "-f", str(path), *args)
    assert result.exit_code == 5, result.stderr
    assert expected in result.stderr
    assert result.stdout == ""


def test_an_unknown_environment_name_is_bad_input(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COBALT_API_KEY", TEST_KEY)
    result = cli("plan", "-f", str(write(tmp_path, MANIFEST)), "--environment", "staging")
    assert result.exit_code == 3
    assert "--environment: unknown environment 'staging'" in result.stderr


# --- the JSON Schema ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("document", "valid"),
    [
        ({"version": 1, "environments": {"test": None, "production": {}}}, True),
        (
            {
                "version": 1,
                "apps": {"hubspot": {"oauth": {"scopes": ["a"]}}},  # completed by a section
                "environments": {
                    "test": {"apps": {"hubspot": {"oauth": {"client_id": "x"}}, "slack": None}}
                },
            },
            True,
        ),
        ({"version": 1, "environment": "test", "environments": {"test": {}}}, False),
        ({"version": 1}, False),
        ({"version": 1, "environments": {"staging": {}}}, False),
        ({"version": 1, "environments": {"test": {"version": 1}}}, False),
        ({"version": 1, "environments": {"test": {"apps": {"slak": {}}}}}, False),
        ({"version": 1, "environments": {}}, False),
        # the single-environment form stays strict
        ({"version": 1, "environment": "test", "apps": {"hubspot": {"oauth": {}}}}, False),
    ],
)
def test_the_schema_covers_the_environments_form(document: dict[str, Any], valid: bool) -> None:
    import json

    from jsonschema import Draft202012Validator

    schema = json.loads((Path(__file__).parent.parent / "schemas/cobalt.schema.json").read_text())
    errors = list(Draft202012Validator(schema).iter_errors(document))
    assert (errors == []) is valid, [e.message for e in errors]
