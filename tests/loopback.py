"""A JSM stand-in over real HTTP on loopback, for tests of one behaviour of the generated clients.

Its answers come from a handler the test gives (its own small logic); every request is kept for assertions. The
`loopback` fixture (tests/conftest.py) starts one per test.
"""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

Reply = tuple[int, dict[str, str], bytes]


@dataclass
class Received:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Loopback:
    """A JSM stand-in: `handler` decides every answer; `received` keeps every request."""

    url: str
    handler: Callable[[Received], Reply] = lambda _r: (500, {}, b"")
    received: list[Received] = field(default_factory=list)


def json_reply(status: int, body: Any, **headers: str) -> Reply:
    return status, {"Content-Type": "application/json", **headers}, json.dumps(body).encode()


@contextmanager
def serve() -> Iterator[Loopback]:
    """Run a Loopback on a free port until the block ends."""
    state = Loopback(url="")

    class Handler(http.server.BaseHTTPRequestHandler):
        def _serve(self) -> None:
            parts = urlsplit(self.path)
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            request = Received(self.command, parts.path, parse_qs(parts.query), dict(self.headers.items()), body)
            state.received.append(request)
            status, headers, payload = state.handler(request)
            self.send_response(status)
            for name, value in {**headers, "Content-Length": str(len(payload))}.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_DELETE = _serve

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
