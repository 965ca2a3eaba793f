"""The examples oracle on the real documents and the generated packages, and on documents broken on purpose."""

from __future__ import annotations

import copy
import importlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from jsm_openapi.errors import InputError
from jsm_openapi.examples import (
    Example,
    OracleReport,
    document_examples,
    removed_examples,
    run_oracle,
    seed_examples,
)
from jsm_openapi.fetch import Fetcher
from jsm_openapi.pipeline import merged_document, patch_flavor
from jsm_openapi.project import Project
from jsm_openapi.sources import Sources

pytestmark = pytest.mark.slow
FLAVORS = ("server", "cloud")


@pytest.fixture(scope="module")
def seeds(mirror: Path) -> Path:
    """The seed pages: $JSM_SEEDS_DIR, else `seeds` beside the mirror (../shared/seeds)."""
    path = Path(os.environ.get("JSM_SEEDS_DIR") or mirror.parent / "seeds")
    if not path.is_dir():
        pytest.fail(f"no seed pages at {path}: set JSM_SEEDS_DIR (the oracle reads the seed files)")
    return path


@pytest.fixture(scope="module")
def inputs(repo: Project, sources: Sources, mirror: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    fetcher = Fetcher(tmp_path_factory.mktemp("cache"), mirror=mirror)
    out = {}
    for flavor in FLAVORS:
        raw, _ = merged_document(repo, sources.flavor(flavor), fetcher)
        out[flavor] = (raw, patch_flavor(repo, sources.flavor(flavor), fetcher))
    return out


@pytest.fixture(scope="module")
def reports(inputs: dict[str, Any], seeds: Path) -> dict[str, OracleReport]:
    out = {}
    for flavor, (raw, result) in inputs.items():
        package = importlib.import_module(f"jsm_{flavor}")
        out[flavor] = run_oracle(
            flavor, raw, result.document, package, removed=removed_examples(result.actions), seeds_dir=seeds
        )
    return out


@pytest.mark.parametrize("flavor", FLAVORS)
def test_every_upstream_example_passes_or_is_a_documented_exception(
    reports: dict[str, OracleReport], flavor: str
) -> None:
    report = reports[flavor]
    assert [(c.example.where, c.detail) for c in report.failures] == []
    counts = report.counts()
    assert counts["passed"] + counts["exceptions"] == counts["examples"]


def test_the_counts_cover_requests_responses_schemas_and_both_seeds(reports: dict[str, OracleReport]) -> None:
    cloud, server = reports["cloud"].counts(), reports["server"].counts()
    assert cloud["by_kind"] == {"request": 18, "response": 49, "seed request": 1, "seed response": 1}
    assert cloud["passed"] == 69 and cloud["parsed"] == 68
    assert server["by_kind"]["schema"] > 600 and server["by_kind"]["seed response"] == 1
    assert server["placeholders_skipped"] > 1000


def test_the_seed_responses_come_from_the_seed_files_and_parse_into_users(
    reports: dict[str, OracleReport], seeds: Path
) -> None:
    for flavor, field in (("server", "key"), ("cloud", "accountId")):
        [check] = [c for c in reports[flavor].checks if c.example.kind == "seed response"]
        assert (seeds / check.example.source).is_file()
        assert check.passed and check.parsed == "ok"
        assert field in check.example.value and check.example.operation[0] == "POST"
        assert check.example.operation[1].endswith("/servicedeskapi/customer")


def test_every_exception_is_removed_by_an_overlay_and_listed_in_the_readme(
    reports: dict[str, OracleReport], repo: Project
) -> None:
    readme = (repo.overlays_dir / "README.md").read_text(encoding="utf-8")
    exceptions = [c for report in reports.values() for c in report.exceptions]
    assert exceptions, "the platform document has examples that are wrong themselves"
    for check in exceptions:
        assert check.excuse and "overlays/server/085-wrong-examples.yaml" in check.excuse
        assert f"`{check.example.where}`" in readme


def test_cloud_json_text_examples_are_decoded_before_checking(reports: dict[str, OracleReport]) -> None:
    responses = [c for c in reports["cloud"].checks if c.example.kind == "response"]
    assert all(isinstance(c.example.value, str) for c in responses)
    assert all(c.decoded for c in responses)


# --- the oracle finds what is wrong --------------------------------------------------------------------------------


def test_a_schema_that_contradicts_an_example_is_a_failure(inputs: dict[str, Any], seeds: Path) -> None:
    raw, result = inputs["cloud"]
    broken = copy.deepcopy(result.document)
    broken["components"]["schemas"]["UserDTO"]["properties"]["displayName"] = {"type": "integer"}
    report = run_oracle("cloud", raw, broken, importlib.import_module("jsm_cloud"), seeds_dir=seeds)
    failing = {c.example.where for c in report.failures}
    assert "001_cca52ace5dc04065.txt (seed response)" in failing
    create = "$['paths']['/rest/servicedeskapi/customer']['post']['responses']['201']['content']['application/json']"
    assert f"{create}['example']" in failing
    assert all(c.valid == "invalid" for c in report.failures)


def test_an_example_the_generated_code_cannot_read_is_a_failure(inputs: dict[str, Any]) -> None:
    raw, result = inputs["cloud"]
    path = "/rest/servicedeskapi/request/{issueIdOrKey}/approval/{approvalId}"
    raw = copy.deepcopy(raw)
    # a documented 200 whose body the generated ApprovalDTO parser cannot read (createdDate must be an object)
    raw["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["example"] = {"createdDate": "x"}
    patched = copy.deepcopy(result.document)
    patched["components"]["schemas"]["ApprovalDTO"]["properties"]["createdDate"] = {}
    report = run_oracle("cloud", raw, patched, importlib.import_module("jsm_cloud"))
    [failure] = report.failures
    assert failure.valid == "ok" and failure.parsed == "unparsed"


def test_an_example_removed_without_reason_is_still_a_failure(inputs: dict[str, Any]) -> None:
    raw, result = inputs["server"]
    report = run_oracle("server", raw, result.document, importlib.import_module("jsm_server"), removed={})
    assert len(report.failures) == 18 and report.exceptions == []


def test_collection_walks_media_types_parameters_headers_and_nested_schemas() -> None:
    document = {
        "paths": {
            "/x/{id}": {
                "post": {
                    "parameters": [{"name": "id", "in": "path", "example": "7", "schema": {"type": "string"}}],
                    "requestBody": {"content": {"application/json": {"examples": {"a": {"value": {"n": 1}}}}}},
                    "responses": {
                        "200": {
                            "headers": {"Retry-After": {"schema": {"type": "integer", "example": 3}}},
                            "content": {"application/json": {"example": "{}", "schema": {"example": {}}}},
                        }
                    },
                }
            }
        },
        "components": {"schemas": {"A": {"properties": {"b": {"items": {"example": 1}}}, "example": None}}},
    }
    found: list[Example] = list(document_examples("cloud", document))
    assert [(e.kind, e.value) for e in found] == [
        ("parameter", "7"),
        ("request", {"n": 1}),
        ("response", "{}"),
        ("schema", {}),  # an inline schema's own example
        ("schema", 3),
        ("schema", None),
        ("schema", 1),
    ]
    assert found[1].schema_location == (
        "paths",
        "/x/{id}",
        "post",
        "requestBody",
        "content",
        "application/json",
        "schema",
    )


def test_seed_pages_for_the_other_flavor_or_without_an_operation_are_ignored(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text('POST/rest/servicedeskapi/customer https://x.atlassian.net {"a": 1}')
    (tmp_path / "b.txt").write_text('no operation here {baseurl} {"a": 1}')
    document = {
        "paths": {
            "/rest/servicedeskapi/customer": {"post": {"responses": {"201": {"content": {"application/json": {}}}}}}
        }
    }
    [example] = seed_examples(tmp_path, "cloud", document)
    assert example.kind == "seed response" and example.value == {"a": 1} and example.source == "a.txt"
    assert seed_examples(tmp_path, "server", {"paths": {}}) == []


def test_a_seed_body_the_operation_does_not_document_names_the_seed_file(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text('POST /rest/servicedeskapi/customer https://x.atlassian.net --data {"email": "e"}')
    document = {"paths": {"/rest/servicedeskapi/customer": {"post": {"responses": {"204": {}}}}}}
    with pytest.raises(InputError, match=r"seed a\.txt: .* POST /rest/servicedeskapi/customer request body has no"):
        seed_examples(tmp_path, "cloud", document)


# --- the command -----------------------------------------------------------------------------------------------------


def test_the_examples_command_prints_counts_per_flavor(repo: Project, mirror: Path, seeds: Path) -> None:
    env = {
        **os.environ,
        "JSM_SPEC_MIRROR": str(mirror),
        "JSM_SEEDS_DIR": str(seeds),
        "JSM_OPENAPI_ROOT": str(repo.root),
    }
    run = subprocess.run(
        [sys.executable, "-m", "jsm_openapi", "examples", "--flavor", "cloud", "--json"],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    [cloud] = json.loads(run.stdout)
    assert cloud["flavor"] == "cloud" and cloud["examples"] == 69 and cloud["failures"] == 0
