"""The facade's retries: 429/503 honouring Retry-After (seconds or HTTP date), bounded, writes only when asked.

Each test drives `RetryingTransport` (the transport the facade installs) over an httpx.MockTransport that plays one
behaviour; the integration tests in test_facade_mock.py do the same against the mock over HTTP.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
from stamina.instrumentation import RetryDetails, set_on_retry_hooks

import jsm
from jsm.retry import RetryPolicy, parse_retry_after
from jsm.transport import AsyncRetryingTransport, RetryingTransport

FAST = RetryPolicy(attempts=4, wait_initial=0.0, wait_max=0.0, wait_jitter=0.0, timeout=10)


@pytest.fixture
def waits() -> Iterator[list[float]]:
    """The waits stamina scheduled between attempts (what Retry-After turned into)."""
    seen: list[float] = []

    def hook(details: RetryDetails) -> None:
        seen.append(details.wait_for)

    set_on_retry_hooks([hook])
    yield seen
    set_on_retry_hooks(None)


def scripted(statuses: list[int], headers: dict[str, str] | None = None) -> tuple[httpx.MockTransport, list[str]]:
    """A transport answering `statuses` in turn (the last one forever), recording each request's method."""
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        status = statuses[min(len(calls), len(statuses)) - 1]
        extra = headers if status in (429, 503) else {}
        return httpx.Response(status, headers=extra, json={"errorMessage": "slow down"} if status >= 400 else {})

    return httpx.MockTransport(handler), calls


def client_over(transport: httpx.BaseTransport, policy: RetryPolicy = FAST) -> httpx.Client:
    return httpx.Client(base_url="http://jsm.test", transport=RetryingTransport(transport, policy))


@pytest.mark.parametrize(
    ("value", "expected"),
    [("3", 3.0), ("0", 0.0), (" 1.5 ", 1.5), ("-4", 0.0), ("soon", None), ("", None), (None, None), ("nan", None)],
)
def test_retry_after_in_seconds(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value) == expected


def test_retry_after_as_an_http_date() -> None:
    now = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after(format_datetime(now + timedelta(seconds=7), usegmt=True), now=now) == 7.0
    assert parse_retry_after(format_datetime(now - timedelta(seconds=7), usegmt=True), now=now) == 0.0


def test_a_get_is_retried_until_it_succeeds_waiting_what_retry_after_says(waits: list[float]) -> None:
    transport, calls = scripted([429, 503, 200], {"Retry-After": "0.05"})
    with client_over(transport) as http:
        assert http.get("/rest/servicedeskapi/servicedesk").status_code == 200
    assert calls == ["GET"] * 3
    assert waits == [0.05, 0.05]


def test_an_http_date_retry_after_is_honoured(waits: list[float]) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=1), usegmt=True)
    transport, calls = scripted([429, 200], {"Retry-After": when})
    with client_over(transport) as http:
        assert http.get("/x").status_code == 200
    assert len(calls) == 2
    assert len(waits) == 1
    assert 0.0 < waits[0] <= 1.0


def test_without_retry_after_the_backoff_is_exponential_and_bounded(waits: list[float]) -> None:
    policy = RetryPolicy(attempts=5, wait_initial=0.01, wait_max=0.03, wait_jitter=0.0, timeout=10)
    transport, calls = scripted([503])
    with client_over(transport, policy) as http:
        assert http.get("/x").status_code == 503
    assert len(calls) == 5
    assert waits == pytest.approx([0.01, 0.02, 0.03, 0.03])


def test_retries_stop_after_the_attempts_and_the_last_answer_comes_back() -> None:
    transport, calls = scripted([429], {"Retry-After": "0"})
    with client_over(transport) as http:
        response = http.get("/x")
    assert response.status_code == 429
    assert response.json() == {"errorMessage": "slow down"}
    assert len(calls) == FAST.attempts


def test_a_post_is_not_retried_unless_asked() -> None:
    transport, calls = scripted([429, 200], {"Retry-After": "0"})
    with client_over(transport) as http:
        assert http.post("/x", json={}).status_code == 429
    assert calls == ["POST"]


def test_a_post_is_retried_inside_retry_writes() -> None:
    transport, calls = scripted([429, 200], {"Retry-After": "0"})
    with client_over(transport) as http, jsm.retry_writes():
        assert http.post("/x", json={"a": 1}).status_code == 200
    assert calls == ["POST", "POST"]


def test_a_post_is_retried_when_the_policy_says_writes() -> None:
    transport, calls = scripted([503, 201], {"Retry-After": "0"})
    with client_over(transport, RetryPolicy(attempts=3, writes=True)) as http:
        assert http.post("/x", json={}).status_code == 201
    assert calls == ["POST", "POST"]


def test_a_retry_after_above_the_bound_is_not_waited_for() -> None:
    transport, calls = scripted([429, 200], {"Retry-After": "3600"})
    with client_over(transport, RetryPolicy(attempts=3, max_retry_after=30)) as http:
        assert http.get("/x").status_code == 429
    assert calls == ["GET"]


def test_other_errors_are_not_retried() -> None:
    transport, calls = scripted([500, 200])
    with client_over(transport) as http:
        assert http.get("/x").status_code == 500
    assert calls == ["GET"]


def test_the_async_transport_retries_the_same_way(waits: list[float]) -> None:
    import asyncio

    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        return httpx.Response(429 if len(calls) < 3 else 200, headers={"Retry-After": "0"})

    async def run() -> int:
        transport = AsyncRetryingTransport(httpx.MockTransport(handler), FAST)
        async with httpx.AsyncClient(base_url="http://jsm.test", transport=transport) as http:
            return (await http.get("/x")).status_code

    assert asyncio.run(run()) == 200
    assert calls == ["GET"] * 3
    assert waits == [0.0, 0.0]


# --- the timeout is a hard deadline -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("headers", "wait"), [({"Retry-After": "0.3"}, 0.3), ({}, 0.3)])
def test_a_wait_that_would_end_past_the_timeout_is_never_begun(
    waits: list[float], headers: dict[str, str], wait: float
) -> None:
    """timeout 0.5 s, waits of 0.3 s (Retry-After, or backoff): one wait fits, the second would end at 0.6 s."""
    policy = RetryPolicy(attempts=10, timeout=0.5, wait_initial=0.3, wait_max=0.3, wait_jitter=0)
    transport, calls = scripted([429], headers)
    with client_over(transport, policy) as http:
        assert http.get("/x").status_code == 429
    assert waits == [wait]
    assert len(calls) == 2
    assert sum(waits) <= policy.timeout


def test_the_async_transport_keeps_the_deadline_too(waits: list[float]) -> None:
    import asyncio

    policy = RetryPolicy(attempts=10, timeout=0.5, wait_initial=0.3, wait_max=0.3, wait_jitter=0)
    transport, calls = scripted([503], {"Retry-After": "0.3"})

    async def run() -> int:
        retrying = AsyncRetryingTransport(transport, policy)
        async with httpx.AsyncClient(base_url="http://jsm.test", transport=retrying) as http:
            return (await http.get("/x")).status_code

    assert asyncio.run(run()) == 503
    assert waits == [0.3] and len(calls) == 2


@pytest.mark.parametrize("asynchronous", [False, True])
def test_the_client_raises_rate_limited_with_retry_after_instead_of_passing_the_timeout(
    waits: list[float], asynchronous: bool
) -> None:
    """Retry-After 2 s with a 1.5 s timeout: not one wait fits, so the call fails at once with what the site said."""
    transport, calls = scripted([429, 200], {"Retry-After": "2"})
    policy = RetryPolicy(attempts=5, timeout=1.5)
    with pytest.raises(jsm.RateLimited) as caught:
        if asynchronous:
            import asyncio

            async def run() -> None:
                async with jsm.AsyncClient(
                    "https://jira.example.com", flavor="server", retry=policy, transport=transport
                ) as client:
                    await client.info()

            asyncio.run(run())
        else:
            with jsm.Client("https://jira.example.com", flavor="server", retry=policy, transport=transport) as client:
                client.info()
    assert caught.value.retry_after == 2.0
    assert waits == [] and len(calls) == 1


def test_policy_refuses_nonsense() -> None:
    with pytest.raises(jsm.ConfigurationError, match="attempts=0"):
        RetryPolicy(attempts=0)
    with pytest.raises(jsm.ConfigurationError, match="max_retry_after=-1"):
        RetryPolicy(max_retry_after=-1)
    assert not RetryPolicy.never().applies_to("GET")
