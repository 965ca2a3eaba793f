"""Every /servicedeskapi operation of both flavors, over real HTTP, with JSM's semantics.

Each flavor's mock records every exchange; when the module's mock stops, every answer is checked against the
flavor's patched document (jsm_openapi.mock.testing.assert_conformant), and the last test checks that every
operation the flavor serves was called at least once.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from jsm_openapi.mock import RunningMock, operations_for, run_mock
from jsm_openapi.mock.document_gaps import GAPS
from jsm_openapi.mock.runner import Credentials
from jsm_openapi.mock.testing import assert_conformant, conformance_for, seen_gaps

pytestmark = pytest.mark.slow

EXP = {"X-ExperimentalApi": "opt-in"}
XSRF = {"X-Atlassian-Token": "no-check"}
SD = "/rest/servicedeskapi"


@pytest.fixture(scope="module", params=["server", "cloud"])
def mock(request: pytest.FixtureRequest) -> Iterator[RunningMock]:
    with run_mock(request.param, record=True) as running:
        yield running
        assert_conformant(running)


class Api:
    """httpx against the mock as one seeded user (or nobody), tracking which documented operations were hit."""

    def __init__(self, mock: RunningMock, who: Credentials | None) -> None:
        self.mock = mock
        headers = who.basic_headers if who else {}
        self.http = httpx.Client(base_url=mock.base_url, headers=headers, timeout=10)

    def __call__(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        url = path if path.startswith("/rest/") or path.startswith("/secure/") else SD + path
        return self.http.request(method, url, **kwargs)


def users(mock: RunningMock, *refs: str) -> dict[str, list[str]]:
    return {"accountIds" if mock.flavor == "cloud" else "usernames": list(refs)}


def ref_of(mock: RunningMock, user_json: dict[str, Any]) -> str:
    return str(user_json["accountId"] if mock.flavor == "cloud" else user_json["name"])


@pytest.fixture
def admin(mock: RunningMock) -> Api:
    return Api(mock, mock.admin)


@pytest.fixture
def agent(mock: RunningMock) -> Api:
    return Api(mock, mock.agent)


@pytest.fixture
def customer(mock: RunningMock) -> Api:
    return Api(mock, mock.customer)


@pytest.fixture
def anon(mock: RunningMock) -> Api:
    return Api(mock, None)


def only_on(mock: RunningMock, flavor: str, api: Api, method: str, path: str, **kwargs: Any) -> bool:
    """True when the mock's flavor serves this operation; otherwise asserts the other flavor does not."""
    if mock.flavor == flavor:
        return True
    answer = api(method, path, **kwargs)
    assert answer.status_code in (404, 405), f"{mock.flavor} must not serve {method} {path}: {answer.status_code}"
    return False


# --- instance -------------------------------------------------------------------------------------------------------


def test_info_is_anonymous_and_describes_the_product(mock: RunningMock, anon: Api) -> None:
    answer = anon("GET", "/info")
    assert answer.status_code == 200
    assert answer.json()["isLicensedForUse"] is True
    assert answer.json()["version"].startswith("11." if mock.flavor == "server" else "1001.")


def test_platform_myself_and_server_info(mock: RunningMock, agent: Api, anon: Api) -> None:
    me = agent("GET", "/rest/api/2/myself").json()
    assert me["displayName"] == mock.agent.display_name
    if mock.flavor == "cloud":
        assert me["accountId"] == mock.agent.account_id and "name" not in me
    else:
        assert me["name"] == "agent" and me["key"] == mock.agent.key
    assert anon("GET", "/rest/api/2/myself").status_code == 401
    info = anon("GET", "/rest/api/2/serverInfo").json()
    assert info["deploymentType"] == ("Cloud" if mock.flavor == "cloud" else "Server")


def test_assets_workspaces_on_cloud(mock: RunningMock, agent: Api) -> None:
    for path in ("/assets/workspace", "/insight/workspace"):
        if only_on(mock, "cloud", agent, "GET", path):
            page = agent("GET", path).json()
            assert page["size"] == 1 and page["values"][0]["workspaceId"]


# --- auth -----------------------------------------------------------------------------------------------------------


def test_auth_basic_bearer_and_refusals(mock: RunningMock, anon: Api) -> None:
    assert anon("GET", "/servicedesk").status_code == 401
    bearer = httpx.get(f"{mock.base_url}{SD}/servicedesk", headers=mock.agent.bearer_headers)
    assert bearer.status_code == 200
    assert httpx.head(f"{mock.base_url}{SD}/servicedesk", headers=mock.agent.bearer_headers).status_code == 200
    wrong = httpx.get(f"{mock.base_url}{SD}/servicedesk", auth=(mock.agent.login, "wrong"))
    assert wrong.status_code == 401
    assert wrong.json()["errorMessage"]
    anonymous = httpx.get(f"{mock.base_url}{SD}/info", auth=(mock.agent.login, "wrong"))
    if mock.flavor == "server":
        assert wrong.headers["X-Seraph-LoginReason"] == "AUTHENTICATED_FAILED"
        # DC still serves what anyone may read, telling of the refused credential only in a header
        assert anonymous.status_code == 200 and anonymous.headers["X-Seraph-LoginReason"] == "AUTHENTICATED_FAILED"
        assert bearer.headers["X-AUSERNAME"] == "agent"
        # Cloud logs in with the email, Server with the username: the other one is refused.
        assert (
            httpx.get(f"{mock.base_url}{SD}/servicedesk", auth=("agent@example.com", "agent-password")).status_code
            == 401
        )
    else:
        assert httpx.get(f"{mock.base_url}{SD}/servicedesk", auth=("agent", "agent-password")).status_code == 401
        assert anonymous.status_code == 401


# --- customers ------------------------------------------------------------------------------------------------------


def test_create_customer_per_flavor(mock: RunningMock, admin: Api, agent: Api) -> None:
    name_field = "displayName" if mock.flavor == "cloud" else "fullName"
    answer = admin("POST", "/customer", json={"email": "erin@example.com", name_field: "Erin Example"})
    assert answer.status_code == 201
    body = answer.json()
    assert body["displayName"] == "Erin Example" and body["emailAddress"] == "erin@example.com"
    if mock.flavor == "cloud":
        assert body["accountId"].startswith("qm:") and body["name"] == body["key"] == body["accountId"]
    else:
        assert body["name"] == "erin@example.com" and body["key"].startswith("JIRAUSER")
        assert "accountId" not in body
    again = admin("POST", "/customer", json={"email": "ERIN@example.com", name_field: "Erin Again"})
    assert again.status_code == 400
    assert set(again.json()) == {"errorMessage", "i18nErrorMessage"}
    if mock.flavor == "cloud":
        strict = admin(
            "POST",
            "/customer",
            params={"strictConflictStatusCode": "true"},
            json={"email": "erin@example.com", "displayName": "E"},
        )
        assert strict.status_code == 409
    assert agent("POST", "/customer", json={"email": "x@example.com", name_field: "X"}).status_code == 403
    assert admin("POST", "/customer", json={"email": "not-an-email", name_field: "X"}).status_code == 400
    assert admin("POST", "/customer", json={"email": "y@example.com"}).status_code == 400
    assert (
        admin("POST", "/customer", content=b"{not json", headers={"Content-Type": "application/json"}).status_code
        == 400
    )


def test_service_desk_customers(mock: RunningMock, admin: Api, agent: Api, customer: Api) -> None:
    name_field = "displayName" if mock.flavor == "cloud" else "fullName"
    new = admin("POST", "/customer", json={"email": "gus@example.com", name_field: "Gus"}).json()
    assert agent("POST", "/servicedesk/1/customer", json=users(mock, ref_of(mock, new))).status_code == 204
    assert customer("POST", "/servicedesk/1/customer", json=users(mock, ref_of(mock, new))).status_code == 403
    assert agent("POST", "/servicedesk/1/customer", json=users(mock, "nobody-here")).status_code == 400
    assert agent("GET", "/servicedesk/1/customer").status_code == 400  # experimental: opt-in header required
    listed = agent("GET", "/servicedesk/1/customer", headers=EXP, params={"query": "gus"}).json()
    assert [u["displayName"] for u in listed["values"]] == ["Gus"]
    gone = agent("DELETE", "/servicedesk/1/customer", headers=EXP, json=users(mock, ref_of(mock, new)))
    assert gone.status_code == 204
    assert agent("GET", "/servicedesk/1/customer", headers=EXP, params={"query": "gus"}).json()["size"] == 0


# --- service desks and portals --------------------------------------------------------------------------------------


def test_service_desks_visibility(mock: RunningMock, agent: Api, customer: Api, admin: Api) -> None:
    assert [d["projectKey"] for d in admin("GET", "/servicedesk").json()["values"]] == ["ITS", "HR"]
    assert [d["projectKey"] for d in customer("GET", "/servicedesk").json()["values"]] == ["ITS"]
    desk = customer("GET", "/servicedesk/1").json()
    assert desk["id"] == "1" and desk["projectKey"] == "ITS"
    assert customer("GET", "/servicedesk/ITS").json()["id"] == "1"  # a project key works too
    assert customer("GET", "/servicedesk/2").status_code == 404  # exists, but not for this customer
    assert admin("GET", "/servicedesk/999").status_code == 404


def test_portals_on_server(mock: RunningMock, customer: Api) -> None:
    if only_on(mock, "server", customer, "GET", "/portals"):
        page = customer("GET", "/portals").json()
        assert [p["name"] for p in page["values"]] == ["IT help center"]
        assert customer("GET", "/portals/1").json()["id"] == 1
        assert customer("GET", "/portals/project/ITS").json()["name"] == "IT help center"
        assert customer("GET", "/portals/2").status_code == 404
        assert customer("GET", "/portals/project/NOPE").status_code == 404


# --- organizations --------------------------------------------------------------------------------------------------


def test_organizations_lifecycle(mock: RunningMock, agent: Api, admin: Api, customer: Api) -> None:
    assert [o["name"] for o in customer("GET", "/organization").json()["values"]] == ["Acme Corporation"]
    created = agent("POST", "/organization", json={"name": "Umbrella"})
    assert created.status_code == 201
    org = created.json()
    assert isinstance(org["id"], str) and org["name"] == "Umbrella"
    assert agent("POST", "/organization", json={"name": "umbrella"}).status_code == 400
    assert agent("POST", "/organization", json={}).status_code == 400
    assert customer("POST", "/organization", json={"name": "Mine"}).status_code == 403
    assert agent("GET", f"/organization/{org['id']}").json()["name"] == "Umbrella"
    assert agent("GET", "/organization/9999").status_code == 404
    assert agent("POST", f"/organization/{org['id']}/user", json=users(mock, mock.customer.ref)).status_code == 204
    members = agent("GET", f"/organization/{org['id']}/user").json()
    assert [ref_of(mock, u) for u in members["values"]] == [mock.customer.ref]
    # A member may see the organization, not who else is in it (and their emails): agents and admins only.
    assert customer("GET", f"/organization/{org['id']}").status_code == 200
    refused = customer("GET", f"/organization/{org['id']}/user")
    assert refused.status_code == 403 and "emailAddress" not in refused.text
    assert customer("GET", "/organization/1/user").status_code == 403
    assert agent("DELETE", f"/organization/{org['id']}/user", json=users(mock, mock.customer.ref)).status_code == 204
    assert agent("GET", f"/organization/{org['id']}/user").json()["size"] == 0
    assert agent("POST", "/servicedesk/1/organization", json={"organizationId": int(org["id"])}).status_code == 204
    linked = agent("GET", "/servicedesk/1/organization").json()
    assert "Umbrella" in [o["name"] for o in linked["values"]]
    assert agent("DELETE", "/servicedesk/1/organization", json={"organizationId": int(org["id"])}).status_code == 204
    assert agent("POST", "/servicedesk/1/organization", json={"organizationId": 9999}).status_code == 404
    assert agent("DELETE", f"/organization/{org['id']}").status_code == 403  # deleting needs a Jira admin
    assert admin("DELETE", f"/organization/{org['id']}").status_code == 204
    assert admin("GET", f"/organization/{org['id']}").status_code == 404


def test_organization_properties_on_cloud(mock: RunningMock, agent: Api, customer: Api) -> None:
    if only_on(mock, "cloud", agent, "GET", "/organization/1/property"):
        url = "/organization/1/property/tier"
        assert agent("GET", url).status_code == 404
        assert agent("PUT", url, json={"level": "gold"}).status_code == 201
        assert agent("PUT", url, json={"level": "platinum", "since": [2024]}).status_code == 200
        assert agent("GET", url).json() == {"key": "tier", "value": {"level": "platinum", "since": [2024]}}
        keys = agent("GET", "/organization/1/property").json()["keys"]
        assert [k["key"] for k in keys] == ["tier"]
        assert customer("PUT", url, json=1).status_code == 403
        assert agent("DELETE", url).status_code == 204
        assert agent("DELETE", url).status_code == 404


def test_organization_cleanup_on_server(mock: RunningMock, admin: Api, agent: Api) -> None:
    if only_on(mock, "server", admin, "GET", "/organization/cleanup"):
        params = {"deleteDetachedOrganizations": "true", "deleteOrganizationsWithInactiveUsers": "true"}
        preview = admin("GET", "/organization/cleanup", params=params).json()
        assert sorted(o["name"] for o in preview) == ["Globex", "Initech (left)"]
        assert admin("GET", "/organization/cleanup", params={"deleteDetachedOrganizations": "false"}).json() == []
        assert agent("DELETE", "/organization/cleanup", params=params).status_code == 403
        assert admin("DELETE", "/organization/cleanup", params=params).status_code == 204
        assert [o["name"] for o in admin("GET", "/organization").json()["values"]] == ["Acme Corporation"]


# --- request types --------------------------------------------------------------------------------------------------


def test_request_types_fields_and_groups(mock: RunningMock, customer: Api, agent: Api) -> None:
    names = [rt["name"] for rt in customer("GET", "/servicedesk/1/requesttype").json()["values"]]
    assert names == ["Get IT help", "Request new software"]  # "Reset a password" is restricted
    assert len(agent("GET", "/servicedesk/1/requesttype").json()["values"]) == 3
    assert [
        rt["name"] for rt in customer("GET", "/servicedesk/1/requesttype", params={"groupId": "2"}).json()["values"]
    ] == ["Request new software"]
    rt = customer("GET", "/servicedesk/1/requesttype/1").json()
    assert rt["id"] == "1" and rt["serviceDeskId"] == "1" and rt["groupIds"] == ["1"]
    assert customer("GET", "/servicedesk/1/requesttype/3").status_code == 404
    assert customer("GET", "/servicedesk/1/requesttype/4").status_code == 404  # another desk's type
    fields = customer("GET", "/servicedesk/1/requesttype/1/field").json()
    assert [f["fieldId"] for f in fields["requestTypeFields"]] == ["summary", "description", "customfield_10010"]
    assert fields["canRaiseOnBehalfOf"] is False
    assert [v["label"] for v in fields["requestTypeFields"][2]["validValues"]] == ["High", "Medium", "Low"]
    groups = customer("GET", "/servicedesk/1/requesttypegroup").json()
    assert [g["name"] for g in groups["values"]] == ["Common requests", "Software and access"]


def test_request_type_admin_operations(mock: RunningMock, admin: Api, agent: Api) -> None:
    headers = EXP if mock.flavor == "cloud" else {}
    if mock.flavor == "cloud":
        assert (
            admin("POST", "/servicedesk/1/requesttype", json={"name": "N", "issueTypeId": "10001"}).status_code == 400
        )
    made = admin(
        "POST",
        "/servicedesk/1/requesttype",
        headers=headers,
        json={"name": "Order a monitor", "issueTypeId": "10001", "description": "Screens"},
    )
    assert made.status_code == 200
    rt = made.json()
    assert rt["name"] == "Order a monitor"
    assert (
        agent(
            "POST", "/servicedesk/1/requesttype", headers=headers, json={"name": "X", "issueTypeId": "10001"}
        ).status_code
        == 403
    )
    assert admin("POST", "/servicedesk/1/requesttype", headers=headers, json={"name": "Y"}).status_code == 400
    if only_on(mock, "server", admin, "PUT", "/servicedesk/1/requesttype", json={}):
        updated = admin(
            "PUT",
            "/servicedesk/1/requesttype",
            json={"requestTypeId": int(rt["id"]), "name": "Order a screen", "helpText": "Size?"},
        )
        assert updated.status_code == 200 and updated.json()["helpText"] == "Size?"
    assert admin("DELETE", f"/servicedesk/1/requesttype/{rt['id']}", headers=headers).status_code == 204
    assert admin("GET", f"/servicedesk/1/requesttype/{rt['id']}").status_code == 404


def test_all_request_types_and_properties_on_cloud(mock: RunningMock, agent: Api, admin: Api, customer: Api) -> None:
    if only_on(mock, "cloud", agent, "GET", "/requesttype", headers=EXP):
        assert agent("GET", "/requesttype").status_code == 400
        everything = admin("GET", "/requesttype", headers=EXP, params={"searchQuery": "ask"}).json()
        assert [rt["name"] for rt in everything["values"]] == [
            "Get IT help",
            "Request new software",
            "Ask HR a question",
        ]
        assert len(agent("GET", "/requesttype", headers=EXP).json()["values"]) == 3  # HR's are not the agent's
        only_hr = admin("GET", "/requesttype", headers=EXP, params=[("serviceDeskId", "2")]).json()
        assert [rt["name"] for rt in only_hr["values"]] == ["Ask HR a question"]
        url = "/servicedesk/1/requesttype/1/property"
        assert agent("GET", url, headers=EXP).json() == {"keys": []}
        assert admin("PUT", f"{url}/colour", headers=EXP, json="teal").status_code == 201
        assert agent("GET", f"{url}/colour", headers=EXP).json() == {"key": "colour", "value": "teal"}
        assert agent("PUT", f"{url}/colour", headers=EXP, json="red").status_code == 403
        assert agent("GET", f"{url}/missing", headers=EXP).status_code == 404
        assert admin("DELETE", f"{url}/colour", headers=EXP).status_code == 204
        check = {"accountId": mock.customer.account_id, "permissions": ["canCreateRequest"], "requestTypeIds": [1, 3]}
        answer = agent("POST", "/servicedesk/1/requesttype/permissions/check", headers=EXP, json=check).json()
        assert answer == {"canCreateRequest": [1]}
        mine = customer("POST", "/servicedesk/1/requesttype/permissions/check", headers=EXP, json={}).json()
        assert mine["canCreateRequest"] == [1, 2] and mine["canAdminister"] == []


def test_request_type_permissions_on_server(mock: RunningMock, admin: Api, customer: Api) -> None:
    if only_on(mock, "server", admin, "GET", "/servicedesk/1/requesttype/3/permission"):
        url = "/servicedesk/1/requesttype/3/permission"
        assert admin("GET", url).json() == {"id": "3", "permissions": []}
        assert customer("GET", "/servicedesk/1/requesttype/3").status_code == 404
        allow = {"allowlist": [{"entityId": mock.customer.username, "entityType": "USER"}]}
        answer = admin("PUT", url, json=allow).json()
        assert answer["permissions"][0]["displayName"] == "Carla Customer"
        assert customer("GET", "/servicedesk/1/requesttype/3").status_code == 200
        assert admin("PUT", url, json={"allowlist": [{"entityType": "TEAM"}]}).status_code == 400
        assert admin("PUT", url, json={"allowlist": []}).json()["permissions"] == []


# --- customer requests ----------------------------------------------------------------------------------------------


def new_request(api: Api, summary: str, **extra: Any) -> httpx.Response:
    body = {
        "serviceDeskId": "1",
        "requestTypeId": "1",
        "requestFieldValues": {"summary": summary, **extra.pop("fields", {})},
        **extra,
    }
    return api("POST", "/request", json=body)


def test_create_request_checks_fields(mock: RunningMock, customer: Api) -> None:
    made = new_request(
        customer, "Laptop will not boot", fields={"description": "Black screen", "customfield_10010": {"value": "High"}}
    )
    assert made.status_code == 201
    body = made.json()
    assert body["issueKey"].startswith("ITS-") and body["issueId"].isdigit()
    values = {v["fieldId"]: v for v in body["requestFieldValues"]}
    assert values["customfield_10010"]["value"]["id"] == "10000"
    assert values["description"]["renderedValue"]["html"] == "<p>Black screen</p>"
    assert body["currentStatus"]["status"] == "Waiting for support"
    assert body["currentStatus"]["statusCategory"] == "NEW"
    assert new_request(customer, "").status_code == 400  # summary is required
    assert new_request(customer, "x", fields={"customfield_99999": "?"}).status_code == 400
    assert new_request(customer, "x", fields={"customfield_10010": {"id": "424242"}}).status_code == 400
    hr = customer(
        "POST", "/request", json={"serviceDeskId": "2", "requestTypeId": "4", "requestFieldValues": {"summary": "x"}}
    )
    assert hr.status_code == 400
    wrong_type = customer(
        "POST", "/request", json={"serviceDeskId": "1", "requestTypeId": "4", "requestFieldValues": {"summary": "x"}}
    )
    assert wrong_type.status_code == 400
    assert new_request(customer, "x", raiseOnBehalfOf=mock.customer.ref).status_code == 403  # agents only


def test_agent_raises_on_behalf_with_participants(mock: RunningMock, agent: Api, customer: Api) -> None:
    dana = (
        "dana@example.com"
        if mock.flavor == "server"
        else agent("GET", "/organization/1/user").json()["values"][1]["accountId"]
    )
    made = new_request(
        agent, "New starter needs a laptop", raiseOnBehalfOf=mock.customer.ref, requestParticipants=[dana]
    )
    assert made.status_code == 201
    body = made.json()
    assert body["reporter"]["emailAddress"] == "carla@example.com"
    key = body["issueKey"]
    assert customer("GET", f"/request/{key}").status_code == 200
    participants = customer("GET", f"/request/{key}/participant").json()
    assert [u["emailAddress"] for u in participants["values"]] == ["dana@example.com"]


def test_get_request_with_expansions(mock: RunningMock, agent: Api, customer: Api) -> None:
    plain = customer("GET", "/request/ITS-1").json()
    assert "participants" not in plain and "participant" in plain["_expands"]
    full = agent(
        "GET",
        "/request/ITS-1",
        params={"expand": "participant,status,sla,requestType,serviceDesk,attachment,action,comment"},
    ).json()
    assert full["_expands"] == []
    assert full["serviceDesk"]["projectKey"] == "ITS" and full["requestType"]["name"] == "Get IT help"
    assert full["participants"]["values"][0]["displayName"] == "Dana Doe"
    assert [s["name"] for s in full["sla"]["values"]] == ["Time to first response", "Time to resolution"]
    assert len(full["comments"]["values"]) == 2  # an agent sees the internal comment
    as_customer = customer("GET", "/request/ITS-1", params=[("expand", "comment"), ("expand", "sla")]).json()
    assert len(as_customer["comments"]["values"]) == 1 and "sla" not in as_customer
    assert customer("GET", "/request/10000").json()["issueKey"] == "ITS-1"  # by id too
    assert customer("GET", "/request/ITS-3").status_code == 404  # Dana's request, not shared with Carla
    assert customer("GET", "/request/NOPE-1").status_code == 404


def test_list_requests_with_filters(mock: RunningMock, customer: Api, agent: Api) -> None:
    mine = customer("GET", "/request").json()
    keys = [r["issueKey"] for r in mine["values"]]
    assert "ITS-1" in keys and "ITS-2" in keys and "ITS-3" not in keys
    assert keys == sorted(keys, key=lambda k: -int(k.split("-")[1]))  # newest first
    closed = agent(
        "GET", "/request", params={"requestOwnership": "ALL_REQUESTS", "requestStatus": "CLOSED_REQUESTS"}
    ).json()
    assert [r["issueKey"] for r in closed["values"]] == ["ITS-3"]
    search = customer("GET", "/request", params={"searchTerm": "printer"}).json()
    assert [r["issueKey"] for r in search["values"]] == ["ITS-1"]
    by_type = customer("GET", "/request", params={"requestTypeId": "2"}).json()
    assert [r["issueKey"] for r in by_type["values"]] == ["ITS-2"]
    pending = agent(
        "GET", "/request", params={"requestOwnership": "APPROVER", "approvalStatus": "MY_PENDING_APPROVAL"}
    ).json()
    assert [r["issueKey"] for r in pending["values"]] == ["ITS-2"]
    org = customer("GET", "/request", params={"requestOwnership": "ORGANIZATION", "organizationId": "1"}).json()
    assert [r["issueKey"] for r in org["values"]] == ["ITS-1"]


def test_paging_follows_jsm(mock: RunningMock, customer: Api) -> None:
    for n in range(3):
        assert new_request(customer, f"Paging {n}").status_code == 201
    first = customer("GET", "/request", params={"limit": 2}).json()
    assert first["size"] == 2 and first["start"] == 0 and first["limit"] == 2 and first["isLastPage"] is False
    assert "next" in first["_links"] and "prev" not in first["_links"]
    following = httpx.get(first["_links"]["next"], headers=mock.customer.basic_headers).json()
    assert following["start"] == 2 and following["_links"]["prev"]
    seen, start = [], 0
    while True:
        page = customer("GET", "/request", params={"start": start, "limit": 2}).json()
        seen += [r["issueKey"] for r in page["values"]]
        if page["isLastPage"]:
            break
        start += page["size"]
    assert len(seen) == len(set(seen)) == customer("GET", "/request").json()["size"]
    capped = customer("GET", "/request", params={"limit": 1000}).json()
    assert capped["limit"] == 50
    assert customer("GET", "/request", params={"start": -1}).status_code == 400
    assert customer("GET", "/servicedesk", params={"limit": 0}).status_code == 400


def test_status_and_transitions(mock: RunningMock, customer: Api, agent: Api) -> None:
    key = new_request(customer, "Transition me").json()["issueKey"]
    transitions = customer("GET", f"/request/{key}/transition").json()
    assert [t["name"] for t in transitions["values"]] == ["Resolve this issue", "Cancel request"]
    assert customer("POST", f"/request/{key}/transition", json={"id": "31"}).status_code == 400  # not available now
    done = customer(
        "POST", f"/request/{key}/transition", json={"id": "11", "additionalComment": {"body": "Fixed it myself."}}
    )
    assert done.status_code == 204
    history = customer("GET", f"/request/{key}/status").json()
    assert [s["status"] for s in history["values"]] == ["Resolved", "Waiting for support"]
    assert history["values"][0]["statusCategory"] == "DONE"
    comments = customer("GET", f"/request/{key}/comment").json()
    assert comments["values"][-1]["body"] == "Fixed it myself."
    assert [t["id"] for t in customer("GET", f"/request/{key}/transition").json()["values"]] == ["31"]


def test_participants(mock: RunningMock, customer: Api, agent: Api) -> None:
    key = new_request(customer, "Add my colleague").json()["issueKey"]
    dana = next(
        u for u in agent("GET", "/organization/1/user").json()["values"] if u["emailAddress"] == "dana@example.com"
    )
    added = customer("POST", f"/request/{key}/participant", json=users(mock, ref_of(mock, dana)))
    assert added.status_code == 200 and [u["displayName"] for u in added.json()["values"]] == ["Dana Doe"]
    assert customer("POST", f"/request/{key}/participant", json=users(mock, "ghost")).status_code == 400
    removed = customer("DELETE", f"/request/{key}/participant", json=users(mock, ref_of(mock, dana)))
    assert removed.status_code == 200 and removed.json()["size"] == 0


def test_notifications_on_cloud(mock: RunningMock, customer: Api, agent: Api) -> None:
    if only_on(mock, "cloud", customer, "GET", "/request/ITS-1/notification"):
        assert customer("GET", "/request/ITS-1/notification").json() == {"subscribed": True}
        assert customer("DELETE", "/request/ITS-1/notification").status_code == 204
        assert customer("GET", "/request/ITS-1/notification").json() == {"subscribed": False}
        assert customer("PUT", "/request/ITS-1/notification").status_code == 204
        assert customer("GET", "/request/ITS-1/notification").json() == {"subscribed": True}
        assert agent("GET", "/request/ITS-1/notification").json() == {"subscribed": False}


def test_sla_for_agents_only(mock: RunningMock, agent: Api, customer: Api) -> None:
    slas = agent("GET", "/request/ITS-3/sla").json()
    resolution = next(s for s in slas["values"] if s["name"] == "Time to resolution")
    cycle = resolution["completedCycles"][0]
    assert cycle["elapsedTime"]["millis"] == 2 * 3600 * 1000 and cycle["breached"] is False
    one = agent("GET", "/request/ITS-1/sla/2").json()
    assert one["ongoingCycle"]["breached"] is True  # seeded in January 2025: long overdue
    assert agent("GET", "/request/ITS-1/sla/77").status_code == 404
    assert customer("GET", "/request/ITS-1/sla").status_code == 403


def test_feedback_on_cloud(mock: RunningMock, customer: Api, agent: Api) -> None:
    if only_on(mock, "cloud", customer, "GET", "/request/ITS-1/feedback", headers=EXP):
        assert customer("GET", "/request/ITS-1/feedback", headers=EXP).status_code == 404
        key = new_request(customer, "Feedback please").json()["issueKey"]
        assert customer("POST", f"/request/{key}/feedback", headers=EXP, json={"rating": 4}).status_code == 400  # open
        assert customer("POST", f"/request/{key}/transition", json={"id": "11"}).status_code == 204
        assert customer("POST", f"/request/{key}/feedback", headers=EXP, json={"rating": 9}).status_code == 400
        given = customer(
            "POST",
            f"/request/{key}/feedback",
            headers=EXP,
            json={"rating": 4, "comment": {"body": "ok"}, "type": "csat"},
        )
        assert given.status_code == 201 and given.json() == {"type": "csat", "rating": 4, "comment": {"body": "ok"}}
        assert customer("GET", f"/request/{key}/feedback", headers=EXP).json()["rating"] == 4
        assert agent("POST", f"/request/{key}/feedback", headers=EXP, json={"rating": 1}).status_code == 403
        assert customer("DELETE", f"/request/{key}/feedback", headers=EXP).status_code == 204
        assert customer("DELETE", f"/request/{key}/feedback", headers=EXP).status_code == 404


def test_approvals(mock: RunningMock, agent: Api, customer: Api) -> None:
    made = customer(
        "POST",
        "/request",
        json={
            "serviceDeskId": "1",
            "requestTypeId": "2",
            "requestFieldValues": {"summary": "Need Miro", "customfield_10011": "Miro", "duedate": "2026-01-31"},
        },
    )
    assert made.status_code == 201
    key = made.json()["issueKey"]
    assert made.json()["currentStatus"]["status"] == "Waiting for approval"
    approvals = agent("GET", f"/request/{key}/approval").json()
    approval = approvals["values"][0]
    assert approval["finalDecision"] == "pending" and approval["canAnswerApproval"] is True
    assert customer("GET", f"/request/{key}/approval/{approval['id']}").json()["canAnswerApproval"] is False
    assert agent("GET", f"/request/{key}/approval/999").status_code == 404
    assert (
        customer("POST", f"/request/{key}/approval/{approval['id']}", json={"decision": "approve"}).status_code == 403
    )
    assert agent("POST", f"/request/{key}/approval/{approval['id']}", json={"decision": "maybe"}).status_code == 400
    answered = agent("POST", f"/request/{key}/approval/{approval['id']}", json={"decision": "approve"})
    assert answered.status_code == 200 and answered.json()["finalDecision"] == "approved"
    assert customer("GET", f"/request/{key}").json()["currentStatus"]["status"] == "Waiting for support"
    if mock.flavor == "cloud":  # the Cloud document declares the 409 JSM gives for a second answer
        again = agent("POST", f"/request/{key}/approval/{approval['id']}", json={"decision": "decline"})
        assert again.status_code == 409
    if only_on(mock, "server", agent, "GET", f"/request/{key}/approval/{approval['id']}/config"):
        config = agent("GET", f"/request/{key}/approval/{approval['id']}/config").json()
        assert config == {"commentsRequiredWhenApprove": False, "commentsRequiredWhenDecline": False}


# --- comments and attachments ---------------------------------------------------------------------------------------


def test_comments_public_and_internal(mock: RunningMock, customer: Api, agent: Api) -> None:
    key = new_request(customer, "Comment on me").json()["issueKey"]
    made = customer("POST", f"/request/{key}/comment", json={"body": "Any news?", "public": True})
    assert made.status_code == 201 and made.json()["public"] is True and made.json()["id"].isdigit()
    assert customer("POST", f"/request/{key}/comment", json={"body": "secret", "public": False}).status_code == 403
    assert agent("POST", f"/request/{key}/comment", json={"body": "Checking logs", "public": False}).status_code == 201
    assert customer("POST", f"/request/{key}/comment", json={"body": ""}).status_code == 400
    assert [c["body"] for c in customer("GET", f"/request/{key}/comment").json()["values"]] == ["Any news?"]
    assert len(agent("GET", f"/request/{key}/comment").json()["values"]) == 2
    internal_only = agent("GET", f"/request/{key}/comment", params={"public": "false"}).json()
    assert [c["body"] for c in internal_only["values"]] == ["Checking logs"]
    one = customer("GET", f"/request/{key}/comment/{made.json()['id']}", params={"expand": "renderedBody"}).json()
    assert one["renderedBody"]["html"] == "<p>Any news?</p>"
    assert customer("GET", f"/request/{key}/comment/1").status_code == 404
    # first public answer from an agent stops "time to first response"
    agent("POST", f"/request/{key}/comment", json={"body": "Looking now", "public": True})
    first = agent("GET", f"/request/{key}/sla/1").json()
    assert first["completedCycles"] and "ongoingCycle" not in first


def test_temporary_files_and_attachments(mock: RunningMock, customer: Api, agent: Api) -> None:
    key = new_request(customer, "Screenshot attached").json()["issueKey"]
    files = {"file": ("screen.png", b"\x89PNG fake image", "image/png")}
    refused = customer("POST", "/servicedesk/1/attachTemporaryFile", files=files)
    assert refused.status_code == 403 and "XSRF" in refused.json()["errorMessage"]
    uploaded = customer(
        "POST",
        "/servicedesk/1/attachTemporaryFile",
        files=[
            ("file", ("screen.png", b"\x89PNG fake image", "image/png")),
            ("file", ("notes.txt", b"hello", "text/plain")),
        ],
        headers=XSRF,
    )
    assert uploaded.status_code == 201
    temps = uploaded.json()["temporaryAttachments"]
    assert [t["fileName"] for t in temps] == ["screen.png", "notes.txt"] and temps[0][
        "temporaryAttachmentId"
    ].startswith("temp")
    assert (
        customer(
            "POST", "/servicedesk/1/attachTemporaryFile", files={"other": ("x.txt", b"x")}, headers=XSRF
        ).status_code
        == 400
    )
    ids = [t["temporaryAttachmentId"] for t in temps]
    assert (
        agent("POST", f"/request/{key}/attachment", json={"temporaryAttachmentIds": ids, "public": True}).status_code
        == 400
    )  # not the uploader's
    attached = customer(
        "POST",
        f"/request/{key}/attachment",
        json={"temporaryAttachmentIds": ids, "public": True, "additionalComment": {"body": "See attached"}},
    )
    assert attached.status_code == 201
    result = attached.json()
    assert [a["filename"] for a in result["attachments"]["values"]] == ["screen.png", "notes.txt"]
    assert result["comment"]["body"].startswith("See attached")
    again = customer("POST", f"/request/{key}/attachment", json={"temporaryAttachmentIds": ids, "public": True})
    assert again.status_code == 400  # temporary files are used up
    content_url = result["attachments"]["values"][1]["_links"]["content"]
    download = httpx.get(content_url, headers=mock.customer.basic_headers)
    assert download.status_code == 200 and download.content == b"hello"
    if only_on(mock, "cloud", customer, "GET", f"/request/{key}/attachment"):
        listed = customer("GET", f"/request/{key}/attachment").json()
        assert [a["filename"] for a in listed["values"]] == ["screen.png", "notes.txt"]
        attachment_id = content_url.rsplit("/", 1)[1]
        png_id = result["attachments"]["values"][0]["_links"]["content"].rsplit("/", 1)[1]
        assert customer("GET", f"/request/{key}/attachment/{png_id}/thumbnail").content.startswith(b"\x89PNG")
        assert customer("GET", f"/request/{key}/attachment/{attachment_id}/thumbnail").status_code == 400
        assert customer("GET", f"/request/{key}/attachment/999999").status_code == 404
        comment_id = result["comment"]["id"]
        assert customer("GET", f"/request/{key}/comment/{comment_id}/attachment").status_code == 400  # experimental
        per_comment = customer("GET", f"/request/{key}/comment/{comment_id}/attachment", headers=EXP).json()
        assert per_comment["size"] == 2


# --- queues and knowledge base --------------------------------------------------------------------------------------


def test_queues_for_agents(mock: RunningMock, agent: Api, customer: Api) -> None:
    queues = agent("GET", "/servicedesk/1/queue", params={"includeCount": "true"}).json()
    assert [q["name"] for q in queues["values"]] == ["All open", "Waiting for approval", "Resolved"]
    assert all(isinstance(q["issueCount"], int) for q in queues["values"])
    assert "issueCount" not in agent("GET", "/servicedesk/1/queue/1").json()
    assert customer("GET", "/servicedesk/1/queue").status_code == 403
    issues = agent("GET", "/servicedesk/1/queue/3/issue").json()
    assert [i["key"] for i in issues["values"]][:1] == ["ITS-3"]
    assert set(issues["values"][0]["fields"]) == {"summary", "status", "resolutiondate"}
    assert agent("GET", "/servicedesk/1/queue/4").status_code == 404  # HR's queue


def test_queue_admin_on_server(mock: RunningMock, admin: Api, agent: Api) -> None:
    if only_on(mock, "server", admin, "PUT", "/admin/queues/include-count", json=True):
        made = admin(
            "POST",
            "/servicedesk/1/queue",
            json={"name": "Urgent", "jql": 'project = ITS AND status = "Waiting for support"', "fields": ["summary"]},
        )
        assert made.status_code == 201
        queue_id = made.json()["id"]
        assert (
            admin("POST", "/servicedesk/1/queue", json={"name": "Bad", "jql": "assignee = currentUser()"}).status_code
            == 400
        )
        assert agent("POST", "/servicedesk/1/queue", json={"name": "X", "jql": "project = ITS"}).status_code == 403
        renamed = admin("POST", f"/servicedesk/1/queue/{queue_id}", json={"name": "Very urgent"})
        assert renamed.status_code == 200 and renamed.json()["name"] == "Very urgent"
        assert admin("DELETE", f"/servicedesk/1/queue/{queue_id}").status_code == 204
        assert admin("GET", f"/servicedesk/1/queue/{queue_id}").status_code == 404
        for path in (
            "/admin/queues/include-count",
            "/admin/queues/cache-count",
            "/admin/queues/ITS/include-count",
            "/admin/queues/ITS/cache-count",
        ):
            assert admin("PUT", path, json=False).status_code == 204
        assert admin("PUT", "/admin/queues/include-count", json="yes").status_code == 400
        assert agent("PUT", "/admin/queues/include-count", json=True).status_code == 403
        assert admin("GET", "/admin/queues/ITS").status_code == 204


def test_knowledge_base_on_cloud(mock: RunningMock, customer: Api) -> None:
    if only_on(mock, "cloud", customer, "GET", "/knowledgebase/article", params={"query": "vpn", "highlight": "false"}):
        found = customer("GET", "/knowledgebase/article", params={"query": "password", "highlight": "true"}).json()
        assert found["values"][0]["title"] == "How to reset your @@@hl@@@password@@@endhl@@@"
        assert (
            customer("GET", "/knowledgebase/article", params={"query": "holiday", "highlight": "false"}).json()["size"]
            == 0
        )
        assert customer("GET", "/knowledgebase/article", params={"highlight": "false"}).status_code == 400
        desk = customer("GET", "/servicedesk/1/knowledgebase/article", params={"query": "vpn"}).json()
        assert [a["title"] for a in desk["values"]] == ["Connect to the VPN"]
        assert desk["values"][0]["source"]["type"] == "confluence"


# --- last: coverage and conformance ---------------------------------------------------------------------------------


def test_every_operation_called_and_every_answer_documented(mock: RunningMock) -> None:
    """Runs last for each flavor: every /servicedeskapi operation the mock serves got at least one call above, every
    answer matches the patched document, and every known document gap of the flavor still shows (else: remove it)."""
    conformance = conformance_for(mock.flavor)
    hit = {conformance.operation_of(e) for e in mock.journal.entries()}
    prefix = "/rest" if mock.flavor == "server" else ""
    served = {
        f"{op.method} {op.wire_path.removeprefix(prefix)}"
        for op in operations_for(mock.flavor)
        if "/servicedeskapi/" in op.wire_path
    }
    assert sorted(served - hit) == []
    assert_conformant(mock)
    stale = [gap for gap in GAPS if gap.flavor == mock.flavor and gap not in seen_gaps]
    assert stale == [], "these document gaps no longer occur (an overlay closed them): remove them from GAPS"


def test_a_date_field_is_matched_whole() -> None:
    """`$` lets a trailing newline through; the mock's validation patterns match the whole value."""
    from jsm_openapi.mock.errors import JsmError
    from jsm_openapi.mock.fields import check_value

    field = {"name": "Due", "fieldId": "duedate", "schema": {"type": "date"}}
    assert check_value(field, "2025-01-31") == "2025-01-31"
    with pytest.raises(JsmError, match="YYYY-MM-DD"):
        check_value(field, "2025-01-31\n")
