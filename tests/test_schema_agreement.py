"""The published schema and `cobalt-sync validate` agree: every manifest validate accepts, the
schema accepts (an editor shows no false error), and every manifest validate rejects, the
schema rejects too, except the rules JSON Schema cannot say, listed below with the reason.

Runs both over the examples, the bad manifests of tests/manifests and the manifests here
(environment sections with `null` entries among them)."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from cobalt_sync.commands.validate import validate_file
from cobalt_sync.errors import ManifestError
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
    "bad-key-nfc-duplicate": "a duplicate key once Unicode-normalised: YAML-level",
    "bad-key-zero-width": "an invisible character in a key: the reader drops the key",
    "bad-key-bidi-control": "a bidi control character in a key: the reader drops the key",
    # Variables: any string may be `${NAME}`, resolved from the environment of the run.
    "bad-missing-variable": "the variable is not set in the environment of the run",
    "bad-malformed-variable": "variable syntax inside any string: ${ without a name",
    "bad-variable-in-key": "variable syntax in a key (`$${` is literal): the loader's grammar",
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


# --- Differential: mutated examples that validate accepts, the schema accepts -------------
EXAMPLE_DATA = [read_yaml(path.read_bytes()).data for path in EXAMPLES]
# A replacement keeps the kind of value it replaces (or is null), and `{state: absent}` is
# written only where the manifest allows it (an entry of a kind that has `state`). Otherwise
# a value that is wrong by itself at the top level, which every environment section replaces
# (`{state: absent}` on either side is replaced whole) or removes (`null`), loads, as no
# environment sees it; the schema cannot know every section does so, and rejects it: the one
# disagreement left, and a harmless one (the value is wrong wherever it is not replaced).
REPLACEMENTS: dict[type, list[Any]] = {
    dict: [{}, {"enabled": False}, {"name": "x"}],
    list: [[], ["x"], ["events"]],
    str: ["x", "", "absent"],
    int: [0, 1, 2],
    bool: [True, False],
}
ABSENT_ALLOWED = {"events", "linked_accounts", "webhooks", "mcp_servers", "environment_variables"}


def replacement(path: tuple[Any, ...], old: Any, draw: Any) -> Any:
    choices = [None, *REPLACEMENTS.get(type(old), REPLACEMENTS[str])]
    kind = path[-2] if len(path) >= 2 else None
    if kind in ABSENT_ALLOWED and path[0] in (kind, "environments"):
        choices.append({"state": "absent"})
    return copy.deepcopy(draw(st.sampled_from(choices)))


def key_paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*prefix, key)
            yield from key_paths(value, (*prefix, key))


def into_section(document: dict[str, Any], path: tuple[Any, ...], value: Any) -> None:
    """Write `value` at `path` in an environment section, as an overlay would."""
    if document.get("environment") in ("test", "production"):
        document["environments"] = {document.pop("environment"): {}}
    sections = document.get("environments")
    if not isinstance(sections, dict) or not sections or path[0] in ("version", "environments"):
        return
    node = sections.setdefault(next(iter(sections)), {})
    for key in path[:-1]:
        if not isinstance(node, dict):
            return
        node = node.setdefault(key, {}) if isinstance(node.get(key), dict | None) else node[key]
        if node is None:
            return
    if isinstance(node, dict):
        node[path[-1]] = value


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_what_validate_accepts_the_schema_accepts(
    validator: Draft202012Validator, tmp_path_factory: pytest.TempPathFactory, data: Any
) -> None:
    """Random edits of the examples (a key removed, a value replaced, a key set or nulled in
    an environment section): no false error in an editor for a manifest that validates.
    (`--hypothesis-show-statistics` shows how many validate.)"""
    document = copy.deepcopy(data.draw(st.sampled_from(EXAMPLE_DATA)))
    top_level_replaced = False  # then no section may later replace or remove that value
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(sorted(key_paths(document), key=repr)))
        parent = document
        for key in path[:-1]:
            parent = parent[key]
        edit = data.draw(st.sampled_from(["remove", "replace", "in a section"]))
        value = replacement(path, parent[path[-1]], data.draw)
        if edit == "remove":
            del parent[path[-1]]
        elif edit == "replace":
            if path[0] != "environments" and "environments" in document:
                continue  # the top level of sections: see REPLACEMENTS
            parent[path[-1]] = value
            top_level_replaced |= path[0] != "environments"
        elif not top_level_replaced:
            into_section(document, path, value)
        if not document:
            return
    folder = tmp_path_factory.mktemp("edited")
    (folder / "events").mkdir()
    (folder / "events" / "invoice_paid.json").write_text('{"invoice": {"id": 1}}')
    (folder / "cobalt.yaml").write_text(json.dumps(document))
    secrets = {"SLACK_CLIENT_SECRET": "s", "HUBSPOT_CLIENT_SECRET": "h"}
    try:
        validate_file(folder / "cobalt.yaml", {**secrets, "HUBSPOT_TEST_CLIENT_SECRET": "t"})
    except ManifestError:
        event("validate rejects")
        return
    event("validate accepts")
    assert schema_errors(validator, document) == [], json.dumps(document)
