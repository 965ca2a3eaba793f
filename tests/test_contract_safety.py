"""The contract suite's own machinery: live-safety policy, request guard (budget, Retry-After), redaction, settings,
known gaps, and the nightly workflow."""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import httpx
import pytest
import requests

from jsm_openapi.contract.cleanup import CleanupRegistry, Tagger, http_undo, tag_of
from jsm_openapi.contract.credentials import Credentials, credentials_from_env
from jsm_openapi.contract.gaps import load_gaps
from jsm_openapi.contract.guard import BudgetExhausted, GuardedSession, GuardedTransport, RequestGuard, RequestRefused
from jsm_openapi.contract.operations import Operation, PathIndex
from jsm_openapi.contract.policy import WritePolicy
from jsm_openapi.contract.ratelimit import RateLimiter, parse_retry_after
from jsm_openapi.contract.redact import REDACTED, Redactor
from jsm_openapi.contract.run import ContractRun
from jsm_openapi.contract.sandbox import SandboxDesk
from jsm_openapi.contract.settings import ContractSettings, TargetKind
from jsm_openapi.contract.stateful import document_links, link_target, linked_labels
from jsm_openapi.contract.targets import detect_flavor
from jsm_openapi.errors import InputError
from jsm_openapi.mock import run_mock
from jsm_openapi.project import Project

REPO = Path(__file__).resolve().parents[1]
SITE = "https://example.atlassian.net"


# --- the write policy ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_a_read_only_policy_refuses_every_write(method: str) -> None:
    reason = WritePolicy().refusal(method, f"{SITE}/rest/servicedeskapi/customer")
    assert reason is not None and "read-only" in reason and "--allow-writes" in reason


def test_a_read_only_policy_lets_reads_through() -> None:
    policy = WritePolicy()
    for method in ("GET", "HEAD", "OPTIONS"):
        assert policy.refusal(method, f"{SITE}/rest/servicedeskapi/servicedesk/1") is None


def test_writes_stay_inside_the_sandbox_desk_and_what_the_run_created() -> None:
    policy = WritePolicy(allow_writes=True, sandbox=SandboxDesk("7", "SBX", "Sandbox", project_id="10007"))
    base = f"{SITE}/rest/servicedeskapi"
    assert policy.refusal("POST", f"{base}/servicedesk/7/customer") is None
    assert policy.refusal("POST", f"{base}/servicedesk/7/attachTemporaryFile") is None
    assert "not the sandbox desk" in str(policy.refusal("POST", f"{base}/servicedesk/1/customer"))
    assert "not the sandbox desk" in str(policy.refusal("POST", f"{base}/servicedesk/10007/customer"))
    assert "not created by this run" in str(policy.refusal("DELETE", f"{base}/organization/3"))
    policy.own("organization", "3")
    assert policy.refusal("DELETE", f"{base}/organization/3") is None
    assert policy.refusal("POST", f"{base}/customer") is None  # a tagged, site-wide create
    assert policy.refusal("POST", f"{base}/request", b'{"serviceDeskId": "7"}') is None
    assert "sandbox desk" in str(policy.refusal("POST", f"{base}/request", b'{"serviceDeskId": "1"}'))
    assert "outside" in str(policy.refusal("PUT", f"{base}/knowledgebase/x"))
    assert "cleanup" in str(policy.refusal("PUT", f"{SITE}/rest/api/2/issue/SBX-1"))
    assert policy.refusal("DELETE", f"{SITE}/rest/api/3/user?accountId=qm:1") is not None
    policy.own("customer", "qm:1")
    assert policy.refusal("DELETE", f"{SITE}/rest/api/3/user?accountId=qm:1") is None


def test_writes_without_a_sandbox_are_refused() -> None:
    assert "sandbox" in str(WritePolicy(allow_writes=True).refusal("POST", f"{SITE}/rest/servicedeskapi/customer"))


# --- the guard: budget, pacing, Retry-After -------------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_the_rate_limiter_spaces_requests() -> None:
    clock = FakeClock()
    limiter = RateLimiter(4.0, clock=clock, sleep=clock.sleep)
    for _ in range(3):
        limiter.acquire()
    assert clock.slept == [0.25, 0.25]


def test_retry_after_pauses_every_later_request() -> None:
    clock = FakeClock()
    limiter = RateLimiter(None, clock=clock, sleep=clock.sleep)
    limiter.pause(3)
    limiter.acquire()
    assert clock.slept == [3]


def test_retry_after_reads_seconds_and_http_dates() -> None:
    assert parse_retry_after("2") == 2.0
    when = datetime.now(UTC) + timedelta(seconds=30)
    assert 25 <= (parse_retry_after(format_datetime(when, usegmt=True)) or 0) <= 31
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


def test_the_guard_honours_retry_after_and_counts_retries_against_the_budget() -> None:
    clock = FakeClock()
    answers = iter([429, 503, 200])

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(next(answers), headers={"Retry-After": "2"}, json={})

    guard = RequestGuard(budget=10, limiter=RateLimiter(None, clock=clock, sleep=clock.sleep))
    with httpx.Client(transport=GuardedTransport(guard, httpx.MockTransport(handler))) as client:
        assert client.get(f"{SITE}/rest/servicedeskapi/info").status_code == 200
    assert [e.status for e in guard.journal] == [429, 503, 200]
    assert guard.sent == 3 and clock.slept == [2, 2]


def test_the_guard_stops_at_the_budget_and_refuses_writes_before_sending() -> None:
    sent: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request.method)
        return httpx.Response(200, json={})

    guard = RequestGuard(budget=2)
    with httpx.Client(transport=GuardedTransport(guard, httpx.MockTransport(handler))) as client:
        with pytest.raises(RequestRefused):
            client.post(f"{SITE}/rest/servicedeskapi/customer", json={"email": "a@b.c"})
        client.get(f"{SITE}/rest/servicedeskapi/info")
        client.get(f"{SITE}/rest/servicedeskapi/info")
        with pytest.raises(BudgetExhausted):
            client.get(f"{SITE}/rest/servicedeskapi/info")
    assert sent == ["GET", "GET"]
    assert guard.refused == ["POST /rest/servicedeskapi/customer"]


def test_a_write_is_retried_after_a_429_but_not_after_a_503() -> None:
    clock = FakeClock()
    answers = iter([503, 201, 429, 201])
    sent: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request.method)
        return httpx.Response(next(answers), headers={"Retry-After": "2"}, json={})

    policy = WritePolicy(unrestricted=True)
    guard = RequestGuard(policy, limiter=RateLimiter(None, clock=clock, sleep=clock.sleep))
    with httpx.Client(transport=GuardedTransport(guard, httpx.MockTransport(handler))) as client:
        url = f"{SITE}/rest/servicedeskapi/organization"
        assert client.post(url, json={"name": "a"}).status_code == 503  # may have been half-done: not sent again
        assert client.post(url, json={"name": "b"}).status_code == 201  # ...but it waited what the 503 asked
        assert client.post(url, json={"name": "c"}).status_code == 201  # a 429 was not processed: retried
    assert sent == ["POST"] * 4
    assert clock.slept == [2, 2]


def test_retry_after_holds_back_later_requests_also_when_the_retries_are_spent() -> None:
    clock = FakeClock()

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, headers={"Retry-After": "5"}, json={})

    guard = RequestGuard(max_retries=0, limiter=RateLimiter(None, clock=clock, sleep=clock.sleep))
    with httpx.Client(transport=GuardedTransport(guard, httpx.MockTransport(handler))) as client:
        assert client.get(f"{SITE}/rest/servicedeskapi/info").status_code == 429
        assert clock.slept == []
        client.get(f"{SITE}/rest/servicedeskapi/info")
    assert clock.slept == [5]


def test_the_cleanup_removes_what_the_run_created_also_when_the_budget_is_spent(tmp_path: Path) -> None:
    with run_mock("server") as site:
        login, password = site.admin.basic
        options = {"target": "live", "flavor": "server", "allow_writes": True, "sandbox_service_desk": "ITS"}
        env = {"JSM_BASE_URL": site.base_url, "JSM_USER": login, "JSM_PASSWORD": password}
        limits = {"budget": "1000", "rate": "1000", "reports": tmp_path}
        settings = ContractSettings.from_sources({**options, **limits}, env)
        run = ContractRun.open(settings, Project.discover())
        made = len(run.cleanup.items)  # what opening the run provisioned (customers, an organization, requests)
        run.guard.budget = run.guard.sent + 30  # the checks get 30 requests
        try:
            created = run.session.post(run.url("/organization"), json={"name": run.tagger.name("org")}, timeout=10)
            run.adopt("organization", created.json())
            with pytest.raises(BudgetExhausted):
                while True:
                    run.session.get(run.url("/info"), timeout=10)
        finally:
            run.close()
        assert run.cleanup.leftovers == [] and len(run.cleanup.removed) == made + 1
        gone = httpx.get(run.url(f"/organization/{created.json()['id']}"), headers=site.admin.basic_headers)
        assert gone.status_code == 404


def test_the_guarded_session_retries_a_real_429_from_the_mock() -> None:
    with run_mock("cloud", record=True) as mock:
        mock.faults.update(rate_limit=1.0, retry_after=0)
        guard = RequestGuard(budget=3, max_retries=2)
        session = GuardedSession(guard, mock.admin.basic_headers)
        response = session.get(f"{mock.base_url}/rest/servicedeskapi/info", timeout=10)
        assert response.status_code == 429  # still limited after the retries: handed back as it is
        assert [e.status for e in guard.journal] == [429, 429, 429]
        mock.faults.clear()
        with pytest.raises(BudgetExhausted):
            session.get(f"{mock.base_url}/rest/servicedeskapi/info", timeout=10)
        assert len(mock.journal.entries()) == 3


# --- cleanup --------------------------------------------------------------------------------------------------------


def test_cleanup_undoes_newest_first_and_keeps_what_failed() -> None:
    done: list[str] = []
    policy = WritePolicy(allow_writes=True, sandbox=SandboxDesk("1", "SBX", "Sandbox"))
    registry = CleanupRegistry(Tagger("run1"), policy)

    def fail() -> None:
        raise RuntimeError("403 Forbidden")

    registry.add("organization", "5", lambda: done.append("org"))
    registry.add("request", "SBX-9", fail, aliases=("10009",))
    registry.add("comment", "77", lambda: done.append("comment"))
    assert {("organization", "5"), ("request", "SBX-9"), ("request", "10009"), ("comment", "77")} <= policy.owned
    leftovers = registry.run()
    assert done == ["comment", "org"]
    assert [(x.kind, x.identifier) for x in leftovers] == [("request", "SBX-9")]
    assert registry.run() == leftovers  # idempotent


def test_an_http_undo_accepts_404_as_already_gone() -> None:
    with run_mock("cloud") as mock:
        session = requests.Session()
        session.headers.update(mock.admin.basic_headers)
        http_undo(session, "DELETE", f"{mock.base_url}/rest/servicedeskapi/organization/999")()
        with pytest.raises(RuntimeError, match="answered 401"):  # no credentials: refused, so left behind
            http_undo(requests.Session(), "DELETE", f"{mock.base_url}/rest/servicedeskapi/organization/1")()


def test_tags_name_the_run() -> None:
    tagger = Tagger("20250101-abc", "corp.example")
    assert tagger.email("7-x") == "jsm-contract+20250101-abc-7-x@corp.example"
    assert tagger.tagged(tagger.name("Org")) and not tagger.tagged("Org")


# --- redaction ------------------------------------------------------------------------------------------------------


def test_redaction_removes_headers_and_known_secrets() -> None:
    redactor = Redactor()
    Credentials.basic("ada@example.com", "s3cret-token").register(redactor)
    Credentials.bearer("oauth-abc123").register(redactor)
    text = (
        "curl -H 'Authorization: Basic YWRhQGV4YW1wbGUuY29tOnMzY3JldC10b2tlbg==' -H 'Cookie: JSESSIONID=x1'\n"
        "{'authorization': 'Bearer oauth-abc123'} set-cookie: a=b\ntoken was s3cret-token"
    )
    clean = redactor.text(text)
    for secret in ("YWRhQGV4YW1wbGUuY29tOnMzY3JldC10b2tlbg", "JSESSIONID=x1", "oauth-abc123", "s3cret-token", "a=b"):
        assert secret not in clean
    assert clean.count(REDACTED) >= 5
    assert "s3cret" not in repr(Credentials.basic("u", "s3cret"))


def test_credentials_come_from_the_environment_with_clear_errors() -> None:
    assert credentials_from_env({"JSM_PAT": "p"}).authorization() == "Bearer p"
    assert credentials_from_env({"JSM_USER": "u", "JSM_API_TOKEN": "t"}).kind == "basic"
    with pytest.raises(InputError, match="JSM_API_TOKEN"):
        credentials_from_env({"JSM_USER": "u"})
    with pytest.raises(InputError, match="no credentials"):
        credentials_from_env({})


# --- settings -------------------------------------------------------------------------------------------------------


def test_settings_take_options_over_environment() -> None:
    env = {"JSM_CONTRACT_TARGET": "prism", "JSM_CONTRACT_EXAMPLES": "4", "JSM_CONTRACT_SEED": "9"}
    settings = ContractSettings.from_sources({"flavor": "server", "examples": "6"}, env)
    assert (settings.target, settings.flavor, settings.examples, settings.seed) == (TargetKind.prism, "server", 6, 9)
    assert settings.writes_enabled


def test_live_settings_need_a_url_and_a_sandbox_for_writes() -> None:
    with pytest.raises(InputError, match="JSM_BASE_URL"):
        ContractSettings.from_sources({"target": "live"}, {})
    with pytest.raises(InputError, match="sandbox"):
        ContractSettings.from_sources({"target": "live", "allow_writes": True}, {"JSM_BASE_URL": SITE})
    live = ContractSettings.from_sources({"target": "live"}, {"JSM_BASE_URL": SITE + "/"})
    assert live.base_url == SITE and not live.writes_enabled and live.budget and live.rate
    writes = ContractSettings.from_sources(
        {"target": "live", "allow_writes": "yes", "sandbox_service_desk": "SBX"}, {"JSM_BASE_URL": SITE}
    )
    assert writes.writes_enabled


def test_a_base_url_with_credentials_is_refused_without_repeating_them() -> None:
    with pytest.raises(InputError, match="carries credentials") as caught:
        ContractSettings.from_sources({"target": "live"}, {"JSM_BASE_URL": "https://ada:s3cret@example.atlassian.net"})
    assert "s3cret" not in f"{caught.value.message} {caught.value.hint}"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://example.atlassian.net/?token=s3cret", "has a query or fragment"),
        ("https://example.atlassian.net/#s3cret", "has a query or fragment"),
        ("example.atlassian.net/?token=s3cret", "is not an http"),
    ],
)
def test_a_base_url_with_a_token_is_refused_without_repeating_it(url: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as caught:
        ContractSettings.from_sources({"target": "live"}, {"JSM_BASE_URL": url})
    assert "s3cret" not in f"{caught.value.message} {caught.value.hint}"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"target": "staging"}, "not a contract target"),
        ({"flavor": "datacenter"}, "not a flavor"),
        ({"examples": "0"}, "below 1"),
        ({"examples": "many"}, "not a whole number"),
        ({"target": "prism", "defects": "customer-fullname"}, "mock-only"),
    ],
)
def test_bad_settings_are_input_errors(options: dict[str, str], message: str) -> None:
    with pytest.raises(InputError, match=message):
        ContractSettings.from_sources(options, {})


class Answering(requests.Session):
    """A session whose every GET gets the same answer (a unit test of how one answer is read)."""

    def __init__(self, status: int, body: bytes) -> None:
        super().__init__()
        self.status, self.body = status, body

    def get(self, url: str | bytes, **kwargs: object) -> requests.Response:  # type: ignore[override]
        response = requests.Response()
        response.status_code, response._content, response.url = self.status, self.body, str(url)
        return response


@pytest.mark.parametrize("body", [b"[]", b'"Jira"', b"<html>login</html>", b'{"deploymentType": null}'])
def test_flavor_detection_copes_with_a_server_info_that_is_not_an_object(body: bytes) -> None:
    assert detect_flavor("https://jira.example.com", Answering(200, body)) == "server"
    assert detect_flavor(SITE, Answering(200, body)) == "cloud"


# --- operations, known gaps -----------------------------------------------------------------------------------------


def test_the_path_index_finds_the_most_literal_operation() -> None:
    operations = [
        Operation("GET", "/servicedeskapi/organization/{organizationId}", None, False),
        Operation("GET", "/servicedeskapi/organization/{organizationId}/user", None, False),
        Operation("GET", "/servicedeskapi/request/{issueIdOrKey}", None, False),
    ]
    index = PathIndex(operations, "/jira/rest")
    assert index.find("GET", "/jira/rest/servicedeskapi/organization/5/user").path.endswith("/user")  # type: ignore[union-attr]
    assert index.find("get", "/jira/rest/servicedeskapi/request/ITS-1").path.endswith("}")  # type: ignore[union-attr]
    assert index.find("POST", "/jira/rest/servicedeskapi/request/ITS-1") is None


def test_the_known_gaps_file_is_valid_and_every_entry_says_why() -> None:
    path = REPO / "contract_tests" / "known-gaps.toml"
    for target in ("mock", "prism", "live"):
        for flavor in ("server", "cloud"):
            for gap in load_gaps(path, target=target, flavor=flavor).gaps:
                assert len(gap.reason) > 40, gap


def test_a_malformed_known_gap_names_the_entry(tmp_path: Path) -> None:
    path = tmp_path / "gaps.toml"
    path.write_text('[[gap]]\noperation = "GET /x"\ncheck = "status_code_conformance"\n')
    with pytest.raises(InputError, match=r"\[\[gap\]\] #1: reason"):
        load_gaps(path, target="mock", flavor="cloud")


def test_the_conformance_workflow_passes_actionlint() -> None:
    actionlint = shutil.which("actionlint", path=str(Path(sys.executable).parent)) or shutil.which("actionlint")
    assert actionlint, "actionlint is missing: `uv pip install -e '.[dev]'` installs it"
    done = subprocess.run(
        [actionlint, str(REPO / ".github" / "workflows" / "conformance.yml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


# --- tags, the sweep's policy, stateful settings and links ------------------------------------------------------------


def test_a_tag_names_its_run_and_when_it_started() -> None:
    tagger = Tagger("20240301120000-a1b2c3")
    started = datetime(2024, 3, 1, 12, 0, tzinfo=UTC).timestamp()
    assert tag_of(tagger.name("org 1")) == ("20240301120000-a1b2c3", started)
    assert tag_of(f"Re: {tagger.email('7-x')}") == ("20240301120000-a1b2c3", started)
    for text in ("Acme Corporation", "jsm-contract-2024-x", "jsm-contract-20241399999999-a1b2c3 org", None):
        assert tag_of(text) is None, text


def test_the_policy_lets_go_of_what_the_run_may_no_longer_touch() -> None:
    policy = WritePolicy(allow_writes=True, sandbox=SandboxDesk("1", "SBX", "Sandbox"))
    url = f"{SITE}/rest/servicedeskapi/request/SBX-4/comment"
    policy.own("request", "SBX-4")
    assert policy.refusal("POST", url) is None
    policy.disown("request", "SBX-4")
    assert "not created by this run" in str(policy.refusal("POST", url))


def test_stateful_runs_are_long_enough_for_the_chains_unless_told() -> None:
    assert ContractSettings.from_sources({"examples": "3"}, {}).stateful_scenarios == 10
    assert ContractSettings.from_sources({"examples": "15"}, {}).stateful_scenarios == 15
    assert ContractSettings.from_sources({}, {}).scenario_steps == 20
    assert ContractSettings.from_sources({"examples": "15"}, {}).scenario_steps == 30
    assert ContractSettings.from_sources({"stateful_steps": "4"}, {}).scenario_steps == 4
    with pytest.raises(InputError, match="below 2"):
        ContractSettings.from_sources({"stateful_steps": "1"}, {})


def test_links_are_read_with_their_target_from_the_operation_ref() -> None:
    document = {
        "paths": {
            "/a": {
                "post": {
                    "responses": {
                        "201": {"links": {"Next": {"operationRef": "#/paths/~1a~1{id}~1b/put"}}},
                        "400": {"description": "no links"},
                    }
                }
            },
            "/a/{id}/b": {"put": {"responses": {"200": {"description": "ok"}}}},
        }
    }
    [(source, status, name, link)] = list(document_links(document))
    assert (source, status, name, link_target(link)) == ("POST /a", "201", "Next", "PUT /a/{id}/b")
    assert linked_labels(document) == {"POST /a", "PUT /a/{id}/b"}
    assert link_target({"operationId": "x"}) is None
