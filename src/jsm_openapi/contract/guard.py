"""Every request of a contract run goes through one `RequestGuard`: write policy, budget, pacing, Retry-After.

Two doors lead to it: `GuardedSession` (a `requests.Session`, what schemathesis sends with) and `GuardedTransport`
(an httpx transport, what the generated clients send with). A refused request never leaves the machine.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
import requests

from jsm.retry import IDEMPOTENT_METHODS

from ..errors import ExitCode, JsmOpenapiError
from .policy import WritePolicy
from .ratelimit import RETRY_STATUSES, RateLimiter, retry_after


class RequestRefused(JsmOpenapiError):
    """The write policy refused a request before it was sent."""

    exit_code = ExitCode.FINDINGS


class BudgetExhausted(JsmOpenapiError):
    """The run has sent as many requests as its budget allows."""

    exit_code = ExitCode.FINDINGS


@dataclass(frozen=True)
class Exchange:
    """One request the guard let through, and what came back (headers never kept)."""

    method: str
    path: str
    status: int
    attempt: int


@dataclass
class RequestGuard:
    """The gate every request of a run passes: policy, budget, rate limit, bounded Retry-After retries."""

    policy: WritePolicy = field(default_factory=WritePolicy)
    budget: int | None = None
    limiter: RateLimiter = field(default_factory=RateLimiter)
    max_retries: int = 3
    max_retry_wait: float = 60.0
    sent: int = 0
    refused: list[str] = field(default_factory=list)
    journal: list[Exchange] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _unbudgeted: bool = field(default=False, repr=False)

    @contextmanager
    def outside_budget(self) -> Iterator[None]:
        """Requests sent within are never refused for the budget (still counted, paced and held to the policy):
        the cleanup removes what the run created also when the checks spent the budget."""
        self._unbudgeted = True
        try:
            yield
        finally:
            self._unbudgeted = False

    def admit(self, method: str, url: str, body: bytes | str | None = None) -> None:
        """Raise RequestRefused / BudgetExhausted, else wait for a slot and count the request."""
        reason = self.policy.refusal(method, url, body)
        if reason is not None:
            with self._lock:
                self.refused.append(f"{method.upper()} {urlsplit(url).path}")
            raise RequestRefused(reason, hint="the request was not sent")
        with self._lock:
            if self.budget is not None and self.sent >= self.budget and not self._unbudgeted:
                raise BudgetExhausted(
                    f"request budget of {self.budget} spent; {method.upper()} {urlsplit(url).path} not sent",
                    hint="raise --budget (JSM_CONTRACT_BUDGET) or run fewer examples (--examples)",
                )
            self.sent += 1
        self.limiter.acquire()

    def settle(self, method: str, url: str, status: int, headers: Mapping[str, str], attempt: int) -> float | None:
        """Record the answer; return seconds to wait before retrying it, or None to hand it back as it is.

        A 429 or 503 with `Retry-After` holds back every later request (up to `max_retry_wait`), retried or not.
        It is retried when the wait is within `max_retry_wait` and attempts are left, and for a write (POST, PATCH)
        only after a 429: a rate-limited request was not processed, while a 503 may have half-done a write.
        """
        method = method.upper()
        with self._lock:
            self.journal.append(Exchange(method, urlsplit(url).path, status, attempt))
        wait = retry_after(headers) if status in RETRY_STATUSES else None
        if wait is None:
            return None
        self.limiter.pause(min(wait, self.max_retry_wait))
        if attempt >= self.max_retries or wait > self.max_retry_wait:
            return None
        if status != 429 and method not in IDEMPOTENT_METHODS:
            return None
        return wait

    @property
    def methods_sent(self) -> set[str]:
        with self._lock:
            return {exchange.method for exchange in self.journal}


def _body_bytes(body: Any) -> bytes | str | None:
    return body if isinstance(body, (bytes, str)) or body is None else None


class GuardedSession(requests.Session):
    """A requests session whose every send passes the guard (and is retried after a honoured Retry-After)."""

    def __init__(self, guard: RequestGuard, headers: Mapping[str, str] | None = None) -> None:
        super().__init__()
        self.guard = guard
        if headers:
            self.headers.update(headers)

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        method, url = request.method or "GET", request.url or ""
        attempt = 0
        while True:
            self.guard.admit(method, url, _body_bytes(request.body))
            response = super().send(request, **kwargs)
            if self.guard.settle(method, url, response.status_code, response.headers, attempt) is None:
                return response
            response.close()
            attempt += 1


class GuardedTransport(httpx.BaseTransport):
    """An httpx transport for the generated clients, behind the same guard."""

    def __init__(self, guard: RequestGuard, inner: httpx.BaseTransport | None = None) -> None:
        self.guard = guard
        self._inner = inner or httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        method, url = request.method, str(request.url)
        request.read()
        attempt = 0
        while True:
            self.guard.admit(method, url, request.content)
            response = self._inner.handle_request(request)
            if self.guard.settle(method, url, response.status_code, response.headers, attempt) is None:
                return response
            response.read()
            response.close()
            attempt += 1

    def close(self) -> None:
        self._inner.close()
