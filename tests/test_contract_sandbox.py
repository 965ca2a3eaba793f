"""The live sandbox holds: a run with writes touches exactly one service desk, the one the user named (by id or
project key), never a desk whose id equals its project id, and only entities it created (by kind).

The seeds here make desk ids, project ids and keys collide in every way (Hypothesis picks them from a small pool),
and every decision of the write policy is checked against what the mock itself resolves."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from desk_seeds import Desk, desk_seed, extra_request_type
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jsm_openapi.contract.cleanup import Tagger
from jsm_openapi.contract.guard import GuardedSession, RequestGuard
from jsm_openapi.contract.policy import WritePolicy
from jsm_openapi.contract.sandbox import SandboxDesk, resolve_sandbox
from jsm_openapi.errors import InputError
from jsm_openapi.mock import run_mock

REPO = Path(__file__).resolve().parents[1]
SITE = "https://example.atlassian.net"
API = f"{SITE}/rest/servicedeskapi"
HR = SandboxDesk(id="2", project_key="HR", name="Human Resources", project_id="10001")

NUMBERS = [1, 2, 3, 10000, 10001, 10002]
KEYS = ["ITS", "HR", "SBX", "SB", "HR2"]


@st.composite
def colliding_desks(draw: st.DrawFn) -> list[Desk]:
    """Three desks whose ids and project ids come from one small pool (so one desk's project id is often another
    desk's id) and whose keys are prefixes of each other."""
    count = 3
    ids = draw(st.permutations(NUMBERS))[:count]
    project_ids = draw(st.permutations(NUMBERS))[:count]
    keys = draw(st.permutations(KEYS))[:count]
    return [Desk(i, p, k, f"Desk {k} {i}") for i, p, k in zip(ids, project_ids, keys, strict=True)]


def _sandbox_session(headers: dict[str, str]) -> GuardedSession:
    return GuardedSession(RequestGuard(WritePolicy(unrestricted=True)), headers)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(desks=colliding_desks())
def test_the_sandbox_is_the_desk_named_and_writes_reach_only_that_desk(tmp_path: Path, desks: list[Desk]) -> None:
    seed = desk_seed(tmp_path / "seed.yaml", desks)
    with run_mock("server", seed=seed) as site:
        base = f"{site.base_url}/rest/servicedeskapi"
        session = _sandbox_session(site.admin.basic_headers)
        desk_ids = {str(d.id) for d in desks}
        for desk in desks:
            for named in (str(desk.id), desk.key, desk.key.lower(), f" {desk.key} "):
                sandbox = resolve_sandbox(session, base, named)
                assert (sandbox.id, sandbox.project_key, sandbox.name) == (str(desk.id), desk.key, desk.name), named
                assert sandbox.project_id == str(desk.project_id)
            policy = WritePolicy(allow_writes=True, sandbox=resolve_sandbox(session, base, desk.key))
            candidates = {str(d.id) for d in desks} | {str(d.project_id) for d in desks} | {d.key for d in desks}
            for candidate in candidates | {k.lower() for k in KEYS}:
                path_ok = policy.refusal("POST", f"{base}/servicedesk/{candidate}/customer") is None
                body = f'{{"serviceDeskId": "{candidate}", "requestTypeId": "1"}}'.encode()
                body_ok = policy.refusal("POST", f"{base}/request", body) is None
                assert path_ok == body_ok == (candidate == str(desk.id)), (desk, candidate)
                if path_ok:  # what the policy lets through is, on the site itself, the sandbox desk
                    answer = httpx.get(f"{base}/servicedesk/{candidate}", headers=site.admin.basic_headers)
                    assert answer.json()["id"] == str(desk.id)
        for project_id in {str(d.project_id) for d in desks} - desk_ids:  # a project id is not a desk id
            with pytest.raises(InputError, match="answered 404"):
                resolve_sandbox(session, base, project_id)


def test_a_key_no_desk_has_is_refused_with_the_site_named() -> None:
    with run_mock("cloud") as site:
        base = f"{site.base_url}/rest/servicedeskapi"
        with pytest.raises(InputError, match=r"no service desk of .* has that project key"):
            resolve_sandbox(_sandbox_session(site.admin.basic_headers), base, "NOPE")


# --- the write policy as an attacker sees it --------------------------------------------------------------------------


def test_ownership_is_per_kind_so_a_created_organization_opens_no_request_with_its_id() -> None:
    policy = WritePolicy(allow_writes=True, sandbox=HR)
    policy.own("organization", "10001")
    assert policy.refusal("POST", f"{API}/organization/10001/user") is None
    assert "request 10001 was not created" in str(policy.refusal("POST", f"{API}/request/10001/comment"))
    assert policy.refusal("DELETE", f"{SITE}/rest/api/2/issue/10001") is not None
    assert policy.refusal("DELETE", f"{SITE}/rest/api/3/user?accountId=10001") is not None
    policy.own("request", "HR-7", "10007")
    assert policy.refusal("DELETE", f"{SITE}/rest/api/2/issue/HR-7") is None
    assert policy.refusal("POST", f"{API}/request/10007/comment") is None
    assert policy.refusal("DELETE", f"{API}/organization/10007") is not None


@pytest.mark.parametrize(
    "path",
    [
        "/servicedesk/2/../10001/customer",
        "/servicedesk/2/%2E%2E/10001/customer",
        "/servicedesk/2%2F..%2F10001/customer",
        "/servicedesk/./10001/customer",
        "/servicedesk//10001/customer",
        "/servicedesk/2;x/customer",
        "/servicedesk/10001/customer",
        "/servicedesk/HR/customer",  # the key finds the desk, but writes name it by its id only
        "/servicedesk/02/customer",
    ],
)
def test_paths_that_could_reach_another_desk_are_refused(path: str) -> None:
    policy = WritePolicy(allow_writes=True, sandbox=HR)
    assert policy.refusal("POST", f"{API}{path}") is not None, path


@pytest.mark.parametrize(
    "body",
    [
        b'{"serviceDeskId": "2", "serviceDeskId": "10001"}',
        b'{"serviceDeskId": "10001"}',
        b'{"serviceDeskId": "HR"}',
        b'{"serviceDeskId": true}',
        b'{"serviceDeskId": ["2"]}',
        b"serviceDeskId=2",
        b"[" * 5000,
    ],
)
def test_request_creates_outside_the_sandbox_desk_are_refused(body: bytes) -> None:
    policy = WritePolicy(allow_writes=True, sandbox=HR)
    assert policy.refusal("POST", f"{API}/request", body) is not None
    assert policy.refusal("POST", f"{API}/request", b'{"serviceDeskId": 2}') is None


def test_writes_go_to_the_live_site_only() -> None:
    policy = WritePolicy(allow_writes=True, sandbox=HR, site=SITE)
    assert policy.refusal("POST", f"{API}/servicedesk/2/customer") is None
    for elsewhere in ("https://evil.example", "http://example.atlassian.net", "https://example.atlassian.net:8443"):
        assert "live site" in str(policy.refusal("POST", f"{elsewhere}/rest/servicedeskapi/servicedesk/2/customer"))


def test_a_user_delete_must_name_exactly_one_user_the_run_created() -> None:
    policy = WritePolicy(allow_writes=True, sandbox=HR)
    policy.own("customer", "qm:mine")
    assert policy.refusal("DELETE", f"{SITE}/rest/api/3/user?accountId=qm:mine") is None
    for query in ("accountId=qm:mine&accountId=qm:theirs", "accountId=qm:mine&username=theirs", ""):
        assert policy.refusal("DELETE", f"{SITE}/rest/api/3/user?{query}") is not None, query


# --- a whole live run on a site whose desks collide -------------------------------------------------------------------


@pytest.mark.slow
def test_a_live_run_named_by_key_writes_only_to_that_desk_and_names_it_first(tmp_path: Path) -> None:
    """The reported case: HR is desk 2 of project 10001, and desk 10001 is another desk (whose project id is 2).
    A run with writes in HR must not create anything in desk 10001, nor sweep it, and say which desk it used."""
    seed = desk_seed(
        tmp_path / "seed.yaml",
        [Desk(1, 10000, "ITS", "IT Support"), Desk(2, 10001, "HR", "Human Resources"), Desk(10001, 2, "SBX", "Other")],
    )
    old = Tagger("20200101000000-0a0b0c")
    with run_mock("server", seed=seed, record=True) as site:
        api = httpx.Client(base_url=f"{site.base_url}/rest/servicedeskapi", headers=site.admin.basic_headers)

        def leftover(desk: str, request_type: str) -> str:
            fields = {"summary": old.name(f"request in {desk}")}
            body = {"serviceDeskId": desk, "requestTypeId": request_type, "requestFieldValues": fields}
            answer = api.post("/request", json=body)
            assert answer.status_code == 201, answer.text
            return str(answer.json()["issueKey"])

        in_hr, in_other = leftover("2", "4"), leftover("10001", str(extra_request_type(0)))
        before = len(site.journal.entries())
        login, password = site.admin.basic
        result = subprocess.run(
            [
                *(sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--reports", str(tmp_path)),
                *("contract_tests/test_stateful.py", "contract_tests/test_create_customer.py"),
                *("--target=live", "--flavor=server", "--allow-writes", "--sandbox-service-desk=HR"),
                *("--examples=3", "--seed=11", "--rate=500"),
            ],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
            env={
                **{k: v for k, v in os.environ.items() if not k.startswith("JSM_") or k == "JSM_SPEC_MIRROR"},
                **{"JSM_BASE_URL": site.base_url, "JSM_USER": login, "JSM_PASSWORD": password},
            },
        )
        exchanges = site.journal.entries()[before:]
        other_requests = api.get("/request", params={"serviceDeskId": "10001", "requestOwnership": "ALL_REQUESTS"})
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    writes = [e for e in exchanges if e.method != "GET"]
    created = [e for e in writes if e.method == "POST" and e.path.endswith("/servicedeskapi/request")]
    assert created and all(e.status == 201 for e in created), "the run raised requests (in HR)"
    for exchange in writes:
        segments = exchange.path.split("/")
        if "servicedesk" in segments:
            desk = segments[segments.index("servicedesk") + 1]
            assert desk == "2", f"{exchange.method} {exchange.path} left the sandbox desk"
    swept = {e.path for e in writes if e.method == "DELETE" and e.path.startswith("/rest/api/2/issue/")}
    assert f"/rest/api/2/issue/{in_hr}" in swept, "the sweep searched the sandbox desk"
    assert f"/rest/api/2/issue/{in_other}" not in swept, "the sweep left the other desk alone"
    assert [r["issueKey"] for r in other_requests.json()["values"]] == [in_other], "nothing new in the other desk"
    head = (tmp_path / "summary-live-server.md").read_text().splitlines()[:4]
    assert "- sandbox (the only service desk writes may touch): service desk 2 · project HR · 'Human Resources'" in head
