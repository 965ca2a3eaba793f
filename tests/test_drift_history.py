"""Drift on real history: the dated JSM Cloud copies in the upstream mirror, located by sha256 like the fetcher does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_in_process import run

from jsm_openapi.drift import Change, Comparison, DriftReport, Severity
from jsm_openapi.drift.render import Format, render
from jsm_openapi.drift.run import compare_sources
from jsm_openapi.fetch import MirrorIndex

# The dated copies of the JSM Cloud document (../shared/upstream/README.md), by sha256: file names may change.
CLOUD = {
    "2021-03-23": "0d7b6a3cf0b36c2659a00ca1dea43cc91f8acd08a41fb835c48071432472a3c1",
    "2021-03-26": "95a69850542df84b3883f3f545ae0e891cab9a4d5e136ac50dacdf4ba5028e44",
    "2022-04-28": "5680024b8714cc64a82f243e54280126bf67dcc9478dcf99951d3dc5bf74f281",
    "2022-07-24": "897915608e37e8fd686c751f8cb51235e2690ff796cc22d6dc0ea9e658b9fde7",
    "2024-09-28": "321ecc15da0ab2666e0b2670f056b476a5b0065b30d08444a98feea43a2273bb",
    "2025-09-17": "6c4ac90e818c143ec31c218c5e3ec6e9fa2d0ebda6f463cdc00bc1b785ff862a",
}
CUSTOMER = ("post", "/rest/servicedeskapi/customer")


@pytest.fixture(scope="module")
def cloud_copy(mirror: Path) -> dict[str, Path]:
    index = MirrorIndex(mirror)
    found = {day: index.lookup(sha) for day, sha in CLOUD.items()}
    missing = [day for day, path in found.items() if path is None]
    if missing:
        pytest.fail(f"the mirror {mirror} has no JSM Cloud copy of {missing} (matched by sha256)")
    return {day: path for day, path in found.items() if path is not None}


@pytest.fixture(scope="module")
def compare(cloud_copy: dict[str, Path]):  # type: ignore[no-untyped-def]
    cache: dict[tuple[str, str], Comparison] = {}

    def run(old: str, new: str) -> Comparison:
        if (old, new) not in cache:
            cache[(old, new)] = compare_sources(str(cloud_copy[old]), str(cloud_copy[new]))
        return cache[(old, new)]

    return run


def on(changes: list[Change], method: str, path: str) -> list[Change]:
    return [c for c in changes if any(op.method == method and op.path == path for op in c.operations)]


def only(changes: list[Change], rule: str) -> Change:
    matching = [c for c in changes if c.rule == rule]
    assert len(matching) == 1, (rule, [c.message for c in matching])
    return matching[0]


def test_2022_04_to_07_adds_strict_conflict_status_code_and_409_to_create_customer(compare) -> None:  # type: ignore[no-untyped-def]
    comparison = compare("2022-04-28", "2022-07-24")
    customer = on(comparison.api_changes(), *CUSTOMER)
    param = only(customer, "parameter-added")
    assert "strictConflictStatusCode" in param.message and "optional" in param.message
    assert param.severity is Severity.NON_BREAKING
    assert param.subject.endswith("parameters[query:strictConflictStatusCode]")
    conflict = only(customer, "error-response-added")
    assert conflict.new == "409" and conflict.severity is Severity.NON_BREAKING
    assert all(c.operations[0].operation_id == "createCustomer" for c in (param, conflict))
    # nothing in this step breaks a caller of the generated client
    assert not comparison.at_or_above(Severity.POTENTIAL)


def test_the_markdown_alert_names_the_create_customer_changes_first(compare) -> None:  # type: ignore[no-untyped-def]
    markdown = render(DriftReport([compare("2022-04-28", "2022-07-24")]), Format.markdown)
    first = markdown.splitlines()[:8]
    assert first[2].startswith("- **(a) What Atlassian changed**: 0 breaking") and "judged by" in first[2]
    assert "(b) What the client sees" in first[3] and "not computed" in first[3]
    assert "(c) What breaks in user code" in first[4] and "not computed" in first[4]
    assert "POST /rest/servicedeskapi/customer (createCustomer)" in first[6] and "strictConflictStatusCode" in first[6]
    assert "createCustomer" in first[7] and "409" in first[7]
    # the OAuth scope migration of 63 operations is a few grouped lines (per family), after the API changes
    security = [line for line in markdown.splitlines()[:14] if "security-requirements-changed" in line]
    assert len(security) == 3 and any("on 33 operation(s)" in line for line in security)


def test_2022_07_to_2024_09_reports_the_renamed_operation_id_as_breaking(compare) -> None:  # type: ignore[no-untyped-def]
    changes = compare("2022-07-24", "2024-09-28").api_changes()
    renamed = only(
        on(changes, "post", "/rest/servicedeskapi/request/{issueIdOrKey}/attachment"), "operation-id-changed"
    )
    assert (renamed.old, renamed.new) == ("createAttachment", "createCommentWithAttachment")
    assert renamed.severity is Severity.BREAKING
    assert "`create_attachment` becomes `create_comment_with_attachment`" in renamed.message


def test_2022_07_to_2024_09_reports_the_changed_temporary_attachment_body(compare) -> None:  # type: ignore[no-untyped-def]
    changes = compare("2022-07-24", "2024-09-28").api_changes()
    upload = on(changes, "post", "/rest/servicedeskapi/servicedesk/{serviceDeskId}/attachTemporaryFile")
    body = only(upload, "request-type-changed")
    assert body.severity is Severity.BREAKING
    assert (body.old, body.new) == ("string", "array")
    assert "string (binary) → array of MultipartFile" in body.message
    assert "multipart~1form-data" in body.pointer
    assert only(upload, "request-body-became-required").severity is Severity.BREAKING
    assert only(upload, "error-response-added").new == "413"
    # the same step also makes the organization property PUT take a body it never declared (SPEC-GAPS #6)
    setter = on(changes, "put", "/rest/servicedeskapi/organization/{organizationId}/property/{propertyKey}")
    assert only(setter, "required-request-body-added").severity is Severity.BREAKING


def test_2024_09_to_2025_09_reports_what_changed_there(compare) -> None:  # type: ignore[no-untyped-def]
    comparison = compare("2024-09-28", "2025-09-17")
    changes = comparison.api_changes()
    added = only(changes, "operation-added")
    assert added.operations[0].operation_id == "checkRequestTypePermissions"
    assert added.operations[0].path == "/rest/servicedeskapi/servicedesk/{serviceDeskId}/requesttype/permissions/check"
    params = {c.message.split("`")[1] for c in changes if c.rule == "parameter-added"}
    assert params == {"cursor", "prev"}
    assert all(
        len(c.operations) == 1 and c.operations[0].operation_id == "getArticles"
        for c in changes
        if c.rule == "parameter-added"
    )
    properties = {
        c.message.split(":")[0] + "." + c.message.split("`")[1] for c in changes if c.rule == "response-property-added"
    }
    assert properties == {"OrganizationDTO.scimManaged", "CustomerRequestDTO.summary", "ServiceDeskDTO.projectTypeKey"}
    scim = next(c for c in changes if "scimManaged" in c.message)
    assert scim.pointer == "#/components/schemas/OrganizationDTO/properties/scimManaged"
    assert len(scim.operations) == 4  # one change, every operation that returns an organization
    assert "read:mail-logs.connectivity" in only(changes, "security-scopes-added").message
    assert {c.rule for c in changes if c.rule.startswith("component-schema")} == {"component-schema-added"}
    assert not comparison.at_or_above(Severity.POTENTIAL)


def test_the_same_content_in_another_key_order_is_no_change(compare, cloud_copy: dict[str, Path]) -> None:  # type: ignore[no-untyped-def]
    first, second = (cloud_copy[d].read_bytes() for d in ("2021-03-23", "2021-03-26"))
    assert first != second  # different bytes...
    comparison = compare("2021-03-23", "2021-03-26")
    assert comparison.changes == []  # ...same document
    assert not comparison.identical
    report = DriftReport([comparison], threshold=Severity.NON_BREAKING)
    assert report.failing() == [] and report.fingerprints() == []
    assert "No API change" in render(report, Format.markdown)


def test_reversing_a_step_turns_additions_into_breaking_removals(compare) -> None:  # type: ignore[no-untyped-def]
    back = on(compare("2022-07-24", "2022-04-28").api_changes(), *CUSTOMER)
    assert only(back, "parameter-removed").severity is Severity.BREAKING
    assert only(back, "error-response-removed").severity is Severity.POTENTIAL


def test_fingerprints_are_stable_and_tell_changes_apart(cloud_copy: dict[str, Path], compare) -> None:  # type: ignore[no-untyped-def]
    once = compare("2022-07-24", "2024-09-28")
    again = compare_sources(str(cloud_copy["2022-07-24"]), str(cloud_copy["2024-09-28"]))
    assert [c.fingerprint for c in once.changes] == [c.fingerprint for c in again.changes]
    fingerprints = [c.fingerprint for c in once.changes]
    assert len(set(fingerprints)) == len(fingerprints)
    assert DriftReport([once]).fingerprint_set() == DriftReport([again]).fingerprint_set()
    assert DriftReport([once]).fingerprint_set() != DriftReport([compare("2022-04-28", "2022-07-24")]).fingerprint_set()


def test_documentation_edits_are_kept_apart_from_api_changes(compare) -> None:  # type: ignore[no-untyped-def]
    comparison = compare("2022-07-24", "2024-09-28")
    docs = comparison.documentation()
    assert docs and all(c.severity is Severity.INFO for c in docs)
    assert {c.rule for c in docs} <= {
        "description-changed",
        "example-changed",
        "extension-changed",
        "tags-changed",
        "info-changed",
        "title-changed",
        "external-docs-changed",
        "item-default-changed",
    }
    assert not any(c.rule == "description-changed" for c in comparison.api_changes())
    markdown = render(DriftReport([comparison]), Format.markdown)
    assert markdown.index("Documentation and metadata in (a)") > markdown.index("Non-breaking")


# -- severities from the client's side on real steps (issue 11) ----------------------------------------------------


def test_2021_to_2022_service_desk_ids_becoming_strings_are_potential_not_breaking(compare) -> None:  # type: ignore[no-untyped-def]
    comparison = compare("2021-03-26", "2022-04-28")
    changes = comparison.api_changes()
    stringified = [c for c in changes if c.rule == "parameter-type-stringified"]
    assert len(stringified) == 22 and {c.severity for c in stringified} == {Severity.POTENTIAL}
    assert all("path parameter `serviceDeskId`: type integer" in c.message and c.new == "string" for c in stringified)
    assert not [c for c in changes if c.rule == "request-type-changed"]
    # what still breaks a caller: two request properties that became required
    breaking = comparison.at_or_above(Severity.BREAKING)
    assert sorted(c.message for c in breaking) == [
        "OrganizationCreateDTO.name is now required",
        "OrganizationServiceDeskUpdateDTO.organizationId is now required",
    ]


def test_2021_to_2022_one_oauth_scope_migration_is_a_few_grouped_changes(compare) -> None:  # type: ignore[no-untyped-def]
    security = [
        c for c in compare("2021-03-26", "2022-04-28").api_changes() if c.rule == "security-requirements-changed"
    ]
    assert len(security) <= 5  # was 63 lines, one per operation
    migration = [c for c in security if "classic scopes → granular scopes" in c.message]
    assert sum(len(c.operations) for c in migration) == 59
    assert any("on 31 operation(s)" in c.message for c in migration)
    assert {c.severity for c in security} == {Severity.NON_BREAKING}


def test_2022_07_to_2024_09_required_with_a_default_is_not_breaking_but_required_without_one_is(compare) -> None:  # type: ignore[no-untyped-def]
    changes = compare("2022-07-24", "2024-09-28").changes
    defaulted = {c.message.split("`")[1] for c in changes if c.rule == "parameter-became-required-with-default"}
    assert defaulted == {"highlight", "start", "limit"}
    required = [c for c in changes if c.rule == "parameter-became-required"]
    assert {c.message.split("`")[1] for c in required} == {"query"}  # no default: a new required argument
    assert {c.severity for c in required} == {Severity.BREAKING}
    # the array items' default none → "" of every `expand` and `requestOwnership`: trivia the generator ignores
    trivia = [c for c in changes if c.rule == "item-default-changed"]
    assert len(trivia) == 9 and not any(c.is_api for c in trivia)
    assert not [c for c in changes if c.rule == "request-default-changed"]
    stringified = only(changes, "parameter-type-stringified")
    assert "requestTypeId" in stringified.message and stringified.severity is Severity.POTENTIAL


def renamed_copy(document: dict, renames: dict[str, str]) -> dict:  # type: ignore[type-arg]
    """The document with components renamed and every `$ref` following (what Atlassian's renames look like)."""
    text = json.dumps(document)
    for old, new in renames.items():
        text = text.replace(f'"#/components/schemas/{old}"', f'"#/components/schemas/{new}"')
    renamed = json.loads(text)
    schemas = renamed["components"]["schemas"]
    renamed["components"]["schemas"] = {renames.get(name, name): value for name, value in schemas.items()}
    return renamed  # type: ignore[no-any-return]


def test_a_real_document_whose_workspace_models_are_renamed_gives_two_breaking_renames(
    cloud_copy: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    new = json.loads(cloud_copy["2022-04-28"].read_bytes())
    old = renamed_copy(
        new, {"InsightWorkspaceDTO": "CmdbWorkspaceDTO", "PagedDTOInsightWorkspaceDTO": "PagedDTOCmdbWorkspaceDTO"}
    )
    (tmp_path / "old.json").write_text(json.dumps(old))
    comparison = compare_sources(str(tmp_path / "old.json"), str(cloud_copy["2022-04-28"]))
    changes = comparison.api_changes()
    assert {(c.old, c.new) for c in changes} == {
        ("CmdbWorkspaceDTO", "InsightWorkspaceDTO"),
        ("PagedDTOCmdbWorkspaceDTO", "PagedDTOInsightWorkspaceDTO"),
    }
    assert {c.rule for c in changes} == {"component-renamed"} and {c.severity for c in changes} == {Severity.BREAKING}
    paged = next(c for c in changes if c.old == "PagedDTOCmdbWorkspaceDTO")
    assert [op.operation_id for op in paged.operations] == ["getInsightWorkspaces"]
    code, out, _ = run(capsys, "drift", str(tmp_path / "old.json"), str(cloud_copy["2022-04-28"]))
    assert code == 1 and "fail: 2 finding(s) at or above --fail-on breaking" in out
