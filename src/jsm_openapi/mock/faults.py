"""Fault injection (off by default): added latency, 429 with Retry-After and rate-limit headers, 503.

Applies to the API only (`/rest/...`, `/secure/...`), never to `/_mock/...`, and reads the `Faults` object on
every request, so a test can start a 429 storm on a running mock by changing it.
"""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime

from starlette.types import ASGIApp, Receive, Scope, Send

from .config import Faults

API_PREFIXES = ("/rest/", "/secure/")


def _headers(status: int, flavor: str, retry_after: int) -> list[tuple[bytes, bytes]]:
    headers = {"content-type": "application/json;charset=UTF-8", "retry-after": str(retry_after)}
    if status == 429:
        reset = datetime.fromtimestamp(time.time() + retry_after, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        if flavor == "cloud":
            headers |= {
                "x-ratelimit-limit": "100",
                "x-ratelimit-remaining": "0",
                "x-ratelimit-reset": reset,
                "ratelimit-reason": "jira-quota-global-based",
            }
        else:
            headers |= {
                "x-ratelimit-limit": "100",
                "x-ratelimit-remaining": "0",
                "x-ratelimit-fillrate": "10",
                "x-ratelimit-interval-seconds": "1",
            }
    return [(k.encode(), v.encode()) for k, v in headers.items()]


def _body(status: int) -> bytes:
    if status == 429:
        message, key = "Rate limit exceeded.", "sd.error.rate.limited"
    else:
        message, key = "Service unavailable: try again later.", "sd.error.unavailable"
    return json.dumps({"errorMessage": message, "i18nErrorMessage": {"i18nKey": key, "parameters": []}}).encode()


class FaultMiddleware:
    def __init__(self, app: ASGIApp, faults: Faults, flavor: str = "cloud") -> None:
        self.app = app
        self.faults = faults
        self.flavor = flavor

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope["path"]).startswith(API_PREFIXES):
            await self.app(scope, receive, send)
            return
        if self.faults.latency_ms > 0:
            await asyncio.sleep(self.faults.latency_ms / 1000)
        fault = self.faults.draw()
        if fault is None:
            await self.app(scope, receive, send)
            return
        status = int(fault)
        body = _body(status)
        headers = [
            *_headers(status, self.flavor, self.faults.retry_after),
            (b"content-length", str(len(body)).encode()),
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
