"""A realistic flow through the generated clients (jsm_server, jsm_cloud) against the mock over HTTP:
create a customer → add them to an organization → raise a request for them → comment → upload and attach a file →
transition. Operations are found by (method, path) in each package's OPERATIONS, so renamed operationIds and models
do not break the test; bodies are built with the generated models' from_dict.
"""

from __future__ import annotations

import importlib
import io
import typing
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest

from jsm_openapi.mock import RunningMock, run_mock
from jsm_openapi.mock.testing import assert_conformant

pytestmark = pytest.mark.slow


class Generated:
    """One generated package, called by (method, path)."""

    def __init__(self, mock: RunningMock) -> None:
        self.package = importlib.import_module("jsm_cloud" if mock.flavor == "cloud" else "jsm_server")
        self.prefix = "/rest/servicedeskapi" if mock.flavor == "cloud" else "/servicedeskapi"
        self.operations = importlib.import_module(f"{self.package.__name__}._operations").OPERATIONS
        self.mock = mock

    def client(self, token: str) -> Any:
        return self.package.AuthenticatedClient(
            base_url=self.mock.client_base_url, token=token, raise_on_unexpected_status=True
        )

    def module(self, method: str, path: str) -> ModuleType:
        matches = [o for o in self.operations if o["method"] == method and o["path"] == self.prefix + path]
        assert matches, f"{self.package.__name__} has no operation {method} {self.prefix}{path}"
        return importlib.import_module(f"{self.package.__name__}.{matches[0]['module']}")

    def call(self, client: Any, method: str, path: str, body: Any = None, **params: Any) -> Any:
        module = self.module(method, path)
        if body is not None:
            body_type = typing.get_type_hints(module.sync_detailed)["body"]
            params["body"] = body_type.from_dict(body) if hasattr(body_type, "from_dict") else body
        return module.sync_detailed(client=client, **params)

    def file(self, name: str, data: bytes, mime: str) -> Any:
        return self.package.types.File(payload=io.BytesIO(data), file_name=name, mime_type=mime)


@pytest.fixture(params=["server", "cloud"])
def mock(request: pytest.FixtureRequest) -> Iterator[RunningMock]:
    with run_mock(request.param, record=True) as running:
        yield running
        assert_conformant(running)


def test_customer_to_resolved_request(mock: RunningMock) -> None:
    gen = Generated(mock)
    admin, agent = gen.client(mock.admin.token), gen.client(mock.agent.token)
    cloud = mock.flavor == "cloud"

    # 1. create a customer (Server: fullName, username = email; Cloud: displayName, accountId qm:...)
    name_field = "displayName" if cloud else "fullName"
    created = gen.call(admin, "POST", "/customer", {"email": "flo@example.com", name_field: "Flo Flow"})
    assert created.status_code == 201
    customer = created.parsed
    assert customer.display_name == "Flo Flow" and customer.email_address == "flo@example.com"
    ref = customer.account_id if cloud else customer.name
    assert ref.startswith("qm:") if cloud else ref == "flo@example.com"

    # 2. add them to Acme Corporation (organization 1, linked to service desk ITS)
    added = gen.call(
        agent,
        "POST",
        "/organization/{organizationId}/user",
        {"accountIds" if cloud else "usernames": [ref]},
        organization_id="1",
    )
    assert added.status_code == 204
    members = gen.call(agent, "GET", "/organization/{organizationId}/user", organization_id="1")
    assert ref in [(u.account_id if cloud else u.name) for u in members.parsed.values]

    # 3. raise a request on their behalf, with a select field
    raised = gen.call(
        agent,
        "POST",
        "/request",
        {
            "serviceDeskId": "1",
            "requestTypeId": "1",
            "raiseOnBehalfOf": ref,
            "requestFieldValues": {"summary": "Cannot print", "customfield_10010": {"id": "10002"}},
        },
    )
    assert raised.status_code == 201
    request = raised.parsed
    key = request.issue_key
    assert key.startswith("ITS-") and request.reporter.display_name == "Flo Flow"
    assert request.current_status.status == "Waiting for support"

    # 4. comment (public, from the agent)
    commented = gen.call(
        agent,
        "POST",
        "/request/{issueIdOrKey}/comment",
        {"body": "Which printer?", "public": True},
        issue_id_or_key=key,
    )
    assert commented.status_code == 201 and commented.parsed.body == "Which printer?"

    # 5. upload a temporary file (multipart, X-Atlassian-Token: no-check), then attach it with a comment
    upload_module = gen.module("POST", "/servicedesk/{serviceDeskId}/attachTemporaryFile")
    body_type = typing.get_type_hints(upload_module.sync_detailed)["body"]
    token_type = typing.get_type_hints(upload_module.sync_detailed)["x_atlassian_token"]
    uploaded = upload_module.sync_detailed(
        client=agent,
        service_desk_id="1",
        body=body_type(file=[gen.file("error.log", b"E-42 paper jam\n", "text/plain")]),
        x_atlassian_token=token_type("no-check"),
    )
    assert uploaded.status_code == 201
    temporary = uploaded.parsed.temporary_attachments
    assert [t.file_name for t in temporary] == ["error.log"]
    attached = gen.call(
        agent,
        "POST",
        "/request/{issueIdOrKey}/attachment",
        {
            "temporaryAttachmentIds": [t.temporary_attachment_id for t in temporary],
            "public": True,
            "additionalComment": {"body": "Log attached"},
        },
        issue_id_or_key=key,
    )
    assert attached.status_code == 201
    assert attached.parsed.comment.body.startswith("Log attached")

    # 6. transition: resolve it
    transitions = gen.call(agent, "GET", "/request/{issueIdOrKey}/transition", issue_id_or_key=key)
    resolve = next(t for t in transitions.parsed.values if t.name == "Resolve this issue")
    moved = gen.call(
        agent,
        "POST",
        "/request/{issueIdOrKey}/transition",
        {"id": resolve.id, "additionalComment": {"body": "Replaced the drum."}},
        issue_id_or_key=key,
    )
    assert moved.status_code == 204

    final = gen.call(agent, "GET", "/request/{issueIdOrKey}", issue_id_or_key=key)
    assert final.parsed.current_status.status == "Resolved"
    assert final.parsed.current_status.status_category == "DONE"
    comments = gen.call(agent, "GET", "/request/{issueIdOrKey}/comment", issue_id_or_key=key)
    assert next(c.body for c in comments.parsed.values) == "Which printer?"
    assert comments.parsed.values[-1].body == "Replaced the drum."
    assert comments.parsed.size == 3
