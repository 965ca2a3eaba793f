"""Every gap the overlays close: present in the raw (pinned, merged) document, absent from the patched one.

One test per overlay concern (overlays/README.md has one section per gap). The documents are the real pinned ones,
read from the mirror; the overlays are the checkout's own.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
import typing
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from loopback import Loopback, Received, Reply, json_reply
from openapi_python_client.strings import snake_case

from jsm_openapi.fetch import Fetcher
from jsm_openapi.merge import HTTP_METHODS
from jsm_openapi.overlay.health import NEEDED, overlay_health
from jsm_openapi.pipeline import PatchResult, load_flavor_overlays, merged_document, patch_flavor
from jsm_openapi.project import Project
from jsm_openapi.sources import Sources

FLAVORS = ("server", "cloud")
SDA = {"server": "/servicedeskapi", "cloud": "/rest/servicedeskapi"}


@pytest.fixture(scope="module")
def built(repo: Project, sources: Sources, mirror: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """For each flavor: the raw merged document and the patch result (in memory, strict, from the mirror)."""
    fetcher = Fetcher(tmp_path_factory.mktemp("cache"), mirror=mirror)
    out: dict[str, Any] = {}
    for flavor in FLAVORS:
        raw, _ = merged_document(repo, sources.flavor(flavor), fetcher)
        out[flavor] = (raw, patch_flavor(repo, sources.flavor(flavor), fetcher))
    return out


def raw(built: dict[str, Any], flavor: str) -> Any:
    return built[flavor][0]


def patched(built: dict[str, Any], flavor: str) -> Any:
    result: PatchResult = built[flavor][1]
    return result.document


def operations(document: Any) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield method, path, operation


def op(document: Any, method: str, path: str) -> dict[str, Any]:
    return document["paths"][path][method]  # type: ignore[no-any-return]


def schema(document: Any, name: str) -> dict[str, Any]:
    return document["components"]["schemas"][name]  # type: ignore[no-any-return]


def media_schema(holder: dict[str, Any], media: str = "application/json") -> Any:
    return holder["content"][media].get("schema")


# --- the seed gap: create customer --------------------------------------------------------------------------------


def test_cloud_create_customer_requires_email_and_marks_display_name(built: dict[str, Any]) -> None:
    before, after = (
        schema(raw(built, "cloud"), "CustomerCreateDTO"),
        schema(patched(built, "cloud"), "CustomerCreateDTO"),
    )
    assert "required" not in before and "x-jsm-concept" not in before["properties"]["displayName"]
    assert after["required"] == ["email"]
    assert after["properties"]["displayName"]["x-jsm-concept"] == "customer.display-name"
    assert after["properties"]["fullName"]["deprecated"] is True
    create = op(patched(built, "cloud"), "post", "/rest/servicedeskapi/customer")
    assert media_schema(create["requestBody"])["$ref"] == "#/components/schemas/CustomerCreateDTO"
    assert [p["name"] for p in create["parameters"]] == ["strictConflictStatusCode"]
    assert {"201", "400", "409"} <= set(create["responses"])
    assert "accountId" in schema(patched(built, "cloud"), "UserDTO")["properties"]


def test_server_create_customer_is_a_customer_create_dto_with_full_name_as_the_concept(built: dict[str, Any]) -> None:
    before = op(raw(built, "server"), "post", "/servicedeskapi/customer")
    assert "$ref" not in media_schema(before["requestBody"]), "the raw body is inline"
    after = op(patched(built, "server"), "post", "/servicedeskapi/customer")
    assert media_schema(after["requestBody"]) == {"$ref": "#/components/schemas/CustomerCreateDTO"}
    body = schema(patched(built, "server"), "CustomerCreateDTO")
    assert body["required"] == ["email"] and set(body["properties"]) == {"email", "fullName"}
    assert body["properties"]["fullName"]["x-jsm-concept"] == "customer.display-name"
    assert "strictConflictStatusCode" not in json.dumps(after)
    assert media_schema(after["responses"]["201"]) == {"$ref": "#/components/schemas/UserDTO"}


def test_the_display_name_concept_marks_exactly_one_field_per_flavor(built: dict[str, Any]) -> None:
    for flavor, field in (("server", "fullName"), ("cloud", "displayName")):
        text = json.dumps(patched(built, flavor))
        assert text.count('"x-jsm-concept": "customer.display-name"') == 1
        assert field in schema(patched(built, flavor), "CustomerCreateDTO")["properties"]


# --- operation names ----------------------------------------------------------------------------------------------


def names(document: Any) -> Counter[str]:
    return Counter(operation["operationId"] for _, _, operation in operations(document))


@pytest.mark.parametrize("flavor", FLAVORS)
def test_operation_names_are_unique_and_meaningful(built: dict[str, Any], flavor: str) -> None:
    assert any(n > 1 for n in names(raw(built, flavor)).values()), "the raw document has duplicate operationIds"
    after = names(patched(built, flavor))
    assert [name for name, n in after.items() if n > 1] == []
    assert [name for name in after if re.search(r"_\d+$", name)] == [], "numbered twins are renamed"
    per_tag = Counter(
        (o.get("tags", [""])[0], snake_case(o["operationId"])) for _, _, o in operations(patched(built, flavor))
    )
    assert [key for key, n in per_tag.items() if n > 1] == [], "no two generated modules of one tag share a name"


def test_service_desk_operations_have_the_names_the_facade_calls(built: dict[str, Any]) -> None:
    cloud, server = patched(built, "cloud"), patched(built, "server")
    for document, prefix in ((cloud, "/rest/servicedeskapi"), (server, "/servicedeskapi")):
        assert op(document, "post", f"{prefix}/customer")["operationId"] == "createCustomer"
        assert op(document, "get", f"{prefix}/organization")["operationId"] == "getOrganizations"
        assert op(document, "get", f"{prefix}/servicedesk/{{serviceDeskId}}/organization")["operationId"] == (
            "getServiceDeskOrganizations"
        )
    assert (
        op(cloud, "put", "/rest/servicedeskapi/organization/{organizationId}/property/{propertyKey}")["operationId"]
        == "setOrganizationProperty"
    )
    assert op(server, "get", "/agile/1.0/issue/{issueIdOrKey}")["operationId"] == "getAgileIssue"


# --- ids, 204s, property bodies ------------------------------------------------------------------------------------


def integer_ids(document: Any) -> list[str]:
    found = []
    for method, path, operation in operations(document):
        for parameter in operation.get("parameters", []):
            kind = parameter.get("schema", {}).get("type")
            items = parameter.get("schema", {}).get("items", {}).get("type")
            if (
                parameter["in"] in {"path", "query"}
                and re.search(r"Id$", parameter["name"])
                and "integer" in {kind, items}
            ):
                found.append(f"{method} {path} {parameter['name']}")
    return found


def test_cloud_ids_are_strings_in_paths_and_queries(built: dict[str, Any]) -> None:
    assert len(integer_ids(raw(built, "cloud"))) >= 20
    assert integer_ids(patched(built, "cloud")) == []
    assert [found for found in integer_ids(patched(built, "server")) if "/servicedeskapi/" in found] == []


@pytest.mark.parametrize("flavor", FLAVORS)
def test_no_204_declares_a_body(built: dict[str, Any], flavor: str) -> None:
    def with_body(document: Any) -> list[str]:
        return [f"{m} {p}" for m, p, o in operations(document) if o["responses"].get("204", {}).get("content")]

    if flavor == "cloud":
        assert with_body(raw(built, flavor)) == ["delete /rest/servicedeskapi/request/{requestIdOrKey}/feedback"]
    assert with_body(patched(built, flavor)) == []


@pytest.mark.parametrize("flavor", FLAVORS)
def test_every_property_put_sends_a_required_json_value(built: dict[str, Any], flavor: str) -> None:
    def missing(document: Any) -> list[str]:
        puts = [(p, o) for m, p, o in operations(document) if m == "put" and re.search(r"/propert(y|ies)/\{", p)]
        assert puts
        return [
            p
            for p, o in puts
            if not (
                o.get("requestBody", {}).get("required")
                and o["requestBody"]["content"].get("application/json", {}).get("schema") == {}
            )
        ]

    assert missing(raw(built, flavor)) != []
    assert missing(patched(built, flavor)) == []
    if flavor == "cloud":  # and they answer 200/201 without a body (Jira's entity-property resource)
        puts = [o for m, p, o in operations(patched(built, flavor)) if m == "put" and "/property/" in p]
        assert all("content" not in o["responses"][s] for o in puts for s in ("200", "201"))


# --- uploads and downloads -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("flavor", FLAVORS)
def test_temporary_file_upload_is_multipart_files_with_the_xsrf_header(built: dict[str, Any], flavor: str) -> None:
    path = f"{SDA[flavor]}/servicedesk/{{serviceDeskId}}/attachTemporaryFile"
    before, after = op(raw(built, flavor), "post", path), op(patched(built, flavor), "post", path)
    assert media_schema(before["requestBody"], "multipart/form-data")["type"] == "array"
    assert "X-Atlassian-Token" not in json.dumps(before.get("parameters", []))
    body = media_schema(after["requestBody"], "multipart/form-data")
    assert body["required"] == ["file"]
    assert body["properties"]["file"]["items"] == {"type": "string", "format": "binary"}
    [header] = [p for p in after["parameters"] if p["in"] == "header"]
    assert header["name"] == "X-Atlassian-Token" and header["required"] is True
    assert header["schema"]["enum"] == ["no-check"] and header["schema"]["default"] == "no-check"
    assert media_schema(after["responses"]["201"]) == {
        "$ref": "#/components/schemas/CreateTemporaryWebAttachmentResult"
    }


def test_cloud_java_upload_beans_are_gone(built: dict[str, Any]) -> None:
    for name in ("MultipartFile", "Resource", "InputStreamSource", "JsonNode", "Expandable", "Linkable"):
        assert name in raw(built, "cloud")["components"]["schemas"]
        assert name not in patched(built, "cloud")["components"]["schemas"]
    adf = schema(patched(built, "cloud"), "FormAnswer")["properties"]["adf"]
    assert adf["type"] == "object" and "allOf" not in adf
    assert "#/components/schemas/JsonNode" not in json.dumps(patched(built, "cloud"))


def test_cloud_attachment_content_is_binary(built: dict[str, Any]) -> None:
    for suffix in ("", "/thumbnail"):
        path = f"/rest/servicedeskapi/request/{{issueIdOrKey}}/attachment/{{attachmentId}}{suffix}"
        before, after = op(raw(built, "cloud"), "get", path), op(patched(built, "cloud"), "get", path)
        assert list(before["responses"]["200"]["content"]) == ["application/json"]
        assert after["responses"]["200"]["content"] == {"*/*": {"schema": {"type": "string", "format": "binary"}}}
        assert after["responses"]["303"]["headers"]["Location"]["required"] is True


# --- errors and rate limits ----------------------------------------------------------------------------------------


def error_schemas(document: Any, prefix: str) -> Counter[str]:
    found: Counter[str] = Counter()
    for _, path, operation in operations(document):
        if not path.startswith(prefix):
            continue
        for status, response in operation["responses"].items():
            if status[0] in "45":
                if "$ref" in response:
                    response = document["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
                media = response.get("content", {}).get("application/json", {})
                found[media.get("schema", {}).get("$ref", "none")] += 1
    return found


def test_platform_errors_carry_the_error_collection_and_jsm_errors_the_error_response(built: dict[str, Any]) -> None:
    assert set(error_schemas(raw(built, "server"), "/api/2")) == {"none"}
    for prefix in ("/api/2", "/agile/1.0", "/auth/1"):
        assert set(error_schemas(patched(built, "server"), prefix)) == {"#/components/schemas/ErrorCollection"}
    for flavor in FLAVORS:
        assert set(error_schemas(patched(built, flavor), SDA[flavor])) == {"#/components/schemas/ErrorResponse"}


@pytest.mark.parametrize("flavor", FLAVORS)
def test_every_operation_declares_429_and_503_with_retry_after(built: dict[str, Any], flavor: str) -> None:
    assert not any("429" in o["responses"] for _, _, o in operations(raw(built, flavor)))
    document = patched(built, flavor)
    for method, path, operation in operations(document):
        for status in ("429", "503"):
            response = operation["responses"][status]
            if "$ref" in response:
                response = document["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
            assert response["headers"]["Retry-After"] == {"$ref": "#/components/headers/Retry-After"}, (method, path)
            assert "application/json" in response["content"]
    assert document["components"]["headers"]["Retry-After"]["schema"]["type"] == "integer"


# --- tolerance, nulls, Java leaks, experimental ---------------------------------------------------------------------


def test_cloud_user_fields_documented_as_nullable_are_nullable(built: dict[str, Any]) -> None:
    for name in ("UserDTO", "UserDetails"):
        for field in ("emailAddress", "timeZone"):
            assert "nullable" not in schema(raw(built, "cloud"), name)["properties"][field]
            assert schema(patched(built, "cloud"), name)["properties"][field]["nullable"] is True


def test_cloud_property_keys_accept_the_name_the_examples_use(built: dict[str, Any]) -> None:
    path = "/rest/servicedeskapi/organization/{organizationId}/property"
    example = json.loads(
        op(raw(built, "cloud"), "get", path)["responses"]["200"]["content"]["application/json"]["example"]
    )
    assert set(example) == {"entityPropertyKeyBeans"}
    assert "entityPropertyKeyBeans" not in schema(raw(built, "cloud"), "PropertyKeys")["properties"]
    assert {"keys", "entityPropertyKeyBeans"} <= set(schema(patched(built, "cloud"), "PropertyKeys")["properties"])


@pytest.mark.parametrize("flavor", FLAVORS)
def test_experimental_operations_carry_one_boolean_flag(built: dict[str, Any], flavor: str) -> None:
    flags = [o.get("x-experimental") for _, _, o in operations(patched(built, flavor)) if "x-experimental" in o]
    assert flags and all(flag is True for flag in flags)
    prose = [
        f"{m} {p}"
        for m, p, o in operations(patched(built, flavor))
        if re.search(r"\bEXPERIMENTAL\b", o.get("summary", "") + o.get("description", "")) and "x-experimental" not in o
    ]
    assert prose == [], "an operation called experimental in prose must carry the flag"


@pytest.mark.parametrize("flavor", FLAVORS)
def test_no_internal_surface_in_the_public_client(built: dict[str, Any], flavor: str) -> None:
    text = json.dumps(patched(built, flavor)).lower()
    assert "skip-permission" not in text and '"x-b3-' not in text


# --- the Jira platform operations the generator skipped, the Assets models it dropped -------------------------------


def test_the_accepted_skips_allowlist_is_empty(repo: Project) -> None:
    data = tomllib.loads((repo.generated_dir / "accepted-skips.toml").read_text(encoding="utf-8"))
    assert data.get("skip", []) == []


def test_platform_operations_the_generator_skipped_are_well_formed(built: dict[str, Any]) -> None:
    before, after = raw(built, "server"), patched(built, "server")
    assert "/api/2/filter/{id}/permission/{permission-id}" in before["paths"]
    assert "/api/2/filter/{id}/permission/{permission-id}" not in after["paths"]
    moved = op(after, "delete", "/api/2/filter/{id}/permission/{permissionId}")
    assert sorted(p["name"] for p in moved["parameters"]) == ["id", "permissionId"]
    for path, name in (("/api/2/group/member", "groupname"), ("/api/2/issuetype/{id}", "alternativeIssueTypeId")):
        method = "get" if "group" in path else "delete"
        [parameter] = [p for p in op(after, method, path)["parameters"] if p["name"] == name]
        assert parameter["in"] == "query"
    assert "*/*" not in op(after, "put", "/api/2/filter/{id}/columns")["requestBody"]["content"]
    for method, path, media in (
        ("post", "/api/2/issue/archive", "text/plain"),
        ("put", "/api/2/permissionscheme/{permissionSchemeId}/attribute/{key}", "text/plain"),
        ("post", "/api/2/email-templates", "application/zip"),
    ):
        assert media_schema(op(after, method, path)["requestBody"], media)["format"] == "binary"
    upload = media_schema(op(after, "post", "/api/2/user/avatar/temporary")["requestBody"], "multipart/form-data")
    assert upload["properties"]["avatar"]["format"] == "binary"
    assert media_schema(op(after, "get", "/api/2/group/member")["responses"]["200"]) == {
        "$ref": "#/components/schemas/PageBeanUserJsonBean"
    }


def test_assets_recursion_points_at_components_not_at_the_document_root(built: dict[str, Any]) -> None:
    assert '{"$ref": "#"}' in json.dumps(raw(built, "server"))
    assert '{"$ref": "#"}' not in json.dumps(patched(built, "server"))
    ticket = schema(patched(built, "server"), "Ticket")["properties"]
    assert ticket["priority"] == {"$ref": "#/components/schemas/TicketPriority"}
    assert schema(patched(built, "server"), "Tickets")["properties"]["tickets"]["items"] == {
        "$ref": "#/components/schemas/Ticket"
    }


def test_example_placeholders_are_removed(built: dict[str, Any]) -> None:
    assert json.dumps(raw(built, "server")).count('"example": null') > 1000
    assert '"example": null' not in json.dumps(patched(built, "server"))


def test_schemas_follow_what_their_examples_show(built: dict[str, Any]) -> None:
    before, after = raw(built, "server"), patched(built, "server")
    path = "/api/2/application-properties/advanced-settings"
    assert media_schema(op(before, "get", path)["responses"]["200"]) == {"$ref": "#/components/schemas/Property"}
    assert media_schema(op(after, "get", path)["responses"]["200"])["type"] == "array"
    assert "type" not in schema(after, "IssueBean")["properties"]["fields"]["additionalProperties"]
    assert "UPGRADE_IN_PROGRESS" in schema(after, "ClusterState")["properties"]["state"]["enum"]


# --- every action is still needed and touches something ---------------------------------------------------------------


@pytest.mark.parametrize("flavor", FLAVORS)
def test_every_overlay_action_matches_and_is_still_needed(
    built: dict[str, Any], repo: Project, sources: Sources, flavor: str
) -> None:
    overlays = load_flavor_overlays(repo, sources.flavor(flavor))
    health = overlay_health(raw(built, flavor), overlays)
    assert [h.as_json() for h in health if h.status != NEEDED or h.report.matched == 0] == []
    assert all(h.report.description.strip() for h in health), "every action says what it fixes"
    files = {h.report.source for h in health}
    assert (
        f"overlays/{flavor}/010-create-customer.yaml" in files
        and "overlays/shared/010-rate-limit-headers.yaml" in files
    )


def test_every_overlay_file_is_described_in_the_readme(repo: Project) -> None:
    readme = (repo.overlays_dir / "README.md").read_text(encoding="utf-8")
    for path in sorted(repo.overlays_dir.glob("*/*.yaml")):
        assert f"{path.parent.name}/{path.name}" in readme, f"overlays/README.md has no section for {path.name}"


# --- Server/DC JSM shapes the DC document gets wrong -----------------------------------------------------------------


def test_server_lists_and_removes_a_desks_customers(built: dict[str, Any]) -> None:
    path = "/servicedeskapi/servicedesk/{serviceDeskId}/customer"
    assert set(raw(built, "server")["paths"][path]) == {"post"}
    item = patched(built, "server")["paths"][path]
    assert {m: o["operationId"] for m, o in item.items()} == {
        "post": "addCustomers",
        "get": "getCustomers",
        "delete": "removeCustomers",
    }
    assert media_schema(item["get"]["responses"]["200"]) == {"$ref": "#/components/schemas/PagedDTOUserDTO"}
    assert set(media_schema(item["delete"]["requestBody"])["properties"]) == {"usernames"}
    assert item["get"]["x-experimental"] is True and "429" in item["get"]["responses"]


def test_server_create_attachment_answers_a_page_of_attachments(built: dict[str, Any]) -> None:
    before = schema(raw(built, "server"), "AttachmentCreateResultDTO")["properties"]["attachments"]
    assert before["type"] == "array"
    after = schema(patched(built, "server"), "AttachmentCreateResultDTO")["properties"]["attachments"]
    assert after == {"$ref": "#/components/schemas/PagedDTOAttachmentDTO"}
    page = schema(patched(built, "server"), "PagedDTOAttachmentDTO")["properties"]
    assert {"size", "start", "limit", "isLastPage", "values"} <= set(page)
    assert page["values"]["items"] == {"$ref": "#/components/schemas/AttachmentDTO"}


def test_server_request_field_values_are_any_json_and_statuses_have_a_category(built: dict[str, Any]) -> None:
    def values(document: Any) -> Any:
        return schema(document, "CustomerRequestDTO")["properties"]["requestFieldValues"]["items"]["properties"]

    assert values(raw(built, "server"))["value"]["type"] == "object"
    assert values(patched(built, "server"))["value"] == {}
    assert values(patched(built, "server"))["renderedValue"]["type"] == "object"
    current = schema(patched(built, "server"), "CustomerRequestDTO")["properties"]["currentStatus"]["properties"]
    assert "statusCategory" not in schema(raw(built, "server"), "CustomerRequestStatusDTO")["properties"]
    assert current["statusCategory"]["enum"] == ["UNDEFINED", "NEW", "INDETERMINATE", "DONE"]
    assert "statusCategory" in schema(patched(built, "server"), "CustomerRequestStatusDTO")["properties"]


# --- the `overlays status` command ---------------------------------------------------------------------------------


def status(project: Project, mirror: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "JSM_SPEC_MIRROR": str(mirror), "JSM_OPENAPI_ROOT": str(project.root)}
    command = [sys.executable, "-m", "jsm_openapi", "overlays", "status", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, check=False)


def test_overlays_status_lists_every_action_as_needed(repo: Project, mirror: Path) -> None:
    run = status(repo, mirror, "--flavor", "cloud", "--json")
    assert run.returncode == 0, run.stderr
    actions = json.loads(run.stdout)["cloud"]
    assert actions and all(a["status"] == "needed" and a["matched"] >= 1 for a in actions)
    assert {"overlays/shared/010-rate-limit-headers.yaml", "overlays/cloud/010-create-customer.yaml"} <= {
        a["source"] for a in actions
    }


def test_overlays_status_fails_on_an_action_that_is_no_longer_needed(tmp_project: Project, mirror: Path) -> None:
    (tmp_project.overlays_dir / "cloud" / "999-already-right.yaml").write_text(
        "overlay: 1.1.0\ninfo: {title: t, version: '1'}\nactions:\n"
        "  - target: $.components.schemas.CustomerCreateDTO\n"
        "    description: the schema is an object already (as if Atlassian had fixed it)\n"
        "    update: {type: object}\n",
        encoding="utf-8",
    )
    run = status(tmp_project, mirror, "--flavor", "cloud")
    assert run.returncode == 1
    assert "not needed" in run.stdout and "999-already-right.yaml action #1" in run.stdout


def test_error_answers_jsm_gives_are_declared(built: dict[str, Any]) -> None:
    cloud_400 = [
        "/rest/servicedeskapi/servicedesk",
        "/rest/servicedeskapi/request",
        "/rest/servicedeskapi/servicedesk/{serviceDeskId}/customer",
        "/rest/servicedeskapi/requesttype",
        "/rest/servicedeskapi/request/{issueIdOrKey}/comment/{commentId}/attachment",
    ]
    for path in cloud_400:
        assert "400" not in op(raw(built, "cloud"), "get", path)["responses"]
        assert media_schema(op(patched(built, "cloud"), "get", path)["responses"]["400"]) == {
            "$ref": "#/components/schemas/ErrorResponse"
        }
    assert "401" not in op(raw(built, "cloud"), "get", "/rest/servicedeskapi/info")["responses"]
    assert "401" in op(patched(built, "cloud"), "get", "/rest/servicedeskapi/info")["responses"]
    server = op(patched(built, "server"), "get", "/servicedeskapi/servicedesk/{serviceDeskId}/customer")
    assert server["x-experimental"] is True and "400" in server["responses"]


# --- links for stateful runs (cloud/900, server/900) -----------------------------------------------------------------

# (source method, source path suffix, status, link name, target method, target path suffix)
CHAINS = (
    ("post", "/customer", "201", "AddCustomerToOrganization", "post", "/organization/{organizationId}/user"),
    ("post", "/organization", "201", "AddUsersToNewOrganization", "post", "/organization/{organizationId}/user"),
    ("post", "/organization/{organizationId}/user", "204", "RaiseRequestOnBehalfOfMember", "post", "/request"),
    ("post", "/request", "201", "CommentOnRequest", "post", "/request/{issueIdOrKey}/comment"),
    (
        "post",
        "/request",
        "201",
        "UploadToRequestServiceDesk",
        "post",
        "/servicedesk/{serviceDeskId}/attachTemporaryFile",
    ),
    (
        "post",
        "/request/{issueIdOrKey}/comment",
        "201",
        "AddCommentAuthorAsParticipant",
        "post",
        "/request/{issueIdOrKey}/participant",
    ),
    (
        "post",
        "/servicedesk/{serviceDeskId}/attachTemporaryFile",
        "201",
        "AttachTemporaryFile",
        "post",
        "/request/{issueIdOrKey}/attachment",
    ),
)


def _resolved(document: Any, node: Any) -> Any:
    while isinstance(node, dict) and ("$ref" in node or len(node.get("allOf", [])) == 1):
        node = (
            document["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]] if "$ref" in node else node["allOf"][0]
        )
    return node


def _pointer_exists(document: Any, node: Any, pointer: str) -> bool:
    """Whether a runtime expression's JSON pointer names a field of the schema (array indexes step into items)."""
    for token in [t for t in pointer.strip("/").split("/") if t]:
        node = _resolved(document, node)
        node = node.get("items") if token.isdigit() else node.get("properties", {}).get(token)
        if node is None:
            return False
    return True


@pytest.mark.parametrize("flavor", FLAVORS)
def test_links_chain_what_an_operation_creates_to_the_operations_that_take_it(
    built: dict[str, Any], flavor: str
) -> None:
    import schemathesis
    from schemathesis.specs.openapi.stateful import collect_transitions

    from jsm_openapi.contract.stateful import document_links, link_target, linked_labels

    before, after = raw(built, flavor), patched(built, flavor)
    assert list(document_links(before)) == [], "the pinned document declares no links"
    links = {(source, status, name): link for source, status, name, link in document_links(after)}
    expected = {
        (f"{m.upper()} {SDA[flavor]}{p}", status, name): f"{tm.upper()} {SDA[flavor]}{tp}"
        for m, p, status, name, tm, tp in CHAINS
    }
    assert {key: link_target(link) for key, link in links.items()} == expected
    for (source, status, _), link in links.items():
        method, path = source.split(" ", 1)
        target_method, target_path = str(link_target(link)).split(" ", 1)
        origin, target = op(after, method.lower(), path), op(after, target_method.lower(), target_path)
        target_params = {p["name"] for p in target.get("parameters", []) if p.get("in") == "path"}
        answer = origin["responses"][status].get("content", {}).get("application/json", {}).get("schema")
        sent = origin.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
        expressions = list(link.get("parameters", {}).items())
        for field_name, value in (link.get("requestBody") or {}).items():
            assert field_name in _resolved(after, media_schema(target["requestBody"]))["properties"], field_name
            expressions += [(f"body.{field_name}", v) for v in (value if isinstance(value, list) else [value])]
        for name, expression in expressions:
            if name.startswith("path."):
                assert name.removeprefix("path.") in target_params, (source, name)
            where, _, pointer = expression.partition("#")
            if where == "$response.body":
                assert _pointer_exists(after, answer, pointer), (source, expression)
            elif where == "$request.body":
                assert _pointer_exists(after, sent, pointer), (source, expression)
            else:
                assert where.startswith("$request.path.") and where.rsplit(".", 1)[1] in path, (source, expression)
    # schemathesis reads them all as valid transitions between the linked operations
    labels = linked_labels(after)
    schema = schemathesis.openapi.from_dict(json.loads(json.dumps(after))).include(
        lambda ctx: ctx.operation.label in labels
    )
    transitions = collect_transitions([result.ok() for result in schema.get_all_operations()])
    assert sum(len(t.outgoing) for t in transitions.operations.values()) == len(CHAINS)


# --- closed from the contract suite's known gaps (contract_tests/known-gaps.toml) ------------------------------------


def parameters(document: Any, name: str, where: str = "query") -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, parameter["schema"])
        for method, path, operation in operations(document)
        for parameter in operation.get("parameters", [])
        if parameter["name"] == name and parameter["in"] == where
    ]


def resolve(document: Any, node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        node = document["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def test_cloud_paging_parameters_have_bounds_and_every_paged_list_declares_a_400(built: dict[str, Any]) -> None:
    before, after = raw(built, "cloud"), patched(built, "cloud")
    assert all("minimum" not in s for name in ("start", "limit") for _, _, s in parameters(before, name))
    assert {s["minimum"] for _, _, s in parameters(after, "start")} == {0}
    assert {s["minimum"] for _, _, s in parameters(after, "limit")} == {1}
    paged = {(m, p) for m, p, _ in parameters(after, "start")} | {(m, p) for m, p, _ in parameters(after, "limit")}
    assert len(paged) == 23
    assert sum("400" not in op(before, m, p)["responses"] for m, p in paged) == 21  # 120 and 130 add them
    for method, path in paged:
        assert media_schema(op(after, method, path)["responses"]["400"]) == {
            "$ref": "#/components/schemas/ErrorResponse"
        }, (method, path)


def test_server_paging_parameters_have_bounds(built: dict[str, Any]) -> None:
    before, after = raw(built, "server"), patched(built, "server")
    integers = [("start", 0), ("startAt", 0), ("limit", 1)]
    for name, low in integers:
        found = [s for _, _, s in parameters(after, name) if s.get("type") == "integer"]
        assert found and {s["minimum"] for s in found} == {low}, name
        assert all("minimum" not in s for _, _, s in parameters(before, name))
    assert len([p for _, p, _ in parameters(after, "limit") if p.startswith("/servicedeskapi/")]) == 19


def test_cloud_closed_filters_list_their_values_and_stay_strings_in_the_client(built: dict[str, Any]) -> None:
    import jsonschema
    from jsm_cloud.api.request import get_customer_requests

    before, after = raw(built, "cloud"), patched(built, "cloud")
    request = "/rest/servicedeskapi/request"
    closed = {
        "requestOwnership": (["OWNED_REQUESTS", "ORGANIZATION", "ALL_REQUESTS"], ["", "owned", "OWNED_REQUESTSX"]),
        "requestStatus": (["OPEN_REQUESTS", "CLOSED_REQUESTS", "ALL_REQUESTS"], ["", "OPEN", "open_requests"]),
        "approvalStatus": (["MY_PENDING_APPROVAL", "MY_HISTORY_APPROVAL"], ["PENDING", ""]),
    }
    for name, (good, bad) in closed.items():
        [(_, _, old)] = [x for x in parameters(before, name) if x[1] == request]
        [(_, _, new)] = [x for x in parameters(after, name) if x[1] == request]
        old, new = old.get("items", old), new.get("items", new)
        assert "pattern" not in old and "enum" not in old, name
        for value in good:
            jsonschema.validate(value, new)
        for value in bad:
            assert not jsonschema.Draft4Validator(new).is_valid(value), (name, value)
    assert "default" in parameters(before, "requestOwnership")[0][2]["items"]
    assert "default" not in parameters(after, "requestOwnership")[0][2]["items"]
    restriction = parameters(after, "restrictionStatus")
    assert len(restriction) == 2
    for _, _, s in restriction:
        assert all(jsonschema.Draft4Validator(s).is_valid(v) for v in ("OPEN", "restricted"))
        assert not jsonschema.Draft4Validator(s).is_valid("CLOSED")
    # a pattern, not an enum: the generated function still takes the plain strings every caller passes
    hints = typing.get_type_hints(get_customer_requests.sync_detailed)
    assert str in typing.get_args(hints["request_status"])


def test_cloud_numeric_ids_are_strings_of_digits_and_desk_paths_still_take_a_project_key(built: dict[str, Any]) -> None:
    before, after = raw(built, "cloud"), patched(built, "cloud")
    numeric_paths = ("organizationId", "requestTypeId", "approvalId", "attachmentId", "commentId", "queueId")
    for name in (*numeric_paths, "slaMetricId"):
        assert all("pattern" not in s for _, _, s in parameters(before, name, "path"))
        found = parameters(after, name, "path")
        assert found and all(s == {"type": "string", "pattern": "^[0-9]+$"} for _, _, s in found), name
    for name in ("organizationId", "serviceDeskId", "requestTypeId", "groupId"):
        found = [s for _, _, s in parameters(after, name) if s["type"] == "string"]
        assert found and all(s["pattern"] == "^[0-9]+$" for s in found), name
    [(_, _, desks)] = [x for x in parameters(after, "serviceDeskId") if x[2]["type"] == "array"]
    assert desks["items"] == {"type": "string", "pattern": "^[0-9]+$"}
    assert all("pattern" not in s for _, _, s in parameters(after, "serviceDeskId", "path")), "a key is fine there"
    assert all("pattern" not in s for _, _, s in parameters(after, "issueIdOrKey", "path"))


@pytest.mark.parametrize("flavor", FLAVORS)
def test_adding_a_desks_organization_needs_a_positive_organization_id(built: dict[str, Any], flavor: str) -> None:
    path = f"{SDA[flavor]}/servicedesk/{{serviceDeskId}}/organization"
    for method in ("post", "delete"):
        before, after = op(raw(built, flavor), method, path), op(patched(built, flavor), method, path)
        old = resolve(raw(built, flavor), media_schema(before["requestBody"]))
        new = resolve(patched(built, flavor), media_schema(after["requestBody"]))
        assert "minimum" not in old["properties"]["organizationId"]
        assert new["required"] == ["organizationId"]
        assert new["properties"]["organizationId"]["type"] == "integer"
        assert new["properties"]["organizationId"]["minimum"] == 1
        assert media_schema(after["responses"]["400"]) == {"$ref": "#/components/schemas/ErrorResponse"}
        if flavor == "cloud":
            assert "400" not in before["responses"]
        else:
            assert "required" not in old and old["properties"]["organizationId"]["type"] == "number"


def json_text_examples(document: Any) -> list[str]:
    return [
        f"{m} {p} {status}"
        for m, p, o in operations(document)
        for status, response in o["responses"].items()
        for media, holder in response.get("content", {}).items()
        if isinstance(holder, dict) and isinstance(holder.get("example"), str) and "json" in media
    ]


def test_cloud_response_examples_written_as_json_text_are_removed(built: dict[str, Any]) -> None:
    before, after = raw(built, "cloud"), patched(built, "cloud")
    assert len(json_text_examples(before)) == 49
    assert json_text_examples(after) == []
    bodies = [o["requestBody"] for _, _, o in operations(after) if "requestBody" in o]
    assert sum("example" in holder for body in bodies for holder in body["content"].values()) == 18, (
        "request examples are JSON values and stay"
    )


# Server/DC ---------------------------------------------------------------------------------------------------------


def reachable(document: Any, roots: Iterator[Any]) -> set[str]:
    """Names of the component schemas reachable from `roots` through $refs."""
    seen: set[str] = set()
    stack = list(roots)
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/components/schemas/") and (name := ref.rsplit("/", 1)[1]) not in seen:
                seen.add(name)
                stack.append(document["components"]["schemas"][name])
            stack.extend(v for k, v in node.items() if k != "$ref")
        elif isinstance(node, list):
            stack.extend(node)
    return seen


def write_only_in_answers(document: Any) -> list[str]:
    """writeOnly properties of schemas that answers use and no request sends."""
    sent = reachable(document, (o.get("requestBody") for _, _, o in operations(document)))
    answered = reachable(document, (o["responses"] for _, _, o in operations(document)))
    return sorted(
        f"{name}.{prop}"
        for name in answered - sent
        for prop, sub in (document["components"]["schemas"][name].get("properties") or {}).items()
        if sub.get("writeOnly")
    )


def test_no_write_only_field_in_a_schema_only_answers_use(built: dict[str, Any]) -> None:
    assert write_only_in_answers(raw(built, "server")) == [
        "CreateMetaIssueTypeBean.fields",
        "IssueBean.transitionBeans",
    ]
    after = patched(built, "server")
    assert write_only_in_answers(after) == []
    # role actors are answered (and nested in a filter a client may send back): avatarUrl is returned, not write-only
    assert schema(raw(built, "server"), "RoleActorBean")["properties"]["avatarUrl"]["writeOnly"] is True
    actor = schema(after, "RoleActorBean")["properties"]
    assert "writeOnly" not in actor["avatarUrl"]
    assert set(actor) == {"id", "displayName", "type", "name", "avatarUrl"}
    assert schema(after, "SprintSwapBean")["properties"]["swap"]["writeOnly"] is True, "request fields keep it"
    assert write_only_in_answers(patched(built, "cloud")) == []


def object_query_parameters(document: Any) -> list[str]:
    found = []
    for method, path, operation in operations(document):
        for parameter in operation.get("parameters", []):
            if parameter["in"] != "query":
                continue
            node = resolve(document, parameter["schema"])
            if node.get("type") == "array":
                node = resolve(document, node["items"])
            if node.get("type") == "object":
                found.append(f"{method} {path} {parameter['name']}")
    return found


def test_comma_separated_query_parameters_are_strings(built: dict[str, Any]) -> None:
    from jsm_server.api.board import get_all_boards
    from jsm_server.types import Unset

    assert len(object_query_parameters(raw(built, "server"))) == 17
    assert "get /agile/1.0/board type" in object_query_parameters(raw(built, "server"))
    for flavor in FLAVORS:
        assert object_query_parameters(patched(built, flavor)) == []
    assert typing.get_type_hints(get_all_boards.sync_detailed)["type_"] == str | Unset


def test_required_query_parameters_are_the_ones_jira_needs_and_never_empty(built: dict[str, Any]) -> None:
    before, after = raw(built, "server"), patched(built, "server")
    path = "/api/2/application-properties"
    assert {p["name"] for p in op(before, "get", path)["parameters"] if p.get("required")} == {"key", "permissionLevel"}
    assert not any(p.get("required") for p in op(after, "get", path)["parameters"])
    required = [
        (m, p, x)
        for m, p, o in operations(after)
        for x in o.get("parameters", [])
        if x["in"] == "query" and x.get("required") and x["schema"].get("type") == "string"
    ]
    assert len(required) == 7 and all(x["schema"]["minLength"] == 1 for _, _, x in required)
    assert all("minLength" not in x["schema"] for _, _, o in operations(before) for x in o.get("parameters", []))


def text_answers_typed_as_objects(document: Any) -> list[str]:
    return [
        f"{m} {p} {status}"
        for m, p, o in operations(document)
        for status, response in o["responses"].items()
        for media, holder in response.get("content", {}).items()
        if media.startswith("text/") and resolve(document, holder.get("schema", {})).get("type") == "object"
    ]


def test_a_multipart_avatar_upload_answers_an_html_page(built: dict[str, Any]) -> None:
    assert text_answers_typed_as_objects(raw(built, "server")) == [
        "post /api/2/issue/archive 200",  # server/060 (the archive streams text)
        "post /api/2/issuetype/{id}/avatar/temporary 201",
        "post /api/2/project/{projectIdOrKey}/avatar/temporary 201",
        "post /api/2/user/avatar/temporary 201",
    ]
    for flavor in FLAVORS:
        assert text_answers_typed_as_objects(patched(built, flavor)) == []
    answer = op(patched(built, "server"), "post", "/api/2/user/avatar/temporary")["responses"]["201"]
    assert answer["content"]["text/html"]["schema"]["type"] == "string"


def multipart_bodies(document: Any) -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{m} {p}", o["requestBody"]["content"]["multipart/form-data"])
        for m, p, o in operations(document)
        if "multipart/form-data" in o.get("requestBody", {}).get("content", {})
    ]


@pytest.mark.parametrize("flavor", FLAVORS)
def test_multipart_parts_declare_their_media_type(built: dict[str, Any], flavor: str) -> None:
    assert all("encoding" not in media for _, media in multipart_bodies(raw(built, flavor)))
    bodies = multipart_bodies(patched(built, flavor))
    assert len(bodies) == (7 if flavor == "server" else 1)
    for label, media in bodies:
        files = {
            name
            for name, prop in media["schema"]["properties"].items()
            if "binary" in (prop.get("format"), prop.get("items", {}).get("format"))
        }
        assert files and files == set(media["encoding"]), label
        assert media["schema"].get("required") == sorted(files), label


def test_issue_attachments_are_multipart_file_parts_with_the_xsrf_header(built: dict[str, Any]) -> None:
    path = "/api/2/issue/{issueIdOrKey}/attachments"
    before, after = op(raw(built, "server"), "post", path), op(patched(built, "server"), "post", path)
    assert media_schema(before["requestBody"], "multipart/form-data")["type"] == "string"
    body = media_schema(after["requestBody"], "multipart/form-data")
    assert body["properties"]["file"]["items"] == {"type": "string", "format": "binary"}
    assert after["requestBody"]["required"] is True
    assert media_schema(after["responses"]["200"]) == {
        "type": "array",
        "items": {"$ref": "#/components/schemas/AttachmentJsonBean"},
    }
    uploads = [m for m, p, o in operations(patched(built, "server")) if "multipart/form-data" in json.dumps(o)]
    for label, _ in multipart_bodies(patched(built, "server")):
        method, upload = label.split(" ", 1)
        headers = [p for p in op(patched(built, "server"), method, upload)["parameters"] if p["in"] == "header"]
        assert [(h["name"], h["required"], h["schema"]["default"]) for h in headers] == [
            ("X-Atlassian-Token", True, "no-check")
        ], label
    assert len(uploads) == 7


# --- a request comment has a body; the platform's user searches answer lists ----------------------------------------


@pytest.mark.parametrize("flavor", FLAVORS)
def test_a_request_comment_requires_its_body(built: dict[str, Any], flavor: str) -> None:
    def comment_body(document: Any) -> dict[str, Any]:
        found = media_schema(op(document, "post", f"{SDA[flavor]}/request/{{issueIdOrKey}}/comment")["requestBody"])
        return schema(document, found["$ref"].rsplit("/", 1)[1]) if "$ref" in found else found  # type: ignore[no-any-return]

    before, after = comment_body(raw(built, flavor)), comment_body(patched(built, flavor))
    assert "required" not in before and set(before["properties"]) == {"body", "public"}
    assert after["required"] == ["body"], "`public` stays optional"
    assert "400" in op(patched(built, flavor), "post", f"{SDA[flavor]}/request/{{issueIdOrKey}}/comment")["responses"]


def test_server_user_searches_answer_a_list_of_users(built: dict[str, Any]) -> None:
    searches = [
        "/api/2/user/search",
        "/api/2/user/assignable/search",
        "/api/2/user/assignable/multiProjectSearch",
        "/api/2/user/permission/search",
        "/api/2/user/viewissue/search",
    ]
    user = {"$ref": "#/components/schemas/UserBean"}
    for path in searches:
        before = media_schema(op(raw(built, "server"), "get", path)["responses"]["200"])
        after = media_schema(op(patched(built, "server"), "get", path)["responses"]["200"])
        assert before == user, path
        assert after == {"type": "array", "items": user}, path


# --- the platform's lists and pages declared as one item (server/155, 160, 165) -------------------------------------

# (method, path, status) -> the element each list holds (server/155)
PLATFORM_LISTS = {
    ("get", "/api/2/field", "200"): "FieldBean",
    ("get", "/api/2/status", "200"): "StatusJsonBean",
    ("get", "/api/2/statuscategory", "200"): "StatusCategoryJsonBean",
    ("get", "/api/2/priority", "200"): "PriorityJsonBean",
    ("get", "/api/2/resolution", "200"): "ResolutionJsonBean",
    ("get", "/api/2/issuetype", "200"): "IssueTypeJsonBean",
    ("get", "/api/2/issuetype/{id}/alternatives", "200"): "IssueTypeJsonBean",
    ("get", "/api/2/project", "200"): "ProjectBean",
    ("get", "/api/2/issuetypescheme/{schemeId}/associations", "200"): "ProjectBean",
    ("get", "/api/2/project/type", "200"): "ProjectTypeBean",
    ("get", "/api/2/project/{projectIdOrKey}/components", "200"): "ComponentBean",
    ("get", "/api/2/project/{projectIdOrKey}/versions", "200"): "VersionBean",
    ("get", "/api/2/project/{projectIdOrKey}/statuses", "200"): "IssueTypeWithStatusJsonBean",
    ("get", "/api/2/projectCategory", "200"): "ProjectCategoryJsonBean",
    ("get", "/api/2/role", "200"): "ProjectRoleBean",
    ("get", "/api/2/applicationrole", "200"): "ApplicationRoleBean",
    ("put", "/api/2/applicationrole", "200"): "ApplicationRoleBean",
    ("get", "/api/2/filter/favourite", "200"): "FilterBean",
    ("get", "/api/2/filter/{id}/permission", "200"): "FilterPermissionBean",
    ("post", "/api/2/filter/{id}/permission", "201"): "FilterPermissionBean",
    ("get", "/api/2/filter/{id}/columns", "200"): "ColumnOptions",
    ("get", "/api/2/settings/columns", "200"): "ColumnOptions",
    ("get", "/api/2/user/columns", "200"): "ColumnOptions",
    ("get", "/api/2/issue/{issueIdOrKey}/subtask", "200"): "IssueRefJsonBean",
    ("get", "/api/2/issue/{issueIdOrKey}/pinned-comments", "200"): "PinnedCommentJsonBean",
    ("post", "/api/2/worklog/list", "200"): "worklog",
    ("get", "/api/2/screens/{screenId}/availableFields", "200"): "ScreenableFieldBean",
    ("get", "/api/2/screens/{screenId}/tabs/{tabId}/fields", "200"): "ScreenableFieldBean",
    ("get", "/api/2/screens/{screenId}/tabs", "200"): "ScreenableTabBean",
    ("get", "/api/2/terminology/entries", "200"): "TerminologyResponseBean",
    ("get", "/api/2/cluster/nodes", "200"): "NodeBean",
    ("get", "/api/2/index-snapshot", "200"): "IndexSnapshotBean",
    ("get", "/api/2/reindex/request/bulk", "200"): "ReindexRequestBean",
}
# the list, or one item when a query parameter names it
LIST_OR_ONE = {
    ("get", "/api/2/issue/{issueIdOrKey}/remotelink"): ("RemoteIssueLinkBean", "RemoteIssueLinkBean"),
    ("get", "/api/2/workflowscheme/{id}/workflow"): ("WorkflowSchemeBean", "WorkflowMappingBean"),
    ("get", "/api/2/workflowscheme/{id}/draft/workflow"): ("WorkflowSchemeBean", "WorkflowMappingBean"),
}
PASSWORD_POLICY = [
    ("get", "/api/2/password/policy"),
    ("post", "/api/2/password/policy/createUser"),
    ("post", "/api/2/password/policy/updateUser"),
]
# (path of a GET) -> (the element the raw document declares, the page the answer is) (server/160)
PAGES = {
    "/agile/1.0/board": ("BoardBean", "PageBeanBoardBean"),
    "/agile/1.0/board/{boardId}/epic": ("EpicBean", "PageBeanEpicBean"),
    "/agile/1.0/board/{boardId}/project": ("ProjectJsonBean", "PageBeanProjectJsonBean"),
    "/agile/1.0/board/{boardId}/sprint": ("SprintBean", "PageBeanSprintBean"),
    "/agile/1.0/board/{boardId}/version": ("VersionBean", "PageBeanVersionBean"),
    "/api/2/version": ("VersionBean", "PageBeanVersionBean"),
    "/agile/1.0/board/{boardId}/backlog": ("IssueBean", "SearchResultsBean"),
    "/agile/1.0/board/{boardId}/issue": ("IssueBean", "SearchResultsBean"),
    "/agile/1.0/board/{boardId}/epic/none/issue": ("IssueBean", "SearchResultsBean"),
    "/agile/1.0/board/{boardId}/epic/{epicId}/issue": ("IssueBean", "SearchResultsBean"),
    "/agile/1.0/board/{boardId}/sprint/{sprintId}/issue": ("SprintBean", "SearchResultsBean"),
    "/api/2/issuetype/page": ("IssueTypeJsonBean", "PageBeanIssueTypeJsonBean"),
    "/api/2/priority/page": ("PriorityJsonBean", "PageBeanPriorityJsonBean"),
    "/api/2/status/page": ("StatusJsonBean", "PageBeanStatusJsonBean"),
    "/api/2/resolution/page": ("ResolutionBean", "PageBeanResolutionBean"),
    "/api/2/customFields": ("CustomFieldBean", "PageBeanCustomFieldBean"),
    "/api/2/issue/createmeta/{projectIdOrKey}/issuetypes": (
        "CreateMetaIssueTypeBean",
        "PageBeanCreateMetaIssueTypeBean",
    ),
    "/api/2/issue/createmeta/{projectIdOrKey}/issuetypes/{issueTypeId}": ("FieldMetaBean", "PageBeanFieldMetaBean"),
}
AVATAR_GROUPS = ["/api/2/avatar/{type}/system", "/api/2/project/{projectIdOrKey}/avatars", "/api/2/user/avatars"]


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def answer(document: Any, method: str, path: str, status: str = "200") -> Any:
    return media_schema(op(document, method, path)["responses"][status])


def platform_array_answers(document: Any) -> list[str]:
    """Platform and Agile operations whose 2xx JSON answer is (or may be) an array."""
    found = []
    for method, path, operation in operations(document):
        for status, response in operation["responses"].items():
            node = (response.get("content") or {}).get("application/json", {}).get("schema") or {}
            kinds = [resolve(document, n).get("type") for n in [node, *node.get("oneOf", [])]]
            if status.startswith("2") and "array" in kinds and path.startswith(("/api/2", "/agile/1.0")):
                found.append(f"{method} {path} {status}")
    return found


def test_the_platform_lists_are_arrays(built: dict[str, Any]) -> None:
    before, after = raw(built, "server"), patched(built, "server")
    assert platform_array_answers(before) == [], "the raw platform document declares no list at all"
    for (method, path, status), element in PLATFORM_LISTS.items():
        old, new = answer(before, method, path, status), answer(after, method, path, status)
        assert old.get("type") != "array" and "$ref" in old, (method, path)
        assert new == {"type": "array", "items": ref(element)}, (method, path)
    assert answer(before, "get", "/api/2/filter/{id}/columns") == ref("ColumnLayout"), "a Java layout, not columns"
    for (method, path), (declared, element) in LIST_OR_ONE.items():
        assert answer(before, method, path) == ref(declared)
        assert answer(after, method, path) == {"oneOf": [{"type": "array", "items": ref(element)}, ref(element)]}
    for method, path in PASSWORD_POLICY:
        assert answer(before, method, path)["type"] == "string"
        assert answer(after, method, path) == {"type": "array", "items": {"type": "string"}}
    listed = {f"{m} {p} {s}" for (m, p, s) in PLATFORM_LISTS} | {f"{m} {p} 200" for m, p in LIST_OR_ONE}
    listed |= {f"{m} {p} 200" for m, p in PASSWORD_POLICY}
    assert set(platform_array_answers(after)) == listed | {
        "get /api/2/application-properties 200",  # server/090
        "get /api/2/application-properties/advanced-settings 200",  # server/090
        "post /api/2/issue/{issueIdOrKey}/attachments 200",  # server/140
        *(f"get {path} 200" for path in ("/api/2/user/search", "/api/2/user/assignable/search")),  # server/145
        *(
            f"get /api/2/user/{path} 200"
            for path in ("assignable/multiProjectSearch", "permission/search", "viewissue/search")
        ),
    }


def test_bulk_bodies_are_arrays(built: dict[str, Any]) -> None:
    for method, path, element in (
        ("put", "/api/2/applicationrole", "ApplicationRoleBean"),
        ("post", "/api/2/terminology/entries", "TerminologyRequestBean"),
    ):
        assert media_schema(op(raw(built, "server"), method, path)["requestBody"]) == ref(element)
        assert media_schema(op(patched(built, "server"), method, path)["requestBody"]) == {
            "type": "array",
            "items": ref(element),
        }


def test_paged_answers_are_pages_of_their_element(built: dict[str, Any]) -> None:
    before, after = raw(built, "server"), patched(built, "server")
    envelope = {k: v for k, v in schema(after, "PageBean")["properties"].items() if k != "values"}
    for path, (element, page) in PAGES.items():
        assert answer(before, "get", path) == ref(element), path
        assert answer(after, "get", path) == ref(page), path
        if page == "SearchResultsBean":
            continue
        assert page not in before["components"]["schemas"]
        fields = dict(schema(after, page)["properties"])
        assert fields.pop("values") == {"type": "array", "items": ref(element)}, page
        assert fields == envelope, f"{page} has PageBean's envelope"
    assert schema(after, "SearchResultsBean")["properties"]["issues"]["items"] == ref("IssueBean")


def test_avatar_lists_answer_groups_of_avatars(built: dict[str, Any]) -> None:
    for path in AVATAR_GROUPS:
        assert answer(raw(built, "server"), "get", path) == ref("AvatarBean")
        assert answer(patched(built, "server"), "get", path) == ref("AvatarGroupsBean")
    groups = schema(patched(built, "server"), "AvatarGroupsBean")["properties"]
    assert groups == {kind: {"type": "array", "items": ref("AvatarBean")} for kind in ("system", "custom")}
    # its own description says "a list", Cloud's twin a map: left as it is (overlays/README.md, checked, not patched)
    universal = "/api/2/universal_avatar/type/{type}/owner/{owningObjectId}"
    assert answer(patched(built, "server"), "get", universal) == ref("AvatarBean")


def jira_catalogue(request: Received) -> Reply:
    """A small Jira: its field list, its boards in pages (startAt/maxResults) and an issue's remote links."""
    fields = [("summary", "Summary", False), ("customfield_10010", "Customer Request Type", True)]
    boards = [{"id": n, "name": f"Board {n}", "type": "scrum" if n % 2 else "kanban"} for n in range(1, 6)]
    links = [{"id": n, "globalId": f"system=https://ci.example/build/{n}"} for n in (10, 11)]
    query = {name: values[0] for name, values in request.query.items()}
    if request.path == "/rest/api/2/field":
        return json_reply(200, [{"id": i, "name": n, "custom": c, "clauseNames": [n.lower()]} for i, n, c in fields])
    if request.path == "/rest/agile/1.0/board":
        start, size = int(query.get("startAt", 0)), int(query.get("maxResults", 50))
        page = boards[start : start + size]
        last = start + len(page) >= len(boards)
        return json_reply(
            200, {"maxResults": size, "startAt": start, "total": len(boards), "isLast": last, "values": page}
        )
    if request.path == "/rest/api/2/issue/SD-1/remotelink":
        if "globalId" not in query:
            return json_reply(200, links)
        found = [link for link in links if link["globalId"] == query["globalId"]]
        return json_reply(200, found[0]) if found else json_reply(404, {"errorMessages": ["No link"], "errors": {}})
    return json_reply(404, {"errorMessages": [f"no resource {request.path}"], "errors": {}})


def test_the_server_client_reads_lists_and_pages_over_http(loopback: Loopback) -> None:
    from jsm_server import Client
    from jsm_server.api.board import get_all_boards
    from jsm_server.api.field import get_fields
    from jsm_server.api.issue import get_remote_issue_links
    from jsm_server.models import FieldBean, PageBeanBoardBean, RemoteIssueLinkBean

    loopback.handler = jira_catalogue
    client = Client(base_url=f"{loopback.url}/rest")
    fields = get_fields.sync(client=client)
    assert isinstance(fields, list) and all(isinstance(f, FieldBean) for f in fields)
    assert [(f.id, f.custom) for f in fields] == [("summary", False), ("customfield_10010", True)]
    with pytest.raises((TypeError, ValueError)):  # what the raw document's one FieldBean made of the same answer
        FieldBean.from_dict(json.loads(jira_catalogue(loopback.received[0])[2]))

    names, start = [], 0
    while True:  # the page tells when to stop
        page = get_all_boards.sync(client=client, start_at=start, max_results=2)
        assert isinstance(page, PageBeanBoardBean) and page.total == 5
        names += [board.name for board in page.values]
        start += len(page.values)
        if page.is_last:
            break
    assert names == [f"Board {n}" for n in range(1, 6)]
    assert [r.query.get("startAt") for r in loopback.received[1:]] == [["0"], ["2"], ["4"]]

    every = get_remote_issue_links.sync("SD-1", client=client)
    one = get_remote_issue_links.sync("SD-1", client=client, global_id="system=https://ci.example/build/11")
    assert isinstance(every, list) and [link.additional_properties["id"] for link in every] == [10, 11]
    assert isinstance(one, RemoteIssueLinkBean) and one.additional_properties["id"] == 11


# --- fields real answers carry (captured by other projects: tests/payloads/manifest.toml) --------------------------


def _nodes_with(document: Any, *names: str) -> list[dict[str, Any]]:
    """Every schema anywhere in a document whose properties include all of `names` (the overlays' filters)."""
    found, stack = [], [document]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            properties = node.get("properties")
            if isinstance(properties, dict) and all(n in properties for n in names):
                found.append(node)
            stack.extend(v for v in node.values() if isinstance(v, dict | list))
        elif isinstance(node, list):
            stack.extend(node)
    return found


def test_assets_beans_declare_what_insight_answers_carry(built: dict[str, Any]) -> None:
    shapes = {
        ("parentObjectTypeInherited", "objectSchemaId"): {"canEdit", "canManage", "empty"},
        ("id", "objectTypeAttributeId", "objectAttributeValues"): {"hidden"},
        ("summable", "uniqueAttribute"): {"objectName", "valueEditable", "sum"},
        ("totalFilterCount", "objectEntries"): {"totalCount", "fields"},
    }
    for keys, fields in shapes.items():
        before, after = _nodes_with(raw(built, "server"), *keys), _nodes_with(patched(built, "server"), *keys)
        assert before and len(after) == len(before), keys
        assert all(not fields & set(n["properties"]) for n in before), keys
        assert all(fields <= set(n["properties"]) for n in after), keys
    for object_type in _nodes_with(patched(built, "server"), "parentObjectTypeInherited", "objectSchemaId"):
        assert "removable" in object_type["properties"]["icon"]["properties"]
        for field in ("id", "type"):  # a number, or (older Insight) a string of digits
            kinds = {branch["type"] for branch in object_type["properties"][field]["anyOf"]}
            assert kinds == {"number", "string"}
    for attribute in _nodes_with(patched(built, "server"), "summable", "uniqueAttribute"):
        assert {b["type"] for b in attribute["properties"]["position"]["anyOf"]} == {"number", "string"}
    assert "removable" in schema(patched(built, "server"), "JsmIcon")["properties"]


def test_project_component_and_transitions_declare_what_jira_answers_carry(built: dict[str, Any]) -> None:
    wanted = {
        "ProjectBean": {"expand", "lead", "components", "issueTypes", "versions", "roles", "assigneeType", "url"},
        "ComponentBean": {"assignee", "realAssignee", "realAssigneeType", "isAssigneeTypeValid", "projectId"},
        "TransitionsMetaBean": {"expand"},
    }
    for name, fields in wanted.items():
        assert not fields & set(schema(raw(built, "server"), name)["properties"]), name
        assert fields <= set(schema(patched(built, "server"), name)["properties"]), name
    project = schema(patched(built, "server"), "ProjectBean")["properties"]
    assert project["components"]["items"] == {"$ref": "#/components/schemas/ComponentBean"}
    assert project["roles"]["additionalProperties"]["type"] == "string"


def test_a_knowledge_base_source_names_its_confluence_page(built: dict[str, Any]) -> None:
    before = schema(raw(built, "cloud"), "SourceDTO")["properties"]
    after = schema(patched(built, "cloud"), "SourceDTO")["properties"]
    assert "pageId" not in before and after["pageId"]["type"] == after["spaceKey"]["type"] == "string"


def test_server_jsm_fields_cloud_sends_stay_undeclared_without_evidence(built: dict[str, Any]) -> None:
    """Cloud's `_expands`, `issueTypeId`, `_links.agent`, `visible`, `validValues[].children` and info `_links`
    are not added to the DC document: no captured DC answer shows them (overlays/README.md says what was searched)."""
    server = patched(built, "server")
    assert "issueTypeId" not in schema(server, "RequestTypeDTO")["properties"]
    assert "agent" not in schema(server, "CustomerRequestLinkDTO")["properties"]
    assert "visible" not in schema(server, "RequestTypeFieldDTO")["properties"]
    assert "issueTypeId" in schema(patched(built, "cloud"), "RequestTypeDTO")["properties"]
