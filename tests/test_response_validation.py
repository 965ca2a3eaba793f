"""Response validation in the facade, against the mock JSM over real HTTP (both flavors), the schema file the
generator writes into the packages, and hostile bodies."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import jsm
from jsm.deviations import Deviation, shape_of
from jsm.errors import ConfigurationError, SchemaMismatch
from jsm.validation import Answer, ResponseSchemas, find_deviations
from jsm_openapi.mock import Defect
from jsm_openapi.mock.runner import RunningMock, run_mock
from jsm_openapi.response_schemas import response_schemas

pytestmark = pytest.mark.slow
FLAVORS = ["server", "cloud"]
CREDENTIALS = {"server": ("admin", "admin-password"), "cloud": ("admin@example.com", "admin-password")}


@pytest.fixture(scope="module", params=FLAVORS)
def mock(request: pytest.FixtureRequest) -> Iterator[RunningMock]:
    with run_mock(request.param) as running:
        yield running


@pytest.fixture(autouse=True)
def no_defects(mock: RunningMock) -> Iterator[None]:
    mock.defects.clear()
    yield
    mock.defects.clear()


def client(mock: RunningMock, **options: Any) -> jsm.Client:
    user, secret = CREDENTIALS[mock.flavor]
    return jsm.Client(mock.base_url, auth=jsm.BasicAuth(user, secret), flavor=mock.flavor, **options)


# --- the schema file ------------------------------------------------------------------------------------------------


def test_every_generated_operation_has_its_responses_in_the_package() -> None:
    for package in ("jsm_server", "jsm_cloud"):
        schemas = ResponseSchemas.of(package)
        operations = __import__(f"{package}._operations", fromlist=["OPERATIONS"]).OPERATIONS
        labels = {f"{op['method']} {op['path']}" for op in operations}
        assert labels <= set(schemas.operations), sorted(labels - set(schemas.operations))[:5]
        assert all(schemas.operations[label] for label in labels)  # every operation declares some answer


def test_openapi_semantics_are_resolved_when_converting() -> None:
    document = {
        "openapi": "3.0.3",
        "paths": {
            "/x": {
                "get": {
                    "responses": {
                        "200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/X"}}}},
                        "404": {"$ref": "#/components/responses/Missing"},
                        "204": {"description": "no content"},
                    }
                }
            }
        },
        "components": {
            "responses": {"Missing": {"content": {"application/json": {"schema": {"type": "object"}}}}},
            "schemas": {
                "X": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["id", "secret"],
                    "properties": {
                        "id": {"type": "string", "nullable": True, "format": "uuid", "example": "a"},
                        "state": {"type": "string", "enum": ["A", "B"], "nullable": True},
                        "secret": {"type": "string", "writeOnly": True},
                        "owner": {"allOf": [{"$ref": "#/components/schemas/Y"}], "nullable": True},
                        "self": {"$ref": "#/components/schemas/X"},
                    },
                },
                "Y": {"type": "object", "properties": {"name": {"type": "string", "readOnly": True}}},
                "Unused": {"type": "string"},
            },
        },
    }
    converted = response_schemas(document)
    x = converted["definitions"]["X"]
    assert x["properties"]["id"] == {"type": ["string", "null"]}  # format and example dropped, null allowed
    assert x["properties"]["state"]["enum"] == ["A", "B", None]
    assert x["properties"]["secret"] == {"not": {}} and x["required"] == ["id"]  # writeOnly: never in an answer
    assert x["properties"]["owner"]["anyOf"][0] == {"type": "null"}
    assert x["additionalProperties"] is False and x["properties"]["self"] == {"$ref": "#/definitions/X"}
    assert set(converted["definitions"]) == {"X", "Y"}  # only what answers reach
    statuses = converted["operations"]["GET /x"]
    assert statuses["204"] == {"schema": None}
    assert statuses["404"]["at"] == "#/components/responses/Missing/content/application~1json/schema"
    assert statuses["200"]["at"] == "#/paths/~1x/get/responses/200/content/application~1json/schema"


# --- against the mock ---------------------------------------------------------------------------------------------


def test_a_conformant_site_gives_no_deviation_in_raise_mode(mock: RunningMock) -> None:
    """The mock's answers conform (the contract suite proves it with schemathesis): the facade agrees."""
    with client(mock, validate="raise") as jsm_client:
        assert jsm_client.info().version
        desk = jsm_client.service_desks.get(1)
        assert list(jsm_client.customers.list(desk.id))
        customer = jsm_client.customers.create(email=f"ok-{mock.flavor}@example.com", display_name="Ok Person")
        assert customer.email_address == f"ok-{mock.flavor}@example.com"
        list(jsm_client.requests.list(max_items=5))  # a page checked, empty or not
        with pytest.raises(jsm.errors.NotFound):  # an error answer that conforms: the typed error, as without
            jsm_client.service_desks.get(987654)


def test_raise_names_operation_status_and_pointer_with_the_parsed_body(mock: RunningMock) -> None:
    mock.defects.add(Defect.INTEGER_IDS)
    with client(mock, validate="raise") as jsm_client, pytest.raises(SchemaMismatch) as raised:
        jsm_client.service_desks.get(1)
    error = raised.value
    prefix = "/rest" if mock.flavor == "cloud" else ""
    assert error.operation == f"GET {prefix}/servicedeskapi/servicedesk/{{serviceDeskId}}"
    assert error.status == 200 and error.pointer in {"/id", "/projectId"}
    assert error.operation in str(error) and error.pointer in str(error)
    assert isinstance(error.parsed, dict) and error.parsed["id"] == 1  # the answer as it came
    assert {d.path for d in error.deviations} >= {"/id", "/projectId"}
    assert all(d.expected == "string" and d.seen == {"type": "integer"} for d in error.deviations if d.path == "/id")
    assert error.deviations[0].site_version  # asked /info once, on the first deviation


def test_a_status_the_operation_does_not_declare_is_a_deviation(mock: RunningMock) -> None:
    mock.defects.add(Defect.CREATE_STATUS_200)
    with client(mock, validate="raise") as jsm_client, pytest.raises(SchemaMismatch) as raised:
        jsm_client.organizations.create(f"Status Inc {mock.flavor}")
    deviation = raised.value.deviations[0]
    assert deviation.keyword == "status" and deviation.seen == {"status": 200} and "201" in deviation.expected


def test_cloud_closed_objects_refuse_undeclared_fields() -> None:
    with run_mock("cloud") as mock:
        mock.defects.add(Defect.CUSTOMER_FULLNAME)
        with client(mock, validate="raise") as jsm_client, pytest.raises(SchemaMismatch) as raised:
            jsm_client.customers.create(email="closed@example.com", display_name="Closed Object")
    error = raised.value
    assert (error.operation, error.status, error.pointer) == ("POST /rest/servicedeskapi/customer", 201, "/fullName")
    assert error.deviations[0].keyword == "additionalProperties"
    assert error.deviations[0].schema == "#/components/schemas/UserDTO/additionalProperties"


def test_warn_logs_and_records_each_distinct_deviation_once(
    mock: RunningMock, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    mock.defects.add(Defect.INTEGER_IDS)
    observed = tmp_path / "deviations.jsonl"
    with (
        caplog.at_level(logging.WARNING, logger="jsm.validation"),
        client(mock, validate="warn", deviations_file=observed) as jsm_client,
    ):
        for _ in range(3):  # the same deviations again and again, on every item of every page
            assert len(list(jsm_client.service_desks.list())) >= 2
    lines = [json.loads(line) for line in observed.read_text().splitlines()]
    keys = [(r["operation"], r["path"], r["keyword"]) for r in lines]
    assert len(keys) == len(set(keys)) >= 2  # one line per distinct deviation
    assert {r["path"] for r in lines} >= {"/values/*/id"}
    assert len([r for r in caplog.records if r.name == "jsm.validation"]) == len(lines)
    record = lines[0]
    assert record["format"] == "jsm-observed-deviation" and record["version"] == 1
    assert record["flavor"] == mock.flavor and record["site"]["version"]
    assert record["document"]["patched_sha256"] and len(record["fingerprint"]) == 16
    text = observed.read_text()
    assert mock.base_url.split("//")[1] not in text and "admin" not in text  # no site address, no user


def test_records_hold_shapes_never_values(mock: RunningMock, tmp_path: Path) -> None:
    """A string where the document wants something else is recorded as its type and length, not its text."""
    seen: list[Deviation] = []
    mock.defects.add(Defect.INTEGER_IDS)  # ids as numbers: deviations on the same objects that carry the names
    with client(mock, validate=seen.append, deviations_file=tmp_path / "d.jsonl") as jsm_client:
        desks = list(jsm_client.service_desks.list())
    names = [d.project_name for d in desks if isinstance(d.project_name, str)]
    assert seen and all(isinstance(d, Deviation) for d in seen)
    text = (tmp_path / "d.jsonl").read_text()
    assert names and not any(name in text for name in names)


def test_the_async_client_validates_the_same_way(mock: RunningMock) -> None:
    mock.defects.add(Defect.INTEGER_IDS)
    user, secret = CREDENTIALS[mock.flavor]

    async def run() -> SchemaMismatch:
        async with jsm.AsyncClient(
            mock.base_url, auth=jsm.BasicAuth(user, secret), flavor=mock.flavor, validate="raise"
        ) as jsm_client:
            with pytest.raises(SchemaMismatch) as raised:
                await jsm_client.service_desks.get(1)
            return raised.value

    error = asyncio.run(run())
    assert error.pointer in {"/id", "/projectId"} and error.deviations[0].site_version


def test_off_costs_nothing_and_bad_settings_are_refused(mock: RunningMock, tmp_path: Path) -> None:
    with client(mock) as jsm_client:
        mock.defects.add(Defect.INTEGER_IDS)
        assert jsm_client.service_desks.get(1)  # the default: no validation, the models read what comes
    with pytest.raises(ConfigurationError, match="validate='warn', 'raise'"):
        client(mock, deviations_file=tmp_path / "x.jsonl")
    with pytest.raises(ConfigurationError, match="'off', 'warn', 'raise' or a callable"):
        client(mock, validate="loud")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="cannot append observed deviations"):
        client(mock, validate="warn", deviations_file=tmp_path / "no" / "such" / "dir.jsonl")


def test_without_the_extra_the_error_names_it(mock: RunningMock, monkeypatch: pytest.MonkeyPatch) -> None:
    import jsm.validation as validation

    monkeypatch.setitem(sys.modules, "jsonschema_rs", None)  # as if not installed
    validation._schemas_of.cache_clear()
    try:
        with pytest.raises(ConfigurationError, match=r"pip install 'jsm-client\[validate\]'"):
            client(mock, validate="warn")
    finally:
        validation._schemas_of.cache_clear()


# --- hostile bodies -------------------------------------------------------------------------------------------------

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    body=_json,
    status=st.sampled_from([200, 201, 204, 400, 404, 418, 503]),
    raw=st.sampled_from([None, b"\xff\xfe", b"[" * 5000 + b"]" * 5000, b'{"a": "\\ud800"}', b"9" * 5000]),
)
def test_any_body_gives_deviations_never_a_crash_and_never_its_text(body: Any, status: int, raw: bytes | None) -> None:
    schemas = ResponseSchemas.of("jsm_cloud")
    content = json.dumps(body).encode() if raw is None else raw
    for operation in ("GET /rest/servicedeskapi/servicedesk", "POST /rest/servicedeskapi/customer"):
        answer = Answer("cloud", operation, status, "application/json", content)
        deviations, _ = find_deviations(schemas, answer)
        for deviation in deviations:
            record = json.dumps(deviation.as_record(source="test"))
            assert deviation.fingerprint in record
            for leaf in _strings(body):
                if len(leaf) > 3 and not leaf.isidentifier():
                    assert json.dumps(leaf)[1:-1] not in record


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)


def test_shapes_and_the_transport_hook_on_a_non_json_answer() -> None:
    assert shape_of("secret@example.com") == {"type": "string", "length": 18}
    assert shape_of(None) == {"type": "null"} and shape_of({"a": 1}) == {"type": "object", "length": 1}

    def html(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Type": "text/html"}, text="<html>login</html>")

    seen: list[Deviation] = []
    with (
        jsm.Client(
            "https://example.atlassian.net",
            auth=jsm.BasicAuth("me@example.com", "t"),
            transport=httpx.MockTransport(html),
            validate=seen.append,
        ) as jsm_client,
        pytest.raises(jsm.errors.JsmError),
    ):
        jsm_client.service_desks.get(1)
    assert seen[0].keyword == "json" and seen[0].seen == {"type": "text/html", "length": 18}


def test_a_package_generated_before_validation_existed_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mock: RunningMock
) -> None:
    name = f"jsm_old_package_{mock.flavor}"
    package = tmp_path / name
    package.mkdir()
    (package / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ConfigurationError, match=rf"{name} has no _response_schemas\.json"):
        ResponseSchemas.of(name)
    (package / "_response_schemas.json").write_text(json.dumps({"format": "jsm-response-schemas", "version": 9}))
    import jsm.validation as validation

    validation._schemas_of.cache_clear()
    with pytest.raises(ConfigurationError, match="not a version 1"):
        ResponseSchemas.of(name)
    validation._schemas_of.cache_clear()
