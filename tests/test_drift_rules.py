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


# -- severities from the client's side (issue 11): one test per rule ------------------------------------------------


def workspaces(item: str, paged: str) -> dict[str, Any]:
    """A document listing workspaces through a paged wrapper, its components named `item` and `paged`."""
    document = doc(
        **{
            "/workspace": {
                "get": {
                    "operationId": "getWorkspaces",
                    "responses": {
                        "200": {
                            "description": "the workspaces",
                            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{paged}"}}},
                        }
                    },
                }
            }
        }
    )
    document["components"]["schemas"] |= {
        item: {"type": "object", "description": f"a {item}", "properties": {"workspaceId": {"type": "string"}}},
        paged: {
            "type": "object",
            "properties": {
                "size": {"type": "integer"},
                "isLastPage": {"type": "boolean"},
                "values": {"type": "array", "items": {"$ref": f"#/components/schemas/{item}"}},
            },
        },
    }
    return document


def test_a_structure_equal_component_rename_is_one_breaking_rename_per_component() -> None:
    old = workspaces("CmdbWorkspaceDTO", "PagedDTOCmdbWorkspaceDTO")
    new = workspaces("InsightWorkspaceDTO", "PagedDTOInsightWorkspaceDTO")
    changes = compare_documents(old, new)
    api = [c for c in changes if c.is_api]
    assert rules(api) == ["component-renamed", "component-renamed"]  # no removal, addition or $ref change left
    assert all(c.severity is Severity.BREAKING for c in api)
    by_old = {c.old: c for c in api}
    assert by_old["CmdbWorkspaceDTO"].new == "InsightWorkspaceDTO"
    assert by_old["PagedDTOCmdbWorkspaceDTO"].new == "PagedDTOInsightWorkspaceDTO"
    assert [op.operation_id for op in by_old["CmdbWorkspaceDTO"].operations] == ["getWorkspaces"]
    assert (
        "the generated model class `CmdbWorkspaceDTO` becomes `InsightWorkspaceDTO`"
        in by_old["CmdbWorkspaceDTO"].message
    )
    # the description edit inside the renamed schema is documentation, and its subject names old → new
    (edit,) = [c for c in changes if c.rule == "description-changed"]
    assert edit.subject == "#/components/schemas/CmdbWorkspaceDTO→InsightWorkspaceDTO/description"
    assert edit.message.startswith("CmdbWorkspaceDTO → InsightWorkspaceDTO: description changed")


def test_a_rename_with_a_changed_structure_stays_a_removal_an_addition_and_a_ref_change() -> None:
    old = workspaces("CmdbWorkspaceDTO", "PagedDTOCmdbWorkspaceDTO")
    new = workspaces("InsightWorkspaceDTO", "PagedDTOInsightWorkspaceDTO")
    new["components"]["schemas"]["InsightWorkspaceDTO"]["properties"]["name"] = {"type": "string"}
    changes = compare_documents(old, new)
    # the item is no rename (a new property), so neither is its wrapper (its items point elsewhere)
    assert "component-renamed" not in rules(changes)
    assert sorted(c.old for c in changes if c.rule == "component-schema-removed") == [
        "CmdbWorkspaceDTO",
        "PagedDTOCmdbWorkspaceDTO",
    ]
    assert sorted(c.new for c in changes if c.rule == "component-schema-added") == [
        "InsightWorkspaceDTO",
        "PagedDTOInsightWorkspaceDTO",
    ]
    assert "response-schema-ref-changed" in rules(changes)


def test_renamed_components_that_point_at_each_other_are_both_renames() -> None:
    def cyclic(a: str, b: str) -> dict[str, Any]:
        document = workspaces(a, f"Paged{a}")
        document["components"]["schemas"][a]["properties"]["parent"] = {"$ref": f"#/components/schemas/{b}"}
        document["components"]["schemas"][b] = {
            "type": "object",
            "properties": {"child": {"$ref": f"#/components/schemas/{a}"}, "label": {"type": "string"}},
        }
        return document

    changes = compare_documents(cyclic("Node", "Tree"), cyclic("Vertex", "Graph"))
    renames = {c.old: c.new for c in changes if c.rule == "component-renamed"}
    assert renames == {"Node": "Vertex", "Tree": "Graph", "PagedNode": "PagedVertex"}
    assert not [c for c in changes if c.rule.startswith("component-schema") or "ref-changed" in c.rule]


def test_an_unreferenced_schema_is_a_rename_only_when_its_shape_is_specific_and_unique() -> None:
    old, new = doc(), doc()
    old["components"]["schemas"] |= {"Legacy": {"type": "object", "properties": {"a": {"type": "string"}}}}
    new["components"]["schemas"] |= {"Modern": {"type": "object", "properties": {"a": {"type": "string"}}}}
    assert rules(compare_documents(old, new)) == ["component-renamed"]
    old["components"]["schemas"] = {**doc()["components"]["schemas"], "Empty": {"type": "object"}}
    new["components"]["schemas"] = {**doc()["components"]["schemas"], "Blank": {"type": "object"}}
    assert sorted(rules(compare_documents(old, new))) == ["component-schema-added", "component-schema-removed"]


def path_param(schema: dict[str, Any], where: str = "path", name: str = "id") -> dict[str, Any]:
    return {"name": name, "in": where, "required": where == "path", "schema": schema}


def with_param(param: dict[str, Any]) -> dict[str, Any]:
    operation = get_user()
    operation["parameters"] = [p for p in operation["parameters"] if p["in"] != param["in"] or param["in"] != "path"]
    operation["parameters"].append(param)
    return doc(**{"/users/{id}": {"get": operation}})


@pytest.mark.parametrize(
    ("where", "before", "after", "rule"),
    [
        ("path", "integer", "string", "parameter-type-stringified"),  # quote(str(value)): an int still works
        ("path", "string", "integer", "parameter-type-stringified"),
        ("query", "integer", "string", "parameter-type-stringified"),  # httpx writes ints and bools as text
        ("query", "boolean", "string", "parameter-type-stringified"),
        ("header", "string", "integer", "parameter-type-stringified"),  # str(value) in the generated code
        ("header", "integer", "string", "request-type-changed"),  # passed as is: httpx refuses an int header
        ("query", "string", "array", "request-type-changed"),  # not a scalar: another Python type
    ],
)
def test_parameter_type_changes_the_generated_code_stringifies_are_potential(
    where: str, before: str, after: str, rule: str
) -> None:
    name = "id" if where == "path" else "x"
    old = with_param(path_param({"type": before, **({"format": "int64"} if before == "integer" else {})}, where, name))
    new_schema: dict[str, Any] = {"type": after, **({"items": {"type": "string"}} if after == "array" else {})}
    new = with_param(path_param(new_schema, where, name))
    (change,) = compare_documents(old, new)
    assert change.rule == rule
    assert change.severity is (Severity.POTENTIAL if rule == "parameter-type-stringified" else Severity.BREAKING)


def test_a_parameter_that_becomes_required_with_a_default_is_not_breaking() -> None:
    old = with_param(path_param({"type": "integer"}, "query", "start"))
    defaulted = with_param({**path_param({"type": "integer", "default": 0}, "query", "start"), "required": True})
    bare = with_param({**path_param({"type": "integer"}, "query", "start"), "required": True})
    by_rule = {c.rule: c for c in compare_documents(old, defaulted)}
    assert set(by_rule) == {"parameter-became-required-with-default", "request-default-added"}
    assert all(c.severity is Severity.NON_BREAKING for c in by_rule.values())
    assert rules(compare_documents(old, bare)) == ["parameter-became-required"]
    assert compare_documents(old, bare)[0].severity is Severity.BREAKING
    added = doc()
    added["paths"]["/users/{id}"]["get"]["parameters"].append(
        {"name": "limit", "in": "query", "required": True, "schema": {"type": "integer", "default": 50}}
    )
    (change,) = compare_documents(doc(), added)
    assert change.rule == "required-parameter-with-default-added" and change.severity is Severity.NON_BREAKING


def test_defaults_of_array_items_are_info_a_new_default_is_not_breaking_a_changed_one_may_be() -> None:
    def expand(items: dict[str, Any], default: Any = None) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "array", "items": items}
        return with_param(path_param(schema if default is None else {**schema, "default": default}, "query", "x"))

    (trivia,) = compare_documents(expand({"type": "string"}), expand({"type": "string", "default": ""}))
    assert trivia.rule == "item-default-changed" and trivia.severity is Severity.INFO and not trivia.is_api
    (added,) = compare_documents(expand({"type": "string"}), expand({"type": "string"}, ["a"]))
    assert added.rule == "request-default-added" and added.severity is Severity.NON_BREAKING
    (changed,) = compare_documents(expand({"type": "string"}, ["a"]), expand({"type": "string"}, ["b"]))
    assert changed.rule == "request-default-changed" and changed.severity is Severity.POTENTIAL


def test_security_changes_are_grouped_per_scheme_and_scope_family_with_a_count() -> None:
    paths = {
        f"/thing{i}": {"get": {"operationId": f"get{i}", "responses": {"200": {"description": "ok"}}}} for i in range(8)
    }
    old, new = doc(**copy.deepcopy(paths)), doc(**copy.deepcopy(paths))
    for i in range(8):
        old["paths"][f"/thing{i}"]["get"]["security"] = [{"OAuth2": [f"read:servicedesk-request{i % 2}"]}]
        granular = [f"read:thing{i}:jira-service-management", "read:user:jira"]
        new["paths"][f"/thing{i}"]["get"]["security"] = [
            {"OAuth2": granular if i < 6 else ["read:servicedesk-request"]}
        ]
    old["paths"]["/thing0"]["get"]["security"].append({"basicAuth": []})
    changes = compare_documents(old, new)
    assert rules(changes) == ["security-requirements-changed"] * 3
    migration = next(c for c in changes if "granular" in c.message and "OAuth2" in c.message)
    assert len(migration.operations) == 6
    assert "classic scopes → granular scopes (jira, jira-service-management), on 6 operation(s)" in migration.message
    within = next(c for c in changes if "within classic scopes" in c.message)
    assert len(within.operations) == 2
    dropped = next(c for c in changes if "security `basicAuth`" in c.message)
    assert "no scopes → not required, on 1 operation(s)" in dropped.message
    assert all(c.severity is Severity.NON_BREAKING for c in changes)
    # fingerprints follow the scopes: another migration of the same families is another change
    new["paths"]["/thing1"]["get"]["security"] = [{"OAuth2": ["write:thing:jira-service-management", "read:user:jira"]}]
    other = next(c for c in compare_documents(old, new) if "on 6 operation(s)" in c.message)
    assert other.fingerprint != migration.fingerprint


def test_subjects_of_changes_inside_a_renamed_component_name_both_names() -> None:
    old = workspaces("CmdbWorkspaceDTO", "PagedDTOCmdbWorkspaceDTO")
    new = workspaces("InsightWorkspaceDTO", "PagedDTOInsightWorkspaceDTO")
    new["components"]["schemas"]["PagedDTOInsightWorkspaceDTO"]["properties"]["start"] = {"type": "integer"}
    (added,) = [c for c in compare_documents(old, new) if c.rule == "response-property-added"]
    assert added.subject == "#/components/schemas/PagedDTOCmdbWorkspaceDTO→PagedDTOInsightWorkspaceDTO/properties/start"
    assert added.pointer == "#/components/schemas/PagedDTOInsightWorkspaceDTO/properties/start"
    assert added.message.startswith("PagedDTOCmdbWorkspaceDTO → PagedDTOInsightWorkspaceDTO: new optional property")
