"""The differ's rules on small documents built here, one behaviour per test; the documented catalogue stays in sync."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest

from jsm_openapi.drift import RULES, Severity, compare_documents
from jsm_openapi.drift.model import Change
from jsm_openapi.drift.rules import catalogue_markdown
from jsm_openapi.errors import InputError

REPO = Path(__file__).resolve().parents[1]


def doc(**paths: Any) -> dict[str, Any]:
    """A minimal OpenAPI document: `doc(**{"/x": {...}})`, with a shared `User` schema."""
    return {
        "openapi": "3.0.1",
        "info": {"title": "t", "version": "1"},
        "paths": paths or {"/users/{id}": {"get": get_user()}},
        "components": {
            "schemas": {
                "User": {
                    "type": "object",
                    "properties": {
                        "name": {"type": "string"},
                        "status": {"type": "string", "enum": ["active", "inactive"]},
                        "manager": {"$ref": "#/components/schemas/User"},  # recursive on purpose
                    },
                }
            }
        },
    }


def get_user(operation_id: str = "getUser", param: str = "id") -> dict[str, Any]:
    return {
        "operationId": operation_id,
        "parameters": [{"name": param, "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": {
            "200": {
                "description": "the user",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/User"}}},
            }
        },
    }


def create_user() -> dict[str, Any]:
    return {
        "operationId": "createUser",
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/User"}}},
        },
        "responses": {"201": {"description": "created"}},
    }


def rules(changes: list[Change]) -> list[str]:
    return [c.rule for c in changes]


def test_every_rule_is_documented_with_its_severity() -> None:
    text = (REPO / "docs" / "drift-rules.md").read_text(encoding="utf-8")
    section = text.split("<!-- rules:start -->\n", 1)[1].split("<!-- rules:end -->", 1)[0]
    assert section == catalogue_markdown(), (
        "docs/drift-rules.md is stale: regenerate it with `jsm-openapi drift --rules`"
    )
    for rule in RULES.values():
        assert f"| `{rule.id}` | {rule.severity.label} |" in section


def test_rule_ids_are_stable_kebab_case_and_unique() -> None:
    assert all(re.fullmatch(r"[a-z]+(-[a-z]+)*", rule_id) for rule_id in RULES)
    assert {r.severity for r in RULES.values()} == set(Severity)


def test_identical_documents_and_key_order_give_no_change() -> None:
    old = doc()
    reordered = {key: old[key] for key in reversed(list(old))}
    reordered["components"]["schemas"]["User"] = dict(reversed(list(old["components"]["schemas"]["User"].items())))
    assert compare_documents(old, copy.deepcopy(old)) == []
    assert compare_documents(old, reordered) == []


def test_removed_and_added_operations() -> None:
    old = doc(**{"/users/{id}": {"get": get_user()}})
    new = doc(**{"/users": {"post": create_user()}})
    changes = compare_documents(old, new)
    assert rules(changes) == ["operation-removed", "operation-added"]
    assert changes[0].severity is Severity.BREAKING and changes[1].severity is Severity.NON_BREAKING
    assert changes[0].pointer == "#/paths/~1users~1{id}/get"


def test_a_renamed_path_parameter_is_not_a_new_operation() -> None:
    old = doc(**{"/users/{id}": {"get": get_user(param="id")}})
    new = doc(**{"/users/{userId}": {"get": get_user(param="userId")}})
    changes = compare_documents(old, new)
    assert rules(changes) == ["parameter-renamed"]
    assert changes[0].severity is Severity.POTENTIAL
    assert (changes[0].old, changes[0].new) == ("id", "userId")


def test_a_moved_operation_keeps_its_operation_id() -> None:
    old = doc(**{"/users/{id}": {"get": get_user()}})
    new = doc(**{"/people/{id}": {"get": get_user()}})
    assert rules(compare_documents(old, new)) == ["operation-path-changed"]


def test_parameters_by_client_severity() -> None:
    old = doc()
    new = copy.deepcopy(old)
    params = new["paths"]["/users/{id}"]["get"]["parameters"]
    params.append({"name": "expand", "in": "query", "schema": {"type": "string"}})
    params.append({"name": "tenant", "in": "header", "required": True, "schema": {"type": "string"}})
    changes = compare_documents(old, new)
    by_rule = {c.rule: c for c in changes}
    assert by_rule["required-parameter-added"].severity is Severity.BREAKING
    assert by_rule["parameter-added"].severity is Severity.NON_BREAKING
    assert by_rule["parameter-added"].subject == "GET /users/{}/parameters[query:expand]"
    back = compare_documents(new, old)
    assert sorted(rules(back)) == ["parameter-removed", "parameter-removed"]


def test_enum_values_added_in_a_response_are_potentially_breaking_in_a_request_not() -> None:
    old = doc(**{"/users/{id}": {"get": get_user()}, "/users": {"post": create_user()}})
    new = copy.deepcopy(old)
    new["components"]["schemas"]["User"]["properties"]["status"]["enum"].append("suspended")
    changes = compare_documents(old, new)
    by_rule = {c.rule: c for c in changes}
    assert set(by_rule) == {"response-enum-value-added", "request-enum-value-added"}
    assert by_rule["response-enum-value-added"].severity is Severity.POTENTIAL
    assert by_rule["request-enum-value-added"].severity is Severity.NON_BREAKING
    assert by_rule["response-enum-value-added"].pointer == "#/components/schemas/User/properties/status/enum"
    assert [op.operation_id for op in by_rule["response-enum-value-added"].operations] == ["getUser"]
    assert [op.operation_id for op in by_rule["request-enum-value-added"].operations] == ["createUser"]


def test_a_shared_component_change_is_one_change_listing_every_operation() -> None:
    old = doc(**{"/users/{id}": {"get": get_user()}, "/me": {"get": get_user("getMe")}})
    new = copy.deepcopy(old)
    del new["components"]["schemas"]["User"]["properties"]["name"]
    changes = compare_documents(old, new)
    assert rules(changes) == ["response-property-removed"]
    assert {op.operation_id for op in changes[0].operations} == {"getUser", "getMe"}
    assert changes[0].severity is Severity.BREAKING
    assert changes[0].pointer == "#/components/schemas/User/properties/name"  # in OLD: it is gone from NEW


def test_new_required_request_field_is_breaking_and_type_change_stops_descent() -> None:
    old = doc(**{"/users": {"post": create_user()}})
    new = copy.deepcopy(old)
    user = new["components"]["schemas"]["User"]
    user["properties"]["email"] = {"type": "string"}
    user["required"] = ["email"]
    user["properties"]["status"] = {"type": "array", "items": {"type": "string"}}
    changes = compare_documents(old, new)
    assert sorted(rules(changes)) == ["request-required-property-added", "request-type-changed"]
    assert all(c.severity is Severity.BREAKING for c in changes)


def test_success_status_and_media_type_changes() -> None:
    old = doc()
    new = copy.deepcopy(old)
    response = new["paths"]["/users/{id}"]["get"]["responses"].pop("200")
    response["content"] = {"application/xml": response["content"]["application/json"]}
    new["paths"]["/users/{id}"]["get"]["responses"]["201"] = response
    changes = compare_documents(old, new)
    assert rules(changes) == ["success-status-changed", "success-media-type-changed"]
    assert (changes[0].old, changes[0].new) == ("200", "201")


def test_operation_id_rename_names_the_generated_functions() -> None:
    old = doc(**{"/users/{id}": {"get": get_user("getUserByID")}})
    new = doc(**{"/users/{id}": {"get": get_user("fetchUser")}})
    (change,) = compare_documents(old, new)
    assert change.rule == "operation-id-changed" and change.severity is Severity.BREAKING
    assert "`get_user_by_id` becomes `fetch_user`" in change.message


def test_deprecation_and_experimental_flags() -> None:
    old = doc()
    new = copy.deepcopy(old)
    new["paths"]["/users/{id}"]["get"] |= {"deprecated": True, "x-experimental": True}
    by_rule = {c.rule: c.severity for c in compare_documents(old, new)}
    assert by_rule == {
        "operation-deprecated": Severity.NON_BREAKING,
        "operation-became-experimental": Severity.POTENTIAL,
    }


def test_description_only_edits_are_info_never_api_changes() -> None:
    old = doc()
    new = copy.deepcopy(old)
    new["paths"]["/users/{id}"]["get"]["description"] = "now documented"
    new["components"]["schemas"]["User"]["properties"]["name"]["description"] = "the name"
    new["paths"]["/users/{id}"]["get"]["x-atlassian-oauth2-scopes"] = [{"scopes": ["read:x"]}]
    changes = compare_documents(old, new)
    assert sorted(rules(changes)) == ["description-changed", "description-changed", "extension-changed"]
    assert all(not c.is_api and c.severity is Severity.INFO for c in changes)


def test_nullable_format_and_constraints_follow_direction() -> None:
    old = doc(**{"/users/{id}": {"get": get_user()}})
    new = copy.deepcopy(old)
    name = new["components"]["schemas"]["User"]["properties"]["name"]
    name |= {"nullable": True, "format": "email", "maxLength": 10}
    by_rule = {c.rule: c.severity for c in compare_documents(old, new)}
    assert by_rule == {
        "response-nullable-added": Severity.POTENTIAL,
        "response-format-changed": Severity.POTENTIAL,
        "response-constraint-tightened": Severity.NON_BREAKING,
    }


def test_a_dangling_ref_names_the_document_and_the_ref() -> None:
    old = doc()
    new = copy.deepcopy(old)
    new["paths"]["/users/{id}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] = {
        "$ref": "#/components/schemas/Missing"
    }
    with pytest.raises(InputError, match=r"NEW: \$ref '#/components/schemas/Missing' points at nothing"):
        compare_documents(old, new)


@pytest.mark.parametrize(
    ("document", "message"),
    [({"swagger": "2.0", "paths": {}}, "Swagger 2.0 is not supported"), ([], "not an OpenAPI document")],
)
def test_documents_that_are_not_openapi_3_are_refused(document: Any, message: str) -> None:
    with pytest.raises(InputError, match=message):
        compare_documents(doc(), document)
