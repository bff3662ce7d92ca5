"""App events: the derived `response` list, whole-list replies, duplicate names, ids."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.conftest import Sandbox
from tests.sandbox.conftest import assert_vendor_error

SAMPLE = {"email": "a", "prospect": {"email": "b"}}
DERIVED = [
    {"key": "email", "type": "text"},
    {"key": "prospect", "type": "object"},
    {"key": "prospect.email", "type": "text"},
]


@pytest.mark.parametrize("sample", [json.dumps(SAMPLE), SAMPLE], ids=["string", "object"])
def test_create_derives_the_contract_example_and_returns_the_whole_list(
    api: httpx.Client, sample: object
) -> None:
    api.post("/application/event", json={"name": "first", "response": {"x": 1}})
    listed = api.post("/application/event", json={"name": "lead.created", "response": sample})
    assert [e["name"] for e in listed.json()] == ["first", "lead.created"]
    created = listed.json()[1]
    assert created["response"] == DERIVED
    assert created["raw_response"] == '{"email":"a","prospect":{"email":"b"}}'
    assert len(created["_id"]) == 24 and int(created["_id"], 16) >= 0


def test_non_objects_are_text_and_arrays_are_not_descended(api: httpx.Client) -> None:
    sample = {"n": 1, "ok": True, "none": None, "tags": [{"a": 1}], "deep": {"x": {"y": 2}}}
    [event] = api.post("/application/event", json={"name": "e", "response": sample}).json()
    assert event["response"] == [
        {"key": "n", "type": "text"},
        {"key": "ok", "type": "text"},
        {"key": "none", "type": "text"},
        {"key": "tags", "type": "text"},
        {"key": "deep", "type": "object"},
        {"key": "deep.x", "type": "object"},
        {"key": "deep.x.y", "type": "text"},
    ]


def test_duplicate_name_is_400_invalid_event_id(api: httpx.Client, sandbox: Sandbox) -> None:
    api.post("/application/event", json={"name": "dup", "response": {}}).raise_for_status()
    response = api.post("/application/event", json={"name": "dup", "response": {"a": 1}})
    assert_vendor_error(response, 400, "INVALID_EVENT_ID")
    assert sandbox.inspect()["duplicates"]["events"] == {}


@pytest.mark.parametrize(
    "body",
    [
        {"name": "x"},
        {"response": {}},
        {"name": "x", "response": "not json"},
        {"name": "x", "response": "[1]"},
        {"name": "x", "response": 5},
    ],
)
def test_missing_or_bad_fields_are_400(api: httpx.Client, body: dict[str, object]) -> None:
    assert api.post("/application/event", json=body).status_code == 400
    assert api.get("/application/event").json() == []


def test_get_put_delete_by_id(api: httpx.Client) -> None:
    [event] = api.post("/application/event", json={"name": "old", "response": {"a": 1}}).json()
    path = f"/application/event/{event['_id']}"
    assert api.get(path).json()["name"] == "old"
    replaced = api.put(path, json={"name": "new", "response": '{"b": {"c": 1}}'}).json()
    assert [(e["_id"], e["name"]) for e in replaced] == [(event["_id"], "new")]
    assert replaced[0]["raw_response"] == '{"b":{"c":1}}'
    assert api.delete(path).json() == []
    assert_vendor_error(api.get(path), 404, "RESOURCE_NOT_FOUND")
    assert_vendor_error(api.delete(path), 404, "RESOURCE_NOT_FOUND")
    assert_vendor_error(
        api.put(path, json={"name": "n", "response": {}}), 404, "RESOURCE_NOT_FOUND"
    )


def test_rename_onto_another_events_name_is_refused(api: httpx.Client) -> None:
    api.post("/application/event", json={"name": "a", "response": {}})
    events = api.post("/application/event", json={"name": "b", "response": {}}).json()
    response = api.put(f"/application/event/{events[1]['_id']}", json={"name": "a", "response": {}})
    assert_vendor_error(response, 400, "INVALID_EVENT_ID")


def test_malformed_event_id_is_400(api: httpx.Client) -> None:
    assert_vendor_error(api.get("/application/event/123"), 400, "INVALID_EVENT_ID")


def test_planted_duplicates_are_visible_to_clients_and_inspect(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    sandbox.post("seed", key="tk_sandbox", duplicate_events=["twice"])
    assert [e["name"] for e in api.get("/application/event").json()] == ["twice", "twice"]
    assert sandbox.inspect()["duplicates"]["events"] == {"twice": 2}


def test_events_are_per_environment_unless_shared(
    api: httpx.Client, prod_api: httpx.Client, sandbox: Sandbox
) -> None:
    api.post("/application/event", json={"name": "test.only", "response": {}})
    assert prod_api.get("/application/event").json() == []
    sandbox.faults(share_events=True)
    prod_api.post("/application/event", json={"name": "org.wide", "response": {}})
    assert [e["name"] for e in api.get("/application/event").json()] == ["org.wide"]
    assert sandbox.inspect()["counts"]["events"] == 1
