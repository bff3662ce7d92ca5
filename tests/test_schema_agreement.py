"""The published schema and `cobalt-sync validate` agree: every manifest validate accepts, the
schema accepts (an editor shows no false error), and every manifest validate rejects, the
schema rejects too, except the rules JSON Schema cannot say, listed below with the reason.

Runs both over the examples, the bad manifests of tests/manifests and the manifests here
(environment sections with `null` entries among them)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from cobalt_sync.manifest.yaml_reader import YamlProblem, read_yaml

ROOT = Path(__file__).parent.parent
SCHEMA = json.loads((ROOT / "schemas" / "cobalt.schema.json").read_text(encoding="utf-8"))
EXAMPLES = sorted((ROOT / "examples").rglob("*.yaml"))
BAD = sorted((ROOT / "tests" / "manifests").glob("bad-*.yaml"))

# Bad manifests only `validate` can reject: the schema accepts them (asserted, so the list
# stays exact when the schema learns a rule).
ONLY_VALIDATE = {
    # The YAML text itself, before there is data to check: an editor's YAML parser flags
    # these (or reads them differently), JSON Schema sees only the parsed result.
    "bad-duplicate-app": "a duplicate key: YAML-level, the parser keeps one value",
    "bad-duplicate-event": "a duplicate key: YAML-level, the parser keeps one value",
    "bad-complex-key": "a non-string key: YAML-level, JSON has string keys only",
    "bad-unsupported-tag": "a YAML tag (!!binary): YAML-level, the schema sees a string",
    # Variables: any string may be `${NAME}`, resolved from the environment of the run.
    "bad-missing-variable": "the variable is not set in the environment of the run",
    "bad-malformed-variable": "variable syntax inside any string: ${ without a name",
    "bad-literal-secret-production": "a literal secret in a production manifest: the "
    "environment is the merged result of a section, and `${…}` is resolved first",
    "bad-secret-default-production": "a default for a secret, refused for production only",
    # The app catalog's authentication types are looked up by slug.
    "bad-oauth-on-keybased-app": "catalog lookup: the app authenticates with keys",
    # Files next to the manifest.
    "bad-schema-file-missing": "the schema_file does not exist",
    "bad-schema-file-invalid-json": "the schema_file is not JSON",
    "bad-schema-file-not-object": "the schema_file holds no JSON object",
    "bad-schema-file-outside": "the schema_file leaves the manifest's folder",
}
# cobalt-sync's reader refuses these before any data exists (aliases, control characters,
# invalid YAML, not UTF-8): there is nothing for a schema to check.
UNREADABLE = {
    "bad-alias",
    "bad-billion-laughs",
    "bad-control-character",
    "bad-deep-nesting",
    "bad-non-utf8",
    "bad-nul-byte",
    "bad-yaml-indentation",
    "bad-yaml-nested-under-value",
    "bad-yaml-syntax",
    "bad-yaml-tab",
}

EVERY_KIND = {
    "version": 1,
    "apps": {"slack": {}, "hubspot": {"enabled": True}, "salesforce": {}},
    "events": {"Invoice Paid": {"schema": {"amount": 10}}, "Old Event": {"state": "absent"}},
    "linked_accounts": {
        "acme": {"name": "Acme"},
        "globex": {"name": "Globex", "udf": {"plan": "growth", "region": "eu"}},
    },
    "webhooks": {"https://hooks.example.com/cobalt": {"events": ["Connection Created"]}},
    "mcp_servers": {"Support": {"description": "Answers questions", "apps": ["slack"]}},
    "environment_variables": {"SUPPORT_EMAIL": "support@example.com"},
    "prune": ["events"],
}
# Manifests validate accepts: the schema must accept each.
GOOD: dict[str, dict[str, Any]] = {
    "single environment, every kind": {**EVERY_KIND, "environment": "test"},
    "null entries in a section remove them (README: linked_accounts: {acme: null})": {
        **EVERY_KIND,
        "environments": {
            "test": {
                "linked_accounts": {"acme": None, "globex": {"udf": {"region": None}}},
                "events": {"Invoice Paid": None},
                "webhooks": {"https://hooks.example.com/cobalt": None},
                "mcp_servers": {"Support": None},
                "environment_variables": {"SUPPORT_EMAIL": None},
            },
            "production": {"apps": {"hubspot": None}, "prune": None, "linked_accounts": None},
        },
    },
    "an empty section is the top level as written": {
        **EVERY_KIND,
        "environments": {"test": None, "production": {}},
    },
    "a partial top-level entry completed by each section": {
        "version": 1,
        "apps": {"hubspot": {"oauth": {"scopes": ["crm.objects.contacts.read"]}}},
        "environments": {
            "test": {"apps": {"hubspot": {"oauth": {"client_id": "a", "client_secret": "b"}}}},
            "production": {  # a production secret must come from a variable
                "apps": {
                    "hubspot": {
                        "oauth": {"client_id": "c", "client_secret": "${HUBSPOT_CLIENT_SECRET}"}
                    }
                }
            },
        },
    },
    "absent in one environment, fields over absent in the other": {
        "version": 1,
        "events": {"E": {"state": "absent"}},
        "linked_accounts": {"acme": {"name": "Acme"}},
        "environments": {
            "test": {"events": {"E": {"schema": {"a": 1}}}},
            "production": {"linked_accounts": {"acme": {"state": "absent"}}},
        },
    },
}
# Manifests validate rejects, where JSON Schema can say why: the schema must reject each.
BAD_HERE: dict[str, dict[str, Any]] = {
    "version 2": {"version": 2, "environment": "test"},
    "unknown environment": {"version": 1, "environment": "staging"},
    "unknown app": {"version": 1, "environment": "test", "apps": {"slak": {}}},
    "unknown app field": {"version": 1, "environment": "test", "apps": {"slack": {"enabeld": 1}}},
    "empty sample": {"version": 1, "environment": "test", "events": {"E": {"schema": {}}}},
    "event without a sample": {"version": 1, "environment": "test", "events": {"E": {}}},
    "event with both samples": {
        "version": 1,
        "environment": "test",
        "events": {"E": {"schema": {"a": 1}, "schema_file": "e.json"}},
    },
    "absent event with a sample": {
        "version": 1,
        "environment": "test",
        "events": {"E": {"state": "absent", "schema": {"a": 1}}},
    },
    "reserved udf key": {
        "version": 1,
        "environment": "test",
        "linked_accounts": {"a": {"udf": {"managed_by": "me"}}},
    },
    "udf number": {
        "version": 1,
        "environment": "test",
        "linked_accounts": {"a": {"udf": {"n": 3}}},
    },
    "padded account id": {"version": 1, "environment": "test", "linked_accounts": {" a": {}}},
    "probe account": {
        "version": 1,
        "environment": "test",
        "linked_accounts": {"cobalt-sync-probe": {}},
    },
    "prune twice": {"version": 1, "environment": "test", "prune": ["events", "events"]},
    "absent oauth with a client": {
        "version": 1,
        "environment": "test",
        "apps": {"slack": {"oauth": {"client_id": "a", "client_secret": "b", "state": "absent"}}},
    },
    "both environment and environments": {
        "version": 1,
        "environment": "test",
        "environments": {"test": {}},
    },
    "neither environment nor environments": {"version": 1},
    "unknown section": {"version": 1, "environments": {"staging": {}}},
    "version in a section": {"version": 1, "environments": {"test": {"version": 1}}},
    "unknown field in a section's entry": {
        "version": 1,
        "environments": {"test": {"linked_accounts": {"acme": {"nmae": "Acme"}}}},
    },
    "unknown app in a section": {"version": 1, "environments": {"test": {"apps": {"slak": {}}}}},
    "udf number in a section": {
        "version": 1,
        "linked_accounts": {"acme": {"name": "Acme"}},
        "environments": {"test": {"linked_accounts": {"acme": {"udf": {"n": 3}}}}},
    },
}


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    Draft202012Validator.check_schema(SCHEMA)
    return Draft202012Validator(SCHEMA)


@pytest.fixture(autouse=True)
def variables(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every variable the examples and bad manifests use is set, except the one that is
    meant to be missing: validate then judges the manifest, not the environment."""
    for path in [*EXAMPLES, *BAD]:
        for name in re.findall(rb"\$\{([A-Z_][A-Z0-9_]*)", path.read_bytes()):
            monkeypatch.setenv(name.decode(), "set-by-the-test")
    monkeypatch.delenv("COBALT_SYNC_TEST_UNSET_VARIABLE", raising=False)
    monkeypatch.delenv("COBALT_ENVIRONMENT", raising=False)


def validate(cli: Any, path: Path) -> int:
    result = cli("validate", "-f", str(path))
    assert result.exit_code in (0, 3), result.output
    return int(result.exit_code)


def schema_errors(validator: Draft202012Validator, data: Any) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(data)]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.name)
def test_examples_pass_both(cli: Any, validator: Draft202012Validator, path: Path) -> None:
    assert validate(cli, path) == 0
    assert schema_errors(validator, read_yaml(path.read_bytes()).data) == []


@pytest.mark.parametrize("name", GOOD)
def test_manifests_validate_accepts_the_schema_accepts(
    cli: Any, validator: Draft202012Validator, tmp_path: Path, name: str
) -> None:
    path = tmp_path / "cobalt.yaml"
    path.write_text(json.dumps(GOOD[name]))  # JSON is YAML
    assert validate(cli, path) == 0
    assert schema_errors(validator, GOOD[name]) == []


@pytest.mark.parametrize("name", BAD_HERE)
def test_manifests_validate_rejects_the_schema_rejects(
    cli: Any, validator: Draft202012Validator, tmp_path: Path, name: str
) -> None:
    path = tmp_path / "cobalt.yaml"
    path.write_text(json.dumps(BAD_HERE[name]))
    assert validate(cli, path) == 3
    assert schema_errors(validator, BAD_HERE[name]) != []


@pytest.mark.parametrize("path", BAD, ids=lambda path: path.stem)
def test_bad_manifests_agree_but_for_the_listed_rules(
    cli: Any, validator: Draft202012Validator, path: Path
) -> None:
    shown = path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path
    assert validate(cli, shown) == 3
    if path.stem in UNREADABLE:
        with pytest.raises(YamlProblem):
            read_yaml(path.read_bytes())
        return
    errors = schema_errors(validator, read_yaml(path.read_bytes()).data)
    if path.stem in ONLY_VALIDATE:
        assert errors == [], f"the schema now rejects {path.stem}: drop it from ONLY_VALIDATE"
    else:
        assert errors != [], f"validate rejects {path.stem}, the schema accepts it"
