"""The facade against the mock JSM over real HTTP on loopback, both flavors: the tour script unchanged on each,
429/503 storms with bounded retries (and no write retried unasked), a dead credential, secrets kept out of logs
and reprs, and the async client."""

from __future__ import annotations

import asyncio
import base64
import importlib.util
import itertools
import logging
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from stamina.instrumentation import set_on_retry_hooks

import jsm
from jsm.flavor import TRAITS, Flavor
from jsm.operations import OperationIndex
from jsm_openapi.mock import Defect
from jsm_openapi.mock.runner import RunningMock, run_mock

pytestmark = pytest.mark.slow

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
FLAVORS = ["server", "cloud"]
STORM_POLICY = jsm.RetryPolicy(attempts=8, wait_initial=0, wait_max=0, wait_jitter=0, timeout=30)
_emails = itertools.count()


def new_email(tag: str) -> str:
    return f"{tag}-{next(_emails)}@example.com"


def load_example(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module", params=FLAVORS)
def mock(request: pytest.FixtureRequest) -> Iterator[RunningMock]:
    with run_mock(request.param) as running:
        yield running


@pytest.fixture(autouse=True)
def calm(mock: RunningMock) -> Iterator[None]:
    """Every test starts and ends without faults."""
    mock.faults.clear()
    yield
    mock.faults.clear()


class Counting(httpx.BaseTransport):
    """The real network transport, counting attempts: the retrying transport re-sends the same Request object."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.attempts: dict[int, list[tuple[str, str, int]]] = {}
        """Per request object: (method, path with query, status) of each attempt."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        where = request.url.raw_path.decode()
        self.attempts.setdefault(id(request), []).append((request.method, where, response.status_code))
        return response

    def calls(self, method: str | None = None) -> list[list[tuple[str, str, int]]]:
        """Attempts grouped per logical call (optionally only calls with this method)."""
        return [tries for tries in self.attempts.values() if method is None or tries[0][0] == method]

    def close(self) -> None:
        self.inner.close()


def admin(mock: RunningMock, **options: Any) -> jsm.Client:
    return jsm.Client(mock.base_url, auth=jsm.BasicAuth(*mock.admin.basic), **options)


def test_the_tour_runs_unchanged_on_both_flavors(mock: RunningMock) -> None:
    tour = load_example("service_desk_tour")
    email = new_email("tour")
    with admin(mock) as client:
        assert client.flavor.value == mock.flavor  # detected from /servicedeskapi/info, not given
        done = tour.tour(client, email=email, page_size=1)
        assert done.customer.email_address == email
        assert done.customer.display_name == "Grace Hopper"
        listed = [c.email_address for c in done.customers_of_desk]
        assert email in listed
        assert len(listed) == len(set(listed)) >= 2  # more than one page of one, nothing twice
        assert done.request.issue_key
        files = [a.filename for a in done.attached.attachments.values]
        assert files == ["printer-log.txt"]
        again = client.requests.get(done.request.issue_key)
        assert again.issue_key == done.request.issue_key
        comments = [c.body for c in client.requests.comments.list(done.request.issue_key)]
        assert any("attached by the tour" in str(body) for body in comments)


def test_a_duplicate_customer_is_a_conflict_on_cloud_and_a_bad_request_on_server(mock: RunningMock) -> None:
    email = new_email("twice")
    with admin(mock) as client:
        client.customers.create(email=email, display_name="Once")
        expected = jsm.Conflict if mock.flavor == "cloud" else jsm.BadRequest
        with pytest.raises(expected) as caught:
            client.customers.create(email=email, display_name="Twice")
    assert caught.value.i18n_key == "sd.customer.error.email.exists"
    assert "POST" in str(caught.value) and "customer" in str(caught.value)


def test_paging_walks_every_page_and_stops_at_max_items(mock: RunningMock) -> None:
    counting = Counting()
    with admin(mock, flavor=mock.flavor, transport=counting) as client:
        everything = [o.id for o in client.organizations.list()]
        counting.attempts.clear()
        one_by_one = [o.id for o in client.organizations.list(page_size=1)]
        asked = [dict(httpx.URL(path).params) for call in counting.calls() for _, path, _ in call]
        bounded = [o.id for o in client.organizations.list(page_size=1, max_items=2)]
    assert len(everything) >= 3
    assert one_by_one == everything
    assert [int(q["start"]) for q in asked] == list(range(len(everything) + 1))[: len(asked)]
    assert {q["limit"] for q in asked} == {"1"}
    assert bounded == everything[:2]


def test_a_429_storm_completes_with_bounded_retries(mock: RunningMock) -> None:
    counting = Counting()
    mock.faults.update(rate_limit=0.5, retry_after=0, seed=42)
    with admin(mock, flavor=mock.flavor, retry=STORM_POLICY, transport=counting) as client:
        desks = list(client.service_desks.list(page_size=1))
        organizations = list(client.organizations.list(page_size=1))
        for desk in desks:
            list(client.request_types.list(desk.id, page_size=1))
    assert len(desks) == 2
    assert len(organizations) >= 3
    tries = [len(call) for call in counting.calls()]
    assert max(tries) > 1  # the storm hit, and was retried
    assert max(tries) <= STORM_POLICY.attempts  # bounded
    statuses = {status for call in counting.calls() for _, _, status in call}
    assert statuses == {200, 429}


def test_a_total_storm_gives_up_after_the_attempts_with_retry_after(mock: RunningMock) -> None:
    counting = Counting()
    mock.faults.update(rate_limit=1.0, retry_after=0)
    policy = jsm.RetryPolicy(attempts=3, wait_initial=0, wait_max=0, wait_jitter=0)
    with (
        admin(mock, flavor=mock.flavor, retry=policy, transport=counting) as client,
        pytest.raises(jsm.RateLimited) as caught,
    ):
        client.service_desks.get(1)
    assert caught.value.retry_after == 0.0
    assert [len(call) for call in counting.calls()] == [3]


def test_the_retry_timeout_is_a_deadline_no_wait_passes(mock: RunningMock) -> None:
    """A storm with Retry-After 1 s and a 1.5 s timeout: one wait fits (ends at ~1 s), the next would end at ~2 s,
    so the call stops after two requests with RateLimited(retry_after=1) instead of running over its timeout."""
    counting = Counting()
    mock.faults.update(rate_limit=1.0, retry_after=1)
    waits: list[float] = []
    set_on_retry_hooks([lambda details: waits.append(details.wait_for)])
    policy = jsm.RetryPolicy(attempts=10, timeout=1.5)
    try:
        with (
            admin(mock, flavor=mock.flavor, retry=policy, transport=counting) as client,
            pytest.raises(jsm.RateLimited) as caught,
        ):
            client.service_desks.get(1)
    finally:
        set_on_retry_hooks(None)
    assert caught.value.retry_after == 1.0
    assert [len(call) for call in counting.calls()] == [2]
    assert waits == [1.0]


def test_no_post_is_retried_unasked_and_one_is_when_asked(mock: RunningMock) -> None:
    counting = Counting()
    email = new_email("storm")
    with admin(mock, flavor=mock.flavor, retry=STORM_POLICY, transport=counting) as client:
        mock.faults.update(rate_limit=1.0, retry_after=0)
        with pytest.raises(jsm.RateLimited):
            client.customers.create(email=email, display_name="Not retried")
        assert [len(call) for call in counting.calls("POST")] == [1]
        mock.faults.update(rate_limit=0.6, seed=3)
        with client.retry_writes():
            created = [client.customers.create(email=new_email("asked"), display_name="Retried") for _ in range(4)]
        mock.faults.clear()
        assert len(created) == 4
        posts = counting.calls("POST")
        assert max(len(call) for call in posts[1:]) > 1
        assert max(len(call) for call in posts) <= STORM_POLICY.attempts
        # the refused POST changed nothing: the email is still free
        client.customers.create(email=email, display_name="Now created")


def test_503s_are_retried_too(mock: RunningMock) -> None:
    counting = Counting()
    mock.faults.update(unavailable=0.5, retry_after=0, seed=11)
    with admin(mock, flavor=mock.flavor, retry=STORM_POLICY, transport=counting) as client:
        assert len(list(client.organizations.list(page_size=1))) >= 3
    assert {status for call in counting.calls() for _, _, status in call} == {200, 503}
    mock.faults.update(unavailable=1.0)
    client = admin(mock, flavor=mock.flavor, retry=jsm.RetryPolicy(attempts=2))
    with client, pytest.raises(jsm.ServiceUnavailable) as caught:
        client.info()
    assert caught.value.status == 503


@pytest.mark.parametrize("scheme", ["basic", "bearer"])
def test_a_dead_credential_is_named_as_such(mock: RunningMock, scheme: str) -> None:
    dead = "definitely-not-the-secret"
    auth = jsm.BasicAuth(mock.admin.login, dead) if scheme == "basic" else jsm.BearerToken(dead)
    with jsm.Client(mock.base_url, auth=auth, flavor=mock.flavor) as client:
        with pytest.raises(jsm.Unauthorized) as caught:
            client.customers.create(email=new_email("dead"), display_name="Nobody")
        with pytest.raises(jsm.Unauthorized):
            client.info()  # anonymously readable, yet the refused credential is reported
    error = caught.value
    if mock.flavor == "server":
        assert isinstance(error, jsm.CredentialRejected)
        assert error.login_reason == "AUTHENTICATED_FAILED"
    else:
        assert not isinstance(error, jsm.CredentialRejected)
    assert error.status == 401
    assert dead not in str(error) and dead not in repr(error)


def test_an_unlicensed_jsm_is_named_as_such(mock: RunningMock) -> None:
    mock.defects.add(Defect.UNLICENSED)
    try:
        with admin(mock, flavor=mock.flavor) as client:
            with pytest.raises(jsm.JsmNotLicensed) as caught:
                client.customers.create(email=new_email("unlicensed"), display_name="Nobody")
            assert client.info() is not None  # /servicedeskapi/info still answers without a licence
    finally:
        mock.defects.discard(Defect.UNLICENSED)
    assert caught.value.status == 403 and "not licensed" in str(caught.value)


def secrets_of(mock: RunningMock) -> list[str]:
    found: list[str] = []
    for user in mock.users.values():
        raw = f"{user.login}:{user.password}".encode()
        found += [user.password, user.token, base64.b64encode(raw).decode()]
    return found


def test_no_secret_reaches_a_log_line_a_repr_or_an_error(mock: RunningMock, caplog: pytest.LogCaptureFixture) -> None:
    seen: list[str] = []
    mock.faults.update(rate_limit=0.4, retry_after=0, seed=5)
    with caplog.at_level(logging.DEBUG):
        for auth in (jsm.BasicAuth(*mock.admin.basic), jsm.BearerToken(mock.admin.token)):
            with jsm.Client(mock.base_url, auth=auth, retry=STORM_POLICY) as client:
                seen += [repr(client), str(client), repr(auth), repr(client.generated), repr(client.http.headers)]
                list(client.organizations.list(page_size=1))
                for call in (lambda: client.requests.get("NOPE-404"), lambda: client.organizations.get(987654)):
                    with pytest.raises(jsm.ApiError) as caught:
                        call()
                    seen += [str(caught.value), repr(caught.value), repr(caught.value.response.request.headers)]
        wrong = jsm.BasicAuth(mock.admin.login, mock.customer.password)
        refused = jsm.Client(mock.base_url, auth=wrong, flavor=mock.flavor)
        with refused, pytest.raises(jsm.Unauthorized) as bad:
            refused.info()
        seen += [str(bad.value), repr(bad.value), repr(wrong)]
    mock.faults.clear()
    assert "retrying after" in caplog.text  # the storm was logged...
    text = "\n".join([caplog.text, *seen])
    for secret in secrets_of(mock):
        assert secret not in text  # ...and nothing secret with it


def test_the_async_client_runs_the_same_calls(mock: RunningMock) -> None:

    async def run() -> tuple[str, list[str], list[str]]:
        auth = jsm.BasicAuth(*mock.admin.basic)
        async with await jsm.AsyncClient.connect(mock.base_url, auth=auth, retry=STORM_POLICY) as client:
            flavor = client.flavor.value
            email = new_email("async")
            customer = await client.customers.create(email=email, display_name="Ada Async")
            await client.customers.add(1, customer)
            mock.faults.update(rate_limit=0.5, retry_after=0, seed=9)
            emails = [str(c.email_address) async for c in client.customers.list(1, page_size=1)]
            mock.faults.clear()
            request = await client.requests.create(1, 1, summary="Async printer", on_behalf_of=customer)
            result = await client.requests.attachments.attach(request.issue_key, [("a.txt", b"async")], public=False)
            return flavor, [email, *emails], [a.filename for a in result.attachments.values]

    flavor, emails, files = asyncio.run(run())
    assert flavor == mock.flavor
    assert emails[0] in emails[1:]
    assert files == ["a.txt"]


@dataclass(frozen=True)
class Case:
    """One facade call against the seeded mock, the operation it needs, and what its answer must satisfy."""

    what: str
    call: Callable[[jsm.Client, RunningMock], Any]
    check: Callable[[Any], bool]
    needs: tuple[str, str]
    """(method, flavor-neutral path): where the flavor's package lacks it, the call must raise NotSupported."""
    unsupported_on: frozenset[str] = frozenset()
    """Flavors whose operation lacks a parameter the call uses (NotSupported too)."""


SD = "/servicedeskapi"
REQ = f"{SD}/request/{{issueIdOrKey}}"
DESK = f"{SD}/servicedesk/{{serviceDeskId}}"
ORG = f"{SD}/organization/{{organizationId}}"

CASES = [
    Case("info", lambda c, m: c.info().is_licensed_for_use, lambda v: v is True, ("GET", f"{SD}/info")),
    Case("service desk", lambda c, m: c.service_desks.get(1).project_key, lambda v: v == "ITS", ("GET", DESK)),
    Case(
        "request type",
        lambda c, m: c.request_types.get(1, 1).name,
        lambda v: v == "Get IT help",
        ("GET", f"{DESK}/requesttype/{{requestTypeId}}"),
    ),
    Case(
        "request type fields",
        lambda c, m: [f.field_id for f in c.request_types.fields(1, 1).request_type_fields],
        lambda v: v[0] == "summary",
        ("GET", f"{DESK}/requesttype/{{requestTypeId}}/field"),
    ),
    Case(
        "request type groups",
        lambda c, m: [g.name for g in c.request_types.groups(1, page_size=1)],
        lambda v: len(v) == 2,
        ("GET", f"{DESK}/requesttypegroup"),
    ),
    Case(
        "request types of a group",
        lambda c, m: [r.id for r in c.request_types.list(1, group=2)],
        lambda v: v == ["2", "3"],
        ("GET", f"{DESK}/requesttype"),
    ),
    Case(
        "status history",
        lambda c, m: [s.status for s in c.requests.status("ITS-1")],
        lambda v: v == ["Waiting for support"],
        ("GET", f"{REQ}/status"),
    ),
    Case(
        "transitions",
        lambda c, m: [t.id for t in c.requests.transitions("ITS-1")],
        lambda v: "11" in v,
        ("GET", f"{REQ}/transition"),
    ),
    Case(
        "transition",
        lambda c, m: c.requests.transition("ITS-3", 31, comment="Reopened"),
        lambda v: v is None,
        ("POST", f"{REQ}/transition"),
    ),
    Case(
        "public comments",
        lambda c, m: [x.id for x in c.requests.comments.list("ITS-1", public=True, internal=False)],
        lambda v: v == ["10000"],
        ("GET", f"{REQ}/comment"),
    ),
    Case(
        "comment",
        lambda c, m: c.requests.comments.get("ITS-1", 10000).public,
        lambda v: v is True,
        ("GET", f"{REQ}/comment/{{commentId}}"),
    ),
    Case(
        "internal comment",
        lambda c, m: c.requests.comments.add("ITS-1", "Internal note", public=False).public,
        lambda v: v is False,
        ("POST", f"{REQ}/comment"),
    ),
    Case(
        "participants",
        lambda c, m: [u.display_name for u in c.requests.participants.add("ITS-1", m.agent.ref)],
        lambda v: "Alan Agent" in v,
        ("POST", f"{REQ}/participant"),
    ),
    Case(
        "participants removed",
        lambda c, m: [u.display_name for u in c.requests.participants.remove("ITS-1", m.agent.ref)],
        lambda v: "Alan Agent" not in v,
        ("DELETE", f"{REQ}/participant"),
    ),
    Case(
        "approvals",
        lambda c, m: [a.name for a in c.requests.approvals.list("ITS-2")],
        lambda v: v == ["Manager approval"],
        ("GET", f"{REQ}/approval"),
    ),
    Case(
        "sla",
        lambda c, m: [s.name for s in c.requests.sla.list("ITS-1", page_size=1)],
        lambda v: len(v) == 2,
        ("GET", f"{REQ}/sla"),
    ),
    Case(
        "sla metric",
        lambda c, m: c.requests.sla.get("ITS-1", 2).name,
        lambda v: v == "Time to resolution",
        ("GET", f"{REQ}/sla/{{slaMetricId}}"),
    ),
    Case(
        "attachments of a request",
        lambda c, m: list(c.requests.attachments.list("ITS-1")),
        lambda v: v == [],
        ("GET", f"{REQ}/attachment"),
    ),
    Case(
        "subscription",
        lambda c, m: c.requests.subscribe("ITS-1"),
        lambda v: v is None,
        ("PUT", f"{REQ}/notification"),
    ),
    Case("organization", lambda c, m: c.organizations.get(1).name, lambda v: v == "Acme Corporation", ("GET", ORG)),
    Case(
        "organization users",
        lambda c, m: [u.display_name for u in c.organizations.users(1, page_size=1)],
        lambda v: len(v) == 2,
        ("GET", f"{ORG}/user"),
    ),
    Case(
        "organization gains a user",
        lambda c, m: c.organizations.add_users(2, m.customer.ref),
        lambda v: v is None,
        ("POST", f"{ORG}/user"),
    ),
    Case(
        "organizations of a desk",
        lambda c, m: [o.name for o in c.organizations.of_service_desk(1)],
        lambda v: "Acme Corporation" in v,
        ("GET", f"{DESK}/organization"),
    ),
    Case(
        "organization joins a desk",
        lambda c, m: c.organizations.add_to_service_desk(2, 2),
        lambda v: v is None,
        ("POST", f"{DESK}/organization"),
    ),
    Case(
        "organization property",
        lambda c, m: (
            c.organizations.set_property(1, "tier", {"level": [1, 2]}),
            c.organizations.get_property(1, "tier"),
        )[1],
        lambda v: v == {"level": [1, 2]},
        ("PUT", f"{ORG}/property/{{propertyKey}}"),
    ),
    Case(
        "organizations of a member",
        lambda c, m: [o.name for o in c.organizations.list(member=m.customer.ref)],
        lambda v: "Acme Corporation" in v and "Initech (left)" not in v,
        ("GET", f"{SD}/organization"),
        unsupported_on=frozenset({"server"}),
    ),
    Case(
        "queues",
        lambda c, m: [q.name for q in c.queues.list(1, include_count=True)],
        lambda v: v[0] == "All open",
        ("GET", f"{DESK}/queue"),
    ),
    Case(
        "queue",
        lambda c, m: c.queues.get(1, 1, include_count=True).issue_count,
        lambda v: v >= 1,
        ("GET", f"{DESK}/queue/{{queueId}}"),
    ),
    Case(
        "queue issues",
        lambda c, m: len(list(c.queues.issues(1, 1, page_size=1))),
        lambda v: v >= 1,
        ("GET", f"{DESK}/queue/{{queueId}}/issue"),
    ),
    Case(
        "knowledge base",
        lambda c, m: [a.title for a in c.knowledge_base.search("password")],
        lambda v: "How to reset your password" in v,
        ("GET", f"{SD}/knowledgebase/article"),
    ),
    Case(
        "knowledge base of a desk",
        lambda c, m: [a.title for a in c.knowledge_base.search("holiday", service_desk=2)],
        lambda v: v == ["Holiday allowance"],
        ("GET", f"{DESK}/knowledgebase/article"),
    ),
    Case(
        "customer removed from a desk",
        lambda c, m: c.customers.remove(1, m.customer.ref),
        lambda v: v is None,
        ("DELETE", f"{DESK}/customer"),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.what for case in CASES])
def test_every_namespace_answers_or_says_the_flavor_lacks_it(mock: RunningMock, case: Case) -> None:
    traits = TRAITS[Flavor(mock.flavor)]
    method, path = case.needs
    lacking = mock.flavor in case.unsupported_on or not OperationIndex.of(traits.package).has(
        method, traits.api_path(path)
    )
    with admin(mock, flavor=mock.flavor) as client:
        if lacking:
            with pytest.raises(jsm.NotSupported, match=r"not an operation of jsm_server|takes no"):
                case.call(client, mock)
            return
        answer = case.call(client, mock)
    assert case.check(answer), f"{case.what}: {answer!r}"


def test_an_approver_answers_an_approval(mock: RunningMock) -> None:
    with jsm.Client(mock.base_url, auth=jsm.BasicAuth(*mock.agent.basic), flavor=mock.flavor) as agent:
        approval = agent.requests.approvals.approve("ITS-2", 1)
    assert str(getattr(approval.final_decision, "value", approval.final_decision)) == "approved"


def test_requests_list_and_get(mock: RunningMock) -> None:
    with jsm.Client(mock.base_url, auth=jsm.BasicAuth(*mock.customer.basic), flavor=mock.flavor) as customer:
        mine = [r.issue_key for r in customer.requests.list(ownership="OWNED_REQUESTS", page_size=1)]
        assert "ITS-1" in mine
        assert customer.requests.get("ITS-1").issue_key == "ITS-1"
