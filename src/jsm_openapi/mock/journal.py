"""A record of every API exchange (off by default), so tests can check each answer against the patched document."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .faults import API_PREFIXES


@dataclass(frozen=True)
class Exchange:
    """One request and the answer the mock gave."""

    method: str
    path: str
    query: str
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")

    def __str__(self) -> str:
        return f"{self.method} {self.path}{'?' + self.query if self.query else ''} → {self.status}"


@dataclass
class Journal:
    enabled: bool = False
    _entries: list[Exchange] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, exchange: Exchange) -> None:
        with self._lock:
            self._entries.append(exchange)

    def entries(self) -> list[Exchange]:
        with self._lock:
            return list(self._entries)

    def drain(self) -> list[Exchange]:
        """Every exchange so far, forgetting them."""
        with self._lock:
            taken, self._entries = self._entries, []
            return taken


class JournalMiddleware:
    def __init__(self, app: ASGIApp, journal: Journal) -> None:
        self.app = app
        self.journal = journal

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.journal.enabled or scope["type"] != "http" or not str(scope["path"]).startswith(API_PREFIXES):
            await self.app(scope, receive, send)
            return
        status = 0
        headers: dict[str, str] = {}
        chunks: list[bytes] = []

        async def record(message: Message) -> None:
            nonlocal status, headers
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = {k.decode().lower(): v.decode() for k, v in message.get("headers", [])}
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    self.journal.add(
                        Exchange(
                            scope["method"],
                            scope["path"],
                            scope.get("query_string", b"").decode(),
                            status,
                            headers,
                            b"".join(chunks),
                        )
                    )
            await send(message)

        await self.app(scope, receive, record)
