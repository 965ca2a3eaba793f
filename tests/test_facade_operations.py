"""The facade reads the generated packages and the patched documents, never a list of its own: operations by
(method, path) with their experimental flag, and the per-flavor traits the documents mark with x-jsm-concept."""

from __future__ import annotations

import importlib
import json
from typing import Any

import pytest

from jsm.flavor import TRAITS, Flavor
from jsm.operations import OperationIndex
from jsm_openapi.project import Project


@pytest.mark.parametrize("flavor", list(Flavor))
def test_the_index_holds_every_generated_operation_with_its_flag(flavor: Flavor) -> None:
    package = TRAITS[flavor].package
    raw = importlib.import_module(f"{package}._operations").OPERATIONS
    index = OperationIndex.of(package)
    assert len(index) == len(raw)
    for entry in raw:
        op = index.get(entry["method"], entry["path"])
        assert op.experimental is entry["experimental"]
        if "/servicedeskapi/" in op.path:  # the facade's surface: each module imports and has the function it calls
            assert hasattr(index.module(op), "sync_detailed")
    assert any(op["experimental"] for op in raw)


@pytest.mark.parametrize("flavor", list(Flavor))
def test_concrete_paths_find_their_operation_literal_segments_first(flavor: Flavor) -> None:
    traits = TRAITS[flavor]
    index = OperationIndex.of(traits.package)
    request = index.match("GET", traits.api_path("/servicedeskapi/request/ITS-12/comment/10001"))
    assert request is not None
    assert request.path == traits.api_path("/servicedeskapi/request/{issueIdOrKey}/comment/{commentId}")
    assert index.match("GET", traits.api_path("/servicedeskapi/nothing/here")) is None
    assert index.match("PATCH", traits.api_path("/servicedeskapi/servicedesk")) is None
    if flavor is Flavor.SERVER:
        cleanup = index.match("GET", "/servicedeskapi/organization/cleanup")
        assert cleanup is not None
        assert cleanup.path == "/servicedeskapi/organization/cleanup"


def concept_fields(document: dict[str, Any], concept: str) -> set[str]:
    """Names of the properties of the create-customer body marked with `x-jsm-concept: concept`."""
    schema = document["components"]["schemas"]["CustomerCreateDTO"]
    return {name for name, prop in schema["properties"].items() if prop.get("x-jsm-concept") == concept}


@pytest.mark.parametrize("flavor", list(Flavor))
def test_the_display_name_field_is_the_one_the_patched_document_marks(repo: Project, flavor: Flavor) -> None:
    path = repo.patched_document(flavor.value)
    if not path.is_file():
        pytest.fail(f"{path} is missing: run `jsm-openapi generate` first (nox -s tests does)")
    document = json.loads(path.read_text())
    assert concept_fields(document, "customer.display-name") == {TRAITS[flavor].display_name_field}


@pytest.mark.parametrize("flavor", list(Flavor))
def test_the_users_field_is_the_one_the_bodies_declare(flavor: Flavor) -> None:
    traits = TRAITS[flavor]
    index = OperationIndex.of(traits.package)
    module = index.module(index.get("POST", traits.api_path("/servicedeskapi/servicedesk/{serviceDeskId}/customer")))
    body = module._get_kwargs("1", body=_body_model(module).from_dict({traits.users_field: ["x"]}))
    assert body["json"][traits.users_field] == ["x"]


def _body_model(module: Any) -> Any:
    import typing

    hint = typing.get_type_hints(module.sync_detailed)["body"]
    return next(m for m in (typing.get_args(hint) or (hint,)) if hasattr(m, "from_dict"))
