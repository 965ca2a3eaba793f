"""The patched documents, proven through the generated clients over real HTTP on loopback.

A small JSM stand-in runs in a thread on 127.0.0.1; each test gives it a handler with its own logic (it never replays
a document) and reads back what the generated client sent.
"""

from __future__ import annotations

import email.parser
import email.policy
import hashlib
import typing
import uuid
from collections.abc import Callable
from io import BytesIO
from typing import Any

import pytest
from jsm_cloud import Client as CloudClient
from jsm_cloud.api.customer import create_customer as cloud_create_customer
from jsm_cloud.api.info import get_info
from jsm_cloud.api.organization import get_organization
from jsm_cloud.api.request import get_approval_by_id, get_attachment_content
from jsm_cloud.api.servicedesk import attach_temporary_file as cloud_attach
from jsm_cloud.api.servicedesk import set_request_type_property
from jsm_cloud.models import ApprovalDTO, ErrorResponse, UserDTO
from jsm_cloud.models import AttachTemporaryFileBody as CloudUploadBody
from jsm_cloud.models import CustomerCreateDTO as CloudCustomer
from jsm_cloud.types import UNSET, File
from jsm_server import Client as ServerClient
from jsm_server.api.board import get_all_boards, set_board_property
from jsm_server.api.customer import create_customer as server_create_customer
from jsm_server.api.issue import add_attachment
from jsm_server.api.request_attachment import attach_temporary_file as server_attach
from jsm_server.api.user import store_temporary_user_avatar
from jsm_server.models import AddAttachmentBody
from jsm_server.models import AttachTemporaryFileBody as ServerUploadBody
from jsm_server.models import CustomerCreateDTO as ServerCustomer
from jsm_server.models import StoreTemporaryUserAvatarBody as AvatarBody
from loopback import Loopback, Received, Reply, json_reply

# --- create customer, both flavors ---------------------------------------------------------------------------------


def customer_directory(flavor: str) -> Callable[[Received], Reply]:
    """JSM's create customer: 201 with a new user; a repeated email is 400 (409 with strictConflictStatusCode)."""
    emails: set[str] = set()

    def handle(request: Received) -> Reply:
        body = request.json()
        if body["email"] in emails:
            strict = request.query.get("strictConflictStatusCode") == ["true"]
            return json_reply(409 if strict else 400, {"errorMessage": "An account already exists for this email"})
        emails.add(body["email"])
        if flavor == "cloud":
            account = f"qm:{uuid.uuid4()}:{hashlib.sha1(body['email'].encode()).hexdigest()[:23]}"
            user = {"accountId": account, "name": account, "key": account, "displayName": body.get("displayName")}
        else:
            user = {"name": body["email"], "key": f"JIRAUSER{10000 + len(emails)}", "displayName": body.get("fullName")}
        return json_reply(201, {**user, "emailAddress": body["email"], "active": True, "timeZone": "UTC", "_links": {}})

    return handle


def test_cloud_create_customer_sends_display_name_and_reads_the_account_id(loopback: Loopback) -> None:
    loopback.handler = customer_directory("cloud")
    client = CloudClient(base_url=loopback.url)
    body = CloudCustomer(email="fred@example.com", display_name="Fred F. User")
    created = cloud_create_customer.sync_detailed(client=client, body=body, strict_conflict_status_code=True)
    assert created.status_code == 201 and isinstance(created.parsed, UserDTO)
    assert created.parsed.account_id.startswith("qm:") and created.parsed.display_name == "Fred F. User"
    [sent] = loopback.received
    assert (sent.method, sent.path) == ("POST", "/rest/servicedeskapi/customer")
    assert sent.json() == {"email": "fred@example.com", "displayName": "Fred F. User"}
    assert sent.query == {"strictConflictStatusCode": ["true"]}
    again = cloud_create_customer.sync_detailed(client=client, body=body, strict_conflict_status_code=True)
    assert again.status_code == 409 and isinstance(again.parsed, ErrorResponse)
    assert "already exists" in str(again.parsed.error_message)
    lenient = cloud_create_customer.sync_detailed(client=client, body=body)
    assert lenient.status_code == 400 and "strictConflictStatusCode" not in loopback.received[-1].query


def test_server_create_customer_sends_full_name_and_the_username_is_the_email(loopback: Loopback) -> None:
    loopback.handler = customer_directory("server")
    client = ServerClient(base_url=f"{loopback.url}/rest")
    created = server_create_customer.sync_detailed(
        client=client, body=ServerCustomer(email="fred@example.com", full_name="Fred F. User")
    )
    assert created.status_code == 201
    assert created.parsed.name == "fred@example.com" and created.parsed.key.startswith("JIRAUSER")
    [sent] = loopback.received
    assert (sent.method, sent.path) == ("POST", "/rest/servicedeskapi/customer")
    assert sent.json() == {"email": "fred@example.com", "fullName": "Fred F. User"}
    assert "strict_conflict_status_code" not in typing.get_type_hints(server_create_customer.sync_detailed)


# --- property PUTs send their value -----------------------------------------------------------------------------------


def stored_property(request: Received) -> Reply:
    """Entity-property PUT: 201 when created (the body is the value, any JSON)."""
    request.json()  # JSM refuses a body that is not JSON
    return 201, {}, b""


@pytest.mark.parametrize("value", [{"colour": "green", "tags": ["a", "b"]}, ["x", 1, None], "plain", 7])
def test_a_request_type_property_put_sends_any_json_value(loopback: Loopback, value: Any) -> None:
    loopback.handler = stored_property
    response = set_request_type_property.sync_detailed(
        "10001", "25", "example.key", client=CloudClient(base_url=loopback.url), body=value
    )
    assert response.status_code == 201
    [sent] = loopback.received
    assert sent.path == "/rest/servicedeskapi/servicedesk/10001/requesttype/25/property/example.key"
    assert sent.json() == value and sent.headers["Content-Type"] == "application/json"


def test_a_board_property_put_sends_its_value(loopback: Loopback) -> None:
    loopback.handler = stored_property
    response = set_board_property.sync_detailed(
        "7", "rank.config", client=ServerClient(base_url=f"{loopback.url}/rest"), body={"enabled": True}
    )
    assert response.status_code == 201
    assert loopback.received[0].path == "/rest/agile/1.0/board/7/properties/rank.config"
    assert loopback.received[0].json() == {"enabled": True}


# --- temporary attachments: multipart files plus the XSRF header ----------------------------------------------------


def temporary_files(request: Received) -> Reply:
    """attachTemporaryFile: a multipart POST without X-Atlassian-Token: no-check is refused; one id per `file` part."""
    if request.headers.get("X-Atlassian-Token") != "no-check":
        return 403, {"Content-Type": "text/plain"}, b"XSRF check failed"
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + request.headers["Content-Type"].encode() + b"\r\n\r\n" + request.body
    )
    entries = []
    for part in message.iter_parts():
        if part.get_param("name", header="content-disposition") != "file":
            return json_reply(400, {"errorMessage": "the multipart parameter must be named file"})
        content = part.get_payload(decode=True)
        entries.append(
            {
                "temporaryAttachmentId": f"temp{hashlib.sha256(content).hexdigest()[:12]}",
                "fileName": part.get_filename(),
            }
        )
    return json_reply(201, {"temporaryAttachments": entries})


@pytest.mark.parametrize("flavor", ["cloud", "server"])
def test_attach_temporary_file_sends_multipart_files_with_the_xsrf_header(loopback: Loopback, flavor: str) -> None:
    loopback.handler = temporary_files
    files = [
        File(payload=BytesIO(b"first file"), file_name="readme.txt", mime_type="text/plain"),
        File(payload=BytesIO(b"\x89PNG\r\n\x1a\n"), file_name="screen.png", mime_type="image/png"),
    ]
    if flavor == "cloud":
        response = cloud_attach.sync_detailed(
            "10001", client=CloudClient(base_url=loopback.url), body=CloudUploadBody(file=files)
        )
    else:
        body = ServerUploadBody(file=files)
        response = server_attach.sync_detailed("10001", client=ServerClient(base_url=f"{loopback.url}/rest"), body=body)
    assert response.status_code == 201, response.content
    [sent] = loopback.received
    assert sent.path == "/rest/servicedeskapi/servicedesk/10001/attachTemporaryFile"
    assert sent.headers["X-Atlassian-Token"] == "no-check"
    assert sent.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    result = response.parsed.temporary_attachments
    assert [a.file_name for a in result] == ["readme.txt", "screen.png"]
    assert all(
        isinstance(a.temporary_attachment_id, str) and a.temporary_attachment_id.startswith("temp") for a in result
    )


def test_an_uploaded_file_containing_a_boundary_like_line_arrives_intact(loopback: Loopback) -> None:
    """The generator's own template fixed the boundary to `+++`; ours lets httpx choose a random one."""
    received: list[bytes] = []

    def capture(request: Received) -> Reply:
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + request.headers["Content-Type"].encode() + b"\r\n\r\n" + request.body
        )
        received.extend(part.get_payload(decode=True) for part in message.iter_parts())
        return json_reply(201, {"temporaryAttachments": [{"temporaryAttachmentId": "temp1", "fileName": "x.txt"}]})

    loopback.handler = capture
    content = b'line one\r\n--+++\r\nContent-Disposition: form-data; name="evil"\r\n\r\n--+++--\r\n'
    body = CloudUploadBody(file=[File(payload=BytesIO(content), file_name="x.txt", mime_type="text/plain")])
    response = cloud_attach.sync_detailed("1", client=CloudClient(base_url=loopback.url), body=body)
    assert response.status_code == 201
    [sent] = loopback.received
    assert "boundary=+++" not in sent.headers["Content-Type"]
    assert received == [content]


# --- attachment content comes back as bytes; ids are strings ---------------------------------------------------------


def test_attachment_content_comes_back_as_bytes(loopback: Loopback) -> None:
    image = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    loopback.handler = lambda request: (
        200,
        {"Content-Type": "image/png"},
        image if request.path.endswith("/10000") else b"",
    )
    response = get_attachment_content.sync_detailed("IT-1", "10000", client=CloudClient(base_url=loopback.url))
    assert response.status_code == 200
    assert isinstance(response.parsed, File) and response.parsed.payload.read() == image
    assert loopback.received[0].path == "/rest/servicedeskapi/request/IT-1/attachment/10000"


def test_ids_are_strings_in_the_generated_signatures(loopback: Loopback) -> None:
    for function, name in (
        (get_organization.sync_detailed, "organization_id"),
        (get_approval_by_id.sync_detailed, "approval_id"),
        (get_attachment_content.sync_detailed, "attachment_id"),
        (set_request_type_property.sync_detailed, "request_type_id"),
    ):
        assert typing.get_type_hints(function)[name] is str, function.__module__
    loopback.handler = lambda request: json_reply(200, {"id": request.path.rsplit("/", 1)[1], "name": "Charlie Cakes"})
    organization = get_organization.sync("42", client=CloudClient(base_url=loopback.url))
    assert organization is not None and organization.id == "42"


# --- tolerant parsing ------------------------------------------------------------------------------------------------


def test_responses_parse_with_unknown_fields_nulls_and_new_enum_values(loopback: Loopback) -> None:
    def approval(request: Received) -> Reply:
        return json_reply(
            200,
            {
                "id": request.path.rsplit("/", 1)[1],
                "name": None,
                "finalDecision": "escalated",  # a decision this client was not generated with
                "createdDate": None,
                "approvers": [{"approverDecision": "abstained", "approver": {"accountId": "a1", "emailAddress": None}}],
                "completedDate": {"epochMillis": 1442259240000, "iso8601": "2015-09-15T02:34:00+0700", "newPart": 1},
                "brandNewField": {"nested": [1, 2]},
            },
        )

    loopback.handler = approval
    parsed = get_approval_by_id.sync("HELP-1", "5", client=CloudClient(base_url=loopback.url))
    assert isinstance(parsed, ApprovalDTO) and parsed.id == "5"
    assert parsed.final_decision.value == "escalated" and not parsed.final_decision.is_known
    assert parsed.name is UNSET and parsed.created_date is UNSET
    [approver] = parsed.approvers
    assert approver.approver_decision.value == "abstained" and approver.approver.email_address is None
    assert parsed.completed_date.epoch_millis == 1442259240000
    assert parsed.completed_date.additional_properties == {"newPart": 1}
    assert parsed.additional_properties == {"brandNewField": {"nested": [1, 2]}}
    assert parsed.to_dict()["finalDecision"] == "escalated" and parsed.to_dict()["brandNewField"] == {"nested": [1, 2]}


def test_an_error_body_that_is_not_json_gives_none_and_keeps_the_raw_body(loopback: Loopback) -> None:
    page = b"<html><body>Jira Service Management is not licensed</body></html>"
    loopback.handler = lambda _r: (403, {"Content-Type": "text/html"}, page)
    response = get_info.sync_detailed(client=CloudClient(base_url=loopback.url))
    assert response.status_code == 403 and response.parsed is None and response.content == page


def test_a_429_reads_the_jsm_error_and_exposes_retry_after(loopback: Loopback) -> None:
    loopback.handler = lambda _r: json_reply(429, {"errorMessage": "Rate limit exceeded"}, **{"Retry-After": "7"})
    response = get_info.sync_detailed(client=CloudClient(base_url=loopback.url))
    assert response.status_code == 429 and isinstance(response.parsed, ErrorResponse)
    assert response.parsed.error_message == "Rate limit exceeded" and response.headers["Retry-After"] == "7"


# --- the Jira platform's uploads and comma-separated parameters (server/125, 135, 140) -------------------------------


def form_parts(request: Received) -> list[tuple[str, str | None, str, bytes]]:
    """(part name, file name, media type, content) of a multipart request."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + request.headers["Content-Type"].encode() + b"\r\n\r\n" + request.body
    )
    return [
        (
            part.get_param("name", header="content-disposition"),
            part.get_filename(),
            part.get_content_type(),
            part.get_payload(decode=True),
        )
        for part in message.iter_parts()
    ]


def test_issue_attachments_send_file_parts_with_the_xsrf_header_and_read_the_list(loopback: Loopback) -> None:
    def attach(request: Received) -> Reply:
        if request.headers.get("X-Atlassian-Token") != "no-check":
            return 403, {"Content-Type": "text/plain"}, b"XSRF check failed"
        added = [
            {"id": str(10000 + i), "filename": filename, "mimeType": media, "size": len(content)}
            for i, (name, filename, media, content) in enumerate(form_parts(request))
            if name == "file"
        ]
        return json_reply(200, added)

    loopback.handler = attach
    files = [
        File(payload=BytesIO(b"log line\n"), file_name="jira.log", mime_type="text/plain"),
        File(payload=BytesIO(b"\x89PNG\r\n\x1a\n"), file_name="screen.png", mime_type="image/png"),
    ]
    response = add_attachment.sync_detailed(
        "TEST-1", client=ServerClient(base_url=f"{loopback.url}/rest"), body=AddAttachmentBody(file=files)
    )
    assert response.status_code == 200, response.content
    [sent] = loopback.received
    assert sent.path == "/rest/api/2/issue/TEST-1/attachments"
    assert [a.filename for a in response.parsed] == ["jira.log", "screen.png"]
    assert [(a.mime_type, a.size) for a in response.parsed] == [("text/plain", 9), ("image/png", 8)]


def test_a_multipart_avatar_upload_reads_the_html_page_it_answers(loopback: Loopback) -> None:
    page = '<html><body><textarea>{"cropperWidth":48,"needsCropping":true}</textarea></body></html>'

    def avatar(request: Received) -> Reply:
        if request.headers.get("X-Atlassian-Token") != "no-check":
            return 403, {"Content-Type": "text/plain"}, b"XSRF check failed"
        [(name, _, media, _)] = form_parts(request)
        assert (name, media) == ("avatar", "image/png")
        return 201, {"Content-Type": "text/html;charset=UTF-8"}, page.encode()

    loopback.handler = avatar
    image = File(payload=BytesIO(b"\x89PNG\r\n\x1a\n"), file_name="me.png", mime_type="image/png")
    response = store_temporary_user_avatar.sync_detailed(
        client=ServerClient(base_url=f"{loopback.url}/rest"), body=AvatarBody(avatar=image), username="admin"
    )
    assert response.status_code == 201 and response.parsed == page
    assert loopback.received[0].query == {"username": ["admin"]}


def test_comma_separated_query_parameters_are_sent_as_text(loopback: Loopback) -> None:
    def boards(request: Received) -> Reply:
        wanted = request.query["type"][0].split(",")
        values = [{"id": n, "name": f"{kind} board", "type": kind} for n, kind in enumerate(wanted, start=1)]
        return json_reply(200, {"maxResults": 50, "startAt": 0, "total": len(values), "isLast": True, "values": values})

    loopback.handler = boards
    answer = get_all_boards.sync_detailed(client=ServerClient(base_url=f"{loopback.url}/rest"), type_="scrum,kanban")
    assert loopback.received[0].path == "/rest/agile/1.0/board"
    assert loopback.received[0].query == {"type": ["scrum,kanban"]}
    assert [board.type_ for board in answer.parsed.values] == ["scrum", "kanban"]
