"""What the facade installs into the generated clients' httpx client; generated code is never touched.

- `RetryingTransport` / `AsyncRetryingTransport` wrap the real transport and retry 429/503 with stamina, honouring
  `Retry-After` (seconds or HTTP date) up to `RetryPolicy.max_retry_after`, for idempotent methods unless asked,
  never beginning a wait that would end past `RetryPolicy.timeout`.
- `RequestHooks.on_request` (an httpx request event hook) names the operation from the generated package's
  `OPERATIONS` and adds `X-ExperimentalApi: opt-in` to experimental ones and `X-Atlassian-Token: no-check` to
  multipart uploads.
- `RequestHooks.on_response` (a response event hook) turns error answers into typed errors before the generated code
  parses them (JSM's HTML 403 would break a JSON parser), and catches DC's refused credential behind a 200.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import stamina

from .errors import error_for
from .operations import Operation, OperationIndex
from .retry import RetryPolicy, parse_retry_after

log = logging.getLogger("jsm")

EXPERIMENTAL_HEADER = ("X-ExperimentalApi", "opt-in")
UPLOAD_HEADER = ("X-Atlassian-Token", "no-check")
OPERATION_KEY = "jsm.operation"
"""`request.extensions` key holding the generated `Operation` a request belongs to."""


class RetryableAnswer(Exception):
    """An answer worth retrying (429/503); carries the read response. Internal to the transports."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"{response.request.method} {response.request.url.path} answered {response.status_code}")
        self.response = response


@dataclass
class _Backoff:
    """stamina's backoff hook for one call: retry RetryableAnswer, waiting what `Retry-After` says when it says it.

    `RetryPolicy.timeout` is a hard deadline from `started`: a wait that would end past it is never begun; the call
    gives up at once and hands on the last answer (the response hook turns it into `RateLimited` or
    `ServiceUnavailable`, with `retry_after`).
    """

    policy: RetryPolicy
    started: float = field(default_factory=time.monotonic)
    answers: int = 0

    def __call__(self, exc: Exception) -> bool | float:
        if not isinstance(exc, RetryableAnswer):
            return False
        self.answers += 1
        response = exc.response
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        where = f"{response.request.method} {response.request.url.path}"
        if self.answers >= self.policy.attempts:
            log.warning("%s answered %s %d times: giving up", where, response.status_code, self.answers)
            return False
        if retry_after is not None and retry_after > self.policy.max_retry_after:
            log.warning(
                "%s answered %s with Retry-After %.0fs, above the %.0fs the retry policy honours: not retrying",
                where,
                response.status_code,
                retry_after,
                self.policy.max_retry_after,
            )
            return False
        wait = self._backoff() if retry_after is None else retry_after
        spent = time.monotonic() - self.started
        if self.policy.timeout and spent + wait > self.policy.timeout:
            log.warning(
                "%s answered %s; waiting %.2fs more would pass the retry policy's %.0fs timeout (%.2fs spent): "
                "giving up",
                where,
                response.status_code,
                wait,
                self.policy.timeout,
                spent,
            )
            return False
        log.info(
            "%s answered %s; retrying after %.2fs (%s)",
            where,
            response.status_code,
            wait,
            "Retry-After" if retry_after is not None else "backoff",
        )
        return wait

    def _backoff(self) -> float:
        """The exponential backoff before retry number `answers` (stamina's formula, computed here so the deadline
        check knows it): `wait_initial * 2**(n-1)` plus up to `wait_jitter`, at most `wait_max`."""
        jitter = random.uniform(0, self.policy.wait_jitter) if self.policy.wait_jitter else 0.0  # noqa: S311
        try:
            return float(min(self.policy.wait_max, self.policy.wait_initial * 2 ** (self.answers - 1) + jitter))
        except OverflowError:
            return self.policy.wait_max


def _retry_options(policy: RetryPolicy, started: float) -> dict[str, Any]:
    return {
        "on": _Backoff(policy, started),
        "attempts": policy.attempts,
        "timeout": policy.timeout or None,
        "wait_initial": policy.wait_initial,
        "wait_max": policy.wait_max,
        "wait_jitter": policy.wait_jitter,
    }


class RetryingTransport(httpx.BaseTransport):
    """Retries answers in `policy.statuses` for the methods the policy allows; hands on the last one when done."""

    def __init__(self, inner: httpx.BaseTransport, policy: RetryPolicy) -> None:
        self.inner = inner
        self.policy = policy

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        started = time.monotonic()
        first: httpx.Response | None = self.inner.handle_request(request)
        assert first is not None
        if first.status_code not in self.policy.statuses or not self.policy.applies_to(request.method):
            return first  # the common case pays nothing for retries
        try:
            for attempt in stamina.retry_context(**_retry_options(self.policy, started)):
                with attempt:
                    if first is not None:
                        response, first = first, None  # the answer already received is the first attempt
                    else:
                        response = self.inner.handle_request(request)
                    if response.status_code in self.policy.statuses:
                        response.request = request
                        response.read()
                        raise RetryableAnswer(response)
                    return response
        except RetryableAnswer as exhausted:
            return exhausted.response
        raise AssertionError("unreachable: stamina either returns or raises")

    def close(self) -> None:
        self.inner.close()


class AsyncRetryingTransport(httpx.AsyncBaseTransport):
    """`RetryingTransport` for `httpx.AsyncClient`."""

    def __init__(self, inner: httpx.AsyncBaseTransport, policy: RetryPolicy) -> None:
        self.inner = inner
        self.policy = policy

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        started = time.monotonic()
        first: httpx.Response | None = await self.inner.handle_async_request(request)
        assert first is not None
        if first.status_code not in self.policy.statuses or not self.policy.applies_to(request.method):
            return first
        try:
            async for attempt in stamina.retry_context(**_retry_options(self.policy, started)):
                with attempt:
                    if first is not None:
                        response, first = first, None
                    else:
                        response = await self.inner.handle_async_request(request)
                    if response.status_code in self.policy.statuses:
                        response.request = request
                        await response.aread()
                        raise RetryableAnswer(response)
                    return response
        except RetryableAnswer as exhausted:
            return exhausted.response
        raise AssertionError("unreachable: stamina either returns or raises")

    async def aclose(self) -> None:
        await self.inner.aclose()


class RequestHooks:
    """httpx event hooks naming each request's operation, adding its headers, and raising typed errors."""

    def __init__(self, operations: OperationIndex, base_path: str) -> None:
        self.operations = operations
        self.base_path = base_path.rstrip("/")
        self.validation: Any = None
        """A `jsm.validation.ResponseValidation` when the client validates answers (set by the client)."""
        self.probe: Any = None
        """Reads `/servicedeskapi/info` for the site version a deviation carries (sync or async, by the client)."""

    def operation_of(self, request: httpx.Request) -> Operation | None:
        path = request.url.path
        if self.base_path and path.startswith(self.base_path):
            path = path[len(self.base_path) :]
        return self.operations.match(request.method, path)

    def on_request(self, request: httpx.Request) -> None:
        op = self.operation_of(request)
        if op is not None:
            request.extensions[OPERATION_KEY] = op
            if op.experimental:
                request.headers[EXPERIMENTAL_HEADER[0]] = EXPERIMENTAL_HEADER[1]
        if request.headers.get("Content-Type", "").lower().startswith("multipart/form-data"):
            request.headers[UPLOAD_HEADER[0]] = UPLOAD_HEADER[1]

    def on_response(self, response: httpx.Response) -> None:
        if self.validation is not None:
            response.read()
            self.validation.check(response, self.probe)
        if response.status_code < 400 and "X-Seraph-LoginReason" not in response.headers:
            return
        response.read()
        self._raise_for(response)

    async def on_response_async(self, response: httpx.Response) -> None:
        if self.validation is not None:
            await response.aread()
            await self.validation.acheck(response, self.probe)
        if response.status_code < 400 and "X-Seraph-LoginReason" not in response.headers:
            return
        await response.aread()
        self._raise_for(response)

    async def on_request_async(self, request: httpx.Request) -> None:
        self.on_request(request)

    def _raise_for(self, response: httpx.Response) -> None:
        request = response.request
        op = request.extensions.get(OPERATION_KEY)
        label = op.label if isinstance(op, Operation) else f"{request.method} {request.url.path}"
        error = error_for(response, operation=label)
        if error is not None:
            raise error

    def sync_hooks(self) -> dict[str, list[Callable[..., object]]]:
        return {"request": [self.on_request], "response": [self.on_response]}

    def async_hooks(self) -> dict[str, list[Callable[..., object]]]:
        return {"request": [self.on_request_async], "response": [self.on_response_async]}
