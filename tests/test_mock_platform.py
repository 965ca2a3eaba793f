"""The platform routes the contract suite's sweep and cleanup use, on both flavors over real HTTP: delete an issue
(a customer request, with its comments, participants, attachments and approvals), delete a user (their memberships
go), search users; errors in the platform's `{errorMessages, errors}`; and a request comment without `body` refused.

Every answer is checked against the flavor's patched document when the module's mock stops: Server's declares the
`/api/2/...` operations; Cloud's has no platform part, so its `/rest/api/...` answers are outside it (the last test
says so, as the README does).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import jsonschema
import pytest

from jsm_openapi.mock import RunningMock, run_mock
from jsm_openapi.mock.model import Approval, Attachment, Comment, Organization, Request, ServiceDesk, User, UserIndex
from jsm_openapi.mock.testing import assert_conformant, conformance_for, stored

pytestmark = pytest.mark.slow

SD = "/rest/servicedeskapi"
XSRF = {"X-Atlassian-Token": "no-check"}


@pytest.fixture(scope="module", params=["server", "cloud"])
def mock(request: pytest.FixtureRequest) -> Iterator[RunningMock]:
    with run_mock(request.param, record=True) as running:
        yield running
        assert_conformant(running)


def client(mock: RunningMock, headers: dict[str, str] | None) -> httpx.Client:
    return httpx.Client(base_url=mock.base_url, headers=headers or {}, timeout=10)


@pytest.fixture
def admin(mock: RunningMock) -> httpx.Client:
    return client(mock, mock.admin.basic_headers)


@pytest.fixture
def agent(mock: RunningMock) -> httpx.Client:
    return client(mock, mock.agent.basic_headers)


@pytest.fixture
def customer(mock: RunningMock) -> httpx.Client:
    return client(mock, mock.customer.basic_headers)


@pytest.fixture
def anon(mock: RunningMock) -> httpx.Client:
    return client(mock, None)


def user_api(mock: RunningMock) -> str:
    return "/rest/api/3/user" if mock.flavor == "cloud" else "/rest/api/2/user"


def platform_error(answer: httpx.Response, status: int, text: str) -> None:
    """The platform's error model, with the status and a message containing `text`."""
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert set(body) == {"errorMessages", "errors"} and body["errors"] == {}, body
    assert any(text in message for message in body["errorMessages"]), body


def ref(mock: RunningMock, user: dict[str, Any]) -> str:
    return str(user["accountId"] if mock.flavor == "cloud" else user["name"])


def users_body(mock: RunningMock, *refs: str) -> dict[str, list[str]]:
    return {"accountIds" if mock.flavor == "cloud" else "usernames": list(refs)}


def new_customer(mock: RunningMock, admin: httpx.Client, email: str) -> dict[str, Any]:
    name = "displayName" if mock.flavor == "cloud" else "fullName"
    made = admin.post(f"{SD}/customer", json={"email": email, name: f"Temp {email.partition('@')[0]}"})
    assert made.status_code == 201, made.text
    return made.json()  # type: ignore[no-any-return]


def new_request(client: httpx.Client, summary: str, request_type: str = "1", **extra: Any) -> dict[str, Any]:
    values: dict[str, Any] = {"summary": summary}
    if request_type == "2":
        values["customfield_10011"] = "Inkscape"
    body = {"serviceDeskId": "1", "requestTypeId": request_type, "requestFieldValues": values, **extra}
    made = client.post(f"{SD}/request", json=body)
    assert made.status_code == 201, made.text
    return made.json()  # type: ignore[no-any-return]


def remove_user(mock: RunningMock, admin: httpx.Client, user: dict[str, Any]) -> httpx.Response:
    params = {"accountId": user["accountId"]} if mock.flavor == "cloud" else {"username": user["name"]}
    return admin.delete(user_api(mock), params=params)


# --- DELETE /rest/api/2/issue/{issueIdOrKey} ------------------------------------------------------------------------


def test_deleting_an_issue_removes_the_request_with_everything_on_it(
    mock: RunningMock, agent: httpx.Client, customer: httpx.Client, anon: httpx.Client
) -> None:
    dana = next(u for u in stored(mock, User) if u.email == "dana@example.com")
    dana_ref = dana.account_id if mock.flavor == "cloud" else dana.username
    made = new_request(agent, "Broken monitor", raiseOnBehalfOf=mock.customer.ref, requestParticipants=[dana_ref])
    key, issue_id = made["issueKey"], int(made["issueId"])
    assert (
        customer.post(f"{SD}/request/{key}/comment", json={"body": "Still broken", "public": True}).status_code == 201
    )
    assert agent.post(f"{SD}/request/{key}/comment", json={"body": "Internal note", "public": False}).status_code == 201
    files = {"file": ("photo.png", b"\x89PNG not really", "image/png")}
    upload = customer.post(f"{SD}/servicedesk/1/attachTemporaryFile", files=files, headers=XSRF)
    temp = upload.json()["temporaryAttachments"][0]["temporaryAttachmentId"]
    attached = customer.post(f"{SD}/request/{key}/attachment", json={"temporaryAttachmentIds": [temp], "public": True})
    assert attached.status_code == 201
    assert {c.request_id for c in stored(mock, Comment)} >= {issue_id}
    assert {a.request_id for a in stored(mock, Attachment)} >= {issue_id}

    platform_error(anon.delete(f"/rest/api/2/issue/{key}"), 401, "authenticated")
    platform_error(customer.delete(f"/rest/api/2/issue/{key}"), 403, "permission to delete issues")
    platform_error(agent.delete("/rest/api/2/issue/ITS-999"), 404, "Issue Does Not Exist")
    assert customer.get(f"{SD}/request/{key}").status_code == 200, "refusals change nothing"

    deleted = agent.delete(f"/rest/api/2/issue/{key}", params={"deleteSubtasks": "false"})
    assert deleted.status_code == 204 and deleted.content == b""
    assert agent.get(f"{SD}/request/{key}").status_code == 404
    assert agent.get(f"{SD}/request/{key}/comment").status_code == 404
    assert issue_id not in {r.id for r in stored(mock, Request)}
    assert issue_id not in {c.request_id for c in stored(mock, Comment)}, "its comments went with it"
    assert issue_id not in {a.request_id for a in stored(mock, Attachment)}, "its attachments went with it"
    listed = agent.get(f"{SD}/request", params={"requestOwnership": "ALL_REQUESTS", "limit": "50"}).json()
    assert key not in {r["issueKey"] for r in listed["values"]}
    platform_error(agent.delete(f"/rest/api/2/issue/{key}"), 404, "Issue Does Not Exist")
    assert customer.get(f"{SD}/request/ITS-1").status_code == 200, "other requests stay"


def test_deleting_an_issue_by_id_removes_its_approvals_and_needs_an_agent_of_its_desk(
    mock: RunningMock, admin: httpx.Client, customer: httpx.Client
) -> None:
    made = new_request(customer, "Need Inkscape", request_type="2")
    issue_id = int(made["issueId"])
    assert issue_id in {a.request_id for a in stored(mock, Approval)}
    platform_error(customer.delete(f"/rest/api/2/issue/{issue_id}"), 403, "permission to delete issues")
    assert admin.delete(f"/rest/api/2/issue/{issue_id}").status_code == 204, "a Jira admin may delete any issue"
    assert issue_id not in {a.request_id for a in stored(mock, Approval)}, "its approvals went with it"
    assert admin.get(f"{SD}/request/{made['issueKey']}").status_code == 404


# --- DELETE the user -------------------------------------------------------------------------------------------------


def test_deleting_a_user_removes_them_and_every_membership(
    mock: RunningMock, admin: httpx.Client, agent: httpx.Client, anon: httpx.Client
) -> None:
    email = "leaver@example.com"
    user = new_customer(mock, admin, email)
    who = ref(mock, user)
    assert admin.post(f"{SD}/servicedesk/1/customer", json=users_body(mock, who)).status_code == 204
    assert admin.post(f"{SD}/organization/2/user", json=users_body(mock, who)).status_code == 204
    assert admin.post(f"{SD}/request/ITS-1/participant", json=users_body(mock, who)).status_code == 200
    user_id = next(u.id for u in stored(mock, User) if u.email == email)

    platform_error(anon.delete(user_api(mock), params={"username": "x", "accountId": "x"}), 401, "authenticated")
    platform_error(remove_user(mock, agent, user), 403, "permission to remove users")
    platform_error(admin.delete(user_api(mock)), 400, "'accountId'" if mock.flavor == "cloud" else "'username'")
    missing = {"accountId": "qm:0:0"} if mock.flavor == "cloud" else {"username": "nobody@example.com"}
    platform_error(admin.delete(user_api(mock), params=missing), 404, "does not exist")
    me = {"accountId": mock.admin.account_id} if mock.flavor == "cloud" else {"username": mock.admin.username}
    platform_error(admin.delete(user_api(mock), params=me), 400, "currently logged in user")
    assert user_id in {u.id for u in stored(mock, User)}, "refusals change nothing"

    deleted = remove_user(mock, admin, user)
    assert deleted.status_code == 204 and deleted.content == b""
    assert user_id not in {u.id for u in stored(mock, User)}, "nothing names the user: the record is gone"
    assert user_id not in {i.user_id for i in stored(mock, UserIndex)}, "no email, login or token finds them"
    assert all(user_id not in d.customer_ids for d in stored(mock, ServiceDesk))
    assert all(user_id not in o.user_ids for o in stored(mock, Organization))
    assert all(user_id not in r.participant_ids for r in stored(mock, Request))
    desk_customers = agent.get(f"{SD}/servicedesk/1/customer", headers={"X-ExperimentalApi": "opt-in"}).json()
    assert email not in {u["emailAddress"] for u in desk_customers["values"]}
    assert email not in {u["emailAddress"] for u in agent.get(f"{SD}/organization/2/user").json()["values"]}
    assert email not in {u["emailAddress"] for u in agent.get(f"{SD}/request/ITS-1/participant").json()["values"]}
    refused = admin.post(f"{SD}/organization/2/user", json=users_body(mock, who))
    assert refused.status_code == 400, "a removed user cannot be named any more"
    platform_error(remove_user(mock, admin, user), 404, "does not exist")
    assert new_customer(mock, admin, email)["emailAddress"] == email, "the email is free again"


def test_a_user_who_reported_a_request_stays_only_as_its_reporter(
    mock: RunningMock, admin: httpx.Client, agent: httpx.Client
) -> None:
    user = new_customer(mock, admin, "reporter-leaving@example.com")
    key = new_request(agent, "Left a laptop behind", raiseOnBehalfOf=ref(mock, user))["issueKey"]
    assert remove_user(mock, admin, user).status_code == 204
    tombstone = next(u for u in stored(mock, User) if u.email == "reporter-leaving@example.com")
    assert tombstone.deleted and not tombstone.active and tombstone.password is None and tombstone.token is None
    reporter = agent.get(f"{SD}/request/{key}").json()["reporter"]
    assert reporter["emailAddress"] == "reporter-leaving@example.com" and reporter["active"] is False
    assert agent.post(f"{SD}/request/{key}/participant", json=users_body(mock, ref(mock, user))).status_code == 400
    platform_error(remove_user(mock, admin, user), 404, "does not exist")


def test_server_deletes_a_user_by_key(mock: RunningMock, admin: httpx.Client) -> None:
    if mock.flavor != "server":
        assert admin.delete("/rest/api/2/user", params={"key": "JIRAUSER10003"}).status_code in (404, 405)
        return
    user = new_customer(mock, admin, "by-key@example.com")
    assert admin.delete("/rest/api/2/user", params={"key": user["key"]}).status_code == 204
    assert "by-key@example.com" not in {u.email for u in stored(mock, User)}
    platform_error(admin.delete("/rest/api/2/user", params={"key": user["key"]}), 404, "does not exist")


# --- user search ------------------------------------------------------------------------------------------------------


def search(mock: RunningMock, who: httpx.Client, text: str | None, **params: str) -> httpx.Response:
    if mock.flavor == "cloud":
        return who.get("/rest/api/3/user/search", params={**({"query": text} if text else {}), **params})
    return who.get("/rest/api/2/user/search", params={**({"username": text} if text else {}), **params})


def emails(answer: httpx.Response) -> list[str]:
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert isinstance(body, list), "a plain JSON list, as Jira answers"
    return [user["emailAddress"] for user in body]


def test_user_search_finds_by_name_or_email_and_answers_the_platform_user(
    mock: RunningMock, agent: httpx.Client, customer: httpx.Client, anon: httpx.Client
) -> None:
    assert emails(search(mock, agent, "carla")) == ["carla@example.com"]
    assert emails(search(mock, agent, "Customer")) == ["carla@example.com"], "a word of the display name"
    assert emails(search(mock, agent, "DANA@EXAMPLE")) == ["dana@example.com"], "case does not matter"
    assert emails(search(mock, agent, "nobody-at-all")) == []
    found = search(mock, agent, "carla").json()[0]
    if mock.flavor == "cloud":
        assert found["accountId"] == mock.customer.account_id and found["accountType"] == "customer"
        assert found["self"] == f"{mock.base_url}/rest/api/3/user?accountId={quote(mock.customer.account_id or '')}"
        assert "name" not in found and "key" not in found
    else:
        assert (found["name"], found["key"], found["deleted"]) == ("carla@example.com", mock.customer.key, False)
        assert found["self"] == f"{mock.base_url}/rest/api/2/user?username=carla%40example.com"
    assert found["displayName"] == "Carla Customer" and found["active"] is True
    assert emails(search(mock, agent, "dmin")) == [], "prefixes of the name, its words or the email only"
    assert emails(search(mock, agent, "former")) == [], "active users only (Server: unless asked for)"
    first_two = emails(search(mock, agent, "a", maxResults="2"))
    assert len(first_two) == 2 and emails(search(mock, agent, "a", startAt="1", maxResults="1")) == first_two[1:]
    assert emails(search(mock, customer, "carla")) == [], "without browse-users permission nobody is found"
    platform_error(search(mock, agent, None), 400, "")
    platform_error(search(mock, agent, "carla", maxResults="many"), 400, "maxResults")
    platform_error(search(mock, anon, "carla"), 401, "authenticated")


def test_user_search_per_flavor_options(mock: RunningMock, agent: httpx.Client) -> None:
    if mock.flavor == "server":
        assert emails(search(mock, agent, "former", includeInactive="true")) == ["former@example.com"]
        assert emails(search(mock, agent, "carla", includeActive="false")) == []
    else:
        account = mock.customer.account_id or ""
        assert emails(search(mock, agent, None, accountId=account)) == ["carla@example.com"]
        assert emails(search(mock, agent, None, property="team.lead=true")) == [], "no user properties in the mock"


def test_the_sweeps_own_search_finds_tagged_customers(mock: RunningMock, admin: httpx.Client) -> None:
    """What sweep.py sends (its paging parameters included, which the platform ignores) and reads (`emailAddress`)."""
    tagged = new_customer(mock, admin, "jsm-contract+20200101000000-0a0b0c-s1@example.com")
    params = {"start": "0", "limit": "50"}
    assert emails(search(mock, admin, "jsm-contract", **params)) == [tagged["emailAddress"]]
    assert remove_user(mock, admin, tagged).status_code == 204
    assert emails(search(mock, admin, "jsm-contract", **params)) == []


# --- a comment needs its body ---------------------------------------------------------------------------------------


def test_a_comment_without_body_is_refused_as_the_patched_document_says(
    mock: RunningMock, customer: httpx.Client
) -> None:
    path = "/servicedeskapi/request/{issueIdOrKey}/comment"
    document = conformance_for(mock.flavor).document
    operation = document["paths"][path if mock.flavor == "server" else "/rest" + path]["post"]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    if "$ref" in schema:  # Cloud: #/components/schemas/CommentCreateDTO
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    with pytest.raises(jsonschema.ValidationError, match="'body' is a required property"):
        jsonschema.validate({"public": True}, schema)
    answer = customer.post(f"{SD}/request/ITS-1/comment", json={"public": True})
    assert answer.status_code == 400
    assert answer.json()["i18nErrorMessage"]["i18nKey"] == "sd.comment.error.body.required", "JSM's error model"
    assert "400" in operation["responses"]


# --- last: what the documents judge ---------------------------------------------------------------------------------


def test_platform_answers_are_judged_by_server_document_and_outside_clouds(mock: RunningMock) -> None:
    conformance = conformance_for(mock.flavor)
    platform = [e for e in mock.journal.entries() if e.path.startswith("/rest/api/") and "myself" not in e.path]
    assert {(e.method, e.path.split("/")[4]) for e in platform} >= {("DELETE", "issue"), ("DELETE", "user")}
    judged = {conformance.operation_of(e) for e in platform}
    if mock.flavor == "server":
        assert judged == {"DELETE /api/2/issue/{issueIdOrKey}", "DELETE /api/2/user", "GET /api/2/user/search"}
    else:
        assert judged == {None}, "Cloud's patched document has no platform part: the README says so"
    assert_conformant(mock)
